//! The customer display in the real app (demo mode, WebKitWebDriver under Xvfb): the counter's
//! top bar opens its window, which shows the cart as lines are added at the counter (while the
//! counter keeps working), the QR once the cashier charges, then "Paid — thank you"; a declined
//! card shows "Declined — please try again" and the next cart ends it. With
//! `KASSE_E2E_SHOTS=1` the display is photographed in English and Norwegian, light and dark
//! (`target/e2e-screenshots/display-*`).

use std::ops::ControlFlow::{Break, Continue};
use std::time::Duration;

use anyhow::{anyhow, Result};
use fantoccini::wd::WindowHandle;
use fantoccini::Client;
use kasse_e2e::{
    attr, click, launch_kasse as launch, poll, reload_in, screenshot, wait_for, wait_text, within,
    LOOKS,
};
use serde_json::json;

mod sim;

/// The simulator's test payment of session `sid` with `card`, as the customer's phone would.
async fn pay(base: &str, sid: &str, card: &str) -> Result<()> {
    let path = format!("/_sim/sessions/{sid}/pay");
    sim::control(base, reqwest::Method::POST, &path, json!({ "card": card })).await?;
    Ok(())
}

/// The customer display's window: the one that is not the counter's.
async fn display_window(c: &Client, counter: &WindowHandle) -> Result<WindowHandle> {
    poll(c, async || {
        let all = within("windows", c.windows()).await?;
        let display = all.into_iter().find(|w| w != counter);
        Ok(display.map_or_else(|| Continue("no display window opened".into()), Break))
    })
    .await
}

/// Switches to the window `to`.
async fn to(c: &Client, to: &WindowHandle) -> Result<()> {
    within("switching window", c.switch_to_window(to.clone())).await
}

/// The checkout's base URL and session id, from the counter's QR.
async fn checkout(c: &Client) -> Result<(String, String)> {
    let url = attr(c, "#qr", "data-url").await?.unwrap_or_default();
    let (base, rest) = url
        .split_once("/v1/view/")
        .ok_or_else(|| anyhow!("checkout URL {url}"))?;
    Ok((
        base.to_owned(),
        rest.split('?').next().unwrap_or_default().to_owned(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_sees_the_cart_the_qr_and_the_outcome() -> Result<()> {
    // The network display's port, free on this machine (the app inherits it; the only test in
    // this binary, so no other thread reads the environment meanwhile).
    let port = kasse_e2e::free_port()?;
    std::env::set_var("KASSE_DISPLAY_PORT", port.to_string());
    let app = launch("customer-display").await?;
    let c = &app.client;
    let counter = within("the counter's window", c.window()).await?;

    click(c, "#display-btn").await?;
    wait_for(c, "#display-btn[aria-pressed='true']").await?;
    let display = display_window(c, &counter).await?;
    to(c, &display).await?;
    wait_for(c, "#customer-display[data-phase='idle']").await?;
    wait_text(c, "#display-headline", "Welcome").await?;

    // Lines added at the counter appear on the display.
    to(c, &counter).await?;
    click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    click(c, "[data-testid=quick-item][data-id='bun']").await?;
    let total = wait_text(c, "#charge-btn", "123").await?;
    to(c, &display).await?;
    wait_for(c, "#customer-display[data-phase='cart']").await?;
    let lines = wait_text(c, "#display-lines", "Cinnamon bun").await?;
    assert!(lines.contains("Coffee"), "{lines}");
    assert!(lines.contains("2 × NOK"), "{lines}");
    let amount = wait_text(c, "#display-amount", "123.00").await?;
    assert!(total.contains(&amount), "{total:?} vs {amount:?}");
    wait_text(c, "#display-total", "incl. VAT").await?;

    // Charged: the QR; paid: thank you.
    to(c, &counter).await?;
    click(c, "#charge-btn:not([disabled])").await?;
    let (base, sid) = checkout(c).await?;
    to(c, &display).await?;
    wait_for(c, "#customer-display[data-phase='waiting'] #display-qr svg").await?;
    wait_text(c, "#display-headline", "Scan the code").await?;
    wait_text(c, "#display-lines", "Coffee").await?;
    pay(&base, &sid, "4000000000000002").await?;
    wait_for(c, "#customer-display[data-phase='paid']").await?;
    wait_text(c, "#display-headline", "Paid — thank you").await?;

    // The next customer: a declined card, then a new cart ends it.
    to(c, &counter).await?;
    wait_for(c, "#charge-status[data-phase='paid']").await?;
    within("to Sell", c.execute("location.hash = '#/sell';", vec![])).await?;
    click(c, "[data-testid=quick-item][data-id='tea']").await?;
    to(c, &display).await?;
    wait_for(c, "#customer-display[data-phase='cart']").await?;
    to(c, &counter).await?;
    click(c, "#charge-btn:not([disabled])").await?;
    let (base, sid) = checkout(c).await?;
    to(c, &display).await?;
    wait_for(c, "#customer-display[data-phase='waiting']").await?;
    pay(&base, &sid, "4100000000000076").await?;
    wait_for(c, "#customer-display[data-phase='declined']").await?;
    wait_text(c, "#display-headline", "Declined — please try again").await?;
    wait_text(c, "#display-lines", "Tea").await?;

    if std::env::var("KASSE_E2E_SHOTS").as_deref() == Ok("1") {
        shots(c, &counter, &display).await?;
    }

    // The counter's page reloaded still knows the display is open; the counter closes it.
    to(c, &counter).await?;
    within("reloading", c.execute("location.reload();", vec![])).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for(c, "body[data-ready='1'] #display-btn[aria-pressed='true']").await?;
    click(c, "#display-btn[aria-pressed='true']").await?;
    wait_for(c, "#display-btn[aria-pressed='false']").await?;

    tablet(c, port).await?;
    let _ = app.client.close().await;
    Ok(())
}

/// A tablet on the shop's network (headless Chromium): Settings turns the network display on
/// and shows the pairing code; the tablet's page (the UI's display screen, served by the
/// counter) refuses a wrong code, pairs with the right one, and then follows the cart live.
async fn tablet(c: &Client, port: u16) -> Result<()> {
    within(
        "to Settings",
        c.execute("location.hash = '#/settings';", vec![]),
    )
    .await?;
    click(c, "#display-lan:not([disabled])").await?;
    let code = wait_text(c, "#display-lan-code", "").await?;
    let code = code.trim().to_owned();
    assert_eq!(code.len(), 6, "{code:?}");

    let (_driver, tab) = kasse_e2e::Driver::chromium().await?;
    within(
        "opening the page",
        tab.goto(&format!("http://127.0.0.1:{port}/")),
    )
    .await?;
    wait_for(&tab, "#pair #code").await?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    kasse_e2e::type_into(&tab, "#code", wrong).await?;
    click(&tab, "#pair-btn").await?;
    wait_text(&tab, "#pair-error", "not right").await?;
    if std::env::var("KASSE_E2E_SHOTS").as_deref() == Ok("1") {
        screenshot(&tab, "display-lan-pair").await?;
    }
    kasse_e2e::type_into(&tab, "#code", &code).await?;
    click(&tab, "#pair-btn").await?;
    wait_for(&tab, "#customer-display").await?;

    // The counter starts a cart: the tablet shows it as it grows.
    within("to Sell", c.execute("location.hash = '#/sell';", vec![])).await?;
    click(c, "[data-testid=quick-item][data-id='sandwich']").await?;
    wait_for(&tab, "#customer-display[data-phase='cart']").await?;
    wait_text(&tab, "#display-lines", "Sandwich").await?;
    click(c, "[data-testid=quick-item][data-id='bag']").await?;
    wait_text(&tab, "#display-lines", "Carrier bag").await?;
    click(c, "#charge-btn:not([disabled])").await?;
    wait_for(
        &tab,
        "#customer-display[data-phase='waiting'] #display-qr svg",
    )
    .await?;
    if std::env::var("KASSE_E2E_SHOTS").as_deref() == Ok("1") {
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(&tab, "display-lan-qr").await?;
        within(
            "to Settings",
            c.execute("location.hash = '#/settings';", vec![]),
        )
        .await?;
        let into_view =
            "document.querySelector('#display-section').scrollIntoView({block: 'center'});";
        wait_for(c, "#display-lan-code").await?;
        within("scrolling", c.execute(into_view, vec![])).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, "display-lan-settings").await?;
    }
    let _ = tab.close().await;
    Ok(())
}

/// What a page shows once it is drawn.
const READY: &str = "body[data-ready='1']";

/// The display's phases (cart, QR, paid) in English and Norwegian, light and dark.
async fn shots(c: &Client, counter: &WindowHandle, display: &WindowHandle) -> Result<()> {
    for (lang, theme) in LOOKS {
        let name = format!("{lang}-{theme}");
        // The counter's Settings card and top bar in this language and theme.
        to(c, counter).await?;
        reload_in(c, lang, theme, "#/settings", READY).await?;
        let into_view =
            "document.querySelector('#display-section').scrollIntoView({block: 'center'});";
        wait_for(c, "#display-lan:not([disabled])").await?;
        within("scrolling", c.execute(into_view, vec![])).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, &format!("display-settings-{name}")).await?;
        to(c, display).await?;
        reload_in(c, lang, theme, "#/display", READY).await?;
        to(c, counter).await?;
        within("to Sell", c.execute("location.hash = '#/sell';", vec![])).await?;
        for item in ["coffee", "apples", "bag"] {
            click(c, &format!("[data-testid=quick-item][data-id='{item}']")).await?;
            if item == "apples" {
                weigh(c).await?;
            }
        }
        to(c, display).await?;
        wait_for(c, "#customer-display[data-phase='cart']").await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, &format!("display-cart-{name}")).await?;
        to(c, counter).await?;
        click(c, "#charge-btn:not([disabled])").await?;
        let (base, sid) = checkout(c).await?;
        to(c, display).await?;
        wait_for(c, "#customer-display[data-phase='waiting']").await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, &format!("display-qr-{name}")).await?;
        pay(&base, &sid, "4000000000000002").await?;
        wait_for(c, "#customer-display[data-phase='paid']").await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, &format!("display-paid-{name}")).await?;
        to(c, counter).await?;
        wait_for(c, "#charge-status[data-phase='paid']").await?;
    }
    Ok(())
}

/// Weighs the apples the cashier tapped: 0.512 kg on the scale's dialog.
async fn weigh(c: &Client) -> Result<()> {
    kasse_e2e::type_into(c, "#weight-input", "0.512").await?;
    click(c, "#weigh-add-btn").await
}
