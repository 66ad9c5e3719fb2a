//! The engine's flows against the in-process sandbox: sell, charge, follow, capture, refund,
//! decline, expiry, cancel (also racing a payment), parked payments and auto-capture. Every flow
//! checks the log against the sandbox's own record.

use super::engine_common;

use std::collections::HashMap;
use std::time::Duration;

use dintero_sandbox::PayOptions;
use engine_common::*;
use kasse_core::sale::{OpKind, OpState, SaleStatus};
use kasse_core::store::ListQuery;
use kasse_core::RefundSpec;
use rand::seq::SliceRandom;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sell_charge_visit_pay_capture_refund_a_line() {
    let h = harness().await;
    let mut changes = h.kasse.subscribe();
    let input = order3();
    let priced = h.kasse.price(&input).unwrap();
    let charge = h.kasse.charge(&input).await.expect("charge");

    // What the cashier shows: the URL as a QR with the amount.
    assert!(charge.qr_svg.starts_with("<svg") || charge.qr_svg.contains("<svg"));
    assert_eq!(charge.sale.amount, priced.amount);
    assert_eq!(charge.sale.status, SaleStatus::Waiting);
    assert!(charge.url.contains(&charge.session_id));

    // The sandbox has the session with amount = Σ lines, line ids 1..n.
    let session = h.control.session(&charge.session_id).expect("session");
    let items = session["order"]["items"].as_array().unwrap();
    let sum: i64 = items.iter().map(|i| i["amount"].as_i64().unwrap()).sum();
    assert_eq!(session["order"]["amount"].as_i64(), Some(priced.amount));
    assert_eq!(sum, priced.amount);
    let ids: Vec<_> = items
        .iter()
        .map(|i| i["line_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        session["order"]["merchant_reference"].as_str(),
        Some(charge.sale.merchant_reference.as_str())
    );
    // 2 × 3900 + 2500 + round(0.375 × 12990) = 7800 + 2500 + 4871
    assert_eq!(priced.amount, 15_171);

    // The customer opens the checkout: waiting → paying.
    h.control.visit(&charge.session_id).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Paying).await;

    // … and pays: the watcher logs authorized.
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
    assert_eq!(
        h.observed(&sale.id),
        [SaleStatus::Paying, SaleStatus::Authorized],
        "each change observed once, in order"
    );

    // Capture everything.
    let sale = h.kasse.capture(&sale.id, None).await.expect("capture");
    assert_eq!(sale.status, SaleStatus::Captured);
    assert_eq!(sale.captured, priced.amount);
    h.assert_agrees(&sale);

    // Refund the apples (line 3, all of it), priced by the order's rules.
    let line = priced.line("3").unwrap().clone();
    let sale = h
        .kasse
        .refund(
            &sale.id,
            RefundSpec::Lines(vec![("3".into(), line.quantity)]),
            Some("bruised".into()),
        )
        .await
        .expect("refund");
    assert_eq!(sale.status, SaleStatus::PartiallyRefunded);
    assert_eq!(sale.refunded, line.amount);
    assert_eq!(sale.refunded, 4_871);
    h.assert_agrees(&sale);
    let tid = sale.transaction_id.clone().unwrap();
    let refunds = h.sandbox_events(&tid, "REFUND");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["items"][0]["line_id"], "3");
    let refunded = kasse_core::engine::refunded_quantities(&sale);
    assert_eq!(refunded.get("3"), Some(&line.quantity));
    // The same line cannot be refunded twice.
    let again = h.refund_line(&sale.id, "3", "1").await.unwrap_err();
    assert_eq!(again.code(), "invalid_input", "{again}");
    assert_eq!(h.sandbox_events(&tid, "REFUND").len(), 1);

    // Every operation logged intent first, then its outcome.
    let kinds = h.kinds(&sale.id);
    let requested: Vec<_> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k == "operation_requested")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(requested.len(), 2);
    for i in requested {
        assert_eq!(kinds[i + 1], "operation_succeeded", "{kinds:?}");
    }

    // The list and search find it: by reference, by transaction id, by status.
    let store = h.kasse.store();
    for text in [sale.merchant_reference.as_str(), tid.as_str()] {
        let page = store.list(&ListQuery::new().search(text)).unwrap();
        assert_eq!(page.items.len(), 1, "search {text}");
        assert_eq!(page.items[0].id, sale.id);
    }
    let page = store
        .list(&ListQuery::new().status(SaleStatus::PartiallyRefunded))
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(h.kasse.find(&charge.session_id).unwrap().id, sale.id);

    // Subscribers saw every status the sale went through, in order.
    let mut seen = vec![];
    while let Ok(c) = changes.try_recv() {
        if c.sale.id == sale.id && seen.last() != Some(&c.sale.status) {
            seen.push(c.sale.status);
        }
    }
    assert_eq!(
        seen,
        [
            SaleStatus::Creating,
            SaleStatus::Waiting,
            SaleStatus::Paying,
            SaleStatus::Authorized,
            SaleStatus::Captured,
            SaleStatus::PartiallyRefunded
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn declined_and_3ds_failed_payments_close_the_sale() {
    let h = harness().await;
    for (card, status) in [
        (CARD_DECLINED, SaleStatus::Declined),
        (CARD_3DS_FAIL, SaleStatus::Failed),
    ] {
        let charge = h.charge(10_000).await;
        h.control.pay(&charge.session_id, card).unwrap();
        let sale = h.wait_status(&charge.sale.id, status).await;
        assert!(!sale.is_open());
        h.assert_agrees(&sale);
        // Closed: no more following, and nothing to capture or void.
        h.wait_unfollowed(&sale.id).await;
        // Its checkout was closed (asked to be cancelled, as a logged operation), so the QR
        // cannot be paid later unseen; Dintero refuses a cancel after a failed payment.
        let sale = h
            .wait_for(&sale.id, "checkout closed", |s| {
                s.operations
                    .iter()
                    .any(|o| o.kind == OpKind::Cancel && !o.is_pending())
            })
            .await;
        let cancel = sale
            .operations
            .iter()
            .find(|o| o.kind == OpKind::Cancel)
            .unwrap();
        assert_eq!(
            cancel.reason.as_deref(),
            Some("payment failed: closing the checkout")
        );
        assert_eq!(sale.status, status, "the sale stays {status}");
        let err = h.kasse.capture(&sale.id, None).await.unwrap_err();
        assert_eq!(err.code(), "invalid_state", "{err}");
        let err = h.kasse.void(&sale.id).await.unwrap_err();
        assert_eq!(err.code(), "invalid_state", "{err}");
        let err = h.kasse.cancel(&sale.id).await.unwrap_err();
        assert_eq!(err.code(), "invalid_state", "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_walked_away_customer_expires_the_session() {
    let (h, charge) = charged(4_200).await;
    h.control.visit(&charge.session_id).unwrap();
    h.wait_status(&charge.sale.id, SaleStatus::Paying).await;

    h.advance(Duration::from_secs(16 * 60));
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Expired).await;
    // The engine tried to cancel the session, as a logged operation, so nothing could slip
    // through; Dintero refuses to cancel an expired session, and the engine then takes the
    // session as it reads it (expired, no payment) instead of cancelling again at every look.
    let session = h.control.session(&charge.session_id).unwrap();
    assert!(session["cancelled_at"].is_null(), "{session}");
    let cancels: Vec<_> = sale
        .operations
        .iter()
        .filter(|o| o.kind == OpKind::Cancel)
        .collect();
    assert_eq!(
        cancels.len(),
        1,
        "one cancel, not one per look: {cancels:?}"
    );
    assert_eq!(cancels[0].state, OpState::Failed);
    assert_eq!(cancels[0].reason.as_deref(), Some("expired"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.kasse
            .find(&sale.id)
            .unwrap()
            .operations
            .iter()
            .filter(|o| o.kind == OpKind::Cancel)
            .count(),
        1,
        "the watcher stopped: the sale is settled"
    );
    assert_eq!(sale.transaction_id, None);
    // A late payment is refused by Dintero.
    let late = h.control.pay(&charge.session_id, CARD_OK);
    assert!(late.is_err(), "{late:?}");
    assert_eq!(h.kasse.find(&sale.id).unwrap().status, SaleStatus::Expired);
    assert!(h.control.transactions().is_empty());
    h.assert_sound();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cashier_cancel_before_payment() {
    let (h, charge) = charged(5_000).await;
    let sale = h.kasse.cancel(&charge.sale.id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Cancelled);
    assert!(h.control.session(&charge.session_id).unwrap()["cancelled_at"].is_string());
    assert!(h.control.pay(&charge.session_id, CARD_OK).is_err());
    // The watcher stops and the log stays cancelled.
    h.assert_stays(&sale.id, SaleStatus::Cancelled).await;
    // Cancelling twice is refused locally.
    let err = h.kasse.cancel(&sale.id).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state");
    h.assert_sound();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_racing_a_payment_shows_the_voided_payment() {
    // The watcher looks once at the start, then not for a minute: the payment lands unseen.
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let charge = h.charge_looked_at(7_700).await;
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.kasse.cancel(&charge.sale.id).await.expect("cancel");
    // Dintero voided the authorisation with the session; the log shows exactly that.
    assert_eq!(sale.status, SaleStatus::Voided, "{sale:#?}");
    assert!(sale.transaction_id.is_some());
    h.assert_agrees(&sale);
    let tid = sale.transaction_id.clone().unwrap();
    assert_eq!(h.sandbox_events(&tid, "VOID").len(), 1);
    assert_eq!(h.observed(&sale.id).last(), Some(&SaleStatus::Voided));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_after_an_unseen_auto_captured_payment_shows_it() {
    // Auto-capture: the payment is captured at once, which a session cancel cannot undo. The
    // cashier's cancel must surface the captured payment (to refund), not fail blindly.
    let h = harness_with(|c| {
        c.cadence = sleepy_cadence();
        c.auto_capture = true;
    })
    .await;
    let charge = h.charge_looked_at(9_900).await;
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.kasse.cancel(&charge.sale.id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Captured, "{sale:#?}");
    h.assert_agrees(&sale);
    let detail = h.kasse.detail(&sale.id).unwrap();
    assert!(
        detail.events.iter().any(|e| matches!(
            &e.event,
            kasse_core::sale::LogEvent::Note { text } if text.contains("refund")
        )),
        "a note tells the cashier to refund"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parked_payments_settle_in_any_order_and_subscribers_see_every_change() {
    let h = harness().await;
    let mut rx = h.kasse.subscribe();
    let mut charges = vec![];
    for i in 0..5 {
        charges.push(h.kasse.charge(&order_of(1_000 + i)).await.unwrap());
    }
    assert_eq!(h.kasse.followed().len(), 5);
    let mut order: Vec<usize> = (0..5).collect();
    order.shuffle(&mut rand::thread_rng());
    for &i in &order {
        h.control.visit(&charges[i].session_id).unwrap();
        let card = if i == 2 { CARD_DECLINED } else { CARD_OK };
        h.control.pay(&charges[i].session_id, card).unwrap();
    }
    for (i, c) in charges.iter().enumerate() {
        let want = if i == 2 {
            SaleStatus::Declined
        } else {
            SaleStatus::Authorized
        };
        let sale = h.wait_status(&c.sale.id, want).await;
        h.assert_agrees(&sale);
    }
    // Every change reached the subscriber: per sale, creating → waiting → … → settled, and
    // every journal row that changed the status was broadcast.
    let mut per_sale: HashMap<String, Vec<SaleStatus>> = HashMap::new();
    while let Ok(c) = rx.try_recv() {
        let seen = per_sale.entry(c.sale.id.clone()).or_default();
        if seen.last() != Some(&c.sale.status) {
            seen.push(c.sale.status);
        }
    }
    for (i, c) in charges.iter().enumerate() {
        let seen = &per_sale[&c.sale.id];
        let last = if i == 2 {
            SaleStatus::Declined
        } else {
            SaleStatus::Authorized
        };
        assert_eq!(seen.first(), Some(&SaleStatus::Creating));
        assert_eq!(seen.last(), Some(&last), "{seen:?}");
        assert!(seen.contains(&SaleStatus::Waiting));
        let mut logged = vec![SaleStatus::Creating, SaleStatus::Waiting];
        logged.extend(h.observed(&c.sale.id));
        logged.dedup();
        assert_eq!(seen, &logged, "subscriber vs log for sale {i}");
    }
    h.wait_for(&charges[0].sale.id, "nothing followed", |_| {
        h.kasse.followed().is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auto_capture_lands_captured() {
    let h = harness_with(|c| c.auto_capture = true).await;
    let charge = h.kasse.charge(&order3()).await.unwrap();
    let session = h.control.session(&charge.session_id).unwrap();
    assert_eq!(session["configuration"]["auto_capture"], true);
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Captured).await;
    assert_eq!(sale.captured, sale.amount);
    h.assert_agrees(&sale);
    // Nothing left to capture; refund works straight away.
    let err = h.kasse.capture(&sale.id, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state");
    let sale = h
        .kasse
        .refund(&sale.id, RefundSpec::Full, None)
        .await
        .unwrap();
    assert_eq!(sale.status, SaleStatus::Refunded);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn initiated_transaction_means_paying_then_settles() {
    let (h, charge) = charged(3_000).await;
    h.control
        .pay_with(
            &charge.session_id,
            PayOptions {
                initiate_only: true,
                ..PayOptions::default()
            },
        )
        .unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Paying).await;
    assert!(sale.transaction_id.is_some());
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
}

/// Holds the next transaction read's answer back for a while after the sandbox has read the
/// state: whoever made that read gets a stale answer late.
fn delay_next_transaction_read(h: &Harness) {
    h.fault(FaultRule {
        after: true,
        latency_ms: Some(700),
        times: Some(1),
        ..FaultRule::on("GET", "/v1/transactions/*")
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watcher_read_overtaken_by_a_capture_does_not_roll_the_log_back() {
    let (h, charge) = charged(10_000).await;
    delay_next_transaction_read(&h);
    let tx = h.control.pay(&charge.session_id, CARD_OK).unwrap();
    let tid = tx["id"].as_str().unwrap().to_owned();
    // Let the watcher make its (delayed) read of the AUTHORIZED transaction.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Meanwhile the webview saw the return URL, and the cashier captures at once.
    let sale = h
        .kasse
        .confirm_return(
            &charge.sale.id,
            &format!("https://kasse.test/return?transaction_id={tid}"),
        )
        .await
        .unwrap();
    assert_eq!(sale.status, SaleStatus::Authorized);
    let sale = h.kasse.capture(&sale.id, None).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Captured);
    // The watcher's late answer (AUTHORIZED, nothing captured) arrives and must be dropped.
    let sale = h.assert_stays(&sale.id, SaleStatus::Captured).await;
    assert_eq!(sale.captured, 10_000);
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watcher_read_overtaken_by_a_cancel_does_not_hide_the_void() {
    let (h, charge) = charged(6_600).await;
    delay_next_transaction_read(&h);
    h.control.pay(&charge.session_id, CARD_OK).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sale = h.kasse.cancel(&charge.sale.id).await.unwrap();
    assert_eq!(sale.status, SaleStatus::Voided);
    let sale = h.assert_stays(&sale.id, SaleStatus::Voided).await;
    h.assert_agrees(&sale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_cancel_in_the_pay_window_is_known_at_once_from_the_session() {
    // The watcher sleeps: only the return URL wakes it, and the session it reads is the proof.
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let charge = h.charge(2_500).await;
    h.control.visit(&charge.session_id).unwrap();
    let back = h.control.customer_cancel(&charge.session_id).unwrap();
    assert!(back.contains("error=cancelled"), "{back}");
    h.kasse
        .confirm_return(&charge.sale.id, &back)
        .await
        .unwrap();
    let sale = h.wait_status(&charge.sale.id, SaleStatus::Cancelled).await;
    assert!(sale.transaction_id.is_none());
    // Proven by the session as read: cancelled at Dintero.
    let events = h.kasse.store().events(&sale.id).unwrap();
    let proof = events.iter().rev().find_map(|e| match &e.event {
        kasse_core::sale::LogEvent::StatusObserved {
            status: SaleStatus::Cancelled,
            snapshot,
            ..
        } => Some(snapshot.clone()),
        _ => None,
    });
    let proof = proof.expect("a cancelled observation");
    assert_eq!(proof["id"], charge.session_id.as_str(), "{proof}");
    assert!(proof["cancelled_at"].is_string(), "{proof}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_webview_return_is_confirmed_by_one_read_of_its_own_transaction() {
    // The watcher sleeps: only the return URL can tell.
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let other = h.charge(1_000).await;
    let mine = h.charge(2_000).await;
    let other_tx = h.control.pay(&other.session_id, CARD_OK).unwrap();
    let my_tx = h.control.pay(&mine.session_id, CARD_OK).unwrap();
    let url = |tx: &serde_json::Value| {
        format!(
            "https://kasse.test/return?merchant_reference=x&transaction_id={}",
            tx["id"].as_str().unwrap()
        )
    };
    // Its own return confirms it, with one read.
    let sale = h
        .kasse
        .confirm_return(&mine.sale.id, &url(&my_tx))
        .await
        .unwrap();
    assert_eq!(sale.status, SaleStatus::Authorized);
    h.assert_agrees(&sale);
    let events = h.kasse.store().events(&sale.id).unwrap();
    assert!(events.iter().any(|e| matches!(
        &e.event,
        kasse_core::sale::LogEvent::StatusObserved { source, .. } if source == "webview"
    )));
    // A return URL naming another sale's payment is not taken for this one's (it only wakes
    // the watcher, which finds the sale's own payment).
    let other_sale = h
        .kasse
        .confirm_return(&other.sale.id, &url(&my_tx))
        .await
        .unwrap();
    assert_ne!(other_sale.transaction_id, sale.transaction_id);
    let other_sale = h.wait_status(&other.sale.id, SaleStatus::Authorized).await;
    assert_eq!(
        other_sale.transaction_id.as_deref(),
        other_tx["id"].as_str()
    );
    h.assert_agrees(&other_sale);
    let err = h
        .kasse
        .confirm_return(&mine.sale.id, "not a url")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_embedded_checkout_event_wakes_the_watcher_whose_read_decides() {
    use kasse_core::pay_window::CheckoutEvent;
    // The watcher sleeps: only the event wakes it.
    let h = harness_with(|c| c.cadence = sleepy_cadence()).await;
    let paid = h.charge(3_000).await;
    let unpaid = h.charge(4_000).await;
    h.control.pay(&paid.session_id, CARD_OK).unwrap();
    h.kasse
        .checkout_event(&paid.sale.id, CheckoutEvent::Authorized)
        .unwrap();
    let sale = h.wait_status(&paid.sale.id, SaleStatus::Authorized).await;
    h.assert_agrees(&sale);
    // An event that is not true books nothing: the read finds the checkout still waiting.
    h.kasse
        .checkout_event(&unpaid.sale.id, CheckoutEvent::Authorized)
        .unwrap();
    // A cancel in the embed: the session read is the proof.
    h.control.customer_cancel(&unpaid.session_id).unwrap();
    h.kasse
        .checkout_event(&unpaid.sale.id, CheckoutEvent::Cancelled)
        .unwrap();
    h.wait_status(&unpaid.sale.id, SaleStatus::Cancelled).await;
    let events = h.kasse.store().events(&unpaid.sale.id).unwrap();
    assert!(
        !events.iter().any(|e| matches!(
            &e.event,
            kasse_core::sale::LogEvent::StatusObserved {
                status: SaleStatus::Authorized,
                ..
            }
        )),
        "{:?}",
        h.observed(&unpaid.sale.id)
    );
    let err = h
        .kasse
        .checkout_event("no-such-sale", CheckoutEvent::Error)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

/// A line refunded in two parts: each part's amount previewed before it is asked is what it
/// refunds (the parts telescope to the line); each refund's receipt carries its own time,
/// number, reason and negative figures; the card is named from the transaction and kept in
/// the sale's row.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_line_refund_is_previewed_and_each_refund_has_its_own_receipt() {
    use kasse_core::payment::{PaymentKind, PaymentMethod};
    use kasse_core::receipt::{refund_receipt, sale_receipt, ReceiptKind};

    let h = harness().await;
    let sale = h.paid(&order3()).await;
    let sale = h.kasse.capture(&sale.id, None).await.expect("capture");
    let visa = PaymentMethod {
        kind: PaymentKind::Card,
        brand: Some("Visa".into()),
        last4: Some("0002".into()),
    };
    assert_eq!(sale.payment_method().as_ref(), Some(&visa));
    let listed = h.kasse.store().list(&ListQuery::new()).unwrap();
    assert_eq!(listed.items[0].payment_method().as_ref(), Some(&visa));

    // Apples, line 3: 0.375 kg × 129.90 = 48.71 at 25.5 %; first 0.125 kg, then the rest.
    let apples = h
        .kasse
        .detail(&sale.id)
        .unwrap()
        .order
        .unwrap()
        .line("3")
        .unwrap()
        .clone();
    let part = |q: &str| vec![("3".to_owned(), q.parse().unwrap())];
    let first = h.kasse.refund_preview(&sale.id, &part("0.125")).unwrap();
    assert_eq!(first, 1624, "round(0.125 × 12990)");
    h.advance(Duration::from_secs(3600));
    let sale = h
        .kasse
        .refund(
            &sale.id,
            RefundSpec::Lines(part("0.125")),
            Some("bruised".into()),
        )
        .await
        .expect("refund");
    assert_eq!(sale.refunded, first);
    let rest = h.kasse.refund_preview(&sale.id, &part("0.25")).unwrap();
    assert_eq!(first + rest, apples.amount, "the parts make the line");
    h.advance(Duration::from_secs(3600));
    let sale = h
        .kasse
        .refund(&sale.id, RefundSpec::Lines(part("0.25")), None)
        .await
        .expect("refund");
    assert_eq!(sale.refunded, apples.amount);

    let d = h.kasse.detail(&sale.id).unwrap();
    let paid = sale_receipt(&d.sale, d.order.as_ref(), &d.events).unwrap();
    assert_eq!(paid.kind, ReceiptKind::Sale);
    assert_eq!(paid.total, 15_171);
    let ops: Vec<_> = d
        .sale
        .operations
        .iter()
        .filter(|o| o.kind == OpKind::Refund)
        .collect();
    let r1 = refund_receipt(&d.sale, d.order.as_ref(), &ops[0].op_id).unwrap();
    let r2 = refund_receipt(&d.sale, d.order.as_ref(), &ops[1].op_id).unwrap();
    assert!(
        paid.at < r1.at && r1.at < r2.at,
        "{} {} {}",
        paid.at,
        r1.at,
        r2.at
    );
    assert!(r1.at - paid.at >= time::Duration::hours(1));
    assert_eq!(
        (r1.number.as_str(), r1.reason.as_deref()),
        (ops[0].reference.as_str(), Some("bruised"))
    );
    assert_eq!((r1.total, r2.total), (-first, -rest));
    // 16.24 × 25.5/125.5 = 3.2998 → 3.30; the line's VAT 48.71 × 25.5/125.5 = 9.897 → 9.90,
    // so 6.60 left for the rest (32.47).
    assert_eq!((r1.vat_total, r2.vat_total), (Some(-330), Some(-660)));
    assert_eq!(
        r1.vat_total.unwrap() + r2.vat_total.unwrap(),
        -apples.vat_amount
    );
    assert_eq!(r2.payment.as_ref(), Some(&visa));
}
