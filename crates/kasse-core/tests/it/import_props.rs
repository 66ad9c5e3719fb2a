//! Bad input from the network, on Kasse's side: a transaction JSON from
//! `GET /v1/transactions` — any shape, amounts at the edges of `i64` — goes into the log by
//! sync's import and later observations. The log takes it or refuses it with a typed error; the
//! sale's figures, the list, the day report and the CSV never panic; the journal still verifies.

use kasse_core::report;
use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::{ListQuery, Store};
use proptest::prelude::*;
use serde_json::{json, Value};
use time::macros::datetime;

fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MAX / 2 + 1)),
        any::<i64>().prop_map(|n| json!(n)),
        (0i64..100_000).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        Just(json!("100")),
        Just(Value::Null),
    ]
}

fn status() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            "AUTHORIZED",
            "CAPTURED",
            "PARTIALLY_CAPTURED",
            "PARTIALLY_REFUNDED",
            "REFUNDED",
            "AUTHORIZATION_VOIDED",
            "DECLINED",
            "INITIATED",
            "ON_HOLD",
            "FAILED",
            "SOMETHING_NEW",
            "",
        ])
        .prop_map(|s| json!(s)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!(5)),
        Just(Value::Null),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\PC{0,24}".prop_map(Value::String),
        Just(json!("2026-11-24T10:00:00Z")),
        Just(json!("9999-12-31T23:59:59.999Z")),
        Just(json!("-0001-01-01T00:00:00Z")),
        Just(json!("NOK")),
        Just(json!(12)),
        Just(Value::Null),
    ]
}

fn event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["CAPTURE", "REFUND", "VOID", "AUTHORIZE", "INITIATE", ""]),
        prop_oneof![Just(json!(true)), Just(json!(false)), Just(json!("true"))],
        amount(),
        text(),
    )
        .prop_map(|(event, success, amount, reference)| {
            json!({"event": event, "success": success, "amount": amount, "event_reference": reference})
        })
}

fn transaction() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            "[A-Za-z0-9.]{1,20}".prop_map(Value::String),
            Just(json!("")),
            Just(json!(7))
        ],
        status(),
        amount(),
        text(),
        text(),
        text(),
        prop::collection::vec(event(), 0..6),
        prop::collection::vec(amount(), 0..4),
        text(),
    )
        .prop_map(
            |(id, status, amount, currency, created_at, reference, events, vats, product)| {
                json!({
                    "id": id, "status": status, "amount": amount, "currency": currency,
                    "created_at": created_at, "merchant_reference": reference,
                    "session_id": reference, "events": events,
                    "items": vats.into_iter().map(|v| json!({"vat_amount": v})).collect::<Vec<_>>(),
                    "payment_product_type": product,
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_transaction_imports_or_is_refused_and_the_views_hold(
        txs in prop::collection::vec(transaction(), 1..4),
        observed in prop::collection::vec((any::<i64>(), any::<i64>(), status()), 0..3),
    ) {
        let store = Store::open_in_memory().unwrap();
        let at = datetime!(2026-11-24 12:00 UTC);
        for (i, tx) in txs.iter().enumerate() {
            let sale_id = format!("imp-{i}");
            let imported = store.append(&sale_id, &LogEvent::Imported { snapshot: tx.clone() }, at);
            let Ok(imported) = imported else { continue };
            let sale = imported.sale;
            let _ = (sale.capturable(), sale.refundable(), sale.is_open(), sale.status.is_paid());
            // Later observations with any totals: taken, or refused by the reducer's rules.
            for (captured, refunded, status) in &observed {
                let status = SaleStatus::from_dintero(status.as_str().unwrap_or_default());
                let event = LogEvent::StatusObserved {
                    status,
                    transaction_id: sale.transaction_id.clone(),
                    captured: *captured,
                    refunded: *refunded,
                    source: "sync".into(),
                    snapshot: Value::Null,
                };
                if let Ok(a) = store.append(&sale_id, &event, at) {
                    let _ = (a.sale.capturable(), a.sale.refundable());
                }
            }
        }
        let from = datetime!(2000-01-01 0:00 UTC);
        let to = datetime!(2100-01-01 0:00 UTC);
        let _ = store.list(&ListQuery::new().limit(50));
        let _ = store.list(&ListQuery::new().search("1"));
        let _ = store.totals(from, to);
        let _ = report::day_report(&store, from, to, false, "NOK");
        let _ = report::csv(&store, from, to);
        let journal = store.verify_journal().unwrap();
        prop_assert!(journal.ok, "{:?}", journal);
        let projection = store.check_projection().unwrap();
        prop_assert!(projection.ok(), "{:?}", projection);
    }
}

/// Not vacuous: an absurd but well-formed transaction is taken, its sums saturate, and a total
/// over it is a value or a typed storage error (SQLite's integer overflow), not a panic.
#[test]
fn an_absurd_transaction_is_taken_and_saturates() {
    let store = Store::open_in_memory().unwrap();
    let at = datetime!(2026-11-24 12:00 UTC);
    let capture = json!({"event": "CAPTURE", "success": true, "amount": i64::MAX});
    for i in 0..2 {
        let tx = json!({"id": format!("T1.{i}"), "status": "CAPTURED", "amount": i64::MAX,
            "currency": "NOK", "created_at": "2026-11-24T10:00:00Z", "events": [capture, capture]});
        let sale = store
            .append(
                &format!("imp-{i}"),
                &LogEvent::Imported { snapshot: tx },
                at,
            )
            .expect("imported")
            .sale;
        assert_eq!(sale.captured, i64::MAX);
        assert_eq!(sale.capturable(), 0);
    }
    let from = datetime!(2026-11-24 0:00 UTC);
    let to = datetime!(2026-11-25 0:00 UTC);
    if let Err(e) = store.totals(from, to) {
        assert!(!e.to_string().is_empty());
    }
    if let Err(e) = report::day_report(&store, from, to, false, "NOK") {
        assert_eq!(e.code(), "storage", "{e}");
    }
    assert_eq!(store.list(&ListQuery::new()).unwrap().items.len(), 2);
}

/// Found by the property test above: a sale's capturable/refundable overflowed on an imported
/// transaction whose amount or totals sit at the edges of `i64`.
#[test]
fn a_sales_figures_never_overflow() {
    let store = Store::open_in_memory().unwrap();
    let at = datetime!(2026-11-24 12:00 UTC);
    let cases = [
        json!({"id": "T1.a", "status": "AUTHORIZED", "amount": 5, "currency": "NOK",
            "events": [{"event": "CAPTURE", "success": true, "amount": 1}]}),
        json!({"id": "T1.b", "status": "PARTIALLY_REFUNDED", "amount": 10, "currency": "NOK",
            "events": [{"event": "CAPTURE", "success": true, "amount": i64::MAX},
                       {"event": "REFUND", "success": true, "amount": -5}]}),
        json!({"id": "T1.c", "status": "PARTIALLY_CAPTURED", "amount": i64::MAX, "currency": "NOK",
            "events": [{"event": "CAPTURE", "success": true, "amount": i64::MIN}]}),
    ];
    for (i, tx) in cases.into_iter().enumerate() {
        let s = store
            .append(&format!("x{i}"), &LogEvent::Imported { snapshot: tx }, at)
            .expect("taken")
            .sale;
        assert!(s.capturable() >= 0 && s.refundable() >= 0, "{s:?}");
    }
}
