//! Sync and lost charges: sales made elsewhere are imported and operable here; a charge whose
//! create-session answer was lost is found again by its merchant reference.

use super::engine_common;

use std::time::Duration;

use engine_common::*;
use kasse_core::clock::Clock;
use kasse_core::engine::payload::{session_request, SessionParams};
use kasse_core::money::Currency;
use kasse_core::order::PricedOrder;
use kasse_core::sale::{LogEvent, Origin, SaleStatus};
use kasse_core::store::{NewSale, Store};

/// Another counter sells through the same account: a session made with the client directly.
async fn sale_elsewhere(h: &Harness, reference: &str, amount: i64) -> (String, String) {
    sale_in_store(h, reference, amount, None).await
}

/// [`sale_elsewhere`] in a store.
async fn sale_in_store(
    h: &Harness,
    reference: &str,
    amount: i64,
    store: Option<&kasse_core::StoreRef>,
) -> (String, String) {
    let order = order_of(amount).price(Currency::Nok).unwrap();
    let req = session_request(
        &order,
        &SessionParams {
            profile_id: "default",
            return_url: "https://kasse2.test/return",
            callback_url: None,
            counter: "KASSE2",
            merchant_reference: reference,
            expires_at: h.clock.now() + Duration::from_secs(900),
            auto_capture: false,
            store,
        },
    );
    let created = h.client.create_session(&req).await.unwrap();
    let tx = h.control.pay(&created.id, CARD_OK).unwrap();
    (created.id, tx["id"].as_str().unwrap().to_owned())
}

/// The intent `Kasse::charge` writes before its create-session call, for a sale of `amount`;
/// returns the sale's merchant reference and its priced order.
fn write_intent(h: &Harness, store: &Store, sale_id: &str, amount: i64) -> (String, PricedOrder) {
    let order = order_of(amount).price(Currency::Nok).unwrap();
    let opened = store
        .open_sale(
            sale_id,
            &NewSale {
                counter: "KASSE1".into(),
                currency: "NOK".into(),
                amount: order.amount,
                vat_amount: order.vat_amount,
                order: serde_json::to_value(&order).unwrap(),
                auto_capture: false,
            },
            h.clock.now(),
        )
        .unwrap();
    (opened.sale.merchant_reference, order)
}

fn session_with_reference(h: &Harness, reference: &str) -> String {
    h.control
        .sessions()
        .into_iter()
        .find(|s| s["order"]["merchant_reference"] == reference)
        .and_then(|s| s["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no session with reference {reference}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_imports_a_sale_made_at_another_counter_and_it_can_be_refunded_here() {
    let h = harness().await;
    // One local sale, known already.
    let local = h.charge(1_111).await;
    h.control.pay(&local.session_id, CARD_OK).unwrap();
    h.wait_status(&local.sale.id, SaleStatus::Authorized).await;

    let (_, tid) = sale_elsewhere(&h, "KASSE2-20261124-0007", 4_400).await;
    let report = h.kasse.sync(1).await.unwrap();
    assert_eq!(report.seen, 2);
    assert_eq!(report.imported, 1);
    let sale = h.kasse.find(&tid).unwrap();
    assert_eq!(sale.origin, Origin::Imported);
    assert_eq!(sale.status, SaleStatus::Authorized);
    assert_eq!(sale.counter.as_deref(), Some("KASSE2"));
    assert_eq!(h.kasse.find("KASSE2-20261124-0007").unwrap().id, sale.id);
    h.assert_agrees(&sale);

    // Nothing new: a second sync imports and updates nothing.
    let again = h.kasse.sync(1).await.unwrap();
    assert_eq!((again.imported, again.updated), (0, 0), "{again:?}");

    // Operable here: capture and refund an amount (no lines: the order is not known here).
    let sale = h.kasse.capture(&tid, None).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Captured);
    let err = h.refund_line(&tid, "1", "1").await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let sale = h.refund_amount(&tid, 400).await.unwrap();
    assert_eq!(sale.refunded, 400);
    h.assert_agrees(&sale);

    // A change made elsewhere is picked up by the next sync.
    h.client
        .refund(
            &tid,
            &dintero_client::RefundRequest::new(1_000, "KASSE2-20261124-0007-R1"),
        )
        .await
        .unwrap();
    let report = h.kasse.sync(1).await.unwrap();
    assert_eq!((report.imported, report.updated), (0, 1), "{report:?}");
    let sale = h.kasse.find(&tid).unwrap();
    assert_eq!(sale.refunded, 1_400);
    h.assert_agrees(&sale);
}

/// Charges whose create-session answer is lost (the session was made, the answer dropped).
fn lose_the_charge_answer(h: &Harness) {
    h.fault(FaultRule::answer_lost_once("POST", "/v1/sessions-profile"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_links_a_lost_charge_by_its_merchant_reference() {
    let h = harness().await;
    // As a previous run left it: the intent, then a create-session call whose answer was lost
    // (nobody follows it in this run yet).
    let store = h.kasse.store();
    let (reference, order) = write_intent(&h, store, "lost-1", 3_300);
    store
        .append(
            "lost-1",
            &LogEvent::ChargeFailed {
                error_code: "outcome_unknown".into(),
                message: "connection lost".into(),
                outcome_unknown: true,
            },
            h.clock.now(),
        )
        .unwrap();
    assert_eq!(h.kasse.find("lost-1").unwrap().status, SaleStatus::Unknown);

    // The session had been made at Dintero, with the sale's reference, and someone paid it.
    let (_, tid) = sale_elsewhere(&h, &reference, order.amount).await;
    let report = h.kasse.sync(1).await.unwrap();
    assert_eq!(report.imported, 0, "{report:?}");
    assert_eq!(report.updated, 1, "{report:?}");
    let sale = h.kasse.find("lost-1").unwrap();
    assert_eq!(sale.status, SaleStatus::Authorized);
    assert_eq!(sale.origin, Origin::Local);
    assert_eq!(sale.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(h.kasse.find(&tid).unwrap().id, "lost-1");
    h.assert_agrees(&sale);
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_watcher_finds_a_lost_charge_by_its_reference() {
    let h = harness().await;
    lose_the_charge_answer(&h);
    let err = h.kasse.charge(&order_of(3_400)).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown");
    let sale = h.kasse.store().list(&Default::default()).unwrap().items[0].clone();
    let sid = session_with_reference(&h, &sale.merchant_reference);
    h.control.pay(&sid, CARD_OK).unwrap();
    let sale = h.wait_status(&sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
}

/// `Kasse::charge` commits `session_created` without an fsync of its own (only the intent
/// before the call is fsync'd). A power cut right after the QR was shown can therefore leave
/// the intent alone in the log, with no failure recorded: on the next start the watcher must
/// still find the payment by the sale's merchant reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_lost_to_a_power_cut_after_the_qr_was_shown_is_found_on_resume() {
    let h = harness().await;
    let (_dir, path) = log_file();
    // As the power cut left it: the intent only.
    let (reference, order) = write_intent(&h, &Store::open(&path).unwrap(), "cut-1", 3_600);
    // The customer had scanned the QR and pays while the counter is down.
    let (_, tid) = sale_elsewhere(&h, &reference, order.amount).await;

    let kasse = h.engine_on(&path);
    let open = kasse.find("cut-1").unwrap();
    assert!(open.is_open(), "{open:?}");
    assert_eq!(open.session_id, None);
    kasse.resume().await.unwrap();
    let sale = tokio::time::timeout(Duration::from_secs(20), kasse.wait_settled("cut-1", |_| {}))
        .await
        .expect("the payment is found by its reference")
        .unwrap();
    assert_eq!(sale.status, SaleStatus::Authorized);
    assert_eq!(sale.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(sale.amount, order.amount);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_charge_nobody_pays_fails_after_the_checkout_would_have_expired() {
    let h = harness_with(|c| c.reconcile_grace = Duration::from_secs(1)).await;
    lose_the_charge_answer(&h);
    h.kasse.charge(&order_of(3_500)).await.unwrap_err();
    let sale = h.kasse.store().list(&Default::default()).unwrap().items[0].clone();
    let sid = session_with_reference(&h, &sale.merchant_reference);
    h.advance(Duration::from_secs(16 * 60));
    let sale = h.wait_status(&sale.id, SaleStatus::ChargeFailed).await;
    assert!(sale.last_error.unwrap().contains("no_checkout"));
    // And it cannot be paid any more.
    assert!(h.control.pay(&sid, CARD_OK).is_err());
    assert!(h.control.transactions().is_empty());
    h.assert_sound();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wait_settled_reports_changes_and_returns_the_settled_sale() {
    let (h, charge) = charged(1_234).await;
    let kasse = h.kasse.clone();
    let id = charge.sale.id.clone();
    // The customer opens the checkout only once the waiter has reported the sale as it was.
    let (started, first_report) = tokio::sync::oneshot::channel();
    let waiter = tokio::spawn(async move {
        let (mut seen, mut started) = (vec![], Some(started));
        let sale = kasse
            .wait_settled(&id, |s| {
                seen.push(s.status);
                if let Some(tx) = started.take() {
                    let _ = tx.send(());
                }
            })
            .await
            .unwrap();
        (sale, seen)
    });
    first_report
        .await
        .expect("the waiter reports the sale at once");
    h.control.visit(&charge.session_id).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Paying).await;
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let (sale, seen) = tokio::time::timeout(PATIENCE, waiter)
        .await
        .expect("settles")
        .unwrap();
    assert_eq!(sale.status, SaleStatus::Authorized);
    assert_eq!(seen.first(), Some(&SaleStatus::Waiting));
    assert_eq!(seen.last(), Some(&SaleStatus::Authorized));
    assert!(seen.contains(&SaleStatus::Paying), "{seen:?}");
    // On a settled sale it returns at once.
    let mut calls = 0;
    let again = h
        .kasse
        .wait_settled(&sale.merchant_reference, |_| calls += 1)
        .await
        .unwrap();
    assert_eq!(again.status, SaleStatus::Authorized);
    assert_eq!(calls, 1);
}

/// An account shared with a web shop and other shops: a counter set up with its store sends
/// it on every session (the counter as terminal) and syncs only that store's sales.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_brings_only_this_stores_sales() {
    let shop = kasse_core::StoreRef {
        id: "oslo-sentrum".into(),
        name: Some("Papirbutikken Oslo".into()),
    };
    let h = harness_with(|c| c.store = Some(shop.clone())).await;
    let charge = h.charge(1_500).await;
    let session = h.control.session(&charge.session_id).unwrap();
    assert_eq!(
        session["order"]["store"],
        serde_json::json!({"id": "oslo-sentrum", "name": "Papirbutikken Oslo", "terminal_id": "KASSE1"})
    );
    let bergen = kasse_core::StoreRef {
        id: "bergen".into(),
        name: None,
    };
    let (_, mine) = sale_in_store(&h, "KASSE2-20261124-0001", 2_000, Some(&shop)).await;
    let (_, theirs) = sale_in_store(&h, "BERGEN1-20261124-0001", 3_000, Some(&bergen)).await;
    let (_, web) = sale_elsewhere(&h, "WEB-9", 4_000).await;
    let report = h.kasse.sync(1).await.unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    assert!(h.kasse.find(&mine).is_ok());
    for other in [theirs, web] {
        assert!(h.kasse.find(&other).is_err(), "{other} is another shop's");
    }
}
