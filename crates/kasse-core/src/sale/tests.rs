use super::*;
use serde_json::json;
use time::macros::{date, datetime};

fn opened() -> LogEvent {
    LogEvent::SaleOpened {
        merchant_reference: "KASSE1-20261124-0001".into(),
        counter: "KASSE1".into(),
        currency: "NOK".into(),
        amount: 10000,
        vat_amount: 2000,
        order: json!({"lines": []}),
        auto_capture: false,
    }
}

/// The sale opened with a session that asks Dintero to capture at authorisation.
fn opened_auto() -> LogEvent {
    let mut v = serde_json::to_value(opened()).unwrap();
    v["auto_capture"] = json!(true);
    serde_json::from_value(v).unwrap()
}

/// Kasse's own capture `op1` with `reference`, requested.
fn capture_requested(reference: &str) -> LogEvent {
    LogEvent::operation_requested("op1", OpKind::Capture, None, reference)
}

fn observed(status: SaleStatus, captured: i64, snapshot: Value) -> LogEvent {
    LogEvent::StatusObserved {
        status,
        transaction_id: Some("T1".into()),
        captured,
        refunded: 0,
        source: "poll".into(),
        snapshot,
    }
}

/// [`observed`] with a snapshot of transaction `T1` that shows only its Dintero `status`.
fn observed_plain(status: SaleStatus, captured: i64, dintero_status: &str) -> LogEvent {
    observed(
        status,
        captured,
        json!({"id": "T1", "status": dintero_status}),
    )
}

#[test]
fn statuses_round_trip_and_map_from_dintero() {
    for s in SaleStatus::ALL {
        assert_eq!(s.as_str().parse::<SaleStatus>().unwrap(), *s);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            Value::String(s.as_str().into())
        );
    }
    assert!("nope".parse::<SaleStatus>().is_err());
    assert_eq!(
        SaleStatus::from_dintero("PARTIALLY_CAPTURED_REFUNDED"),
        SaleStatus::PartiallyCapturedRefunded
    );
    assert_eq!(
        SaleStatus::from_dintero("SOMETHING_NEW"),
        SaleStatus::Unknown
    );
    assert!(SaleStatus::Waiting.is_open() && !SaleStatus::Captured.is_open());
    assert!(SaleStatus::Refunded.is_paid() && !SaleStatus::Declined.is_paid());
}

#[test]
fn event_json_is_tagged() {
    let v = serde_json::to_value(opened()).unwrap();
    assert_eq!(v["type"], "sale_opened");
    assert_eq!(opened().kind(), "sale_opened");
    let back: LogEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, opened());
}

#[test]
fn a_sale_through_charge_capture_and_refund() {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = Sale::open("s1", &opened(), t).unwrap();
    assert_eq!(s.status, SaleStatus::Creating);
    let ev = LogEvent::SessionCreated {
        session_id: "S1".into(),
        url: "https://x".into(),
        expires_at: Some(datetime!(2026-11-24 10:15 UTC)),
    };
    s.validate(&ev).unwrap();
    s.apply(&ev, t);
    assert_eq!(s.status, SaleStatus::Waiting);
    assert!(s.validate(&ev).is_err(), "one sale per session");
    s.apply(
        &LogEvent::StatusObserved {
            status: SaleStatus::Authorized,
            transaction_id: Some("T1".into()),
            captured: 0,
            refunded: 0,
            source: "poll".into(),
            snapshot: json!({"id": "T1", "status": "AUTHORIZED", "payment_product_type": "dintero_psp.creditcard"}),
        },
        t,
    );
    assert_eq!(s.capturable(), 10000);
    assert_eq!(s.payment_product.as_deref(), Some("dintero_psp.creditcard"));
    let req = capture_requested("cap-1");
    s.validate(&req).unwrap();
    s.apply(&req, t);
    assert_eq!(s.pending_ops, 1);
    let ok = LogEvent::OperationSucceeded {
        op_id: "op1".into(),
        snapshot: json!({"id": "T1", "status": "CAPTURED", "events": [
            {"event": "CAPTURE", "success": true, "amount": 10000},
            {"event": "CAPTURE", "success": false, "amount": 10000}]}),
    };
    s.validate(&ok).unwrap();
    s.apply(&ok, t);
    assert_eq!(
        (s.status, s.captured, s.pending_ops),
        (SaleStatus::Captured, 10000, 0)
    );
    assert!(matches!(
        s.validate(&ok),
        Err(SaleError::OperationClosed { .. })
    ));
    let dup = LogEvent::operation_requested("op2", OpKind::Refund, Some(100), "cap-1");
    assert!(matches!(
        s.validate(&dup),
        Err(SaleError::DuplicateReference { .. })
    ));
    // A snapshot of another transaction is ignored.
    let mut s2 = s.clone();
    s2.absorb_transaction(&json!({"id": "T2", "status": "REFUNDED"}));
    assert_eq!(s2.status, SaleStatus::Captured);
}

fn requested(op_id: &str, key: Option<&str>, basis: Option<u32>, amount: i64) -> LogEvent {
    LogEvent::OperationRequested {
        op_id: op_id.into(),
        kind: OpKind::Refund,
        amount: Some(amount),
        lines: Value::Null,
        reference: format!("ref-{op_id}"),
        reason: None,
        key: key.map(str::to_owned),
        basis,
        actor: None,
    }
}

/// A captured sale of 10 000.
fn captured_sale() -> Sale {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = Sale::open("s1", &opened(), t).unwrap();
    s.apply(
        &LogEvent::StatusObserved {
            status: SaleStatus::Captured,
            transaction_id: Some("T1".into()),
            captured: 10000,
            refunded: 0,
            source: "poll".into(),
            snapshot: Value::Null,
        },
        t,
    );
    s
}

/// The rules that make one writer per sale hold across windows and processes: they run in
/// the log's write transaction, on the sale as it is there.
#[test]
fn an_intent_is_refused_for_a_used_key_a_stale_basis_or_an_unknown_outcome() {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = captured_sale();
    let first = requested("op1", Some("press-1"), Some(0), 4000);
    s.validate(&first).unwrap();
    s.apply(&first, t);
    // A second writer that checked the same sale picked the same next reference: it hears
    // that the sale changed, not that the reference is taken.
    assert_eq!(
        s.validate(&LogEvent::OperationRequested {
            op_id: "op9".into(),
            kind: OpKind::Refund,
            amount: Some(1000),
            lines: Value::Null,
            reference: "ref-op1".into(),
            reason: None,
            key: Some("press-9".into()),
            basis: Some(0),
            actor: None,
        }),
        Err(SaleError::StaleBasis {
            expected: 0,
            actual: 1
        })
    );
    // Outcome unknown: nothing new may be sent, whatever its key.
    assert!(matches!(
        s.validate(&requested("op2", Some("press-2"), Some(1), 1000)),
        Err(SaleError::OutcomePending { .. })
    ));
    // The same press again: refused, naming the first operation.
    assert_eq!(
        s.validate(&requested("op2", Some("press-1"), Some(1), 4000)),
        Err(SaleError::DuplicateKey {
            key: "press-1".into(),
            op_id: "op1".into()
        })
    );
    // 202 Accepted: in flight. It counts against what is left, and a new intent is allowed
    // (checked against the sale with the in-flight one: basis 1).
    let accepted = LogEvent::OperationAccepted {
        op_id: "op1".into(),
        request_id: Some("rq-1".into()),
        snapshot: Value::Null,
    };
    s.validate(&accepted).unwrap();
    s.apply(&accepted, t);
    let op = s.operation("op1").unwrap();
    assert_eq!(
        (op.state, op.request_id.as_deref(), op.key.as_deref()),
        (OpState::InFlight, Some("rq-1"), Some("press-1"))
    );
    assert_eq!((s.pending_ops, s.refundable()), (1, 6000));
    // An in-flight operation never goes back to unknown, nor is accepted twice.
    for back in [
        LogEvent::OperationUnknown {
            op_id: "op1".into(),
            message: "late timeout".into(),
        },
        accepted.clone(),
    ] {
        assert!(matches!(
            s.validate(&back),
            Err(SaleError::OperationClosed {
                state: OpState::InFlight,
                ..
            })
        ));
    }
    assert_eq!(
        s.validate(&requested("op2", Some("press-2"), Some(0), 1000)),
        Err(SaleError::StaleBasis {
            expected: 0,
            actual: 1
        })
    );
    s.validate(&requested("op2", Some("press-2"), Some(1), 1000))
        .unwrap();
    // Its completion settles it; it then counts through the totals, not as pending.
    let done = LogEvent::OperationReconciled {
        op_id: "op1".into(),
        applied: true,
        snapshot: json!({"id": "T1", "status": "PARTIALLY_REFUNDED", "events": [
            {"event": "CAPTURE", "success": true, "amount": 10000},
            {"event": "REFUND", "success": true, "amount": 4000}]}),
    };
    s.validate(&done).unwrap();
    s.apply(&done, t);
    assert_eq!((s.pending_ops, s.refunded, s.refundable()), (0, 4000, 6000));
}

#[test]
fn imported_sale_from_a_transaction() {
    let snap = json!({
        "id": "T1", "status": "PARTIALLY_REFUNDED", "amount": 24800, "currency": "NOK",
        "session_id": "S9", "merchant_reference": "POS1-20260512-0042",
        "created_at": "2026-05-12T10:16:40.512Z",
        "items": [{"vat_amount": 10}, {"vat_amount": 5}],
        "events": [{"event": "CAPTURE", "success": true, "amount": 24800},
                   {"event": "REFUND", "success": true, "amount": 800}]
    });
    let s = Sale::open(
        "i1",
        &LogEvent::Imported { snapshot: snap },
        datetime!(2026-06-01 0:00 UTC),
    )
    .unwrap();
    assert_eq!(s.origin, Origin::Imported);
    assert_eq!(s.counter.as_deref(), Some("POS1"));
    assert_eq!(
        (s.captured, s.refunded, s.vat_amount),
        (24800, 800, Some(15))
    );
    assert_eq!(s.created_at, datetime!(2026-05-12 10:16:40.512 UTC));
    assert!(Sale::open(
        "i2",
        &LogEvent::Imported {
            snapshot: json!({})
        },
        s.created_at
    )
    .is_err());
}

#[test]
fn merchant_references() {
    let r = format_merchant_reference("KASSE1", date!(2026 - 11 - 24), 42);
    assert_eq!(r, "KASSE1-20261124-0042");
    let p = parse_merchant_reference(&r).unwrap();
    assert_eq!(
        (p.counter.as_str(), p.day.as_str(), p.seq),
        ("KASSE1", "20261124", 42)
    );
    assert_eq!(
        parse_merchant_reference("MY-TILL-20261124-12345")
            .unwrap()
            .counter,
        "MY-TILL"
    );
    assert!(parse_merchant_reference("order-42").is_none());
}

#[test]
fn an_intent_written_before_actors_reads_as_none_and_writes_back_the_same() {
    let old = json!({"type": "operation_requested", "op_id": "op1", "kind": "refund",
        "amount": 100, "lines": null, "reference": "R1", "reason": null, "key": "k"});
    let event: LogEvent = serde_json::from_value(old.clone()).unwrap();
    assert!(matches!(
        &event,
        LogEvent::OperationRequested { actor: None, .. }
    ));
    // The same JSON, so the chain's hash over it still holds.
    assert_eq!(serde_json::to_value(&event).unwrap(), old);
}

#[test]
fn an_auto_captured_sale_is_followed_until_the_capture_shows() {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = Sale::open("s1", &opened_auto(), t).unwrap();
    assert_eq!(s.auto_capture, Some(AutoCapture::Requested));
    assert!(s.is_followed() && s.is_open());
    let authorized = json!({"id": "T1", "status": "AUTHORIZED", "events": [
        {"event": "AUTHORIZE", "success": true, "transaction_status": "AUTHORIZED", "amount": 10000}
    ]});
    s.apply(&observed(SaleStatus::Authorized, 0, authorized), t);
    // Paid (authorised), no longer open (nothing to cancel), but still followed for the capture.
    assert!(s.status.is_paid());
    assert!(
        !s.is_open(),
        "an authorisation is not cancelled as an open payment"
    );
    assert!(s.is_followed(), "followed until the capture shows");
    assert_eq!(s.uncaptured(), Some(Uncaptured::Capturing));
    assert!(!Uncaptured::Capturing.needs_staff());
    s.apply(&observed_plain(SaleStatus::Captured, 10000, "CAPTURED"), t);
    assert!(!s.is_followed());
    assert_eq!(s.uncaptured(), None);
}

#[test]
fn a_failed_auto_capture_stops_the_following_and_asks_for_staff() {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = Sale::open("s1", &opened_auto(), t).unwrap();
    let failed = json!({"id": "T1", "status": "AUTHORIZED", "events": [
        {"event": "AUTHORIZE", "success": true, "transaction_status": "AUTHORIZED"},
        {"event": "CAPTURE", "success": false, "transaction_status": "AUTHORIZED", "amount": 10000}
    ]});
    s.apply(&observed(SaleStatus::Authorized, 0, failed.clone()), t);
    assert_eq!(s.auto_capture, Some(AutoCapture::Failed));
    assert!(!s.is_followed());
    assert_eq!(s.uncaptured(), Some(Uncaptured::CaptureFailed));
    assert!(Uncaptured::CaptureFailed.needs_staff());
    // Dintero retried after all: captured is captured.
    s.apply(&observed_plain(SaleStatus::Captured, 10000, "CAPTURED"), t);
    assert_eq!(s.uncaptured(), None);

    // A failed capture of Kasse's own (by its reference) is not the auto-capture failing.
    let mut own = Sale::open("s2", &opened_auto(), t).unwrap();
    own.apply(&observed_plain(SaleStatus::Authorized, 0, "AUTHORIZED"), t);
    own.apply(&capture_requested("cap-1"), t);
    let mut theirs = failed.clone();
    theirs["events"][1]["event_reference"] = json!("cap-1");
    own.apply(&observed(SaleStatus::Authorized, 0, theirs), t);
    assert_eq!(own.auto_capture, Some(AutoCapture::Requested));
    assert!(own.is_followed());
}

#[test]
fn without_auto_capture_an_authorisation_waits_for_staff_and_is_not_followed() {
    let t = datetime!(2026-11-24 10:00 UTC);
    let mut s = Sale::open("s1", &opened(), t).unwrap();
    assert_eq!(s.auto_capture, None);
    s.apply(&observed_plain(SaleStatus::Authorized, 0, "AUTHORIZED"), t);
    assert!(!s.is_followed());
    assert_eq!(s.uncaptured(), Some(Uncaptured::NotRequested));
    assert!(Uncaptured::NotRequested.needs_staff());
    // A failed CAPTURE event means nothing here: nobody asked for an auto-capture.
    s.apply(
        &observed(
            SaleStatus::Authorized,
            0,
            json!({"id": "T1", "status": "AUTHORIZED", "events": [{"event": "CAPTURE", "success": false}]}),
        ),
        t,
    );
    assert_eq!(s.auto_capture, None);
}

#[test]
fn the_auto_capture_flag_is_absent_from_older_rows_and_round_trips() {
    let old = serde_json::to_value(opened()).unwrap();
    assert!(
        old.get("auto_capture").is_none(),
        "older rows keep their bytes"
    );
    let v = serde_json::to_value(opened_auto()).unwrap();
    assert_eq!(v["auto_capture"], true);
    let back: LogEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, opened_auto());
}
