//! Capture, void and refund against the sandbox: partial amounts, the local checks that refuse
//! too much before any API call, and the states where an operation makes no sense.

use super::engine_common;

use engine_common::*;
use kasse_core::sale::{OpState, SaleStatus};
use kasse_core::{CoreError, RefundSpec};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partial_captures_then_too_much_is_refused_before_any_call() {
    let (h, sale) = authorised(10_000).await;
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
    let err = h.refund_amount(&sale.id, 5_501).await.unwrap_err();
    assert!(matches!(err, CoreError::AmountExceeds(_)), "{err:?}");
    assert!(h.sandbox_events(&tid, "REFUND").is_empty());
    let sale = h.refund_amount(&sale.id, 5_000).await.unwrap();
    assert_eq!(sale.refunded, 5_000);
    h.assert_agrees(&sale);
    let err = h.refund_amount(&sale.id, 501).await.unwrap_err();
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
    let (h, sale) = authorised(2_000).await;
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
    let (h, charge) = charged(1_500).await;
    let id = charge.sale.id.clone();
    for err in [
        h.kasse.capture(&id, None).await.unwrap_err(),
        h.kasse.void(&id).await.unwrap_err(),
        h.kasse
            .refund(&id, RefundSpec::Full, None)
            .await
            .unwrap_err(),
        h.refund_amount(&id, 100).await.unwrap_err(),
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
    let sale = h.paid(&order3()).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    // The apples in three parts: 1624 + 1624 + 1623 = 4871, the line's amount.
    let mut amounts = vec![];
    for _ in 0..3 {
        let before = h.kasse.find(&sale.id).unwrap().refunded;
        let after = h.refund_line(&sale.id, "3", "0.125").await.unwrap();
        amounts.push(after.refunded - before);
        h.assert_agrees(&after);
    }
    assert_eq!(amounts, [1_624, 1_624, 1_623]);
    // One coffee of two, then a line that does not exist, then too many coffees.
    let sale = h.refund_line(&sale.id, "1", "1").await.unwrap();
    assert_eq!(sale.refunded, 4_871 + 3_900);
    let err = h.refund_line(&sale.id, "9", "1").await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let err = h.refund_line(&sale.id, "1", "2").await.unwrap_err();
    assert_eq!(err.code(), "invalid_input", "{err}");
    let tid = sale.transaction_id.clone().unwrap();
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 4);
    h.assert_agrees(&h.kasse.find(&sale.id).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_operations_on_one_sale_take_turns() {
    let (h, sale) = authorised(10_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    h.kasse.capture(&sale.id, None).await.unwrap();
    // Slow reads widen the window in which two operations would see the same state.
    h.fault(FaultRule {
        latency_ms: Some(100),
        ..FaultRule::on("GET", "/v1/transactions/*")
    });

    // Two refunds that fit together both go through, with their own references.
    let (a, b) = tokio::join!(
        h.refund_amount(&sale.id, 3_000),
        h.refund_amount(&tid, 3_000),
    );
    a.unwrap();
    b.unwrap();
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(sale.refunded, 6_000);
    h.assert_agrees(&sale);

    // Two that do not fit: one goes through, the other is refused by the local check (not by a
    // storage error, and never sent).
    let (a, b) = tokio::join!(
        h.refund_amount(&sale.id, 3_000),
        h.refund_amount(&sale.id, 3_000),
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

/// Events of a kind in the sandbox's record, failed ones included.
fn all_events(h: &Harness, tid: &str, kind: &str) -> usize {
    h.sandbox_tx(tid)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == kind)
        .count()
}

/// A captured sale of `amount`, with Dintero answering operations from now on with `202` and
/// completing them `delay` later (failing with probability `fail`).
async fn captured_then_async(
    h: &Harness,
    amount: i64,
    delay: std::time::Duration,
    fail: f64,
) -> kasse_core::sale::Sale {
    let sale = h.authorised(amount).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Captured);
    h.control
        .set_behaviour(
            None,
            dintero_sandbox::Behaviour {
                async_operations: Some(dintero_sandbox::AsyncOperations {
                    delay,
                    fail_probability: fail,
                }),
                ..Default::default()
            },
        )
        .unwrap();
    sale
}

/// Dintero answers a refund `202 Accepted` and takes two minutes: the refund is in flight the
/// whole time — no grace, no "all ages" reconcile turns it into "did not happen" — its amount
/// counts against what is left, the same press again sends nothing, and its completion event
/// (matched by the request id) settles it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_dintero_accepts_is_in_flight_until_its_completion_however_long() {
    let h = harness().await;
    let sale = captured_then_async(&h, 10_000, std::time::Duration::from_secs(120), 0.0).await;
    let tid = sale.transaction_id.clone().unwrap();

    let sale = h
        .kasse
        .refund_once(&sale.id, RefundSpec::Amount(6_000), None, "press-1", None)
        .await
        .expect("accepted");
    let op = sale.operations.last().unwrap().clone();
    assert_eq!(op.state, OpState::InFlight);
    assert!(op.request_id.is_some());
    assert_eq!((sale.refunded, sale.refundable()), (0, 4_000));
    assert_eq!(all_events(&h, &tid, "INITIATE_REFUND"), 1);
    // Spread over the order's one line: 0.6 of it is being refunded, none is refunded yet.
    let qty = |m: std::collections::BTreeMap<String, kasse_core::money::Quantity>| {
        m.into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(kasse_core::engine::refunded_quantities(&sale).is_empty());
    assert_eq!(
        qty(kasse_core::engine::pending_refund_quantities(&sale)),
        [("1".to_owned(), "0.6".to_owned())]
    );

    // The same press again (a second window, a double click): the first one's result.
    let again = h
        .kasse
        .refund_once(&sale.id, RefundSpec::Amount(6_000), None, "press-1", None)
        .await
        .expect("the first result");
    assert_eq!(again.operations.len(), sale.operations.len());
    assert_eq!(
        all_events(&h, &tid, "INITIATE_REFUND"),
        1,
        "nothing sent again"
    );
    // A new press for more than is left beside the refund in flight: refused before sending.
    let err = h
        .kasse
        .refund_once(&sale.id, RefundSpec::Amount(5_000), None, "press-2", None)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::AmountExceeds(_)), "{err:?}");
    assert!(err.to_string().contains("still being processed"), "{err}");
    assert_eq!(all_events(&h, &tid, "INITIATE_REFUND"), 1);

    // Long past the grace, even a reconcile of every age leaves it in flight.
    h.clock.advance(time::Duration::minutes(10));
    assert_eq!(h.kasse.reconcile_pending(true).await.unwrap(), 0);
    let op_now = h.kasse.find(&sale.id).unwrap();
    let op_now = op_now.operation(&op.op_id).unwrap();
    assert_eq!(op_now.state, OpState::InFlight);

    // Dintero completes it two minutes later.
    h.control.advance_clock(std::time::Duration::from_secs(121));
    let settled = h
        .wait_for(&sale.id, "refund completed", |s| s.pending_ops == 0)
        .await;
    let done = settled.operation(&op.op_id).unwrap();
    assert_eq!(done.applied, Some(true));
    assert_eq!(settled.refunded, 6_000);
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 1);
    assert_eq!(
        qty(kasse_core::engine::refunded_quantities(&settled)),
        [("1".to_owned(), "0.6".to_owned())]
    );
    assert!(kasse_core::engine::pending_refund_quantities(&settled).is_empty());
    h.assert_agrees(&settled);
}

/// A refund Dintero accepted and then failed (its completion event `success: false`) did not
/// happen: the amount is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_accepted_refund_that_fails_at_dintero_frees_its_amount() {
    let h = harness().await;
    let sale = captured_then_async(&h, 8_000, std::time::Duration::from_secs(30), 1.0).await;
    let sale = h
        .kasse
        .refund(&sale.id, RefundSpec::Full, None)
        .await
        .expect("accepted");
    assert_eq!(sale.refundable(), 0);
    h.control.advance_clock(std::time::Duration::from_secs(31));
    let sale = h
        .wait_for(&sale.id, "refund failed", |s| s.pending_ops == 0)
        .await;
    let op = sale.operations.last().unwrap();
    assert_eq!(op.applied, Some(false));
    assert_eq!((sale.refunded, sale.refundable()), (0, 8_000));
    h.assert_agrees(&sale);
}

/// A 2xx whose body cannot be read (a proxy's page) is an unknown outcome: the transaction is
/// read, the refund found, and nothing is sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_whose_answer_cannot_be_read_is_found_not_refused() {
    let (h, sale) = authorised(5_000).await;
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    let tid = sale.transaction_id.clone().unwrap();
    h.fault(FaultRule {
        garbage_body: true,
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/refund")
    });
    let sale = h
        .refund_amount(&sale.id, 2_000)
        .await
        .expect("settled by reading the transaction");
    let op = sale.operations.last().unwrap();
    assert_eq!((op.state, op.applied), (OpState::Reconciled, Some(true)));
    assert_eq!(sale.refunded, 2_000);
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 1);
    h.assert_agrees(&sale);
}

/// Two Kasse processes on one log (the app and kasse-cli, two windows) asked for the same
/// press at once: the log lets one intent through, and Dintero sees one refund.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_press_reaching_two_processes_refunds_once() {
    let h = harness().await;
    let (_dir, path) = log_file();
    let first = h.engine_on(&path);
    let second = h.engine_on(&path);
    let sale = h.paid_through(&first, 7_000).await;
    let sale = first.capture(&sale.id, None).await.unwrap();
    let tid = sale.transaction_id.clone().unwrap();
    let (a, b) = tokio::join!(
        first.refund_once(&sale.id, RefundSpec::Amount(3_000), None, "press-9", None),
        second.refund_once(&sale.id, RefundSpec::Amount(3_000), None, "press-9", None),
    );
    // One sent it; the other got its result (or was told it is being checked).
    assert!(a.is_ok() || b.is_ok(), "{a:?} {b:?}");
    for r in [&a, &b] {
        if let Err(e) = r {
            assert!(matches!(e, CoreError::PendingOperation { .. }), "{e:?}");
        }
    }
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 1);
    let sale = first.find(&sale.id).unwrap();
    assert_eq!(sale.refunded, 3_000);
    assert_eq!(
        sale.operations
            .iter()
            .filter(|o| o.key.as_deref() == Some("press-9"))
            .count(),
        1
    );
}

/// Swish is captured at authorization and has no CAPTURE event: the sale is captured in full
/// and can be refunded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_captured_at_authorization_can_be_refunded() {
    let (h, charge) = charged(3_300).await;
    h.pay_by(&charge, "swish.swish");
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Captured).await;
    let tid = sale.transaction_id.clone().unwrap();
    assert!(h.sandbox_events(&tid, "CAPTURE").is_empty());
    assert_eq!((sale.captured, sale.refundable()), (3_300, 3_300));
    let sale = h.refund_amount(&sale.id, 1_300).await.unwrap();
    assert_eq!(
        (sale.refunded, sale.status),
        (1_300, SaleStatus::PartiallyRefunded)
    );
}

/// Instabank and Collector refuse a capture or refund without `items`: every capture and
/// refund carries its lines, an amount spread over them, with their `type`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partial_captures_and_refunds_name_their_lines_for_methods_that_need_them() {
    let h = harness().await;
    let charge = h.kasse.charge(&order3()).await.unwrap();
    h.pay_by(&charge, "instabank.finance");
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    let tid = sale.transaction_id.clone().unwrap();
    let total = sale.amount;
    // 9 000 of 15 171: all of line 1 (7 800), 1 200 of line 2.
    let sale = h.kasse.capture(&sale.id, Some(9_000)).await.unwrap();
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!((sale.status, sale.captured), (SaleStatus::Captured, total));
    let sale = h.refund_amount(&sale.id, 8_000).await.unwrap();
    let sale = h
        .kasse
        .refund(&sale.id, RefundSpec::Full, None)
        .await
        .unwrap();
    assert_eq!((sale.status, sale.refunded), (SaleStatus::Refunded, total));
    h.assert_agrees(&sale);
    // What Dintero got: each operation's items add up to its amount, and over all operations
    // of a kind every line is taken exactly once, in full.
    for kind in ["CAPTURE", "REFUND"] {
        let events = h.sandbox_events(&tid, kind);
        assert_eq!(events.len(), 2, "{kind}");
        let mut per_line = std::collections::BTreeMap::<String, i64>::new();
        for e in &events {
            let items = e["items"].as_array().expect("items sent");
            let sum: i64 = items.iter().map(|i| i["amount"].as_i64().unwrap()).sum();
            assert_eq!(sum, e["amount"].as_i64().unwrap(), "{kind}: {e}");
            for i in items {
                *per_line
                    .entry(i["line_id"].as_str().unwrap().to_owned())
                    .or_default() += i["amount"].as_i64().unwrap();
            }
        }
        assert_eq!(
            per_line.into_iter().collect::<Vec<_>>(),
            [
                ("1".to_owned(), 7_800),
                ("2".to_owned(), 2_500),
                ("3".to_owned(), total - 10_300)
            ],
            "{kind}"
        );
    }
}

/// Dintero accepted a void (202) but the counter heard a 503: the transaction shows an
/// `INITIATE_VOID` with no reference (a void has none) that no other operation claims. The
/// void is taken as in flight with that request id, and its completion settles it, instead of
/// waiting, unknown, for a trace by reference that a void never leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_202_void_is_followed_by_the_initiation_it_left() {
    let (h, sale) = authorised(4_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    h.control
        .set_behaviour(
            None,
            dintero_sandbox::Behaviour {
                async_operations: Some(dintero_sandbox::AsyncOperations::after(
                    std::time::Duration::from_secs(60),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    h.fault(FaultRule {
        status: Some(503),
        after: true,
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/void")
    });
    let sale = match h.kasse.void(&sale.id).await {
        Ok(sale) => sale,
        Err(e) => {
            assert_eq!(e.code(), "outcome_unknown", "{e:?}");
            h.kasse.find(&sale.id).unwrap()
        }
    };
    assert_eq!(all_events(&h, &tid, "INITIATE_VOID"), 1);
    let op = sale.operations.last().unwrap();
    assert_eq!(op.state, OpState::InFlight, "{op:?}");
    assert!(op.request_id.is_some());
    h.control.advance_clock(std::time::Duration::from_secs(61));
    let sale = h
        .wait_for(&sale.id, "void completed", |s| s.pending_ops == 0)
        .await;
    assert_eq!(sale.operations.last().unwrap().applied, Some(true));
    assert_eq!(sale.status, SaleStatus::Voided);
}
