//! Swedish in the real app (demo mode, WebKitWebDriver under Xvfb), issue 14 item 8: Swedish
//! chosen in Settings, a weighed sale walked Sell → Charge → Paid → Transactions → the sale →
//! its receipt → the day's X and Z reports, each screen read for Swedish words, amounts as
//! Swedish writes them ("53,96 NOK", decimal comma) and no English word; the customer's
//! checkout page (the simulator's) speaks Swedish too. Screenshots of each screen, light and
//! dark, under `target/e2e-screenshots/sv-*`.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use fantoccini::Client;
use kasse_e2e::{
    attr, choose_language, click, launch_kasse, screenshot, type_into, wait_for, within,
};
use serde_json::json;

/// English words that must not be on a Swedish screen (whole words; "Totalt" is no "Total").
const ENGLISH: &[&str] = &[
    "Sale",
    "Sell",
    "Charge",
    "Paid",
    "Cart",
    "Receipt",
    "VAT",
    "Total",
    "Amount",
    "Capture",
    "Captured",
    "Refund",
    "Refunded",
    "Authorised",
    "authorized",
    "Waiting",
    "Settings",
    "Transactions",
    "Reference",
    "report",
    "Thank",
    "opened",
    "seen",
    "the",
    "of",
    "and",
    "with",
];

/// Fails when `text`, shown in Swedish, has an English word or a number with a decimal point
/// (an id with letters in it, `T12345678.46…`, is no number).
fn assert_swedish(what: &str, text: &str) {
    let english: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| ENGLISH.contains(w))
        .collect();
    assert!(
        english.is_empty(),
        "{what}: English {english:?} in {text:?}"
    );
    let point = text
        .split_whitespace()
        .filter(|w| !w.chars().any(char::is_alphabetic))
        .any(|w| {
            w.as_bytes()
                .windows(3)
                .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
        });
    assert!(!point, "{what}: a decimal point in {text:?}");
}

/// Fails unless `text` has each of `words`.
fn assert_has(text: &str, words: &[&str]) {
    let missing: Vec<&&str> = words.iter().filter(|w| !text.contains(**w)).collect();
    assert!(missing.is_empty(), "{missing:?} not in {text:?}");
}

/// Everything a person reads under `css`, once it says `part` (polling while the screen fills).
async fn reads(c: &Client, css: &str, part: &str) -> Result<String> {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText || e.textContent : '';";
    for _ in 0..200 {
        let v = within(
            &format!("reading {css}"),
            c.execute(script, vec![json!(css)]),
        )
        .await?;
        let text = v.as_str().unwrap_or_default().replace('\u{a0}', " ");
        if text.contains(part) {
            return Ok(text);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = screenshot(c, "failure").await;
    bail!("{css} never said {part:?}")
}

/// The screen as it is, in the light and the dark palette: `sv-{name}-light`, `sv-{name}-dark`.
async fn shots(c: &Client, name: &str) -> Result<()> {
    let set = "const d = document.documentElement; const was = d.dataset.theme; d.dataset.theme = arguments[0]; return was;";
    let mut was = json!("light");
    for theme in ["light", "dark"] {
        let before = within("theme", c.execute(set, vec![json!(theme)])).await?;
        if theme == "light" {
            was = before;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        screenshot(c, &format!("sv-{name}-{theme}")).await?;
    }
    within("theme back", c.execute(set, vec![was])).await?;
    Ok(())
}

/// The customer's phone: the checkout page in the counter's language, then a test card paid
/// through its form (what the page's Pay button posts).
async fn customer_pays_in_swedish(url: &str, total: &str) -> Result<()> {
    let (page, query) = url
        .split_once('?')
        .ok_or_else(|| anyhow!("no language in the checkout URL {url}"))?;
    assert_eq!(query, "language=sv", "{url}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let html = http
        .get(url)
        .send()
        .await?
        .text()
        .await?
        .replace("&nbsp;", " ");
    let html = html.replace('\u{a0}', " ");
    assert!(html.contains("<html lang=\"sv\""), "{html}");
    assert!(html.contains(&format!("Betala {total}")), "{html}");
    assert!(html.contains("varav moms"), "{html}");
    let paid = http
        .post(format!("{page}/pay?{query}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("card=4000000000000002")
        .send()
        .await?;
    assert!(
        paid.status().is_redirection() || paid.status().is_success(),
        "paying: {}",
        paid.status()
    );
    Ok(())
}

/// Issue 14, item 8: the whole counter in Swedish, words and numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swedish_counter_sells_reports_and_writes_numbers_as_swedish_does() -> Result<()> {
    let app = launch_kasse("swedish").await?;
    let c = &app.client;

    // Settings: Swedish is in the list, by its own name, and the whole app follows it.
    click(c, "#nav-settings").await?;
    let names = reads(c, "#language", "Svenska").await?;
    assert!(!names.contains("delvis"), "{names:?}");
    choose_language(c, "sv").await?;
    let settings = reads(c, "#main", "Språk").await?;
    assert!(settings.contains("Inställningar"), "{settings}");
    shots(c, "settings").await?;

    // Sell: the demo's quick items in Swedish; a coffee and 0,375 kg of apples.
    click(c, "#nav-sell").await?;
    let tiles = reads(c, "#main", "Kanelbulle").await?;
    assert_has(
        &tiles,
        &["Kaffe", "Smörgås", "Äpplen (kg)", "Bärkasse", "Snabbvaror"],
    );
    click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    click(c, "[data-testid=quick-item][data-id='apples']").await?;
    let weigh = reads(c, "#weigh", "Vikt").await?;
    assert!(weigh.contains("0,375"), "{weigh}");
    type_into(c, "#weight-input", "0,375").await?;
    click(c, "#weigh-add-btn").await?;
    // 39,00 + 0,375 kg × 39,90 = 39,00 + 14,96.
    let cart = reads(c, "#cart-lines", "0,375 kg × ").await?;
    assert!(cart.contains("39,90 NOK/kg"), "{cart}");
    let total = reads(c, "#cart-total", "53,96 NOK").await?;
    assert_swedish("cart", &format!("{cart}\n{total}"));
    let sell = reads(c, "#main", "varav moms").await?;
    assert!(
        sell.contains("Varukorg") && sell.contains("Ta betalt"),
        "{sell}"
    );
    assert_swedish("sell", &sell);
    shots(c, "sell").await?;

    // Charge: the QR, the amount and the customer paying on the Swedish checkout page.
    click(c, "#charge-btn").await?;
    wait_for(c, "#qr svg").await?;
    let charge = reads(c, "#main", "Väntar på kunden").await?;
    assert!(charge.contains("53,96 NOK"), "{charge}");
    assert_swedish("charge", &charge);
    shots(c, "charge").await?;
    let url = attr(c, "#qr", "data-url")
        .await?
        .ok_or_else(|| anyhow!("#qr has no data-url"))?;
    customer_pays_in_swedish(&url, "53,96 NOK").await?;
    wait_for(c, "#charge-status[data-phase='paid']").await?;
    let paid = reads(c, "#main", "Betald").await?;
    assert!(paid.contains("Nytt köp"), "{paid}");
    assert_swedish("paid", &paid);
    shots(c, "paid").await?;

    // Transactions: the sale's row in Swedish with its amount.
    click(c, "#nav-transactions").await?;
    let row = "[data-testid=sale-row]";
    wait_for(c, row).await?;
    let list = reads(c, "#main", "53,96").await?;
    assert!(
        list.contains("Transaktioner") && list.contains("Referens"),
        "{list}"
    );
    assert_swedish("list", &list);
    shots(c, "transactions").await?;

    // The sale: captured here unless the counter captured it at payment.
    click(c, row).await?;
    wait_for(c, "#sale-title").await?;
    if attr(c, "[data-testid=status-badge]", "data-status")
        .await?
        .as_deref()
        == Some("authorized")
    {
        let badge = reads(c, "[data-testid=status-badge]", "Auktoriserad").await?;
        assert_swedish("badge", &badge);
        let capture = reads(c, "#capture-btn", "Dra").await?;
        assert_swedish("capture button", &capture);
        click(c, "#capture-btn").await?;
        if let Ok(Ok(b)) = tokio::time::timeout(
            Duration::from_secs(2),
            c.find(fantoccini::Locator::Css("#confirm-btn")),
        )
        .await
        {
            reads(c, "#confirm-text", "Dra 53,96 NOK").await?;
            within("confirming", b.click()).await?;
        }
    }
    wait_for(c, "[data-testid=status-badge][data-status='captured']").await?;
    let detail = reads(c, "#main", "Dragen").await?;
    assert_has(
        &detail,
        &["Köp ", "Historik", "0,375 kg", "Moms", "Återbetala"],
    );
    let events = reads(c, "#events", "öppnat: 53,96 NOK").await?;
    assert_swedish("history", &events);
    shots(c, "detail").await?;

    // The receipt: Swedish words, the date as Swedes write it, VAT per rate.
    click(c, "#receipt-link").await?;
    let receipt = reads(c, "#receipt", "Tack för ditt köp").await?;
    assert_has(
        &receipt,
        &[
            "Kvitto",
            "Kassa",
            "Datum",
            "Totalt",
            "Moms",
            "varav moms",
            "53,96 NOK",
        ],
    );
    let date = reads(c, "#receipt-date", ":").await?;
    let iso = date.len() == 16
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b' ',
            13 => b == b':',
            _ => b.is_ascii_digit(),
        });
    assert!(iso, "a Swedish date and time, 2026-12-07 14:05: {date:?}");
    assert_swedish("receipt", &receipt);
    shots(c, "receipt").await?;

    // The day: the X report, then the Z report closes the day.
    click(c, "#nav-day").await?;
    wait_for(c, "#report[data-closing='false']").await?;
    let x = reads(c, "#main", "X-rapport").await?;
    assert_has(
        &x,
        &[
            "Dagsrapport",
            "Per momssats",
            "Per betalsätt",
            "Netto",
            "Draget",
        ],
    );
    reads(c, "#report-net", "53,96").await?;
    assert_swedish("X report", &x);
    shots(c, "day-x").await?;
    click(c, "#z-report-btn").await?;
    let asked = reads(c, "#confirm-text", "Z-rapporten är slutgiltig").await?;
    assert_swedish("Z confirmation", &asked);
    shots(c, "day-z-confirm").await?;
    click(c, "#confirm-btn").await?;
    wait_for(c, "#report[data-closing='true']").await?;
    let z = reads(c, "#report-title", "Z-rapport nr 1 — dagen stängd").await?;
    assert_swedish("Z report", &z);
    shots(c, "day-z").await?;
    let _ = app.client.close().await;
    Ok(())
}
