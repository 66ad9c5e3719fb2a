//! Capture, void and refund against the sandbox: partial amounts, the local checks that refuse
//! too much before any API call, and the states where an operation makes no sense.

mod engine_common;

use engine_common::*;
use kasse_core::sale::{OpState, SaleStatus};
use kasse_core::{CoreError, RefundSpec};

/// A paid (authorised) sale of `amount`.
async fn authorised(h: &Harness, amount: i64) -> kasse_core::sale::Sale {
    let charge = h.kasse.charge(&order_of(amount)).await.unwrap();
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Authorized).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partial_captures_then_too_much_is_refused_before_any_call() {
    let h = harness().await;
    let sale = authorised(&h, 10_000).await;
    let tid = sale.transaction_id.clone().unwrap();

    let sale = h.kasse.capture(&sale.id, Some(3_000)).await.unwrap();
    assert_eq!(sale.status, SaleStatus::PartiallyCaptured);
    assert_eq!(sale.captured, 3_000);
    h.assert_agrees(&sale);
    let sale = h.kasse.capture(&sale.id, Some(2_500)).await.unwrap();
    assert_eq!(sale.status, SaleStatus::PartiallyCaptured);
    assert_eq!(sale.captured, 5_500);
    h.assert_agrees(&sale);
    let captures = h.sandbox_events(&tid, "CAPTURE");
    let refs: Vec<_> = captures
        .iter()
        .map(|e| e["event_reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        refs,
        [
            format!("{}-C1", sale.merchant_reference),
            format!("{}-C2", sale.merchant_reference)
        ]
    );

    // 4 500 is left: 4 501 is refused locally, and the sandbox never sees a capture.
    let before = h.sandbox_tx(&tid)["events"].as_array().unwrap().len();
    let err = h.kasse.capture(&sale.id, Some(4_501)).await.unwrap_err();
    assert!(matches!(err, CoreError::AmountExceeds(_)), "{err:?}");
    assert_eq!(err.code(), "amount_exceeds");
    assert!(
        err.to_string().contains("45,00") || err.to_string().contains("45.00"),
        "{err}"
    );
    assert_eq!(
        h.sandbox_tx(&tid)["events"].as_array().unwrap().len(),
        before
    );
    // Nothing was logged as requested either.
    assert_eq!(h.kasse.find(&sale.id).unwrap().operations.len(), 2);
    // Zero and negative amounts name the field.
    for bad in [0, -5] {
        let err = h.kasse.capture(&sale.id, Some(bad)).await.unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(err.field().as_deref(), Some("amount"));
    }

    // Refund more than captured − refunded: refused locally.
    let err = h
        .kasse
        .refund(&sale.id, RefundSpec::Amount(5_501), None)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::AmountExceeds(_)), "{err:?}");
    assert!(h.sandbox_events(&tid, "REFUND").is_empty());
    let sale = h
        .kasse
        .refund(&sale.id, RefundSpec::Amount(5_000), None)
        .await
        .unwrap();
    assert_eq!(sale.refunded, 5_000);
    h.assert_agrees(&sale);
    let err = h
        .kasse
        .refund(&sale.id, RefundSpec::Amount(501), None)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::AmountExceeds(_)), "{err:?}");
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 1);

    // Capture the rest.
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!(sale.captured, 10_000);
    h.assert_agrees(&sale);
    // Void after capture is refused, locally.
    let events = h.sandbox_tx(&tid)["events"].as_array().unwrap().len();
    let err = h.kasse.void(&sale.id).await.unwrap_err();
    assert!(matches!(err, CoreError::InvalidState(_)), "{err:?}");
    assert_eq!(
        h.sandbox_tx(&tid)["events"].as_array().unwrap().len(),
        events
    );
    assert!(sale
        .operations
        .iter()
        .all(|o| o.state == OpState::Succeeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn void_an_authorisation() {
    let h = harness().await;
    let sale = authorised(&h, 2_000).await;
    let sale = h.kasse.void(&sale.id).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Voided);
    h.assert_agrees(&sale);
    for err in [
        h.kasse.void(&sale.id).await.unwrap_err(),
        h.kasse.capture(&sale.id, None).await.unwrap_err(),
        h.kasse
            .refund(&sale.id, RefundSpec::Full, None)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), "invalid_state", "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operations_on_an_unpaid_sale_are_invalid_state() {
    let h = harness().await;
    let charge = h.kasse.charge(&order_of(1_500)).await.unwrap();
    let id = charge.sale.id.clone();
    for err in [
        h.kasse.capture(&id, None).await.unwrap_err(),
        h.kasse.void(&id).await.unwrap_err(),
        h.kasse
            .refund(&id, RefundSpec::Full, None)
            .await
            .unwrap_err(),
        h.kasse
            .refund(&id, RefundSpec::Amount(100), None)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, CoreError::InvalidState(_)), "{err:?}");
    }
    // Refused locally: there is no payment at Dintero to operate on, and nothing was logged.
    assert!(h.control.transactions().is_empty());
    assert!(h.kasse.find(&id).unwrap().operations.is_empty());
    let err = h.kasse.capture("no-such-sale", None).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refund_by_lines_with_quantities_telescopes_to_the_line() {
    let h = harness().await;
    let charge = h.kasse.charge(&order3()).await.unwrap();
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    let q = |s: &str| s.parse().unwrap();
    // The apples in three parts: 1624 + 1624 + 1623 = 4871, the line's amount.
    let mut amounts = vec![];
    for _ in 0..3 {
        let before = h.kasse.find(&sale.id).unwrap().refunded;
        let after = h
            .kasse
            .refund(
                &sale.id,
                RefundSpec::Lines(vec![("3".into(), q("0.125"))]),
                None,
            )
            .await
            .unwrap();
        amounts.push(after.refunded - before);
        h.assert_agrees(&after);
    }
    assert_eq!(amounts, [1_624, 1_624, 1_623]);
    // One coffee of two, then a line that does not exist, then too many coffees.
    let sale = h
        .kasse
        .refund(
            &sale.id,
            RefundSpec::Lines(vec![("1".into(), q("1"))]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(sale.refunded, 4_871 + 3_900);
    let err = h
        .kasse
        .refund(
            &sale.id,
            RefundSpec::Lines(vec![("9".into(), q("1"))]),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let err = h
        .kasse
        .refund(
            &sale.id,
            RefundSpec::Lines(vec![("1".into(), q("2"))]),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input", "{err}");
    let tid = sale.transaction_id.clone().unwrap();
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 4);
    h.assert_agrees(&h.kasse.find(&sale.id).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_operations_on_one_sale_take_turns() {
    let h = harness().await;
    let sale = authorised(&h, 10_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    h.kasse.capture(&sale.id, None).await.unwrap();
    // Slow reads widen the window in which two operations would see the same state.
    h.control.set_faults(vec![dintero_sandbox::FaultRule {
        method: Some("GET".into()),
        path: Some("/v1/transactions/*".into()),
        latency_ms: Some(100),
        ..Default::default()
    }]);

    // Two refunds that fit together both go through, with their own references.
    let (a, b) = tokio::join!(
        h.kasse.refund(&sale.id, RefundSpec::Amount(3_000), None),
        h.kasse.refund(&tid, RefundSpec::Amount(3_000), None),
    );
    a.unwrap();
    b.unwrap();
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(sale.refunded, 6_000);
    h.assert_agrees(&sale);

    // Two that do not fit: one goes through, the other is refused by the local check (not by a
    // storage error, and never sent).
    let (a, b) = tokio::join!(
        h.kasse.refund(&sale.id, RefundSpec::Amount(3_000), None),
        h.kasse.refund(&sale.id, RefundSpec::Amount(3_000), None),
    );
    let errors: Vec<_> = [a, b].into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(errors[0], CoreError::AmountExceeds(_)),
        "{errors:?}"
    );
    let refunds = h.sandbox_events(&tid, "REFUND");
    assert_eq!(refunds.len(), 3);
    let mut refs: Vec<_> = refunds
        .iter()
        .map(|e| e["event_reference"].as_str().unwrap().to_owned())
        .collect();
    refs.dedup();
    assert_eq!(refs.len(), 3);
    h.assert_agrees(&h.kasse.find(&sale.id).unwrap());
}
