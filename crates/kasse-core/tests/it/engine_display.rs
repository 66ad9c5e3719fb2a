//! The customer display fed by the engine: the cart priced at the counter, the QR of a sale
//! charged at the counter, then paid or declined as the watcher sees it.

use super::engine_common;

use engine_common::*;
use kasse_core::display::{CustomerView, Phase};
use kasse_core::sale::SaleStatus;
use tokio::sync::watch;

/// Waits until the display shows `phase` (by its JSON name).
async fn until(views: &mut watch::Receiver<CustomerView>, phase: &str) -> CustomerView {
    let seen = tokio::time::timeout(
        PATIENCE,
        views.wait_for(|v| serde_json::to_value(v).unwrap()["phase"] == phase),
    )
    .await
    .unwrap_or_else(|_| panic!("the display never showed {phase}"));
    seen.unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_display_follows_the_cart_the_qr_and_the_payment() {
    let h = harness().await;
    let mut views = h.kasse.display().follow();
    assert_eq!(views.borrow_and_update().phase, Phase::Idle);

    let input = order3();
    let priced = h.kasse.price(&input).unwrap();
    h.kasse.show_cart(Some(&priced));
    let cart = until(&mut views, "cart").await;
    assert_eq!(cart.lines.len(), 3);
    assert_eq!(cart.totals.as_ref().unwrap().amount, priced.amount);

    let charge = h.kasse.charge(&input).await.unwrap();
    h.kasse.show_cart(None);
    let waiting = until(&mut views, "waiting").await;
    assert_eq!(
        waiting.phase,
        Phase::Waiting {
            url: charge.url.clone(),
            qr_svg: charge.qr_svg.clone()
        }
    );
    assert_eq!(waiting.lines, cart.lines);

    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    let paid = until(&mut views, "paid").await;
    assert_eq!(paid.totals, cart.totals);

    // The next customer's cart ends the thank-you; a whole kilogram of a weighed quick item
    // still reads as kilograms.
    let weighed = kasse_core::settings::Settings::default().weighed_quick_items();
    assert_eq!(weighed, ["apples"]);
    h.kasse.display().set_weighed(weighed);
    let mut next = order_of(3990);
    next.lines[0].product_id = Some("apples".into());
    let next = h.kasse.price(&next).unwrap();
    h.kasse.show_cart(Some(&next));
    let cart = until(&mut views, "cart").await;
    assert_eq!(cart.lines.len(), 1);
    assert_eq!(cart.lines[0].unit, kasse_core::catalog::Unit::Kg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_shows_declined() {
    let h = harness().await;
    let mut views = h.kasse.display().follow();
    let charge = h.charge(4990).await;
    until(&mut views, "waiting").await;
    h.control.pay(&charge.session_id, CARD_DECLINED).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Declined).await;
    until(&mut views, "declined").await;
}
