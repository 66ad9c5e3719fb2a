//! A payment made while nobody was watching (kasse-cli: `charge` exits, the customer pays, then
//! `capture` runs in a new process) is found by the operation itself, not refused as "no
//! payment yet".

use super::engine_common;

use engine_common::*;
use kasse_core::sale::SaleStatus;
use kasse_core::RefundSpec;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capture_finds_a_payment_the_watcher_has_not_seen() {
    // The watcher looks once at the start, then not for a minute: the payment lands unseen.
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let charge = h.charge_looked_at(7_700).await;
    let tx = h.control.pay(&charge.session_id, CARD_OK).unwrap();
    assert_eq!(
        h.kasse.find(&charge.sale.id).unwrap().status,
        SaleStatus::Waiting
    );

    let sale = h
        .kasse
        .capture(&charge.sale.merchant_reference, None)
        .await
        .expect("capture finds the payment");
    assert_eq!(sale.status, SaleStatus::Captured);
    assert_eq!(sale.transaction_id.as_deref(), tx["id"].as_str());
    assert_eq!(sale.captured, 7_700);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_looks_once_and_an_unpaid_sale_still_has_nothing_to_capture() {
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let charge = h.charge_looked_at(5_000).await;
    // Not paid: one look, still waiting, and operations say so.
    let sale = h.kasse.refresh(&charge.session_id).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Waiting);
    let err = h
        .kasse
        .refund(&charge.sale.id, RefundSpec::Full, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");

    // Declined while unwatched: refresh shows it.
    h.control.pay(&charge.session_id, CARD_DECLINED).unwrap();
    let sale = h.kasse.refresh(&charge.sale.id).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Declined);
    h.assert_agrees(&sale);
}
