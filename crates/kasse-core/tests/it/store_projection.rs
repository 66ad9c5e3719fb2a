//! The projection is always the replay of the journal; crash recovery lists; conflicts.

use super::store_common;

use kasse_core::sale::{LogEvent, OpKind, OpState, Origin, Sale, SaleStatus};
use kasse_core::store::{Store, StoreError};
use proptest::prelude::*;
use serde_json::{json, Value};
use store_common::*;

#[derive(Debug, Clone)]
enum Action {
    Open(u8),
    Import(u8, u8),
    Session(u8, u8),
    ChargeFailed(u8, bool),
    Observe(u8, u8, i64, i64, Option<u8>),
    Request(u8, u8, u8, Option<i64>, u8),
    Outcome(u8, u8, u8, u8),
    Note(u8),
}

fn action() -> impl Strategy<Value = Action> {
    let sale = 0u8..4;
    prop_oneof![
        sale.clone().prop_map(Action::Open),
        (sale.clone(), 0u8..3).prop_map(|(s, t)| Action::Import(s, t)),
        (sale.clone(), 0u8..3).prop_map(|(s, n)| Action::Session(s, n)),
        (sale.clone(), any::<bool>()).prop_map(|(s, u)| Action::ChargeFailed(s, u)),
        (
            sale.clone(),
            0u8..17,
            0i64..3000,
            0i64..3000,
            proptest::option::of(0u8..3)
        )
            .prop_map(|(s, st, c, r, tx)| Action::Observe(s, st, c, r, tx)),
        (
            sale.clone(),
            0u8..4,
            0u8..4,
            proptest::option::of(-5i64..3000),
            0u8..3
        )
            .prop_map(|(s, op, k, a, rf)| Action::Request(s, op, k, a, rf)),
        (sale.clone(), 0u8..4, 0u8..4, 0u8..4)
            .prop_map(|(s, op, o, snap)| Action::Outcome(s, op, o, snap)),
        sale.prop_map(Action::Note),
    ]
}

fn snapshot(s: u8, variant: u8) -> Value {
    match variant {
        0 => transaction(&format!("T{s}"), "CAPTURED", 2000, 2000, 0),
        1 => transaction(&format!("T{s}"), "PARTIALLY_REFUNDED", 2000, 2000, 500),
        2 => transaction("T-other", "REFUNDED", 2000, 2000, 2000),
        _ => json!({"error": {"code": "x"}}),
    }
}

fn event_of(a: &Action) -> (String, LogEvent) {
    let id = |s: &u8| format!("sale{s}");
    match a {
        Action::Open(s) => (
            id(s),
            LogEvent::SaleOpened {
                merchant_reference: format!("KASSE1-20261124-{:04}", s),
                counter: "KASSE1".into(),
                currency: "NOK".into(),
                amount: 2000,
                vat_amount: 400,
                order: json!({"lines": [s]}),
                auto_capture: false,
            },
        ),
        Action::Import(s, t) => (
            id(s),
            LogEvent::Imported {
                snapshot: json!({"id": format!("T{t}"), "status": "AUTHORIZED", "amount": 2000,
                    "currency": "NOK", "session_id": format!("S{t}"),
                    "merchant_reference": format!("OTHER-20261124-{t:04}"),
                    "created_at": "2026-11-24T09:00:00.123Z"}),
            },
        ),
        Action::Session(s, n) => (
            id(s),
            LogEvent::SessionCreated {
                session_id: format!("S{n}"),
                url: "https://checkout.test/x".into(),
                expires_at: Some(t(T0 + 900_000)),
            },
        ),
        Action::ChargeFailed(s, unknown) => (
            id(s),
            LogEvent::ChargeFailed {
                error_code: "timeout".into(),
                message: "no answer".into(),
                outcome_unknown: *unknown,
            },
        ),
        Action::Observe(s, st, c, r, tx) => (
            id(s),
            LogEvent::StatusObserved {
                status: SaleStatus::ALL[usize::from(*st) % SaleStatus::ALL.len()],
                transaction_id: tx.map(|t| format!("T{t}")),
                captured: *c,
                refunded: *r,
                source: "poll".into(),
                snapshot: json!({"payment_product_type": "vipps"}),
            },
        ),
        Action::Request(s, op, k, amount, rf) => (
            id(s),
            LogEvent::OperationRequested {
                op_id: format!("op{s}-{op}"),
                kind: OpKind::ALL[usize::from(*k) % OpKind::ALL.len()],
                amount: *amount,
                lines: Value::Null,
                reference: format!("ref-{rf}"),
                reason: Some("test".into()),
                key: None,
                basis: None,
                actor: None,
            },
        ),
        Action::Outcome(s, op, o, snap) => {
            let op_id = format!("op{s}-{op}");
            let ev = match o {
                0 => LogEvent::OperationSucceeded {
                    op_id,
                    snapshot: snapshot(*s, *snap),
                },
                1 => LogEvent::OperationFailed {
                    op_id,
                    code: "400".into(),
                    message: "no".into(),
                },
                2 => LogEvent::OperationUnknown {
                    op_id,
                    message: "timeout".into(),
                },
                _ => LogEvent::OperationReconciled {
                    op_id,
                    applied: snap % 2 == 0,
                    snapshot: snapshot(*s, *snap),
                },
            };
            (id(s), ev)
        }
        Action::Note(s) => (
            id(s),
            LogEvent::Note {
                text: format!("note {s}"),
            },
        ),
    }
}

/// A `sale_opened` of 1 NOK at counter KASSE1 with this merchant reference.
fn opened_as(reference: &str) -> LogEvent {
    LogEvent::SaleOpened {
        merchant_reference: reference.into(),
        counter: "KASSE1".into(),
        currency: "NOK".into(),
        amount: 1,
        vat_amount: 0,
        order: Value::Null,
        auto_capture: false,
    }
}

fn journal_rows(store: &Store) -> u64 {
    store.verify_journal().unwrap().rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// After any sequence of events (valid or refused), the stored view of every sale equals the
    /// replay of its journal and the in-memory fold of the accepted events, refused events leave
    /// no trace, and the chain verifies.
    #[test]
    fn projection_equals_rebuild(actions in proptest::collection::vec(action(), 1..60)) {
        let store = Store::open_in_memory().unwrap();
        let mut model: std::collections::BTreeMap<String, Sale> = Default::default();
        for (i, a) in actions.iter().enumerate() {
            let (sale_id, ev) = event_of(a);
            let at = t(T0 + i as i64 * 1000 + 7);
            let before = journal_rows(&store);
            match store.append(&sale_id, &ev, at) {
                Ok(app) => {
                    let m = model.entry(sale_id.clone());
                    let expected = match m {
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert(Sale::open(&sale_id, &ev, at).unwrap()).clone()
                        }
                        std::collections::btree_map::Entry::Occupied(mut o) => {
                            o.get_mut().apply(&ev, at);
                            o.get().clone()
                        }
                    };
                    prop_assert_eq!(&app.sale, &expected);
                    prop_assert_eq!(store.sale(&sale_id).unwrap(), Some(expected));
                    prop_assert_eq!(journal_rows(&store), before + 1);
                }
                Err(StoreError::Rejected { .. } | StoreError::SaleNotFound(_)
                    | StoreError::SaleExists(_) | StoreError::Conflict { .. }) => {
                    prop_assert_eq!(journal_rows(&store), before, "a refused event leaves no row");
                    prop_assert_eq!(store.sale(&sale_id).unwrap(), model.get(&sale_id).cloned());
                }
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
        for (id, sale) in &model {
            prop_assert_eq!(store.rebuild_sale(id).unwrap(), Some(sale.clone()));
            prop_assert_eq!(sale.pending_ops as usize, sale.pending_operations().count());
        }
        let report = store.check_projection().unwrap();
        prop_assert!(report.ok(), "{:?}", report.mismatches);
        prop_assert_eq!(report.sales, model.len() as u64);
        prop_assert!(store.verify_journal().unwrap().ok);
        let pending: usize = model.values().map(|s| s.pending_ops as usize).sum();
        prop_assert_eq!(store.pending_operations().unwrap().len(), pending);
        let open: Vec<String> = store.open_sales().unwrap().into_iter().map(|s| s.id).collect();
        let mut expected_open: Vec<(time::OffsetDateTime, String)> = model
            .values().filter(|s| s.is_open()).map(|s| (s.created_at, s.id.clone())).collect();
        expected_open.sort();
        let mut got = open.clone();
        got.sort();
        let mut exp: Vec<String> = expected_open.into_iter().map(|(_, id)| id).collect();
        exp.sort();
        prop_assert_eq!(got, exp);
    }
}

#[test]
fn after_a_crash_open_sales_and_pending_operations_are_found() {
    let (_dir, store, path) = file_store();
    // a: intent written, crash before the create-session call returned.
    open(&store, "a", 100, T0);
    // b: waiting for the customer.
    open(&store, "b", 200, T0 + 1);
    session(&store, "b", T0 + 2);
    // c: capture intent written, crash before the outcome.
    paid(&store, "c", 300, T0 + 3);
    let capture = LogEvent::operation_requested("op-c", OpKind::Capture, Some(300), "c-cap-1");
    log(&store, "c", &capture, T0 + 4);
    // d: refund whose outcome is unknown (timeout).
    captured(&store, "d", 400, T0 + 5);
    let refund = LogEvent::operation_requested("op-d", OpKind::Refund, Some(100), "d-ref-1");
    log(&store, "d", &refund, T0 + 9);
    store
        .append(
            "d",
            &LogEvent::OperationUnknown {
                op_id: "op-d".into(),
                message: "timeout".into(),
            },
            t(T0 + 10),
        )
        .unwrap();
    // e: a capture that succeeded: nothing pending, not open.
    paid(&store, "e", 500, T0 + 9);
    log(
        &store,
        "e",
        &LogEvent::operation_requested("op-e", OpKind::Capture, None, "e-cap-1"),
        T0 + 10,
    );
    let e = store
        .append(
            "e",
            &LogEvent::OperationSucceeded {
                op_id: "op-e".into(),
                snapshot: transaction("T.e", "CAPTURED", 500, 500, 0),
            },
            t(T0 + 11),
        )
        .unwrap()
        .sale;
    assert_eq!(
        (e.status, e.captured, e.pending_ops),
        (SaleStatus::Captured, 500, 0)
    );
    // Crash: the process dies without closing the connection.
    std::mem::forget(store);

    let store = Store::open(&path).unwrap();
    let open_ids: Vec<String> = store
        .open_sales()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(open_ids, ["a", "b"]);
    let pending = store.pending_operations().unwrap();
    let ops: Vec<(&str, &str, OpState, &str)> = pending
        .iter()
        .map(|p| {
            (
                p.sale.id.as_str(),
                p.operation.op_id.as_str(),
                p.operation.state,
                p.operation.reference.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("c", "op-c", OpState::Requested, "c-cap-1"),
            ("d", "op-d", OpState::Unknown, "d-ref-1")
        ]
    );
    assert_eq!(pending[0].sale.transaction_id.as_deref(), Some("T.c"));

    // Reconcile: c's capture did happen, d's refund did not.
    store
        .append(
            "c",
            &LogEvent::OperationReconciled {
                op_id: "op-c".into(),
                applied: true,
                snapshot: transaction("T.c", "CAPTURED", 300, 300, 0),
            },
            t(T0 + 20),
        )
        .unwrap();
    let d = store
        .append(
            "d",
            &LogEvent::OperationReconciled {
                op_id: "op-d".into(),
                applied: false,
                snapshot: transaction("T.d", "CAPTURED", 400, 400, 0),
            },
            t(T0 + 21),
        )
        .unwrap()
        .sale;
    assert_eq!(d.operation("op-d").unwrap().applied, Some(false));
    assert!(store.pending_operations().unwrap().is_empty());
    assert_eq!(
        store.sale("c").unwrap().unwrap().status,
        SaleStatus::Captured
    );
    // An outcome for a reconciled operation is refused: never two outcomes.
    let err = store
        .append(
            "c",
            &LogEvent::OperationSucceeded {
                op_id: "op-c".into(),
                snapshot: Value::Null,
            },
            t(T0 + 22),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Rejected { .. }), "{err}");
}

#[test]
fn unique_ids_conflict_with_typed_errors_and_leave_no_trace() {
    let store = Store::open_in_memory().unwrap();
    paid(&store, "a", 100, T0);
    open(&store, "b", 200, T0 + 10);
    let rows = journal_rows(&store);

    // Same session as a.
    let err = store
        .append(
            "b",
            &LogEvent::SessionCreated {
                session_id: "S.a".into(),
                url: "u".into(),
                expires_at: None,
            },
            t(T0 + 11),
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, value } if field == "session_id" && value == "S.a"),
        "{err}"
    );
    // Same transaction as a.
    let err = store
        .append(
            "b",
            &observed(SaleStatus::Authorized, "T.a", 0, 0),
            t(T0 + 12),
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, .. } if field == "transaction_id"),
        "{err}"
    );
    // Same op id as another sale's operation.
    log(
        &store,
        "a",
        &LogEvent::operation_requested("op1", OpKind::Void, None, "a-void"),
        T0 + 13,
    );
    let rows = rows + 1;
    let err = store
        .append(
            "b",
            &LogEvent::operation_requested("op1", OpKind::Cancel, None, "b-cancel"),
            t(T0 + 14),
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, value } if field == "op_id" && value == "op1"),
        "{err}"
    );
    // Unknown sale, second opening, bad first event.
    assert!(matches!(
        store.append("zzz", &LogEvent::Note { text: "x".into() }, t(T0)),
        Err(StoreError::SaleNotFound(_))
    ));
    assert!(matches!(
        store.open_sale("a", &new_sale(5), t(T0)),
        Err(StoreError::SaleExists(_))
    ));
    // Same local merchant reference.
    let err = store
        .append("c", &opened_as("KASSE1-20261124-0001"), t(T0))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, .. } if field == "merchant_reference"),
        "{err}"
    );
    assert_eq!(journal_rows(&store), rows, "refused events leave no rows");
    assert!(store.check_projection().unwrap().ok());
    assert_eq!(store.sale("b").unwrap().unwrap().session_id, None);
    // open_sale skips a reference somebody took by hand.
    store
        .append("manual", &opened_as("KASSE1-20261124-0003"), t(T0))
        .unwrap();
    assert_eq!(
        open(&store, "c", 1, T0 + 20).merchant_reference,
        "KASSE1-20261124-0004"
    );
}

#[test]
fn imported_sales_are_found_by_any_id() {
    let store = Store::open_in_memory().unwrap();
    let snap = json!({
        "id": "T11223344.5Hn8", "status": "CAPTURED", "amount": 24800, "currency": "NOK",
        "session_id": "T11223344.4Xk9", "merchant_reference": "POS2-20261124-0042",
        "created_at": "2026-11-24T08:16:40.512Z", "payment_product_type": "vipps",
        "events": [{"event": "CAPTURE", "success": true, "amount": 24800}]
    });
    let s = store
        .append(
            "imp1",
            &LogEvent::Imported {
                snapshot: snap.clone(),
            },
            t(T0),
        )
        .unwrap()
        .sale;
    assert_eq!(s.origin, Origin::Imported);
    assert_eq!(
        (s.status, s.captured, s.counter.as_deref()),
        (SaleStatus::Captured, 24800, Some("POS2"))
    );
    for key in [
        "T11223344.5Hn8",
        "T11223344.4Xk9",
        "POS2-20261124-0042",
        "imp1",
    ] {
        assert_eq!(
            store.find(key).unwrap().map(|s| s.id),
            Some("imp1".to_owned()),
            "{key}"
        );
    }
    assert_eq!(store.find("nothing").unwrap(), None);
    // The same transaction cannot be imported twice.
    let err = store
        .append("imp2", &LogEvent::Imported { snapshot: snap }, t(T0))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, .. } if field == "transaction_id"),
        "{err}"
    );
    // An import with the same reference as a local sale is allowed (another counter, same name).
    paid(&store, "local", 100, T0);
    let r = store.sale("local").unwrap().unwrap().merchant_reference;
    store
        .append(
            "imp3",
            &LogEvent::Imported {
                snapshot: json!({"id": "T9", "status": "AUTHORIZED", "amount": 5, "currency": "NOK",
                                 "merchant_reference": r}),
            },
            t(T0),
        )
        .unwrap();
    assert_eq!(store.sale_by_reference(&r).unwrap().unwrap().id, "local");
    assert_eq!(store.sale_by_operation("none").unwrap(), None);
}

#[test]
fn a_tampered_projection_is_reported_and_rebuilt() {
    let (_dir, store, path) = file_store();
    for i in 0..5 {
        paid(&store, &format!("s{i}"), 100 * (i + 1), T0 + i);
    }
    let conn = raw(&path);
    conn.execute(
        "UPDATE sales SET status = 'refunded', refunded = 300 WHERE id = 's2'",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM sales WHERE id = 's4'", [])
        .unwrap();
    conn.execute(
        "INSERT INTO sales SELECT 'ghost', 'G-1', counter, NULL, NULL, checkout_url, expires_at,
           currency, amount, vat_amount, status, captured, refunded, created_at, updated_at,
           origin, payment_product, last_error, pending_ops, operations, order_json, last_seq,
           NULL, card_brand, card_last4, auto_capture
         FROM sales WHERE id = 's0'",
        [],
    )
    .unwrap();
    let report = store.check_projection().unwrap();
    let got: Vec<(String, Vec<String>)> = report
        .mismatches
        .iter()
        .map(|m| (m.sale_id.clone(), m.differences.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("ghost".to_owned(), vec!["no_events".to_owned()]),
            (
                "s2".to_owned(),
                vec!["status".to_owned(), "refunded".to_owned()]
            ),
            ("s4".to_owned(), vec!["missing_row".to_owned()]),
        ]
    );
    assert_eq!(store.rebuild_projection().unwrap(), 5);
    assert!(store.check_projection().unwrap().ok());
    assert_eq!(
        store.sale("s2").unwrap().unwrap().status,
        SaleStatus::Authorized
    );
    assert_eq!(store.sale("ghost").unwrap(), None);
    assert!(
        store.verify_journal().unwrap().ok,
        "the journal was never touched"
    );
}

/// A checkout URL is kept in the sale's row as the key of the URL around its session id (the
/// shop's checkout address once per log); every reader gets the whole URL back, a URL without
/// the session id in it is kept whole, and a rebuild writes the same.
#[test]
fn a_checkout_url_is_kept_once_per_log_around_the_session_id_and_read_back_whole() {
    let (_dir, store, path) = file_store();
    let url = |sid: &str| format!("https://checkout.test/v1/view/{sid}?language=no");
    for id in ["a", "b"] {
        open(&store, id, 1000, T0);
        let created = LogEvent::SessionCreated {
            session_id: format!("S.{id}"),
            url: url(&format!("S.{id}")),
            expires_at: None,
        };
        assert_eq!(
            log(&store, id, &created, T0 + 1).checkout_url,
            Some(url(&format!("S.{id}")))
        );
    }
    open(&store, "c", 1000, T0);
    log(&store, "c", &session_created("c"), T0 + 1);
    let stored = |id: &str| -> (String, i64) {
        raw(&path)
            .query_row(
                "SELECT typeof(checkout_url), length(checkout_url) FROM sales WHERE id = ?1",
                [id],
                |r| Ok((r.get(0).unwrap(), r.get(1).unwrap())),
            )
            .unwrap()
    };
    for round in ["appended", "rebuilt"] {
        for id in ["a", "b"] {
            assert_eq!(stored(id), ("blob".into(), 1), "{round} {id}");
            let sale = store.sale(id).unwrap().unwrap();
            assert_eq!(sale.checkout_url, Some(url(&format!("S.{id}"))), "{round}");
        }
        assert_eq!(stored("c").0, "text", "no session id in it: kept whole");
        assert_eq!(
            store.sale("c").unwrap().unwrap().checkout_url.as_deref(),
            Some("https://checkout.test")
        );
        let listed = store.list(&kasse_core::store::ListQuery::new()).unwrap();
        assert!(listed
            .items
            .iter()
            .any(|s| s.checkout_url == Some(url("S.a"))));
        let shared: i64 = raw(&path)
            .query_row("SELECT count(*) FROM checkout_urls", [], |r| r.get(0))
            .unwrap();
        assert_eq!(shared, 1, "{round}: one address for both sales");
        assert!(store.check_projection().unwrap().ok(), "{round}");
        store.rebuild_projection().unwrap();
    }
}
