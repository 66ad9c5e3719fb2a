//! Phone orders in the real app (demo mode, WebKitWebDriver under Xvfb): "Send payment link"
//! on the Sell screen asks for the customer's number (a wrong one is refused in words), sends
//! the checkout link by SMS in the create-session call, and parks the sale so the counter is
//! free; the demo simulator's `/_sim/published` shows the SMS it would have sent, the parked
//! sale's Charge screen says where the link went (masked), the customer pays through the link,
//! and the sale's history keeps the masked number. A second press of the same dialog sends no
//! second SMS. With `KASSE_E2E_SHOTS=1` each step is photographed in English and Norwegian,
//! light and dark (`target/e2e-screenshots/link-*`).

use std::time::Duration;

use anyhow::{anyhow, Result};
use fantoccini::Client;
use kasse_e2e::{
    attr, click, launch_kasse as launch, reload_in, screenshot, type_into, wait_for, wait_text,
    within, LOOKS,
};
use serde_json::{json, Value};
use sim::control;

mod sim;

/// The number the cashier types, as Dintero gets it, and as the screens show it.
const TYPED: &str = "412 34 987";
const E164: &str = "+4741234987";
const MASKED: &str = "+47 ••• •• 987";

/// A Tauri command through the page's IPC.
async fn ipc(c: &Client, cmd: &str, args: Value) -> Result<Value> {
    let script = "return window.__TAURI__.core.invoke(arguments[0], arguments[1]);";
    within(cmd, c.execute(script, vec![json!(cmd), args])).await
}

async fn text_of(c: &Client, css: &str) -> Result<String> {
    let found = wait_for(c, css).await?;
    within(css, found.text()).await
}

/// The open sale (as `parked` lists it) whose reference the toast named.
async fn parked_sale(c: &Client, reference: &str) -> Result<Value> {
    let parked = ipc(c, "parked", json!({})).await?;
    parked
        .as_array()
        .and_then(|all| all.iter().find(|s| s["merchant_reference"] == reference))
        .cloned()
        .ok_or_else(|| anyhow!("{reference} is not parked: {parked}"))
}

/// Coffee in the cart, the dialog open with `number` typed, sent: the sale's reference (from
/// the toast) once the cart is empty again.
async fn send_link(c: &Client, number: &str, shot: Option<&str>) -> Result<String> {
    click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    click(c, "#send-link-btn:not([disabled])").await?;
    type_into(c, "#link-phone", number).await?;
    if let Some(name) = shot {
        // Let the page draw what was typed before it is photographed.
        tokio::time::sleep(Duration::from_millis(400)).await;
        screenshot(c, &format!("link-dialog-{name}")).await?;
    }
    click(c, "#link-send-btn:not([disabled])").await?;
    let toast = wait_text(c, "[data-testid=toast][data-level=success]", MASKED).await?;
    wait_for(c, "#cart-total[data-amount='0']").await?;
    let reference = toast
        .split(['(', ')'])
        .nth(1)
        .ok_or_else(|| anyhow!("no reference in the toast {toast:?}"))?;
    Ok(reference.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_order_s_link_goes_by_sms_parks_the_sale_and_is_paid_through() -> Result<()> {
    let app = launch("payment-link").await?;
    let c = &app.client;

    // A number that is not one: refused in words, nothing sent, the dialog stays.
    click(c, "[data-testid=quick-item][data-id='tea']").await?;
    click(c, "#send-link-btn:not([disabled])").await?;
    type_into(c, "#link-phone", "4123").await?;
    click(c, "#link-send-btn:not([disabled])").await?;
    let refused = text_of(c, "#link-invalid").await?;
    assert!(refused.contains("8 digits"), "{refused:?}");
    assert_eq!(
        attr(c, "#link-phone", "aria-invalid").await?.as_deref(),
        Some("true")
    );
    click(c, "#link-cancel-btn").await?;

    // The link is sent: the toast names the masked number and the reference, the cart is
    // empty for the next customer, the sale waits in the tray.
    let reference = send_link(c, TYPED, None).await?;
    wait_for(c, "#parked-count[data-count='1']").await?;
    let sale = parked_sale(c, &reference).await?;
    assert_eq!(sale["status"], "waiting", "{sale}");
    let sale_id = sale["sale_id"].as_str().unwrap_or_default().to_owned();

    // The parked sale's Charge screen: where the link went, and why there is no resend.
    click(c, "#parked-btn").await?;
    click(c, "[data-testid=parked-item]").await?;
    let said = text_of(c, "#charge-link").await?;
    assert!(said.contains(MASKED), "{said:?}");
    assert_eq!(
        attr(c, "#charge-link", "data-status").await?.as_deref(),
        Some("sent")
    );
    wait_for(c, "#charge-link-resend").await?;
    let url = attr(c, "#qr", "data-url").await?.unwrap_or_default();
    let (base, rest) = url
        .split_once("/v1/view/")
        .ok_or_else(|| anyhow!("checkout URL {url}"))?;
    let sid = rest.split('?').next().unwrap_or_default().to_owned();

    // What the simulator would have sent: one SMS, to the number in E.164, with the link.
    let published = control(base, reqwest::Method::GET, "/_sim/published", Value::Null).await?;
    let list = published.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{published}");
    assert_eq!(list[0]["channel"], "sms");
    assert_eq!(list[0]["to"], E164);
    assert_eq!(list[0]["session_id"], sid.as_str());
    assert_eq!(list[0]["url"], format!("{base}/v1/view/{sid}"));

    // The same press twice (one key): one sale, one SMS more, not two.
    let order = json!({"currency": "NOK", "lines": [{"description": "Te", "quantity": "1", "unit_price": 3500, "vat": "15"}]});
    let args = json!({"order": order, "phone": TYPED, "key": "one-press"});
    let first = ipc(c, "send_link", args.clone()).await?;
    let again = ipc(c, "send_link", args).await?;
    assert_eq!(first["sale_id"], again["sale_id"]);
    assert_eq!(first["link"], json!({"to": MASKED, "status": "sent"}));
    let published = control(base, reqwest::Method::GET, "/_sim/published", Value::Null).await?;
    assert_eq!(published.as_array().map(Vec::len), Some(2), "{published}");

    // The customer opens the link and pays: the counter sees it paid.
    let paid = json!({"card": "4000000000000002"});
    control(
        base,
        reqwest::Method::POST,
        &format!("/_sim/sessions/{sid}/pay"),
        paid,
    )
    .await?;
    wait_for(c, "#charge-status[data-phase='paid']").await?;

    // Its history keeps where the link went, masked.
    let go = "location.hash = arguments[0];";
    within(
        "to the sale",
        c.execute(go, vec![json!(format!("#/transactions/{sale_id}"))]),
    )
    .await?;
    let history = wait_text(c, "#events", MASKED).await?;
    assert!(history.contains("Payment link sent by SMS to"), "{history}");
    assert!(!history.contains("41234987"), "{history}");

    if std::env::var("KASSE_E2E_SHOTS").as_deref() == Ok("1") {
        shots(c).await?;
    }
    let _ = app.client.close().await;
    Ok(())
}

/// The dialog, the Sell screen after sending, the parked sale and its history, in English
/// and Norwegian, light and dark.
async fn shots(c: &Client) -> Result<()> {
    for (lang, theme) in LOOKS {
        reload_in(c, lang, theme, "#/sell", "body[data-ready='1']").await?;
        let name = format!("{lang}-{theme}");
        let reference = send_link(c, TYPED, Some(&name)).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(c, &format!("link-sent-{name}")).await?;
        let sale = parked_sale(c, &reference).await?;
        let id = sale["sale_id"].as_str().unwrap_or_default();
        let to_charge = "location.hash = arguments[0];";
        within(
            "to the charge",
            c.execute(to_charge, vec![json!(format!("#/charge/{id}"))]),
        )
        .await?;
        wait_for(c, "#charge-link").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(c, &format!("link-charge-{name}")).await?;
        within(
            "to the sale",
            c.execute(to_charge, vec![json!(format!("#/transactions/{id}"))]),
        )
        .await?;
        wait_text(c, "#events", MASKED).await?;
        let into_view = "document.querySelector('#events').scrollIntoView({block: 'center'});";
        within("scrolling", c.execute(into_view, vec![])).await?;
        tokio::time::sleep(Duration::from_millis(600)).await;
        screenshot(c, &format!("link-history-{name}")).await?;
    }
    Ok(())
}
