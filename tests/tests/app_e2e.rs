//! The real desktop app (`target/debug/kasse`, demo mode) driven through WebKitWebDriver under
//! Xvfb, the customer played through the demo simulator's `/_sim/` endpoints. Each main screen
//! is saved under `target/e2e-screenshots/`.
//!
//! Build the app first (`cargo build -p kasse`; `cargo xtask test` does it). Each test starts its
//! own display, driver and app, with its own data directory.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::{Client, Locator};
use kasse_e2e::{launch_kasse as launch, screenshot, wait_for, within};
use serde_json::{json, Value};

async fn click(c: &Client, css: &str) -> Result<()> {
    let e = wait_for(c, css).await?;
    if within(&format!("clicking {css}"), e.click()).await.is_ok() {
        return Ok(());
    }
    // Re-rendered under us (stale element) or covered: click the current one from the page.
    within(
        &format!("clicking {css} from the page"),
        c.execute(
            "document.querySelector(arguments[0]).click();",
            vec![json!(css)],
        ),
    )
    .await
    .map(|_| ())
}

/// Clicks the confirmation dialog's button when one is shown.
async fn confirm_if_asked(c: &Client) -> Result<()> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let Ok(Ok(e)) =
        tokio::time::timeout(Duration::from_secs(2), c.find(Locator::Css("#confirm-btn"))).await
    {
        within("confirming", e.click()).await?;
    }
    Ok(())
}

async fn attr(c: &Client, css: &str, name: &str) -> Result<Option<String>> {
    let e = wait_for(c, css).await?;
    within(&format!("reading {css}[{name}]"), e.attr(name)).await
}

async fn invoke(c: &Client, cmd: &str, args: Value) -> Result<Value> {
    within(
        &format!("invoking {cmd}"),
        c.execute(
            "return window.__TAURI__.core.invoke(arguments[0], arguments[1]);",
            vec![json!(cmd), args],
        ),
    )
    .await
}

/// The checkout URL on the Charge screen → (simulator base URL, session id).
async fn checkout(c: &Client) -> Result<(String, String)> {
    let url = attr(c, "#qr", "data-url")
        .await?
        .ok_or_else(|| anyhow!("#qr has no data-url"))?;
    let (base, sid) = url
        .split_once("/v1/view/")
        .ok_or_else(|| anyhow!("unexpected checkout URL {url}"))?;
    Ok((base.to_owned(), sid.to_owned()))
}

/// The customer, through the simulator.
async fn customer(base: &str, sid: &str, action: &str, body: Value) -> Result<Value> {
    let r = reqwest::Client::new()
        .post(format!("{base}/_sim/sessions/{sid}/{action}"))
        .json(&body)
        .send()
        .await
        .context("calling the simulator")?;
    Ok(r.json().await.unwrap_or(Value::Null))
}

async fn wait_phase(c: &Client, phase: &str) -> Result<()> {
    wait_for(c, &format!("#charge-status[data-phase='{phase}']"))
        .await
        .map(|_| ())
}

async fn sale_status(c: &Client, sale_id: &str) -> Result<String> {
    let d = invoke(c, "sale_detail", json!({"saleId": sale_id})).await?;
    Ok(d["sale"]["status"].as_str().unwrap_or_default().to_owned())
}

async fn wait_status(c: &Client, sale_id: &str, status: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = sale_status(c, sale_id).await?;
        if s == status {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("sale {sale_id} is {s}, expected {status}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn charge_items(c: &Client, items: &[&str]) -> Result<(String, String, String)> {
    click(c, "#nav-sell").await?;
    for i in items {
        click(c, &format!("[data-testid=quick-item][data-id='{i}']")).await?;
    }
    click(c, "#charge-btn").await?;
    wait_for(c, "#qr svg").await?;
    let (base, sid) = checkout(c).await?;
    let page = invoke(c, "parked", json!({})).await?;
    let sale_id = page
        .as_array()
        .and_then(|a| a.iter().find(|s| s["session_id"] == sid.as_str()))
        .and_then(|s| s["sale_id"].as_str())
        .ok_or_else(|| anyhow!("the charged sale is not among the open sales: {page}"))?
        .to_owned();
    Ok((base, sid, sale_id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sell_pay_capture_and_refund_one_line_of_three() -> Result<()> {
    let app = launch("flow").await?;
    let c = &app.client;
    assert_eq!(
        attr(c, "#mode-badge", "data-mode").await?.as_deref(),
        Some("demo")
    );
    click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    click(c, "[data-testid=quick-item][data-id='tea']").await?;
    click(c, "[data-testid=quick-item][data-id='bun']").await?;
    assert_eq!(
        attr(c, "#cart-total", "data-amount").await?.as_deref(),
        Some("11900")
    );
    screenshot(c, "sell").await?;

    click(c, "#charge-btn").await?;
    wait_for(c, "#qr svg").await?;
    assert_eq!(
        attr(c, "#charge-amount", "data-amount").await?.as_deref(),
        Some("11900")
    );
    wait_phase(c, "waiting").await?;
    screenshot(c, "charge-waiting").await?;
    let (base, sid) = checkout(c).await?;

    customer(&base, &sid, "visit", json!({})).await?;
    wait_phase(c, "paying").await?;
    customer(&base, &sid, "pay", json!({"card": "4000000000000002"})).await?;
    wait_phase(c, "paid").await?;
    screenshot(c, "charge-paid").await?;

    click(c, "#nav-transactions").await?;
    let row_css = "[data-testid=sale-row][data-status='authorized']";
    let sale_id = attr(c, row_css, "data-sale-id")
        .await?
        .ok_or_else(|| anyhow!("row without id"))?;
    screenshot(c, "transactions").await?;
    click(c, row_css).await?;
    wait_for(c, "#capture-btn").await?;
    screenshot(c, "sale-detail").await?;

    click(c, "#capture-btn").await?;
    confirm_if_asked(c).await?;
    wait_status(c, &sale_id, "captured").await?;

    // Refund the second line (Tea, 35.00) by line.
    click(c, "#refund-mode-lines").await?;
    let qty = wait_for(c, "[data-testid=refund-line-qty][data-line-id='2']").await?;
    within("clearing qty", qty.clear()).await?;
    within("typing qty", qty.send_keys("1")).await?;
    click(c, "#refund-btn").await?;
    confirm_if_asked(c).await?;
    wait_status(c, &sale_id, "partially_refunded").await?;
    screenshot(c, "sale-refunded").await?;
    let d = invoke(c, "sale_detail", json!({"saleId": sale_id})).await?;
    assert_eq!(d["sale"]["captured"], 11900);
    assert_eq!(d["sale"]["refunded"], 3500);
    assert_eq!(d["refunded_quantities"]["2"], "1");

    // The list shows it.
    click(c, "#nav-transactions").await?;
    wait_for(
        c,
        "[data-testid=sale-row][data-status='partially_refunded']",
    )
    .await?;
    let _ = app.client.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_card_cancel_and_park() -> Result<()> {
    let app = launch("declined").await?;
    let c = &app.client;

    // A declined card.
    let (base, sid, sale) = charge_items(c, &["coffee"]).await?;
    customer(&base, &sid, "pay", json!({"card": "4100000000000076"})).await?;
    wait_phase(c, "declined").await?;
    screenshot(c, "charge-declined").await?;
    assert_eq!(sale_status(c, &sale).await?, "declined");

    // The customer walks away: the cashier cancels.
    let (_, _, sale) = charge_items(c, &["tea"]).await?;
    click(c, "#cancel-charge-btn").await?;
    confirm_if_asked(c).await?;
    wait_status(c, &sale, "cancelled").await?;

    // Park one, sell on, the parked one completes in the background.
    let (base, sid, sale) = charge_items(c, &["sandwich"]).await?;
    click(c, "#park-btn").await?;
    wait_for(c, "#parked-count[data-count='1']").await?;
    customer(&base, &sid, "pay", json!({"card": "5200000000000007"})).await?;
    wait_status(c, &sale, "authorized").await?;
    wait_for(c, "#parked-count[data-count='0']").await?;
    wait_for(c, "[data-testid=toast]").await?;
    screenshot(c, "parked-paid-toast").await?;
    let _ = app.client.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_here_window_and_settings_validation() -> Result<()> {
    let app = launch("payhere").await?;
    let c = &app.client;
    let (_, _, sale) = charge_items(c, &["coffee", "bag"]).await?;
    let main = within("main window", c.window()).await?;
    click(c, "#pay-here-btn").await?;

    // The pay window opens on the simulator's checkout page.
    let deadline = Instant::now() + Duration::from_secs(20);
    let pay = loop {
        let handles = within("windows", c.windows()).await?;
        if let Some(h) = handles.into_iter().find(|h| *h != main) {
            break h;
        }
        if Instant::now() > deadline {
            bail!("the pay window did not open");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    within("switching to the pay window", c.switch_to_window(pay)).await?;
    let card = wait_for(c, "#card").await?;
    screenshot(c, "pay-here-checkout").await?;
    within("card", card.clear()).await?;
    within("card", card.send_keys("4000000000000002")).await?;
    click(c, "button.pay").await?;

    // The return URL is caught, the window closes, the sale is paid.
    within("back to main", c.switch_to_window(main)).await?;
    wait_status(c, &sale, "authorized").await?;
    wait_phase(c, "paid").await?;
    let handles = within("windows", c.windows()).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut count = handles.len();
    while count > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        count = within("windows", c.windows()).await?.len();
    }
    assert_eq!(count, 1, "the pay window should close after the return URL");

    // Settings: a bad account id is refused with a message next to the field.
    click(c, "#nav-settings").await?;
    let acc = wait_for(c, "#account-id").await?;
    within("account", acc.clear()).await?;
    within("account", acc.send_keys("X1234")).await?;
    click(c, "#save-settings-btn").await?;
    let err = wait_for(c, "#account-id-error").await?;
    let text = within("error text", err.text()).await?;
    assert!(
        text.contains('T') && text.contains('P'),
        "unhelpful error: {text}"
    );
    screenshot(c, "settings-error").await?;
    let _ = app.client.close().await;
    Ok(())
}
