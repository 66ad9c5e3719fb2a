//! Property test: random sequences of capture/refund/void against the sandbox (through
//! `app()`), checking Dintero's invariants and the §9.2 status derivation from the events.

use axum::body::{to_bytes, Body};
use axum::http::Request;
use dintero_sandbox::{app, AppState};
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt as _;

#[derive(Debug, Clone)]
enum Op {
    Capture { amount: i64, final_capture: bool },
    Refund { amount: i64 },
    Void,
}

fn op(max: i64) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..=max + 10, prop::bool::weighted(0.2)).prop_map(|(amount, final_capture)| Op::Capture { amount, final_capture }),
        4 => (0..=max + 10).prop_map(|amount| Op::Refund { amount }),
        1 => Just(Op::Void),
    ]
}

/// §9.2, from the events alone (A = amount, C/R = successful captures/refunds, V = any
/// successful VOID: a full void, or the rest released by final_capture).
fn derive(a: i64, events: &[Value]) -> (&'static str, i64, i64) {
    let sum = |name: &str| -> i64 {
        events
            .iter()
            .filter(|e| e["event"] == name && e["success"] == true)
            .map(|e| e["amount"].as_i64().unwrap())
            .sum()
    };
    let (c, r) = (sum("CAPTURE"), sum("REFUND"));
    let v = events
        .iter()
        .any(|e| e["event"] == "VOID" && e["success"] == true);
    let status = if v && c == 0 {
        "AUTHORIZATION_VOIDED"
    } else if c == 0 {
        "AUTHORIZED"
    } else {
        let open = c < a && !v;
        match (r == 0, open) {
            (true, true) => "PARTIALLY_CAPTURED",
            (true, false) => "CAPTURED",
            (false, true) => "PARTIALLY_CAPTURED_REFUNDED",
            (false, false) if r < c => "PARTIALLY_REFUNDED",
            (false, false) => "REFUNDED",
        }
    };
    (status, c, r)
}

/// §9.3, independently of the sandbox: is `op` allowed, and with which error code if not.
/// The body is checked before the state: a non-positive amount is `invalid_request` anywhere.
fn expected(
    status: &str,
    a: i64,
    c: i64,
    r: i64,
    released: bool,
    op: &Op,
) -> Result<(), &'static str> {
    if let Op::Capture { amount, .. } | Op::Refund { amount } = op {
        if *amount <= 0 {
            return Err("invalid_request");
        }
    }
    match op {
        Op::Capture { amount, .. } => {
            if !matches!(
                status,
                "AUTHORIZED" | "PARTIALLY_CAPTURED" | "PARTIALLY_CAPTURED_REFUNDED"
            ) {
                return Err("invalid_state");
            }
            if *amount <= 0 {
                return Err("invalid_request");
            }
            let capturable = if released { 0 } else { a - c };
            if *amount > capturable {
                return Err("amount_exceeds_capturable");
            }
            Ok(())
        }
        Op::Refund { amount } => {
            if !matches!(
                status,
                "CAPTURED"
                    | "PARTIALLY_CAPTURED"
                    | "PARTIALLY_REFUNDED"
                    | "PARTIALLY_CAPTURED_REFUNDED"
            ) {
                return Err("invalid_state");
            }
            if *amount <= 0 {
                return Err("invalid_request");
            }
            if *amount > c - r {
                return Err("amount_exceeds_refundable");
            }
            Ok(())
        }
        Op::Void => {
            if status == "AUTHORIZED" {
                Ok(())
            } else {
                Err("invalid_state")
            }
        }
    }
}

async fn call(
    router: &axum::Router,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(
            body.map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty),
        )
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let v = serde_json::from_slice(&to_bytes(resp.into_body(), usize::MAX).await.unwrap()).unwrap();
    (status, v)
}

async fn run(amount: i64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let state = AppState::new(crate::common::test_config(), "http://sandbox.test").unwrap();
    let control = state.control();
    let router = app(state);
    let token = control.access_token();
    let mut body = crate::common::session_body("P-1");
    body["order"]["amount"] = json!(amount);
    body["order"]["items"] =
        json!([{"line_id": "1", "amount": amount, "vat_amount": 0, "vat": 0, "quantity": 1}]);
    let sid = control.create_session(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tx = control.pay(&sid, "4000000000000002").unwrap();
    let tid = tx["id"].as_str().unwrap().to_owned();
    let mut prev = tx;
    for op in ops {
        let prev_events = prev["events"].as_array().unwrap().clone();
        let (st, c, r) = derive(amount, &prev_events);
        prop_assert_eq!(prev["status"].as_str().unwrap(), st);
        let released = c > 0 && prev_events.iter().any(|e| e["event"] == "VOID");
        let want = expected(st, amount, c, r, released, &op);
        let (path, body) = match &op {
            Op::Capture {
                amount,
                final_capture,
            } => (
                "capture",
                Some(json!({"amount": amount, "final_capture": final_capture})),
            ),
            Op::Refund { amount } => ("refund", Some(json!({"amount": amount}))),
            Op::Void => ("void", None),
        };
        let (status, v) = call(
            &router,
            &token,
            "POST",
            &format!("/v1/transactions/{tid}/{path}"),
            body,
        )
        .await;
        match want {
            Ok(()) => {
                prop_assert_eq!(status, 200, "{:?} in {} should pass: {}", op, st, v);
                let events = v["events"].as_array().unwrap();
                prop_assert!(events.len() > prev_events.len());
                let (now_status, c, r) = derive(amount, events);
                prop_assert_eq!(v["status"].as_str().unwrap(), now_status);
                prop_assert!(
                    c <= amount && r <= c && r >= 0,
                    "C={} R={} A={}",
                    c,
                    r,
                    amount
                );
                for e in &events[prev_events.len()..] {
                    prop_assert_eq!(&e["transaction_status"], &v["status"]);
                    prop_assert_eq!(&e["success"], &json!(true));
                }
                prop_assert_eq!(v["amount"].as_i64(), Some(amount));
                prev = v;
            }
            Err(code) => {
                prop_assert_eq!(status, 400, "{:?} in {} should fail: {}", op, st, v);
                prop_assert_eq!(
                    v["error"]["code"].as_str(),
                    Some(code),
                    "{:?} in {}",
                    op,
                    st
                );
                let (_, now) = call(
                    &router,
                    &token,
                    "GET",
                    &format!("/v1/transactions/{tid}"),
                    None,
                )
                .await;
                prop_assert_eq!(&now, &prev, "a refused operation changes nothing");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_keep_dintero_invariants(
        (amount, ops) in (1i64..=50_000).prop_flat_map(|a| (Just(a), prop::collection::vec(op(a), 1..14)))
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(amount, ops))?;
    }

    #[test]
    fn small_amounts_reach_every_status(
        ops in prop::collection::vec(op(3), 1..10)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(3, ops))?;
    }
}
