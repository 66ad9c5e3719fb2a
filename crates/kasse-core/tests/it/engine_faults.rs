//! The engine under the sandbox's faults: answers lost after the operation happened, 503s
//! before it, 429s with `Retry-After`, dropped connections; intents left by a crash; and the
//! watcher's read budget with the default cadence.

use super::engine_common;

use std::time::{Duration, Instant};

use dintero_client::{CaptureRequest, RefundRequest};
use engine_common::*;
use kasse_core::cadence::Cadence;
use kasse_core::clock::Clock;
use kasse_core::sale::{LogEvent, OpKind, OpState, Sale, SaleStatus};
use kasse_core::RefundSpec;

/// A refund of `amount` whose request Dintero answers with one 503: its outcome is unknown.
async fn refund_through_a_503(h: &Harness, sale_id: &str, amount: i64) {
    h.fault(FaultRule {
        status: Some(503),
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/refund")
    });
    let err = h.refund_amount(sale_id, amount).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err:?}");
}

/// Dintero holds one refund of the transaction, and it is the sale's second (`-R2`): the first
/// was settled as not applied.
fn assert_one_refund_r2(h: &Harness, tid: &str, sale: &Sale) {
    let refunds = h.sandbox_events(tid, "REFUND");
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[0]["event_reference"].as_str().unwrap(),
        format!("{}-R2", sale.merchant_reference)
    );
}

fn reconciled(h: &Harness, sale_id: &str) -> Vec<bool> {
    h.picked(sale_id, |e| match e {
        LogEvent::OperationReconciled { applied, .. } => Some(applied),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capture_answer_lost_after_it_happened_is_reconciled_as_applied() {
    let (h, sale) = authorised(10_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    h.fault(FaultRule::answer_lost_once(
        "POST",
        "/v1/transactions/*/capture",
    ));
    let sale = h
        .kasse
        .capture(&sale.id, None)
        .await
        .expect("the capture happened: success after reconciling");
    assert_eq!(sale.status, SaleStatus::Captured);
    assert_eq!(sale.captured, 10_000);
    h.assert_agrees(&sale);
    let kinds = h.kinds(&sale.id);
    let i = kinds
        .iter()
        .position(|k| *k == "operation_requested")
        .unwrap();
    assert_eq!(
        kinds[i..i + 3],
        [
            "operation_requested",
            "operation_unknown",
            "operation_reconciled"
        ]
    );
    assert_eq!(reconciled(&h, &sale.id), [true]);
    let op = &sale.operations[0];
    assert_eq!((op.state, op.applied), (OpState::Reconciled, Some(true)));

    // A retry does not capture twice.
    let err = h.kasse.capture(&sale.id, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");
    let err = h.kasse.capture(&sale.id, Some(1)).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");
    assert_eq!(h.sandbox_events(&tid, "CAPTURE").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refund_refused_with_503_is_reconciled_as_not_applied_after_the_grace() {
    let (h, sale) = authorised(8_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    refund_through_a_503(&h, &sale.id, 3_000).await;
    assert!(h.sandbox_events(&tid, "REFUND").is_empty());
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(sale.pending_ops, 1);
    assert_eq!(sale.operations[1].state, OpState::Unknown);

    // While it is pending, nothing new is sent.
    let err = h.refund_amount(&sale.id, 3_000).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err:?}");
    assert!(h.sandbox_events(&tid, "REFUND").is_empty());
    // Within the grace a request could still land: it stays pending.
    assert_eq!(h.kasse.reconcile_pending(false).await.unwrap(), 0);
    assert_eq!(h.kasse.find(&sale.id).unwrap().pending_ops, 1);

    // After the grace, not found = did not happen (settled by this call, or by the engine's
    // own background re-read if that came first).
    h.clock.advance(time::Duration::seconds(46));
    h.kasse.reconcile_pending(false).await.unwrap();
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(sale.pending_ops, 0);
    assert_eq!(reconciled(&h, &sale.id), [false]);
    assert_eq!(sale.refunded, 0);
    h.assert_agrees(&sale);

    // A new refund works, once.
    let sale = h.refund_amount(&sale.id, 3_000).await.unwrap();
    assert_eq!(sale.refunded, 3_000);
    assert_one_refund_r2(&h, &tid, &sale);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn void_answer_lost_is_reconciled() {
    let (h, sale) = authorised(5_000).await;
    h.fault(FaultRule::answer_lost_once(
        "POST",
        "/v1/transactions/*/void",
    ));
    let sale = h.kasse.void(&sale.id).await.expect("void happened");
    assert_eq!(sale.status, SaleStatus::Voided);
    assert_eq!(reconciled(&h, &sale.id), [true]);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limited_session_reads_slow_the_watcher_down_and_it_still_settles() {
    let (h, charge) = charged(2_000).await;
    // Every session read answers 429 with Retry-After: 1 (more than the client's own retry
    // allowance in this harness, so the watcher must schedule the wait itself).
    h.fault(FaultRule {
        status: Some(429),
        retry_after: Some(1),
        ..FaultRule::on("GET", "/v1/sessions/*")
    });
    let before = h.control.stats().requests;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let reads = h.control.stats().requests - before;
    let elapsed = started.elapsed().as_secs_f64();
    // Honouring Retry-After: about one read a second (the fast cadence alone would make ~30).
    // Each attempt may be retried once by the client before it gives the 429 back.
    let allowed = 2 * (1 + elapsed.ceil() as u64);
    assert!(
        reads <= allowed,
        "{reads} reads in {elapsed:.2} s despite Retry-After: 1 (allowed {allowed})"
    );
    h.control.clear_faults();
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn short_rate_limits_and_dropped_reads_are_retried() {
    let (h, charge) = charged(2_100).await;
    h.control.set_faults(vec![
        FaultRule {
            status: Some(429),
            retry_after: Some(0),
            times: Some(2),
            ..FaultRule::on("GET", "/v1/sessions/*")
        },
        FaultRule {
            drop: true,
            times: Some(2),
            ..FaultRule::on("GET", "/v1/transactions/*")
        },
    ]);
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
    // The faults were all used up on the way.
    let more = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!(more.status, SaleStatus::Captured);
    h.assert_agrees(&more);
}

/// A crash between intent and outcome, then a restart on the same log file.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn intents_left_by_a_crash_are_reconciled_on_resume() {
    let h = harness().await;
    let (_dir, path) = log_file();
    let first = h.engine_on(&path);
    let sale = h.paid_through(&first, 10_000).await;
    assert_eq!(sale.status, SaleStatus::Authorized);
    let tid = sale.transaction_id.clone().unwrap();
    let store = first.store();
    let now = h.clock.now();

    // Intent 1: a capture that reached Dintero before the process died.
    let cap_ref = format!("{}-C1", sale.merchant_reference);
    let intent =
        LogEvent::operation_requested("crash-capture", OpKind::Capture, Some(4_000), &cap_ref);
    store.append(&sale.id, &intent, now).unwrap();
    h.client
        .capture(&tid, &CaptureRequest::new(4_000, cap_ref))
        .await
        .unwrap();
    drop(first);

    // Restart: the capture is found at Dintero by its reference.
    let second = h.engine_on(&path);
    assert_eq!(second.store().pending_operations().unwrap().len(), 1);
    second.resume().await.unwrap();
    let sale = second.find(&sale.id).unwrap();
    let cap = sale.operation("crash-capture").unwrap();
    assert_eq!((cap.state, cap.applied), (OpState::Reconciled, Some(true)));
    assert_eq!(
        (sale.status, sale.captured),
        (SaleStatus::PartiallyCaptured, 4_000)
    );

    // Intent 2: a refund that never left the machine, then another crash.
    second
        .store()
        .append(
            &sale.id,
            &LogEvent::operation_requested(
                "crash-refund",
                OpKind::Refund,
                Some(1_000),
                &format!("{}-R1", sale.merchant_reference),
            ),
            h.clock.now(),
        )
        .unwrap();
    drop(second);
    let second = h.engine_on(&path);
    second.resume().await.unwrap();
    // The refund is not found, but it is young: a request could still be on its way.
    let sale = second.find(&sale.id).unwrap();
    assert!(sale.operation("crash-refund").unwrap().is_pending());
    assert_eq!(second.reconcile_pending(true).await.unwrap(), 1);
    let sale = second.find(&sale.id).unwrap();
    let refund = sale.operation("crash-refund").unwrap();
    assert_eq!(
        (refund.state, refund.applied),
        (OpState::Reconciled, Some(false))
    );
    assert_eq!(sale.status, SaleStatus::PartiallyCaptured);
    assert_eq!(sale.captured, 4_000);
    assert_eq!(sale.refunded, 0);
    assert_eq!(h.sandbox_events(&tid, "CAPTURE").len(), 1);
    assert!(h.sandbox_events(&tid, "REFUND").is_empty());

    // The sale is operable again, with fresh references.
    let sale = second
        .refund(&sale.id, RefundSpec::Amount(1_000), None)
        .await
        .unwrap();
    assert_eq!(sale.refunded, 1_000);
    assert_one_refund_r2(&h, &tid, &sale);
    let journal = second.store().verify_journal().unwrap();
    assert!(journal.ok, "{journal:?}");
}

/// A refund reference already used at Dintero by another counter must never be taken as proof
/// that this counter's refund happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn references_never_collide_with_operations_made_elsewhere() {
    let (h, sale) = authorised(6_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    // Another till (or the Dintero backoffice) operated on this payment with the references
    // this counter would pick next.
    let r = &sale.merchant_reference;
    h.client
        .capture(&tid, &CaptureRequest::new(6_000, format!("{r}-C1")))
        .await
        .unwrap();
    h.client
        .refund(&tid, &RefundRequest::new(1_000, format!("{r}-R1")))
        .await
        .unwrap();
    refund_through_a_503(&h, &sale.id, 2_000).await;
    let sale = h.kasse.find(&sale.id).unwrap();
    let op = sale
        .operations
        .iter()
        .find(|o| o.kind == OpKind::Refund)
        .unwrap();
    assert_ne!(op.reference, format!("{r}-R1"));
    assert!(op.is_pending(), "{op:?}");
    h.clock.advance(time::Duration::seconds(46));
    h.kasse.reconcile_pending(false).await.unwrap();
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(reconciled(&h, &sale.id), [false]);
    assert_eq!(sale.refunded, 1_000);
    h.assert_agrees(&sale);
}

/// With the default cadence a waiting payment stays within its read budget: 2 s apart while
/// nobody has opened the checkout, 0.6 s once the customer has.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn default_cadence_reads_within_the_schedule() {
    let h = harness_with(|c| c.cadence = Cadence::default()).await;
    let c = Cadence::default();
    // Warm the token so it is not counted.
    h.client.fetch_token().await.unwrap();
    let before = h.control.stats().requests;
    let started = Instant::now();
    let charge = h.charge(1_000).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let waiting_ms = started.elapsed().as_millis() as u64;
    let waiting_reads = h.control.stats().requests - before - 1; // minus the charge
    assert!(
        waiting_reads <= 1 + waiting_ms / c.waiting_ms,
        "{waiting_reads} reads in {waiting_ms} ms while waiting"
    );
    assert!(waiting_reads >= 1, "the watcher reads at once");

    h.control.visit(&charge.session_id).unwrap();
    let before = h.control.stats().requests;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let paying_ms = started.elapsed().as_millis() as u64;
    let paying_reads = h.control.stats().requests - before;
    // Up to one waiting interval to notice the visit, then one read per paying interval.
    assert!(
        paying_reads <= 2 + paying_ms / c.paying_ms,
        "{paying_reads} reads in {paying_ms} ms while paying"
    );
    // And never beyond the budget: burst + refill per elapsed minute.
    let total_ms = waiting_ms + paying_ms;
    let budget = u64::from(c.burst) + u64::from(c.refill_per_minute) * total_ms.div_ceil(60_000);
    assert!(waiting_reads + paying_reads <= budget);
    h.kasse.cancel(&charge.sale.id).await.unwrap();
}

/// Sandbox timeout cards: the capture answers 503 and Dintero records a failed capture with our
/// reference; the engine reconciles at once as not applied and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capture_that_times_out_at_the_processor_is_reported_failed() {
    let (h, charge) = charged(4_000).await;
    h.control
        .pay(&charge.session_id, "4100000000000019")
        .unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    let tid = sale.transaction_id.clone().unwrap();
    let err = h.kasse.capture(&sale.id, None).await.unwrap_err();
    assert_eq!(err.code(), "dintero", "{err:?}");
    let sale = h.kasse.find(&sale.id).unwrap();
    assert_eq!(reconciled(&h, &sale.id), [false]);
    assert_eq!(sale.pending_ops, 0);
    assert_eq!(sale.status, SaleStatus::Authorized);
    assert!(h.sandbox_events(&tid, "CAPTURE").is_empty());
    h.assert_agrees(&sale);
}

/// Dintero may answer 202 and finish the operation later: the engine settles it by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accepted_operations_settle_in_the_background() {
    let h = harness_on(
        dintero_sandbox::SandboxConfig {
            async_operations: true,
            ..Default::default()
        },
        |_| {},
    )
    .await;
    let sale = h.authorised(9_000).await;
    let tid = sale.transaction_id.clone().unwrap();
    let sale = h.kasse.capture(&sale.id, None).await.expect("accepted");
    let op = sale.operations[0].clone();
    // 202: in flight with Dintero's request id (the INITIATE_CAPTURE event's), which the
    // completion event carries as its correlation_request_id.
    assert_eq!(op.state, OpState::InFlight, "{op:?}");
    let initiated = h.sandbox_tx(&tid)["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "INITIATE_CAPTURE")
        .cloned()
        .expect("an INITIATE_CAPTURE event");
    assert_eq!(op.request_id.as_deref(), initiated["request_id"].as_str());
    assert_eq!(
        sale.capturable(),
        0,
        "the capture in flight counts against what is left"
    );
    let sale = h
        .wait_for(&sale.id, "capture settled", |s| s.pending_ops == 0)
        .await;
    assert_eq!(sale.status, SaleStatus::Captured);
    assert_eq!(sale.operations[0].applied, Some(true));
    h.assert_agrees(&sale);
    // Refund the same way.
    h.refund_amount(&sale.id, 2_000).await.expect("accepted");
    let sale = h
        .wait_for(&sale.id, "refund settled", |s| s.pending_ops == 0)
        .await;
    assert_eq!(sale.refunded, 2_000);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_hold_is_followed_until_it_resolves() {
    let (h, charge) = charged(5_500).await;
    let tx = h
        .control
        .pay_with(
            &charge.session_id,
            dintero_sandbox::PayOptions {
                card: Some(CARD_OK.into()),
                on_hold: true,
                ..Default::default()
            },
        )
        .unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::OnHold).await;
    assert!(sale.is_open());
    h.control
        .resolve_on_hold(tx["id"].as_str().unwrap(), true)
        .unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
}
