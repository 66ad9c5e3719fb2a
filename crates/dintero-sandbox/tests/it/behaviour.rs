//! Per-product behaviours over HTTP: asynchronous operations on the simulated clock (with
//! failures and corrections), in-flight amounts, required items, capture at authorization,
//! and `/_sim/behaviour` itself.

use std::time::Duration;

use crate::common::*;
use dintero_sandbox::{AsyncOperations, Behaviour, PayOptions};
use reqwest::Method;
use serde_json::{json, Value};

fn id(tx: &Value) -> String {
    tx["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn async_completion_follows_the_sim_clock() {
    let env = env().await;
    let set = env
        .set_behaviour(
            json!({"payment_product_type": "vipps", "async_operations": {"delay_seconds": 120}}),
        )
        .await;
    assert_eq!(set["payment_product_type"], "vipps");
    assert_eq!(
        set["async_operations"]["delay_seconds"].as_f64(),
        Some(120.0)
    );
    let (_, tx) = env.paid_by("B-1", "vipps").await;
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["payment_product"], "vipps");
    assert_eq!(tx["payment_product_type"], "vipps");
    assert!(tx.get("card").is_none(), "no card fields for Vipps");
    let tid = id(&tx);
    let items = json!([{"line_id": "1", "amount": 17800, "quantity": 2, "type": "physical"}]);
    let (rid, accepted) = env
        .accepted(
            &tid,
            "capture",
            json!({"amount": 17800, "capture_reference": "C-1", "items": items}),
        )
        .await;
    assert_eq!(accepted["status"], "AUTHORIZED");
    let init = last_event(&accepted);
    assert_eq!(init["event"], "INITIATE_CAPTURE");
    assert_eq!(init["request_id"], rid.as_str());
    assert_eq!(init["transaction_status"], "AUTHORIZED");
    assert_eq!(init["amount"], 17800);
    assert_eq!(init["event_reference"], "C-1");
    assert_eq!(init["items"], items, "items as sent, type included");

    // Real time passing does not complete it: 120 s of simulated time must.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(last_event(&tx)["event"], "INITIATE_CAPTURE");

    env.advance(121).await;
    let (tx, done) = env.completed(&tid, &rid).await;
    assert_eq!(done["event"], "CAPTURE");
    assert_eq!(done["success"], true);
    assert_eq!(done["amount"], 17800);
    assert_eq!(done["event_reference"], "C-1");
    assert_eq!(done["transaction_status"], "PARTIALLY_CAPTURED");
    assert_ne!(done["request_id"], rid.as_str());
    assert_eq!(tx["status"], "PARTIALLY_CAPTURED");

    // Other products keep the default: a card capture answers 200 at once.
    let card = env.authorized("B-1c").await;
    let (s, v) = env
        .operate(&card, "capture", json!({"amount": 24800}))
        .await;
    assert_status(s, &v, 200, "CAPTURED");
}

#[tokio::test]
async fn failed_completion_carries_a_correction() {
    let (env, tid) = env_with_authorized("B-2").await;
    let (s, _) = env.operate(&tid, "capture", json!({"amount": 20000})).await;
    assert_eq!(s, 200, "synchronous by default");
    env.set_behaviour(json!({"async_operations": {"delay_seconds": 5, "fail_probability": 1.0}}))
        .await;
    let (rid, _) = env
        .accepted(
            &tid,
            "refund",
            json!({"amount": 5000, "refund_reference": "RF-1"}),
        )
        .await;
    env.advance(6).await;
    let (tx, failed) = env.completed(&tid, &rid).await;
    assert_eq!(failed["event"], "REFUND");
    assert_eq!(failed["success"], false);
    assert_eq!(failed["transaction_status"], "PARTIALLY_CAPTURED");
    assert_eq!(failed["event_reference"], "RF-1");
    assert_eq!(failed["error"]["type"], json!(["ERROR"]));
    assert!(failed["error"]["message"].is_string());
    assert_eq!(
        failed["correction"],
        json!({
            "status": "PARTIALLY_CAPTURED",
            "remaining_capture_amount": 4800,
            "remaining_refund_amount": 20000,
            "remaining_void_amount": 4800,
        })
    );
    assert_eq!(tx["status"], "PARTIALLY_CAPTURED", "status unchanged");
    assert_eq!(sum_events(&tx, "REFUND"), 0);
    // The failed amount is no longer in flight: all of the captured amount can be refunded.
    env.accepted(&tid, "refund", json!({"amount": 20000})).await;
}

/// The failures come from the seeded generator: the same seed gives the same outcomes.
#[tokio::test]
async fn failures_are_deterministic_with_a_seed() {
    async fn outcomes() -> Vec<bool> {
        let env = env_with(test_config()).await;
        env.set_behaviour(
            json!({"async_operations": {"delay_seconds": 0, "fail_probability": 0.5}}),
        )
        .await;
        let tid = env.authorized("B-3").await;
        let mut out = Vec::new();
        for _ in 0..12 {
            let (rid, _) = env.accepted(&tid, "capture", json!({"amount": 100})).await;
            out.push(env.completed(&tid, &rid).await.1["success"] == true);
        }
        out
    }
    let first = outcomes().await;
    assert_eq!(first, outcomes().await);
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
}

#[tokio::test]
async fn in_flight_amounts_count_against_what_is_left() {
    let env = env().await;
    let (_, tx) = env.paid("B-4", "4000000000000002").await;
    let tid = id(&tx);
    let (s, _) = env.operate(&tid, "capture", json!({"amount": 24800})).await;
    assert_eq!(s, 200);
    env.set_behaviour(json!({"async_operations": {"delay_seconds": 60}}))
        .await;
    let (r1, _) = env.accepted(&tid, "refund", json!({"amount": 20000})).await;
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 5000})).await;
    let message = refused(s, &v, 400, "amount_exceeds_refundable");
    assert_eq!(message, "Refund amount 5000 exceeds refundable amount 4800");
    let (r2, _) = env.accepted(&tid, "refund", json!({"amount": 4800})).await;
    env.advance(61).await;
    env.completed(&tid, &r1).await;
    let (tx, _) = env.completed(&tid, &r2).await;
    assert_eq!(tx["status"], "REFUNDED");
    assert_eq!(sum_events(&tx, "REFUND"), 24800);

    // An in-flight capture makes nothing refundable or voidable early, and blocks the
    // session's cancel.
    let (sid, tx) = env.paid("B-5", "4000000000000002").await;
    let tid = id(&tx);
    let (r3, _) = env
        .accepted(&tid, "capture", json!({"amount": 20000}))
        .await;
    for (op, body, code) in [
        ("refund", json!({"amount": 100}), "invalid_state"),
        ("void", json!({}), "invalid_state"),
        (
            "capture",
            json!({"amount": 4801}),
            "amount_exceeds_capturable",
        ),
    ] {
        let (s, v) = env
            .post(&format!("/v1/transactions/{tid}/{op}"), body)
            .await;
        assert_eq!((s.as_u16(), error_code(&v)), (400, code), "{op}: {v}");
    }
    let (s, v) = env.cancel_session(&sid).await;
    refused(s, &v, 400, "invalid_state");
    env.advance(61).await;
    let (tx, _) = env.completed(&tid, &r3).await;
    assert_eq!(tx["status"], "PARTIALLY_CAPTURED");
}

#[tokio::test]
async fn items_required_for_instabank_and_collector_only() {
    let env = env().await;
    let all_items = json!([
        {"line_id": "1", "amount": 17800, "quantity": 2, "type": "physical"},
        {"line_id": "2", "amount": 4500, "quantity": 3},
        {"line_id": "3", "amount": 2500, "quantity": 1, "type": "gift_wrap"}
    ]);
    for product in ["instabank.finance", "collector.invoice"] {
        let (_, tx) = env.paid_by(&format!("B-6-{product}"), product).await;
        assert_eq!(tx["payment_product_type"], product);
        assert_eq!(tx["payment_product"], product.split('.').next().unwrap());
        assert!(tx.get("card").is_none());
        let tid = id(&tx);
        for body in [
            json!({"amount": 24800}),
            json!({"amount": 24800, "items": []}),
        ] {
            let (s, v) = env.operate(&tid, "capture", body.clone()).await;
            refused(s, &v, 400, "invalid_request");
            assert_eq!(
                v["error"]["message"],
                format!("items are required for {product}"),
                "{body}"
            );
        }
        let unchanged = env.transaction(&tid).await;
        assert_eq!(unchanged, tx, "refused captures change nothing");
        let (s, v) = env
            .operate(
                &tid,
                "capture",
                json!({"amount": 24800, "items": all_items}),
            )
            .await;
        assert_status(s, &v, 200, "CAPTURED");
        assert_eq!(last_event(&v)["items"], all_items, "type kept as sent");
        let (s, v) = env.operate(&tid, "refund", json!({"amount": 2500})).await;
        refused(s, &v, 400, "invalid_request");
        for (items, problem) in [
            (
                json!([{"line_id": "9", "amount": 2500}]),
                "items[0].line_id",
            ),
            (json!([{"line_id": "3", "amount": 2000}]), "items:"),
            (json!([{"line_id": "3"}]), "items[0].amount"),
        ] {
            let (s, v) = env
                .operate(&tid, "refund", json!({"amount": 2500, "items": items}))
                .await;
            let said = refused(s, &v, 400, "invalid_request");
            assert!(said.starts_with(problem), "{v}");
        }
        let (s, v) = env
            .operate(
                &tid,
                "refund",
                json!({"amount": 2500, "items": [{"line_id": "3", "amount": 2500}]}),
            )
            .await;
        assert_status(s, &v, 200, "PARTIALLY_REFUNDED");
    }

    // Elsewhere an empty array is "no items".
    let tid = env.authorized("B-7").await;
    let (s, v) = env
        .operate(&tid, "capture", json!({"amount": 1000, "items": []}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(last_event(&v)["event"], "CAPTURE");
    assert!(last_event(&v).get("items").is_none());
    let (s, _) = env
        .operate(&tid, "refund", json!({"amount": 1000, "items": []}))
        .await;
    assert_eq!(s, 200);

    // Any product can be made to require items through the Control API.
    let control = env.sandbox.control();
    control
        .set_behaviour(
            Some("vipps"),
            Behaviour {
                requires_items: true,
                ..Behaviour::default()
            },
        )
        .unwrap();
    assert!(control.behaviour(Some("vipps")).unwrap().requires_items);
    let (_, tx) = env.paid_by("B-8", "vipps").await;
    let (s, v) = env
        .post(
            &format!("/v1/transactions/{}/capture", id(&tx)),
            json!({"amount": 100}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["message"], "items are required for vipps");
}

#[tokio::test]
async fn swish_is_captured_at_authorization_and_refunds_work() {
    let env = env().await;
    let (sid, tx) = env.paid_by("B-9", "swish.swish").await;
    assert_eq!(tx["status"], "CAPTURED");
    assert_eq!(tx["payment_product"], "swish");
    assert!(tx.get("card").is_none());
    let expected = vec![
        ("INITIALIZE".to_owned(), "INITIATED".to_owned(), true),
        ("AUTHORIZE".to_owned(), "CAPTURED".to_owned(), true),
    ];
    assert_eq!(event_names(&tx), expected, "no CAPTURE event");
    let tid = id(&tx);
    for op in ["capture", "void"] {
        let (s, v) = env
            .post(
                &format!("/v1/transactions/{tid}/{op}"),
                json!({"amount": 1}),
            )
            .await;
        assert_eq!((s.as_u16(), error_code(&v)), (400, "invalid_state"), "{op}");
    }
    let (s, v) = env.cancel_session(&sid).await;
    refused(s, &v, 400, "invalid_state");
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 1000})).await;
    assert_status(s, &v, 200, "PARTIALLY_REFUNDED");
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 23801})).await;
    refused(s, &v, 400, "amount_exceeds_refundable");
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 23800})).await;
    assert_status(s, &v, 200, "REFUNDED");

    // Any product through the control endpoint (Vipps with auto-capture), also after ON_HOLD.
    env.set_behaviour(json!({"payment_product_type": "vipps", "captured_at_authorization": true}))
        .await;
    let (_, tx) = env.paid_by("B-10", "vipps").await;
    assert_eq!(tx["status"], "CAPTURED");
    assert!(event_names(&tx).iter().all(|(e, _, _)| e != "CAPTURE"));
    let created = env.create_session(session_body("B-11")).await;
    let control = env.sandbox.control();
    let held = control
        .pay_with(
            created["id"].as_str().unwrap(),
            PayOptions {
                payment_product_type: Some("vipps".into()),
                on_hold: true,
                ..PayOptions::default()
            },
        )
        .unwrap();
    assert_eq!(held["status"], "ON_HOLD");
    let resolved = control.resolve_on_hold(&id(&held), true).unwrap();
    assert_eq!(resolved["status"], "CAPTURED");
    let (_, list) = env
        .get("/v1/transactions?payment_product=vipps&status=CAPTURED")
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn pay_names_a_known_product_and_cards_only_for_card_products() {
    let env = env().await;
    let sid = env.session_id(session_body("B-12")).await;
    for (body, message) in [
        (
            json!({"payment_product_type": "swish"}),
            "payment_product_type:",
        ),
        (json!({"payment_product_type": 3}), "payment_product_type:"),
        (json!({}), "card: is required"),
        (
            json!({"payment_product_type": "payex.creditcard"}),
            "card: is required",
        ),
    ] {
        let (s, v) = env.post(&format!("/_sim/sessions/{sid}/pay"), body).await;
        let said = refused(s, &v, 400, "invalid_request");
        assert!(said.starts_with(message), "{v}");
    }
    // A test card still picks the outcome of a non-card payment, without card fields.
    let (s, tx) = env
        .pay(
            &sid,
            json!({"payment_product_type": "dintero_psp.vipps", "card": "4100000000000076"}),
        )
        .await;
    assert_status(s, &tx, 200, "DECLINED");
    assert_eq!(tx["payment_product"], "dintero_psp");
    assert!(tx.get("card").is_none());
    // The product named when the customer starts paying stays when the payment completes.
    let created = env.create_session(session_body("B-13")).await;
    let sid = created["id"].as_str().unwrap();
    let control = env.sandbox.control();
    control
        .pay_with(
            sid,
            PayOptions {
                initiate_only: true,
                payment_product_type: Some("instabank.invoice".into()),
                ..PayOptions::default()
            },
        )
        .unwrap();
    let tx = control.pay_with(sid, PayOptions::default()).unwrap();
    assert_eq!(
        (tx["status"].as_str(), tx["payment_product_type"].as_str()),
        (Some("AUTHORIZED"), Some("instabank.invoice"))
    );
}

#[tokio::test]
async fn behaviour_endpoint_validates_merges_and_resets() {
    let env = env().await;
    let (s, all) = env.get("/_sim/behaviour").await;
    assert_eq!(s, 200);
    assert_eq!(
        all["default"],
        json!({"async_operations": null, "requires_items": false, "captured_at_authorization": false, "auto_capture_delay_seconds": 0.0})
    );
    let types = all["payment_product_types"].as_object().unwrap();
    assert_eq!(types["instabank.finance"]["requires_items"], true);
    assert_eq!(types["collector.installment"]["requires_items"], true);
    assert_eq!(types["swish.swish"]["captured_at_authorization"], true);
    assert!(!types.contains_key("vipps"));
    assert!(!types.contains_key("payex.swish"));

    for bad in [
        json!({"payment_product_type": "swish"}),
        json!({"async_operations": {"delay_seconds": 1, "fail_probability": 2}}),
        json!({"async_operations": {"fail_probability": 0.5}}),
        json!({"async_operations": {"delay_seconds": -1}}),
        json!({"async_operations": {"delay_seconds": 1, "delay": 2}}),
        json!({"async_operations": true}),
        json!({"requires_item": true}),
        json!({"requires_items": "yes"}),
        json!({"auto_capture_delay_seconds": -1}),
    ] {
        let (s, v) = env.post("/_sim/behaviour", bad.clone()).await;
        assert_eq!(
            (s.as_u16(), error_code(&v)),
            (400, "invalid_request"),
            "{bad}"
        );
    }
    // Fields not sent keep their value; null turns asynchronous operations off.
    env.set_behaviour(json!({"payment_product_type": "vipps", "requires_items": true}))
        .await;
    let v = env
        .set_behaviour(json!({"payment_product_type": "vipps", "async_operations": {"delay_seconds": 3, "fail_probability": 0.25}}))
        .await;
    assert_eq!(v["requires_items"], true);
    assert_eq!(
        v["async_operations"]["fail_probability"].as_f64(),
        Some(0.25)
    );
    let (_, got) = env.get("/_sim/behaviour?payment_product_type=vipps").await;
    assert_eq!(got, v);
    let v = env
        .set_behaviour(json!({"payment_product_type": "vipps", "async_operations": null}))
        .await;
    assert!(v["async_operations"].is_null());
    assert_eq!(v["requires_items"], true);
    let control = env.sandbox.control();
    assert_eq!(
        control.behaviour(Some("vipps")).unwrap(),
        Behaviour {
            requires_items: true,
            ..Behaviour::default()
        }
    );
    assert_eq!(
        control.behaviour(Some("vipps.app")).unwrap_err().code,
        "invalid_request"
    );
    // A new default for all keeps the built-in rules.
    env.set_behaviour(json!({"async_operations": {"delay_seconds": 1}}))
        .await;
    let insta = control.behaviour(Some("instabank.finance")).unwrap();
    assert!(insta.requires_items);
    assert_eq!(
        insta.async_operations,
        Some(AsyncOperations::after(Duration::from_secs(1)))
    );

    let (s, _) = env.call(Method::DELETE, "/_sim/behaviour", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        control.behaviour(Some("vipps")).unwrap(),
        Behaviour::default()
    );
    assert_eq!(control.behaviour(None).unwrap(), Behaviour::default());
    env.set_behaviour(json!({"requires_items": true})).await;
    let (s, _) = env.post("/_sim/reset", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(control.behaviour(None).unwrap(), Behaviour::default());
    assert!(control
        .set_behaviour(
            None,
            Behaviour {
                async_operations: Some(AsyncOperations {
                    delay: Duration::ZERO,
                    fail_probability: 1.5,
                }),
                ..Behaviour::default()
            },
        )
        .is_err());

    // SandboxConfig::async_operations is the default's short delay, and survives a reset.
    let env = env_tweaked(|c| c.async_operations = true).await;
    let (_, all) = env.get("/_sim/behaviour").await;
    assert_eq!(
        all["default"]["async_operations"]["delay_seconds"].as_f64(),
        Some(dintero_sandbox::ASYNC_COMPLETION_DELAY.as_secs_f64())
    );
    env.sandbox.control().reset();
    assert!(env
        .sandbox
        .control()
        .behaviour(None)
        .unwrap()
        .async_operations
        .is_some());
}

/// Polls the transaction until it has a `CAPTURE` event (the deferred auto-capture ran).
async fn auto_captured(env: &Env, tid: &str) -> Value {
    for _ in 0..400 {
        let tx = env.transaction(tid).await;
        if events_of(&tx).iter().any(|e| e["event"] == "CAPTURE") {
            return tx;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no CAPTURE event on {tid}");
}

#[tokio::test]
async fn a_slow_auto_capture_waits_for_the_sim_clock_and_a_manual_capture_stops_it() {
    let env = env().await;
    let set = env
        .set_behaviour(json!({"auto_capture_delay_seconds": 30}))
        .await;
    assert_eq!(set["auto_capture_delay_seconds"].as_f64(), Some(30.0));
    let auto = |reference: &str| {
        let mut b = session_body(reference);
        b["configuration"]["auto_capture"] = json!(true);
        b
    };
    // Authorized first; captured only once 30 s of simulated time passed.
    let (_, tx) = env.paid_with(auto("B-ac1"), "4000000000000002").await;
    assert_eq!(tx["status"], "AUTHORIZED");
    let slow = id(&tx);
    // The auto-capture timeout card: authorized, then a failed CAPTURE at the same moment.
    let (_, tx) = env.paid_with(auto("B-ac2"), "4100000000000035").await;
    let failing = id(&tx);
    // A capture by hand before it is due stops the auto-capture.
    let (_, tx) = env.paid_with(auto("B-ac3"), "4000000000000002").await;
    let manual = id(&tx);
    let (s, v) = env
        .operate(&manual, "capture", json!({"amount": 24800}))
        .await;
    assert_status(s, &v, 200, "CAPTURED");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(env.transaction(&slow).await["status"], "AUTHORIZED");

    env.advance(31).await;
    let tx = auto_captured(&env, &slow).await;
    assert_eq!(tx["status"], "CAPTURED");
    assert_eq!(last_event(&tx)["amount"], 24800);
    let tx = auto_captured(&env, &failing).await;
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(last_event(&tx)["event"], "CAPTURE");
    assert_eq!(last_event(&tx)["success"], false);
    let tx = env.transaction(&manual).await;
    assert_eq!(sum_events(&tx, "CAPTURE"), 24800);
    let captures = event_names(&tx).into_iter().filter(|e| e.0 == "CAPTURE");
    assert_eq!(
        captures.count(),
        1,
        "the auto-capture did not run after the manual one"
    );
}
