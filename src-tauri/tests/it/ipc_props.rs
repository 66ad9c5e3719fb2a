//! Bad input through the IPC boundary, with Tauri's mock runtime: random strings
//! for sale ids, line ids, quantities, VAT rates, dates and PINs, and random numbers for
//! amounts, into every command that takes them. A well-typed call answers a value or a
//! `{code, message}` error whose code is one of `kasse_core::ErrorCode::ALL`; a call whose arguments have the
//! wrong JSON type is refused by Tauri before the command runs, naming the argument. Never a
//! panic, never a hang.
//!
//! Some ids are real (a paid sale's id, session id and merchant reference), so random amounts
//! and lines also reach the core's capture and refund rules.

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::harness::{assert_typed_error, open_state, MockApp};

/// A well-typed call: a value, or a `{code, message}` with a known code.
fn assert_typed(cmd: &str, args: &Value, result: &Result<Value, Value>) {
    if let Err(e) = result {
        assert_typed_error(&format!("{cmd}({args})"), e);
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[0-9]{0,4}",
        "-?[0-9]{0,20}(\\.[0-9]{0,8})?",
        Just(String::new()),
        Just("1e9".to_owned()),
        Just("NaN".to_owned()),
        Just("0.0001".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("2026-11-24".to_owned()),
        Just("2026-02-30T25:61:00Z".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("'; DROP TABLE events; --".to_owned()),
    ]
}

fn amount() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(prop_oneof![
        any::<i64>(),
        -5i64..5,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::from(i32::MAX) + 1),
        1i64..20_000,
    ])
}

/// The commands that take arguments, each with random well-typed arguments for it; `ids` are
/// real sale ids to mix in. The well-typed calls pick among these, and so do the wrong-type ones.
fn typed_args(ids: Vec<String>) -> Vec<(&'static str, BoxedStrategy<Value>)> {
    let id = prop_oneof![text(), prop::sample::select(ids)];
    let line = || (text(), text()).prop_map(|(l, q)| json!({"line_id": l, "quantity": q}));
    let order_line = (text(), text(), any::<i64>(), text(), prop::option::of(text())).prop_map(
        |(d, q, p, v, pid)| {
            json!({"description": d, "quantity": q, "unit_price": p, "vat": v, "product_id": pid})
        },
    );
    vec![
        (
            "sale_detail",
            id.clone().prop_map(|id| json!({"saleId": id})).boxed(),
        ),
        (
            "capture",
            (id.clone(), amount())
                .prop_map(|(id, a)| json!({"saleId": id, "input": {"amount": a, "key": "k"}}))
                .boxed(),
        ),
        (
            "void_sale",
            id.clone()
                .prop_map(|id| json!({"saleId": id, "key": "k"}))
                .boxed(),
        ),
        (
            "cancel_charge",
            id.clone().prop_map(|id| json!({"saleId": id})).boxed(),
        ),
        (
            "receipt",
            (id.clone(), prop::option::of(text()))
                .prop_map(|(id, op)| json!({"saleId": id, "refund": op}))
                .boxed(),
        ),
        (
            "refund_preview",
            (id.clone(), prop::collection::vec(line(), 0..3))
                .prop_map(|(id, lines)| json!({"saleId": id, "lines": lines}))
                .boxed(),
        ),
        (
            "refund",
            (
                id.clone(),
                amount(),
                prop::collection::vec(line(), 0..3),
            prop::option::of(text()),
            prop::option::of(text())
        )
            .prop_map(|(id, a, lines, reason, pin)| {
                json!({"saleId": id, "input": {"amount": a, "lines": lines, "reason": reason, "pin": pin, "key": "k"}})
            })
            .boxed(),
        ),
        (
            "price_order",
            (prop::option::of(text()), prop::collection::vec(order_line, 0..4))
                .prop_map(|(c, lines)| json!({"order": {"currency": c, "lines": lines}}))
                .boxed(),
        ),
        (
            "list_sales",
            (
                prop::option::of(text()),
                prop::option::of(text()),
                prop::option::of(text()),
                amount(),
            amount(),
            prop::option::of(text()),
            any::<u32>()
        )
            .prop_map(|(search, from, to, min, max, cursor, limit)| {
                json!({"query": {"search": search, "statuses": [], "from": from, "to": to,
                    "amount_min": min, "amount_max": max, "cursor": cursor, "limit": limit}})
            })
            .boxed(),
        ),
        (
            "day_report",
            (text(), text(), any::<bool>())
                .prop_map(|(from, to, closing)| json!({"from": from, "to": to, "closing": closing}))
                .boxed(),
        ),
        // A folder that does not exist: whatever the dates, nothing can be written.
        (
            "export_csv",
            (text(), text())
                .prop_map(|(from, to)| {
                    json!({"from": from, "to": to, "path": "/nonexistent-kasse-folder/day.csv"})
                })
                .boxed(),
        ),
    ]
}

/// A random well-typed command call, among `typed` ([`typed_args`]).
fn call(
    typed: Vec<(&'static str, BoxedStrategy<Value>)>,
) -> impl Strategy<Value = (&'static str, Value)> {
    Union::new(
        typed
            .into_iter()
            .map(|(cmd, args)| args.prop_map(move |args| (cmd, args))),
    )
}

/// Any JSON, for arguments of the wrong type.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "saleId", "input", "order", "query", "amount", "lines", "quantity", "from",
                    "to", "closing", "x"
                ])
                .prop_map(str::to_owned),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_ipc_inputs_get_typed_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let app = MockApp::new(open_state(dir.path(), true));

    // Real ids: a paid, captured sale (so captures and refunds reach the core's rules) and a
    // waiting one.
    let order = json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "3", "unit_price": 3900, "vat": "25", "product_id": null},
        {"description": "Bun", "quantity": "1", "unit_price": 2500, "vat": "15", "product_id": null}]}});
    let paid = app.invoke("charge", order.clone()).unwrap();
    let waiting = app.invoke("charge", order).unwrap();
    let control = app.control();
    control
        .pay(paid["session_id"].as_str().unwrap(), "4000000000000002")
        .unwrap();
    let sale_id = paid["sale_id"].as_str().unwrap().to_owned();
    app.wait_status(&sale_id, "authorized");
    let ids = vec![
        sale_id.clone(),
        paid["session_id"].as_str().unwrap().to_owned(),
        paid["merchant_reference"].as_str().unwrap().to_owned(),
        waiting["sale_id"].as_str().unwrap().to_owned(),
    ];

    let config = Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    };
    let typed = typed_args(ids);
    // The wrong-type calls below go to these commands, and three more that take arguments.
    let mut commands: Vec<&str> = typed.iter().map(|(cmd, _)| *cmd).collect();
    commands.extend(["charge", "settings_save", "test_connection"]);
    let counts = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let mut runner = TestRunner::new(config.clone());
    runner
        .run(&call(typed), |(cmd, args)| {
            let result = app.invoke(cmd, args.clone());
            assert_typed(cmd, &args, &result);
            // The log works here: "storage" would be an input error misnamed (it was, for a
            // bad list cursor).
            prop_assert!(
                !result.as_ref().is_err_and(|e| e["code"] == "storage"),
                "{cmd}({args}): {result:?}"
            );
            let outcome = match &result {
                Ok(_) => "ok".to_owned(),
                Err(e) => e["code"].as_str().unwrap_or("?").to_owned(),
            };
            *counts
                .borrow_mut()
                .entry(format!("{cmd}: {outcome}"))
                .or_default() += 1;
            Ok(())
        })
        .unwrap();
    let counts = counts.into_inner();
    println!("well-typed random IPC calls by outcome: {counts:#?}");
    // Not vacuous: the core's own rules answered some of them.
    assert!(counts.keys().any(|k| k.ends_with("invalid_input")));
    assert!(counts.keys().any(|k| k.ends_with("not_found")));

    // Arguments of the wrong type: refused before the command runs (Tauri names the
    // argument), or, where they happen to fit, answered like any call.
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..config
    });
    runner
        .run(
            &(prop::sample::select(commands), any_json()),
            |(cmd, args)| {
                let args = match args {
                    Value::Object(_) => args,
                    other => json!({"saleId": other}),
                };
                match app.invoke(cmd, args.clone()) {
                    Ok(_) => {}
                    Err(Value::String(message)) => {
                        prop_assert!(message.contains("invalid args"), "{cmd}({args}): {message}")
                    }
                    Err(e) => assert_typed(cmd, &args, &Err(e)),
                }
                Ok(())
            },
        )
        .unwrap();

    // And the sale the random calls could reach is still consistent with the simulator.
    let d = app
        .invoke("sale_detail", json!({"saleId": sale_id}))
        .unwrap();
    let captured = d["sale"]["captured"].as_i64().unwrap();
    let refunded = d["sale"]["refunded"].as_i64().unwrap();
    assert!(refunded <= captured && captured <= d["sale"]["amount"].as_i64().unwrap());
    let tx = control
        .transaction(d["sale"]["transaction_id"].as_str().unwrap())
        .unwrap();
    let sum = |kind: &str| -> i64 {
        tx["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == kind && e["success"] == true)
            .map(|e| e["amount"].as_i64().unwrap())
            .sum()
    };
    assert_eq!((captured, refunded), (sum("CAPTURE"), sum("REFUND")));
}
