//! Discounts in the real app (demo mode, WebKitWebDriver under Xvfb): the manager's discount
//! limit saved in Settings behind her PIN; in Sell a line discounted by a percentage and the
//! whole order by an amount, each line showing its price before and after, the total and the
//! discounts as the core priced them (the UI computes no amount), the cart saying the manager's
//! PIN will be asked, and Charge asking for it; the sale keeps the discounted lines.
//! Screenshots under `target/e2e-screenshots/discounts-*`.

use std::time::Duration;

use anyhow::Result;
use fantoccini::Client;
use kasse_e2e::{
    attr, click, enter_pin, invoke, launch_kasse as launch, screenshot, type_into, wait_equal,
    wait_for,
};
use serde_json::{json, Value};

async fn amount(c: &Client, css: &str) -> Result<i64> {
    let v = attr(c, css, "data-amount").await?.unwrap_or_default();
    Ok(v.parse().unwrap_or(-1))
}

/// Waits until `css`'s `data-amount` is `expected`.
async fn wait_amount(c: &Client, css: &str, expected: i64) -> Result<()> {
    let what = format!("{css}[data-amount]");
    wait_equal(c, &what, expected, async || amount(c, css).await).await
}

/// Types the manager's PIN into the app's PIN prompt.
async fn manager_pin(c: &Client) -> Result<()> {
    wait_for(c, "#pin-dialog").await?;
    enter_pin(c, "2468").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discount_above_the_limit_is_shown_priced_by_the_core_and_charged_with_the_managers_pin(
) -> Result<()> {
    let app = launch("discounts").await?;
    let c = &app.client;

    // The manager sets her PIN, then a 10 % limit (saving Settings asks for her PIN).
    click(c, "#nav-settings").await?;
    type_into(c, "#staff-name", "Mona").await?;
    type_into(c, "#staff-new-pin", "2468").await?;
    click(c, "#staff-set-btn").await?;
    wait_for(c, "#staff-saved").await?;
    type_into(c, "#discount-limit", "10").await?;
    click(c, "#save-settings-btn").await?;
    manager_pin(c).await?;
    wait_for(c, "#settings-saved").await?;
    let s = invoke(c, "settings_get", json!({})).await?;
    assert_eq!(s["discount_limit"], 1000, "{s}");

    // Two coffees, 15 % off the line.
    click(c, "#nav-sell").await?;
    for _ in 0..2 {
        click(c, "[data-testid=quick-item][data-id='coffee']").await?;
    }
    click(c, "[data-testid=cart-line] .line-main").await?;
    click(c, "#line-discount-btn").await?;
    wait_for(c, "#discount").await?;
    screenshot(c, "discounts-line-dialog").await?;
    type_into(c, "#discount-value", "15").await?;
    click(c, "#discount-apply-btn").await?;
    wait_for(c, "[data-testid=line-before]").await?;

    // 10.00 off the whole order.
    click(c, "#order-discount-btn").await?;
    click(c, "#discount-mode-amount").await?;
    type_into(c, "#discount-value", "10").await?;
    click(c, "#discount-apply-btn").await?;

    // What the cart shows is what the core prices.
    let priced = loop {
        let total = amount(c, "#cart-total").await?;
        let discounts = attr(c, "#cart-discount", "data-amount")
            .await
            .ok()
            .flatten();
        if discounts.is_some() && total > 0 {
            break (total, discounts.unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let coffee = s["quick_items"]
        .as_array()
        .and_then(|q| q.iter().find(|i| i["id"] == "coffee"))
        .cloned()
        .unwrap_or(Value::Null);
    let line = json!({
        "description": coffee["label"], "quantity": "2", "unit_price": coffee["unit_price"],
        "vat": coffee["vat"], "product_id": "coffee", "discount": {"percent": "15"}
    });
    let core = invoke(
        c,
        "price_order",
        json!({"order": {"currency": null, "lines": [line], "discount": {"amount": 1000}}}),
    )
    .await?;
    wait_amount(c, "#cart-total", core["amount"].as_i64().unwrap_or(-1)).await?;
    assert_eq!(priced.1, core["discount_total"].to_string(), "{core}");
    assert_eq!(core["discount_needs_manager"], true, "{core}");
    wait_for(c, "#discount-needs-pin").await?;
    screenshot(c, "discounts-cart").await?;

    // Charging asks for the manager's PIN, then shows the QR.
    click(c, "#charge-btn").await?;
    manager_pin(c).await?;
    wait_for(c, "#qr svg").await?;
    let parked = invoke(c, "parked", json!({})).await?;
    let sale_id = parked[0]["sale_id"].as_str().unwrap_or_default().to_owned();
    let detail = invoke(c, "sale_detail", json!({"saleId": sale_id})).await?;
    assert_eq!(
        detail["lines"][0]["amount"], core["lines"][0]["amount"],
        "{detail}"
    );
    assert_eq!(
        detail["lines"][0]["discount"]["before"],
        core["lines"][0]["discount"]["before"]
    );
    assert_eq!(detail["sale"]["amount"], core["amount"], "{detail}");
    screenshot(c, "discounts-charged").await?;
    let _ = app.client.close().await;
    Ok(())
}
