//! The JSON examples of dintero-api.md (copied into tests/fixtures) read into the typed models
//! and written back without losing or changing anything.

use std::str::FromStr;

use crate::common::fixture;
use dintero_client::{
    CaptureRequest, CardType, Channel, Configuration, Customer, ErrorBody, ItemType, OrderItem,
    PaymentProduct, PaymentProductType, Publish, PublishChannel, PublishStatus, PublishType,
    RefundRequest, Session, SessionCreateRequest, SessionCreated, SessionEventName, SessionState,
    SettlementStatus, Transaction, TransactionEventName, TransactionStatus,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use time::macros::datetime;
use time::OffsetDateTime;

/// Equal JSON, except that two strings that are both RFC 3339 timestamps compare as instants
/// (`…:00.000Z` is written back as `…:00Z`), and numbers compare by value.
fn assert_equivalent(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let a_keys: Vec<_> = a.keys().collect();
            let e_keys: Vec<_> = e.keys().collect();
            assert_eq!(a_keys, e_keys, "keys differ at {path}");
            for (key, value) in e {
                assert_equivalent(&a[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "length differs at {path}");
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                assert_equivalent(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::String(a), Value::String(e)) if a != e => {
            let parse = |s: &str| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            };
            match (parse(a), parse(e)) {
                (Some(x), Some(y)) => assert_eq!(x, y, "timestamp differs at {path}"),
                _ => panic!("{path}: {a:?} != {e:?}"),
            }
        }
        (Value::Number(a), Value::Number(e)) => {
            assert_eq!(a.as_f64(), e.as_f64(), "number differs at {path}")
        }
        _ => assert_eq!(actual, expected, "differs at {path}"),
    }
}

/// Reads a fixture as `T`, writes it back, checks nothing was lost, and that reading the
/// output again gives the same value.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str) -> T {
    let original = fixture(name);
    let typed: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
    let written = serde_json::to_value(&typed).unwrap();
    assert_equivalent(&written, &original, name);
    let again: T = serde_json::from_value(written).unwrap();
    assert_eq!(again, typed, "{name}: second read differs");
    // From text as well as from a Value.
    let text = serde_json::to_string(&original).unwrap();
    let from_text: T = serde_json::from_str(&text).unwrap();
    assert_eq!(from_text, typed);
    typed
}

#[test]
fn session_create_request_example() {
    let request: SessionCreateRequest = round_trip("session_create_request");
    assert_eq!(request.profile_id, "T11223344.3Vq7dWc9XkzPhT2mYbRn8e");
    assert_eq!(request.order.amount, 24800);
    assert_eq!(request.order.vat_amount, Some(4960));
    assert_eq!(request.order.items.len(), 3);
    let sum: i64 = request.order.items.iter().map(|i| i.amount.unwrap()).sum();
    assert_eq!(sum, request.order.amount);
    assert_eq!(request.order.items[0].quantity, Some(Decimal::from(2)));
    assert_eq!(request.order.items[0].vat, Some(Decimal::from(25)));
    assert_eq!(request.order.items[0].item_type, Some(ItemType::Physical));
    assert_eq!(request.expires_at, Some(datetime!(2026-05-12 10:30 UTC)));
    let configuration = request.configuration.as_ref().unwrap();
    assert_eq!(configuration.channel, Some(Channel::InStore));
    assert_eq!(configuration.auto_capture, Some(false));
    assert_eq!(request.metadata["ext_cashier"], "ingrid");
    assert_eq!(
        request.order.store.as_ref().unwrap().name.as_deref(),
        Some("Papirbutikken Oslo Sentrum")
    );
}

#[test]
fn an_sms_payment_link_is_a_publish_and_the_customer_phone_number() {
    let mut request = SessionCreateRequest::new(
        "default",
        "https://kasse.example.no/takk",
        dintero_client::Order {
            amount: 5000,
            currency: "NOK".into(),
            merchant_reference: "K1-20261207-0001".into(),
            ..Default::default()
        },
    );
    request.customer = Some(Customer::with_phone("+4799999123"));
    request.configuration = Some(Configuration {
        publish: vec![Publish::sms_checkout_link()],
        ..Configuration::default()
    });
    let written = serde_json::to_value(&request).unwrap();
    assert_eq!(
        written["configuration"],
        serde_json::json!({"publish": [{"channel": "sms", "type": "checkout-link"}]})
    );
    assert_eq!(
        written["customer"],
        serde_json::json!({"phone_number": "+4799999123"})
    );
    // Personal data: the request's Debug keeps the last three digits only.
    let debug = format!("{request:?}");
    assert!(!debug.contains("99999123"), "{debug}");
    assert!(debug.contains("…123"), "{debug}");

    // The answer echoes each publish with its id and outcome (§5.2).
    let created: SessionCreated = serde_json::from_value(serde_json::json!({
        "id": "T11223344.4Xk9mPq2RtVbN7cYhJ3sWd",
        "url": "https://checkout.dintero.com/v1/view/T11223344.4Xk9mPq2RtVbN7cYhJ3sWd",
        "publish": [
            {"channel": "sms", "type": "checkout-link", "id": "p1", "status": "sent"},
            {"channel": "push", "type": "app", "id": "p2", "status": "queued"}
        ]
    }))
    .unwrap();
    assert_eq!(created.publish[0].status, Some(PublishStatus::Sent));
    assert_eq!(created.publish[0].channel, Some(PublishChannel::Sms));
    assert_eq!(
        created.publish[0].publish_type,
        Some(PublishType::CheckoutLink)
    );
    assert_eq!(
        created.publish[1].status,
        Some(PublishStatus::Other("queued".into()))
    );
}

#[test]
fn session_created_example() {
    let created: SessionCreated = round_trip("session_created");
    assert_eq!(created.id, "T11223344.4Xk9mPq2RtVbN7cYhJ3sWd");
    assert!(created.session.is_none());
}

#[test]
fn session_read_example() {
    let session: Session = round_trip("session_paid");
    assert_eq!(
        session.transaction_id.as_deref(),
        Some("T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga")
    );
    assert_eq!(session.events.len(), 4);
    assert_eq!(session.events[1].name, Some(SessionEventName::Visited));
    assert_eq!(
        session.events[3].details["transaction_event_id"],
        "3a7f2c9e-5d14-4b68-a0e3-9c2b7d4f1e85"
    );
    assert!(session.visited());
    let configuration = session.configuration.as_ref().unwrap();
    assert!(configuration.other.contains_key("dintero_psp"));
    assert_eq!(configuration.other["merchant"]["name"], "Papirbutikken AS");
    assert_eq!(
        session.initiating_system_request_headers.as_ref().unwrap()["dintero-system-name"],
        "kasse-pos"
    );
    assert_eq!(session.order.partial_payment, Some(false));
    assert_eq!(
        session.created_at,
        Some(datetime!(2026-05-12 10:15:02.118 UTC))
    );
}

#[test]
fn session_cancel_example() {
    let session: Session = round_trip("session_cancelled");
    assert_eq!(
        session.cancelled_at,
        Some(datetime!(2026-05-12 10:44:03.877 UTC))
    );
    assert_eq!(
        session.cancelled_by.as_deref(),
        Some("8b3f2c1e-5d4a-4f7b-9c2e-1a6d3e5f7b90")
    );
    assert_eq!(session.events[1].name, Some(SessionEventName::Cancelled));
    assert_eq!(
        session.state(None, datetime!(2026-05-12 10:45 UTC)),
        SessionState::Cancelled
    );
}

#[test]
fn transaction_get_example() {
    let tx: Transaction = round_trip("transaction_authorized");
    assert_eq!(tx.status, TransactionStatus::Authorized);
    assert_eq!(tx.payment_product, Some(PaymentProduct::DinteroPsp));
    assert_eq!(
        tx.payment_product_type,
        Some(PaymentProductType::DinteroPspCreditcard)
    );
    assert_eq!(tx.channel, Some(Channel::InStore));
    assert_eq!(tx.settlement_status, Some(SettlementStatus::NotSettled));
    let card = tx.card.as_ref().unwrap();
    assert_eq!(card.card_type, Some(CardType::Credit));
    assert_eq!(card.masked_pan.as_deref(), Some("400000******0002"));
    assert_eq!(tx.events[0].event, Some(TransactionEventName::Initialize));
    assert_eq!(tx.captured(), 0);
    assert_eq!(tx.refunded(), 0);
    assert_eq!(tx.capturable(), 24800);
    assert_eq!(tx.refundable(), 0);
}

#[test]
fn transaction_list_example() {
    let list: Vec<Transaction> = round_trip("transactions_list");
    assert_eq!(list.len(), 1);
    let tx = &list[0];
    assert_eq!(tx.status, TransactionStatus::Captured);
    assert_eq!(tx.captured(), 24800);
    assert_eq!(tx.capturable(), 0);
    assert_eq!(tx.refundable(), 24800);
    let event = tx.event_by_reference("POS1-20260512-0042").unwrap();
    assert_eq!(event.event, Some(TransactionEventName::Capture));
}

#[test]
fn capture_examples() {
    let request: CaptureRequest = round_trip("capture_request");
    assert_eq!(request.amount, 24800);
    assert_eq!(
        request.capture_reference.as_deref(),
        Some("POS1-20260512-0042")
    );
    assert_eq!(request.metadata["ext_register"], "kasse-1");
    assert_eq!(request.items.len(), 3);

    let tx: Transaction = round_trip("transaction_captured");
    assert_eq!(tx.status, TransactionStatus::Captured);
    assert_eq!(tx.captured(), 24800);
    let capture = tx.last_event(TransactionEventName::Capture).unwrap();
    assert_eq!(capture.items.len(), 3);
    assert_eq!(capture.metadata["ext_register"], "kasse-1");
    assert_eq!(
        capture.request_headers.as_ref().unwrap()["dintero-system-plugin-version"],
        "0.3.0"
    );
}

#[test]
fn refund_examples() {
    let request: RefundRequest = round_trip("refund_request");
    assert_eq!(request.amount, 1500);
    assert_eq!(
        request.reason.as_deref(),
        Some("Kunden returnerte 1 kulepenn")
    );

    let tx: Transaction = round_trip("transaction_partially_refunded");
    assert_eq!(tx.status, TransactionStatus::PartiallyRefunded);
    assert!(
        tx.created_at.is_none(),
        "abridged example has no created_at"
    );
    assert_eq!(tx.captured(), 24800);
    assert_eq!(tx.refunded(), 1500);
    assert_eq!(tx.refundable(), 23300);
    assert_eq!(tx.capturable(), 0);
    let refund = tx.event_by_reference("RET-20260514-0007").unwrap();
    assert_eq!(refund.amount, Some(1500));
    assert!(tx.event_by_reference("RET-unknown").is_none());
}

#[test]
fn void_example() {
    let tx: Transaction = round_trip("transaction_voided");
    assert_eq!(tx.status, TransactionStatus::AuthorizationVoided);
    assert!(tx.voided());
    assert_eq!(tx.capturable(), 0);
    assert_eq!(tx.refundable(), 0);
}

#[test]
fn error_examples() {
    let body: ErrorBody = round_trip("error_amount_mismatch");
    assert_eq!(body.error.code.as_deref(), Some("amount_mismatch"));
    let body: ErrorBody = round_trip("error_invalid_state");
    assert_eq!(body.error.code.as_deref(), Some("invalid_state"));
}

#[test]
fn decimals_are_exact_in_order_items() {
    for (json, quantity, vat) in [
        (r#"{"quantity":0.1,"vat":25.5}"#, "0.1", "25.5"),
        (r#"{"quantity":2.125,"vat":2}"#, "2.125", "2"),
        (r#"{"quantity":"2.125","vat":"12.5"}"#, "2.125", "12.5"),
        (r#"{"quantity":1.005,"vat":0}"#, "1.005", "0"),
    ] {
        let item: OrderItem = serde_json::from_str(json).unwrap();
        assert_eq!(
            item.quantity,
            Some(Decimal::from_str(quantity).unwrap()),
            "{json}"
        );
        assert_eq!(item.vat, Some(Decimal::from_str(vat).unwrap()), "{json}");
    }
    let item = OrderItem::new(
        "1",
        "Kaffe",
        Decimal::from_str("2.125").unwrap(),
        3900,
        780,
        Decimal::from_str("25.50").unwrap(),
    );
    let text = serde_json::to_string(&item).unwrap();
    assert_eq!(
        text,
        r#"{"line_id":"1","description":"Kaffe","quantity":2.125,"amount":3900,"vat_amount":780,"vat":25.5}"#
    );
    let item = OrderItem {
        quantity: Some(Decimal::from_str("0.1").unwrap()),
        vat: Some(Decimal::from_str("2.0").unwrap()),
        ..OrderItem::default()
    };
    assert_eq!(
        serde_json::to_string(&item).unwrap(),
        r#"{"quantity":0.1,"vat":2}"#
    );
}

#[test]
fn unknown_enum_values_round_trip_and_unknown_fields_are_ignored() {
    let mut json = fixture("transaction_captured");
    json["status"] = "SUPER_CAPTURED".into();
    json["payment_product"] = "quantumpay".into();
    json["payment_product_type"] = "quantumpay.entangled".into();
    json["settlement_status"] = "SETTLING_SOMEDAY".into();
    json["channel"] = "drive_through".into();
    json["card"] = serde_json::json!({"type": "Charge", "region": "mars", "entry_method": "telepathy", "authentication_status": "Q"});
    json["events"][0]["event"] = "INITIATE".into();
    json["events"][2]["transaction_status"] = "NEW_STATUS".into();
    json["events"][2]["error"] = serde_json::json!({"message": "x", "type": "NEW_ERROR_TYPE", "retry_policy": {"retry_codes": ["RETRY_TOMORROW"]}});
    json["items"][0]["type"] = "subscription".into();
    json["a_field_from_2030"] = serde_json::json!({"deep": [1, {"x": null}]});
    json["events"][1]["another_new_field"] = 42.into();

    let tx: Transaction = serde_json::from_value(json).unwrap();
    assert_eq!(tx.status, TransactionStatus::Other("SUPER_CAPTURED".into()));
    assert_eq!(
        tx.payment_product,
        Some(PaymentProduct::Other("quantumpay".into()))
    );
    assert_eq!(
        tx.items[0].item_type,
        Some(ItemType::Other("subscription".into()))
    );
    assert_eq!(
        tx.events[0].event,
        Some(TransactionEventName::Other("INITIATE".into()))
    );
    let error = tx.events[2].error.as_ref().unwrap();
    assert_eq!(
        error.types.len(),
        1,
        "a single type string is accepted as a list"
    );

    let back = serde_json::to_value(&tx).unwrap();
    assert_eq!(back["status"], "SUPER_CAPTURED");
    assert_eq!(back["payment_product_type"], "quantumpay.entangled");
    assert_eq!(back["settlement_status"], "SETTLING_SOMEDAY");
    assert_eq!(back["channel"], "drive_through");
    assert_eq!(back["card"]["type"], "Charge");
    assert_eq!(back["card"]["region"], "mars");
    assert_eq!(back["card"]["entry_method"], "telepathy");
    assert_eq!(back["events"][0]["event"], "INITIATE");
    assert_eq!(back["events"][2]["transaction_status"], "NEW_STATUS");
    assert_eq!(
        back["events"][2]["error"]["type"],
        serde_json::json!(["NEW_ERROR_TYPE"])
    );
    assert_eq!(
        back["events"][2]["error"]["retry_policy"]["retry_codes"],
        serde_json::json!(["RETRY_TOMORROW"])
    );
    assert_eq!(back["items"][0]["type"], "subscription");
    assert!(back.get("a_field_from_2030").is_none());
    let again: Transaction = serde_json::from_value(back).unwrap();
    assert_eq!(again, tx);
}

#[test]
fn lenient_where_dintero_is_loose() {
    let tx: Transaction = serde_json::from_value(serde_json::json!({
        "id": "T1.x", "status": "CAPTURED", "amount": 10, "currency": "NOK",
        "created_at": "2017-07-21T17:32:28",
        "card": {"eci": 5, "acquirer_stan": 123456},
        "store": {"id": "s1", "mcc": 5999},
        "events": [{"event": "CAPTURE", "success": true, "amount": 10, "error": null, "metadata": {"n": 1}}]
    }))
    .unwrap();
    assert_eq!(tx.created_at, Some(datetime!(2017-07-21 17:32:28 UTC)));
    assert_eq!(tx.card.as_ref().unwrap().eci.as_deref(), Some("5"));
    assert_eq!(tx.store.as_ref().unwrap().mcc.as_deref(), Some("5999"));
    assert_eq!(tx.captured(), 10);
}

#[test]
fn required_fields_missing_is_an_error_not_a_panic() {
    for json in [
        serde_json::json!({}),
        serde_json::json!({"id": "T1.x"}),
        serde_json::json!({"id": "T1.x", "status": "CAPTURED", "amount": "10", "currency": "NOK"}),
        serde_json::json!({"id": "T1.x", "status": 3, "amount": 10, "currency": "NOK"}),
        serde_json::json!({"id": "T1.x", "status": "CAPTURED", "amount": 10, "currency": "NOK", "created_at": "yesterday"}),
        serde_json::json!([1, 2]),
    ] {
        assert!(serde_json::from_value::<Transaction>(json).is_err());
    }
}

fn tx_with(status: &str, session_id: &str) -> Transaction {
    serde_json::from_value(serde_json::json!({
        "id": "T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga", "session_id": session_id,
        "status": status, "amount": 24800, "currency": "NOK"
    }))
    .unwrap()
}

#[test]
fn derived_session_state() {
    let paid: Session = serde_json::from_value(fixture("session_paid")).unwrap();
    let session_id = paid.id.clone();
    let now = datetime!(2026-05-12 10:20 UTC);
    let after_expiry = datetime!(2026-05-12 10:31 UTC);

    for (status, expected) in [
        ("AUTHORIZED", SessionState::Paid),
        ("CAPTURED", SessionState::Paid),
        ("PARTIALLY_CAPTURED", SessionState::Paid),
        ("PARTIALLY_CAPTURED_REFUNDED", SessionState::Paid),
        ("PARTIALLY_REFUNDED", SessionState::Paid),
        ("REFUNDED", SessionState::Paid),
        ("ON_HOLD", SessionState::Pending),
        ("INITIATED", SessionState::InProgress),
        ("FAILED", SessionState::NotPaid),
        ("DECLINED", SessionState::NotPaid),
        ("UNKNOWN", SessionState::NotPaid),
        ("AUTHORIZATION_VOIDED", SessionState::NotPaid),
        ("SOMETHING_NEW", SessionState::Pending),
    ] {
        let tx = tx_with(status, &session_id);
        assert_eq!(paid.state(Some(&tx), now), expected, "{status}");
        // A transaction decides even after expires_at.
        assert_eq!(paid.state(Some(&tx), after_expiry), expected, "{status}");
    }
    // transaction_id known but transaction not read yet.
    assert_eq!(paid.state(None, now), SessionState::InProgress);

    let mut open = paid.clone();
    open.transaction_id = None;
    assert_eq!(open.state(None, now), SessionState::Open);
    assert_eq!(open.state(None, after_expiry), SessionState::Expired);
    assert!(SessionState::Expired.is_final() && !SessionState::Open.is_final());
    // A transaction found by session_id (before the session names it) counts.
    assert_eq!(
        open.state(Some(&tx_with("INITIATED", &session_id)), now),
        SessionState::InProgress
    );
    // Someone else's transaction does not.
    assert_eq!(
        open.state(Some(&tx_with("AUTHORIZED", "T11223344.other")), now),
        SessionState::Open
    );

    let mut cancelled = paid.clone();
    cancelled.cancelled_at = Some(now);
    assert_eq!(
        cancelled.state(Some(&tx_with("AUTHORIZATION_VOIDED", &session_id)), now),
        SessionState::Cancelled
    );
}

#[test]
fn capturable_after_partial_capture_and_void() {
    let mut tx: Transaction = serde_json::from_value(fixture("transaction_authorized")).unwrap();
    tx.status = TransactionStatus::PartiallyCaptured;
    tx.events.push(
        serde_json::from_value(serde_json::json!({
            "event": "CAPTURE", "success": true, "amount": 17800, "event_reference": "cap-1",
            "transaction_status": "PARTIALLY_CAPTURED"
        }))
        .unwrap(),
    );
    tx.events.push(
        serde_json::from_value(serde_json::json!({
            "event": "CAPTURE", "success": false, "amount": 7000, "event_reference": "cap-2",
            "error": {"message": "timed out", "type": ["ERROR"]}
        }))
        .unwrap(),
    );
    assert_eq!(tx.captured(), 17800, "failed capture does not count");
    assert_eq!(tx.capturable(), 7000);
    assert_eq!(tx.refundable(), 17800);
    assert_eq!(tx.event_by_reference("cap-2").unwrap().success, Some(false));
    tx.events.push(
        serde_json::from_value(serde_json::json!({
            "event": "CAPTURE", "success": true, "amount": 7000, "event_reference": "cap-2"
        }))
        .unwrap(),
    );
    assert_eq!(
        tx.event_by_reference("cap-2").unwrap().success,
        Some(true),
        "the successful attempt wins"
    );
    tx.events.pop();
    tx.events.push(
        serde_json::from_value(serde_json::json!({"event": "VOID", "success": true})).unwrap(),
    );
    assert_eq!(tx.capturable(), 0, "void released the remainder");
    let accepted: Transaction = serde_json::from_value(serde_json::json!({
        "id": "T1.x", "status": "CAPTURED", "amount": 1, "currency": "NOK",
        "events": [{"event": "CAPTURE", "success": true, "amount": 1, "correlation_request_id": "req-1"}]
    }))
    .unwrap();
    assert!(accepted.event_by_correlation_id("req-1").is_some());
    assert!(accepted.event_by_correlation_id("req-2").is_none());
}

/// A payment captured at authorization (Swish, Vipps with auto-capture) can reach `CAPTURED`
/// with no `CAPTURE` event at all: its captured total comes from the status, so it can be
/// refunded; events, where present, still count as they are.
#[test]
fn captured_at_authorization_counts_from_the_status() {
    let tx = |status: &str, events: serde_json::Value| -> Transaction {
        serde_json::from_value(serde_json::json!({
            "id": "T1.x", "status": status, "amount": 5000, "currency": "NOK",
            "events": events,
        }))
        .unwrap()
    };
    let authorize = serde_json::json!({"event": "AUTHORIZE", "success": true, "transaction_status": "CAPTURED"});
    let swish = tx("CAPTURED", serde_json::json!([authorize]));
    assert_eq!((swish.captured(), swish.refunded()), (5000, 0));
    assert_eq!(swish.refundable(), 5000);
    assert_eq!(swish.capturable(), 0);

    let part = tx(
        "PARTIALLY_REFUNDED",
        serde_json::json!([authorize, {"event": "REFUND", "success": true, "amount": 1200}]),
    );
    assert_eq!(
        (part.captured(), part.refunded(), part.refundable()),
        (5000, 1200, 3800)
    );

    // REFUNDED without (all of) its refund events: nothing is left to refund.
    let gone = tx("REFUNDED", serde_json::json!([authorize]));
    assert_eq!(
        (gone.captured(), gone.refunded(), gone.refundable()),
        (5000, 5000, 0)
    );

    // Events that say more than the fallback are never lowered; AUTHORIZED has nothing captured.
    let partial = tx(
        "CAPTURED",
        serde_json::json!([{"event": "CAPTURE", "success": true, "amount": 3000}]),
    );
    assert_eq!(partial.captured(), 3000);
    let authorized = tx("AUTHORIZED", serde_json::json!([]));
    assert_eq!((authorized.captured(), authorized.capturable()), (0, 5000));
    let negative = tx(
        "REFUNDED",
        serde_json::json!([
            {"event": "CAPTURE", "success": true, "amount": -5},
            {"event": "REFUND", "success": true, "amount": -5}
        ]),
    );
    assert_eq!(
        dintero_client::settled_totals(&TransactionStatus::Refunded, -1, &negative.events),
        (0, 0)
    );
}
