//! "Pay here" in the real app (demo mode, WebKitWebDriver under Xvfb): the pay window is Kasse's
//! page with the checkout embedded by Dintero's Web SDK (the real SDK, against the demo
//! simulator, whose page speaks its protocol). The customer pays with the simulator's test card
//! inside the iframe and the counter shows Paid, the window closing with its sale; the next
//! customer cancels inside the embed and the counter says so ("The customer cancelled").

use std::ops::ControlFlow::{Break, Continue};

use anyhow::{anyhow, Result};
use fantoccini::{wd::WindowHandle, Client};
use kasse_e2e::{
    attr, click, enter_checkout, invoke, launch_kasse as launch, poll, screenshot, until, wait_for,
    within,
};
use serde_json::json;

/// Sells one quick item and returns the sale being charged (the one open sale with the QR's
/// session).
async fn sell(c: &Client, item: &str) -> Result<String> {
    click(c, "#nav-sell").await?;
    click(c, &format!("[data-testid=quick-item][data-id='{item}']")).await?;
    click(c, "#charge-btn").await?;
    let url = attr(c, "#qr", "data-url").await?.unwrap_or_default();
    let open = invoke(c, "parked", json!({})).await?;
    let found = open.as_array().into_iter().flatten().find(|s| {
        s["session_id"]
            .as_str()
            .is_some_and(|sid| url.contains(&format!("/v1/view/{sid}")))
    });
    found
        .and_then(|s| s["sale_id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no open sale for {url}: {open}"))
}

/// Presses Pay here and switches to the pay window that opens; returns the counter's window.
async fn pay_here(c: &Client) -> Result<WindowHandle> {
    let counter = within("counter window", c.window()).await?;
    click(c, "#pay-here-btn").await?;
    let pay = poll(c, async || {
        let all = within("windows", c.windows()).await?;
        let pay = all.into_iter().find(|w| *w != counter);
        Ok(pay.map_or_else(|| Continue("the pay window did not open".into()), Break))
    })
    .await?;
    within("to the pay window", c.switch_to_window(pay)).await?;
    Ok(counter)
}

/// Back on the counter: waits until the Charge screen is in `phase`, the sale logged as one of
/// `statuses` and the pay window gone.
async fn counter_shows(
    c: &Client,
    counter: WindowHandle,
    sale: &str,
    phase: &str,
    statuses: &[&str],
) -> Result<()> {
    within("to the counter", c.switch_to_window(counter)).await?;
    wait_for(c, &format!("#charge-status[data-phase='{phase}']")).await?;
    poll(c, async || {
        let detail = invoke(c, "sale_detail", json!({"saleId": sale})).await?;
        let windows = within("windows", c.windows()).await?.len();
        let status = detail["sale"]["status"].as_str().unwrap_or_default();
        Ok(until(
            statuses.contains(&status) && windows == 1,
            (),
            || {
                format!(
                    "sale {sale}: {status} with {windows} windows, expected {statuses:?} with 1"
                )
            },
        ))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_pays_or_cancels_in_the_embedded_checkout() -> Result<()> {
    let app = launch("embedded").await?;
    let c = &app.client;
    let sale = sell(c, "coffee").await?;
    let counter = pay_here(c).await?;
    // Kasse's own page, with the SDK's iframe from the simulator.
    let page = within("pay window URL", c.current_url()).await?;
    assert_eq!(page.path(), "/pay.html", "{page}");
    let src = attr(c, "#checkout iframe", "src")
        .await?
        .unwrap_or_default();
    assert!(src.contains("sdk=") && src.contains("sid="), "{src}");
    enter_checkout(c).await?;
    wait_for(c, "#card").await?;
    screenshot(c, "embedded-checkout").await?;
    // The simulator's test card that succeeds (Visa, 3DS frictionless).
    click(c, ".cards button[value='4000000000000002']").await?;
    // Paid: authorised, and captured at once when the counter captures at payment.
    counter_shows(c, counter, &sale, "paid", &["authorized", "captured"]).await?;
    screenshot(c, "embedded-paid").await?;

    // The next customer cancels inside the embed: the counter says who cancelled.
    let sale = sell(c, "tea").await?;
    let counter = pay_here(c).await?;
    enter_checkout(c).await?;
    click(c, "button.cancel").await?;
    counter_shows(c, counter, &sale, "cancelled", &["cancelled"]).await?;
    let said = within("status", wait_for(c, "#charge-status").await?.text()).await?;
    assert!(said.contains("The customer cancelled"), "{said}");
    screenshot(c, "embedded-customer-cancelled").await?;
    Ok(())
}
