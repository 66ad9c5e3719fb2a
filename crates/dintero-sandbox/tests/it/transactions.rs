//! Transactions over HTTP: read, list, capture/refund/void with their events and errors,
//! test cards, auto-capture, async mode, PUT.

use std::time::Duration;

use crate::common::*;
use dintero_sandbox::PayOptions;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn authorized_transaction_has_dintero_shape() {
    let env = env().await;
    let (sid, tx) = env.paid("R-1", "4000000000000002").await;
    assert_eq!(tx["session_id"], sid.as_str());
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["amount"], 24800);
    assert_eq!(tx["currency"], "NOK");
    assert_eq!(tx["merchant_reference"], "R-1");
    assert_eq!(tx["payment_product"], "dintero_psp");
    assert_eq!(tx["payment_product_type"], "dintero_psp.creditcard");
    assert_eq!(tx["channel"], "in_store");
    assert_eq!(tx["store"]["id"], "oslo-1");
    assert_eq!(tx["items"].as_array().unwrap().len(), 3);
    assert_eq!(tx["card"]["brand"], "Visa");
    assert_eq!(tx["card"]["masked_pan"], "400000******0002");
    assert!(tx["card"]["expiry_date"]
        .as_str()
        .unwrap()
        .starts_with("12/"));
    assert_eq!(tx["metadata"]["session:profile_id"], "default");
    let events: Vec<(&str, &str, bool)> = events_of(&tx)
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["transaction_status"].as_str().unwrap(),
                e["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("INITIALIZE", "INITIATED", true),
            ("AUTHORIZE", "AUTHORIZED", true)
        ]
    );
    for e in tx["events"].as_array().unwrap() {
        assert_eq!(
            uuid::Uuid::parse_str(e["id"].as_str().unwrap())
                .unwrap()
                .get_version_num(),
            4
        );
    }
    let tid = tx["id"].as_str().unwrap();
    let (s, got) = env.get(&format!("/v1/transactions/{tid}")).await;
    assert_eq!(s, 200);
    assert_eq!(got, tx);
    let (s, with_session) = env
        .get(&format!("/v1/transactions/{tid}?includes=session"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(with_session["session"]["id"], sid.as_str());
    let (s, v) = env.get("/v1/transactions/T12345678.unknown").await;
    refused(s, &v, 404, "not_found");
}

#[tokio::test]
async fn capture_refund_events_carry_everything() {
    let (env, tid) = env_with_authorized("R-2").await;
    let resp = env
        .request(Method::POST, &format!("/v1/transactions/{tid}/capture"))
        .header("Dintero-System-Name", "kasse-pos")
        .json(&json!({
            "amount": 17800,
            "capture_reference": "CAP-1",
            "items": [{"line_id": "1", "quantity": 2, "amount": 17800}],
            "metadata": {"ext_register": "kasse-1"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tx: Value = resp.json().await.unwrap();
    assert_eq!(tx["status"], "PARTIALLY_CAPTURED");
    assert_eq!(tx["amount"], 24800, "amount never changes");
    let e = last_event(&tx);
    assert_eq!(e["event"], "CAPTURE");
    assert_eq!(e["transaction_status"], "PARTIALLY_CAPTURED");
    assert_eq!(e["success"], true);
    assert_eq!(e["amount"], 17800);
    assert_eq!(e["event_reference"], "CAP-1");
    assert_eq!(e["items"][0]["line_id"], "1");
    assert_eq!(e["metadata"], json!({"ext_register": "kasse-1"}));
    assert_eq!(e["created_by"], "kasse-demo");
    assert!(uuid::Uuid::parse_str(e["request_id"].as_str().unwrap()).is_ok());
    assert_eq!(
        e["request_headers"],
        json!({"dintero-system-name": "kasse-pos"})
    );
    assert!(tx["updated_at"].as_str().unwrap() >= tx["created_at"].as_str().unwrap());

    let (s, tx) = env
        .operate(
            &tid,
            "refund",
            json!({"amount": 1000, "refund_reference": "RET-1", "reason": "broken"}),
        )
        .await;
    assert_status(s, &tx, 200, "PARTIALLY_CAPTURED_REFUNDED");
    assert_eq!(last_event(&tx)["event_reference"], "RET-1");
    let (s, tx) = env.operate(&tid, "capture", json!({"amount": 7000})).await;
    assert_status(s, &tx, 200, "PARTIALLY_REFUNDED");
    let (s, tx) = env.operate(&tid, "refund", json!({"amount": 23800})).await;
    assert_status(s, &tx, 200, "REFUNDED");
    assert_eq!(sum_events(&tx, "CAPTURE"), 24800);
    assert_eq!(sum_events(&tx, "REFUND"), 24800);
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 1})).await;
    refused(s, &v, 400, "invalid_state");
}

#[tokio::test]
async fn amount_and_state_errors() {
    let (env, tid) = env_with_authorized("R-3").await;
    let path = |op: &str| format!("/v1/transactions/{tid}/{op}");
    let (s, v) = env.post(&path("refund"), json!({"amount": 100})).await;
    let message = refused(s, &v, 400, "invalid_state");
    assert_eq!(
        message,
        "Transaction with status AUTHORIZED cannot be refunded"
    );
    let (s, v) = env.post(&path("capture"), json!({"amount": 24801})).await;
    refused(s, &v, 400, "amount_exceeds_capturable");
    let (s, _) = env.post(&path("capture"), json!({"amount": 24000})).await;
    assert_eq!(s, 200);
    let (s, v) = env.post(&path("refund"), json!({"amount": 30000})).await;
    let message = refused(s, &v, 400, "amount_exceeds_refundable");
    assert_eq!(
        message,
        "Refund amount 30000 exceeds refundable amount 24000"
    );
    let (s, v) = env.call(Method::POST, &path("void"), None).await;
    assert_eq!(
        (s.as_u16(), error_code(&v)),
        (400, "invalid_state"),
        "dintero_psp cannot void after a partial capture"
    );
    // bodies
    for (body, needle) in [
        (json!({"amount": 0}), "amount"),
        (json!({"amount": "10"}), "amount"),
        (json!({}), "amount"),
        (
            json!({"amount": 10, "metadata": {"register": "1"}}),
            "metadata.register",
        ),
        (
            json!({"amount": 10, "metadata": {"ext_x": 5}}),
            "metadata.ext_x",
        ),
        (
            json!({"amount": 10, "items": [{"line_id": "9", "amount": 10}]}),
            "items[0].line_id",
        ),
        (
            json!({"amount": 10, "items": [{"line_id": "1", "amount": 9}]}),
            "items",
        ),
        (
            json!({"amount": 10, "items": [{"amount": 10}]}),
            "items[0].line_id",
        ),
    ] {
        let (s, v) = env.post(&path("capture"), body.clone()).await;
        let message = refused(s, &v, 400, "invalid_request");
        assert!(message.contains(needle), "{body}: {v}");
    }
    for op in ["capture", "refund", "void"] {
        let (s, v) = env
            .post(
                &format!("/v1/transactions/T12345678.missing/{op}"),
                json!({"amount": 1}),
            )
            .await;
        assert_eq!((s.as_u16(), error_code(&v)), (404, "not_found"), "{op}");
    }
}

#[tokio::test]
async fn void_and_final_capture() {
    let (env, tid) = env_with_authorized("R-4").await;
    let (s, tx) = env
        .call(Method::POST, &format!("/v1/transactions/{tid}/void"), None)
        .await;
    assert_status(s, &tx, 200, "AUTHORIZATION_VOIDED");
    assert_eq!(last_event(&tx)["amount"], 24800);
    let (s, v) = env.operate(&tid, "capture", json!({"amount": 1})).await;
    let message = refused(s, &v, 400, "invalid_state");
    assert_eq!(
        message,
        "Transaction with status AUTHORIZATION_VOIDED cannot be captured"
    );

    let tid = env.authorized("R-5").await;
    let (s, tx) = env
        .operate(
            &tid,
            "capture",
            json!({"amount": 10000, "final_capture": true}),
        )
        .await;
    assert_status(s, &tx, 200, "CAPTURED");
    let e = last_event(&tx);
    assert_eq!(
        (e["event"].as_str(), e["amount"].as_i64()),
        (Some("VOID"), Some(14800))
    );
    let (s, v) = env.operate(&tid, "capture", json!({"amount": 1})).await;
    refused(s, &v, 400, "invalid_state");
    let (s, tx) = env.operate(&tid, "refund", json!({"amount": 10000})).await;
    assert_status(s, &tx, 200, "REFUNDED");
}

#[tokio::test]
async fn test_cards_authorization_outcomes() {
    let env = env().await;
    for (card, status, brand) in [
        ("4000 1000 0000 0000", "AUTHORIZED", "Visa"),
        ("4000200000000008", "AUTHORIZED", "Visa"),
        ("5200000000000007", "AUTHORIZED", "Mastercard"),
        ("5200000000000015", "AUTHORIZED", "Mastercard"),
        ("5200000000000023", "AUTHORIZED", "Mastercard"),
        ("4000300000000006", "FAILED", "Visa"),
        ("5200000000000031", "FAILED", "Mastercard"),
        ("4100000000000076", "DECLINED", "Visa"),
        ("4100000000000001", "FAILED", "Visa"),
        ("5100000000000008", "FAILED", "Mastercard"),
        ("4100000000000050", "AUTHORIZED", "Visa"),
    ] {
        let (_, tx) = env.paid("R-card", card).await;
        assert_eq!(tx["status"], status, "{card}");
        assert_eq!(tx["card"]["brand"], brand, "{card}");
        let auth = last_event(&tx);
        assert_eq!(auth["event"], "AUTHORIZE");
        assert_eq!(auth["success"], status == "AUTHORIZED", "{card}");
        if status != "AUTHORIZED" {
            assert!(auth["error"]["message"].is_string());
        }
        if card == "4100000000000076" {
            assert_eq!(auth["error"]["code"], "1A");
        }
        if card == "4100000000000001" {
            assert_eq!(auth["error"]["type"], json!(["ERROR"]));
        }
    }
    // Unknown cards are refused without creating a transaction.
    let sid = env.session_id(session_body("R-x")).await;
    let (s, v) = env.pay(&sid, json!({"card": "4111111111111111"})).await;
    refused(s, &v, 400, "invalid_request");
    let (_, sess) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert!(sess.get("transaction_id").is_none());
    // A session has at most one transaction.
    let (sid, _) = env.paid("R-y", "4000300000000006").await;
    let (s, v) = env.pay(&sid, json!({"card": "4000000000000002"})).await;
    refused(s, &v, 400, "invalid_state");
}

#[tokio::test]
async fn timeout_cards_fail_the_named_operation_with_503() {
    let env = env().await;
    // capture times out
    let (_, tx) = env.paid("R-t1", "4100000000000019").await;
    let tid = tx["id"].as_str().unwrap();
    let (s, v) = env.operate(tid, "capture", json!({"amount": 100})).await;
    refused(s, &v, 503, "processor_unavailable");
    let tx = env.transaction(tid).await;
    assert_eq!(tx["status"], "AUTHORIZED", "status unchanged");
    let e = last_event(&tx);
    assert_eq!(
        (e["event"].as_str(), e["success"].as_bool()),
        (Some("CAPTURE"), Some(false))
    );
    assert_eq!(e["error"]["type"], json!(["ERROR"]));
    assert_eq!(e["transaction_status"], "AUTHORIZED");
    assert_eq!(sum_events(&tx, "CAPTURE"), 0);
    // ...but void still works for it
    let (s, _) = env
        .call(Method::POST, &format!("/v1/transactions/{tid}/void"), None)
        .await;
    assert_eq!(s, 200);

    // refund times out (capture fine)
    let (_, tx) = env.paid("R-t2", "5100000000000024").await;
    let tid = tx["id"].as_str().unwrap();
    let (s, _) = env.operate(tid, "capture", json!({"amount": 24800})).await;
    assert_eq!(s, 200);
    let (s, _) = env.operate(tid, "refund", json!({"amount": 100})).await;
    assert_eq!(s, 503);
    let tx = env.transaction(tid).await;
    assert_eq!(tx["status"], "CAPTURED");
    assert_eq!(last_event(&tx)["event"], "REFUND");
    assert_eq!(last_event(&tx)["success"], false);
    // includes=events.success.true hides the failed one
    let (_, ok_only) = env
        .get(&format!(
            "/v1/transactions/{tid}?includes=events.success.true"
        ))
        .await;
    assert!(events_of(&ok_only).iter().all(|e| e["success"] == true));
    assert_eq!(ok_only["events"].as_array().unwrap().len(), 3);

    // void times out
    let (_, tx) = env.paid("R-t3", "4100000000000043").await;
    let tid = tx["id"].as_str().unwrap();
    let (s, _) = env
        .call(Method::POST, &format!("/v1/transactions/{tid}/void"), None)
        .await;
    assert_eq!(s, 503);
    let tx = env.transaction(tid).await;
    assert_eq!(tx["status"], "AUTHORIZED");
}

#[tokio::test]
async fn auto_capture() {
    let env = env().await;
    let mut b = session_body("R-ac");
    b["configuration"]["auto_capture"] = json!(true);
    let (_, tx) = env.paid_with(b.clone(), "4000000000000002").await;
    assert_eq!(tx["status"], "CAPTURED");
    let e = last_event(&tx);
    assert_eq!(
        (e["event"].as_str(), e["amount"].as_i64()),
        (Some("CAPTURE"), Some(24800))
    );
    // the auto-capture timeout card leaves it AUTHORIZED with a failed CAPTURE event
    let (_, tx) = env.paid_with(b, "4100000000000035").await;
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(last_event(&tx)["success"], false);
    assert_eq!(last_event(&tx)["event"], "CAPTURE");
}

#[tokio::test]
async fn on_hold_resolves_later() {
    let env = env().await;
    let sid = env.session_id(session_body("R-oh")).await;
    let (s, tx) = env
        .pay(&sid, json!({"card": "4000000000000002", "on_hold": true}))
        .await;
    assert_status(s, &tx, 200, "ON_HOLD");
    let tid = tx["id"].as_str().unwrap();
    let (s, _) = env.operate(tid, "capture", json!({"amount": 1})).await;
    assert_eq!(s, 400);
    let (s, tx) = env
        .post(
            &format!("/_sim/transactions/{tid}/resolve"),
            json!({"outcome": "AUTHORIZED"}),
        )
        .await;
    assert_status(s, &tx, 200, "AUTHORIZED");
    let (s, _) = env
        .post(
            &format!("/_sim/transactions/{tid}/resolve"),
            json!({"outcome": "FAILED"}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn put_updates_merchant_reference_2() {
    let (env, tid) = env_with_authorized("R-put").await;
    let (s, tx) = env
        .call(
            Method::PUT,
            &format!("/v1/transactions/{tid}"),
            Some(json!({"merchant_reference_2": "Z-1"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), tx["merchant_reference_2"].as_str()),
        (200, Some("Z-1"))
    );
    let (s, v) = env
        .call(
            Method::PUT,
            &format!("/v1/transactions/{tid}"),
            Some(json!({"merchant_reference_2": 5})),
        )
        .await;
    refused(s, &v, 400, "invalid_request");
    let (_, list) = env.get("/v1/transactions?merchant_reference_2=Z-1").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_filters_and_pagination() {
    let env = env().await;
    let control = env.sandbox.control();
    let start = control.now();
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut b = session_body(&format!("LIST-{i:02}"));
        if i % 3 == 0 {
            b["order"]["currency"] = json!("SEK");
        }
        let (_, tx) = env
            .paid_with(
                b,
                if i == 5 {
                    "4100000000000076"
                } else {
                    "4000000000000002"
                },
            )
            .await;
        ids.push(tx["id"].as_str().unwrap().to_owned());
        control.advance_clock(Duration::from_secs(60));
    }
    let (s, _) = env
        .post(
            &format!("/v1/transactions/{}/capture", ids[2]),
            json!({"amount": 24800}),
        )
        .await;
    assert_eq!(s, 200);
    let ids_of = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // default page: 10, newest first
    let (s, page1) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
    let page1 = ids_of(&page1);
    assert_eq!(page1.len(), 10);
    assert_eq!(page1[0], ids[11]);
    let (_, page2) = env
        .get(&format!("/v1/transactions?starting_after={}", page1[9]))
        .await;
    let page2 = ids_of(&page2);
    assert_eq!(page2, vec![ids[1].clone(), ids[0].clone()]);
    // limit bounds
    for bad in ["limit=0", "limit=101", "limit=ten"] {
        let (s, v) = env.get(&format!("/v1/transactions?{bad}")).await;
        assert_eq!(
            (s.as_u16(), error_code(&v)),
            (400, "invalid_request"),
            "{bad}"
        );
    }
    let (_, v) = env.get("/v1/transactions?limit=100").await;
    assert_eq!(v.as_array().unwrap().len(), 12);
    // filters
    for (q, expected) in [
        ("status=CAPTURED", 1),
        ("status=CAPTURED&status=DECLINED", 2),
        ("status=AUTHORIZED", 10),
        ("currency=SEK", 4),
        ("merchant_reference=LIST-03", 1),
        ("search=list-0", 10),
        ("amount=24800", 12),
        ("amount.gte=24801", 0),
        ("amount.lte=24800&amount.gte=24800", 12),
        ("store_id=oslo-1", 12),
        ("store_id=bergen", 0),
        ("terminal_id=T0292", 12),
        ("channel=in_store", 12),
        ("payment_product_type=dintero_psp.creditcard", 12),
        ("card_brand=Visa", 12),
    ] {
        let (s, v) = env.get(&format!("/v1/transactions?limit=100&{q}")).await;
        assert_eq!(s, 200, "{q}: {v}");
        assert_eq!(v.as_array().unwrap().len(), expected, "{q}");
    }
    let (_, v) = env
        .get(&format!("/v1/transactions?id={}&id={}", ids[0], ids[1]))
        .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    let sid = env.get(&format!("/v1/transactions/{}", ids[4])).await.1["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, v) = env.get(&format!("/v1/transactions?session_id={sid}")).await;
    assert_eq!(ids_of(&v), vec![ids[4].clone()]);
    // created_at window: the 3rd..5th transactions (one minute apart)
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let gte = fmt(start + time::Duration::seconds(119));
    let lte = fmt(start + time::Duration::seconds(241));
    let (_, v) = env
        .get(&format!(
            "/v1/transactions?limit=100&created_at.gte={gte}&created_at.lte={lte}"
        ))
        .await;
    assert_eq!(
        ids_of(&v),
        vec![ids[4].clone(), ids[3].clone(), ids[2].clone()]
    );
    let (s, v) = env.get("/v1/transactions?created_at.gte=yesterday").await;
    refused(s, &v, 400, "invalid_request");
    let (s, _) = env.get("/v1/transactions?status=PAID").await;
    assert_eq!(s, 400);
    let (s, _) = env
        .get("/v1/transactions?starting_after=T12345678.nope")
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn async_operations_answer_202_then_complete() {
    let env = env_tweaked(|c| c.async_operations = true).await;
    let tid = env.authorized("R-async").await;
    let resp = env
        .operate_raw(
            &tid,
            "capture",
            json!({"amount": 20000, "capture_reference": "C-A"}),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let rid = header(&resp, "event-request-id").to_owned();
    let tx: Value = resp.json().await.unwrap();
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(last_event(&tx)["event"], "INITIATE_CAPTURE");
    assert_eq!(last_event(&tx)["request_id"], rid.as_str());
    // a second capture over what is left after the pending one is refused at once
    let (s, v) = env.operate(&tid, "capture", json!({"amount": 5000})).await;
    refused(s, &v, 400, "amount_exceeds_capturable");
    env.sandbox.control().advance_clock(Duration::from_secs(1));
    let mut done = Value::Null;
    for _ in 0..200 {
        let tx = env.transaction(&tid).await;
        if tx["status"] == "PARTIALLY_CAPTURED" {
            done = tx;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let e = last_event(&done);
    assert_eq!(e["event"], "CAPTURE");
    assert_eq!(e["correlation_request_id"], rid.as_str());
    assert_eq!(e["event_reference"], "C-A");
    assert_eq!(e["amount"], 20000);
}

#[tokio::test]
async fn control_record_matches_the_api() {
    let env = env().await;
    let (sid, tx) = env.paid("R-rec", "4000000000000002").await;
    let control = env.sandbox.control();
    assert_eq!(control.transactions(), vec![tx.clone()]);
    assert_eq!(control.sessions().len(), 1);
    assert_eq!(control.session(&sid).unwrap()["id"], sid.as_str());
    assert_eq!(control.transaction(tx["id"].as_str().unwrap()).unwrap(), tx);
    let created = env.create_session(session_body("R-rec2")).await;
    let initiated = control
        .pay_with(
            created["id"].as_str().unwrap(),
            PayOptions {
                initiate_only: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(initiated["status"], "INITIATED");
    assert!(initiated.get("card").is_none());
    assert_eq!(
        control.transactions()[0]["id"],
        initiated["id"],
        "newest first"
    );
    control.reset();
    assert!(control.transactions().is_empty());
    assert!(control.sessions().is_empty());
    let (s, _) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(s, 404);
}

/// Bring a fresh transaction into `status` through the API (and `/_sim` for the customer side).
async fn transaction_in(env: &Env, status: &str) -> String {
    let sid = env.session_id(session_body("T-table")).await;
    let pay = |body: Value| {
        let sid = sid.clone();
        async move { env.post(&format!("/_sim/sessions/{sid}/pay"), body).await.1 }
    };
    let tx = match status {
        "INITIATED" => pay(json!({"initiate_only": true})).await,
        "ON_HOLD" => pay(json!({"card": "4000000000000002", "on_hold": true})).await,
        "FAILED" => pay(json!({"card": "4000300000000006"})).await,
        "DECLINED" => pay(json!({"card": "4100000000000076"})).await,
        _ => pay(json!({"card": "4000000000000002"})).await,
    };
    let tid = tx["id"].as_str().unwrap().to_owned();
    let steps: &[(&str, i64)] = match status {
        "PARTIALLY_CAPTURED" => &[("capture", 10000)],
        "PARTIALLY_CAPTURED_REFUNDED" => &[("capture", 10000), ("refund", 1000)],
        "CAPTURED" => &[("capture", 24800)],
        "PARTIALLY_REFUNDED" => &[("capture", 24800), ("refund", 1000)],
        "REFUNDED" => &[("capture", 24800), ("refund", 24800)],
        "AUTHORIZATION_VOIDED" => &[("void", 0)],
        _ => &[],
    };
    for (op, amount) in steps {
        let (s, v) = env
            .post(
                &format!("/v1/transactions/{tid}/{op}"),
                json!({"amount": amount}),
            )
            .await;
        assert_eq!(s, 200, "{op}: {v}");
    }
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], status);
    tid
}

/// Every reachable status × capture/refund/void over HTTP: allowed ones answer 200 with the
/// §9.2 status, refused ones 400 `invalid_state` and change nothing.
#[tokio::test]
async fn transition_table_over_http() {
    let env = env().await;
    // (from, [capture 1, refund 1, void] → Some(resulting status) or None = refused)
    let table: [(&str, [Option<&str>; 3]); 11] = [
        ("INITIATED", [None, None, None]),
        ("ON_HOLD", [None, None, None]),
        ("FAILED", [None, None, None]),
        ("DECLINED", [None, None, None]),
        (
            "AUTHORIZED",
            [
                Some("PARTIALLY_CAPTURED"),
                None,
                Some("AUTHORIZATION_VOIDED"),
            ],
        ),
        (
            "PARTIALLY_CAPTURED",
            [
                Some("PARTIALLY_CAPTURED"),
                Some("PARTIALLY_CAPTURED_REFUNDED"),
                None,
            ],
        ),
        (
            "PARTIALLY_CAPTURED_REFUNDED",
            [
                Some("PARTIALLY_CAPTURED_REFUNDED"),
                Some("PARTIALLY_CAPTURED_REFUNDED"),
                None,
            ],
        ),
        ("CAPTURED", [None, Some("PARTIALLY_REFUNDED"), None]),
        (
            "PARTIALLY_REFUNDED",
            [None, Some("PARTIALLY_REFUNDED"), None],
        ),
        ("REFUNDED", [None, None, None]),
        ("AUTHORIZATION_VOIDED", [None, None, None]),
    ];
    for (from, outcomes) in table {
        for (op, expected) in ["capture", "refund", "void"].into_iter().zip(outcomes) {
            let tid = transaction_in(&env, from).await;
            let before = env.transaction(&tid).await;
            let (s, v) = env
                .post(
                    &format!("/v1/transactions/{tid}/{op}"),
                    json!({"amount": 1}),
                )
                .await;
            match expected {
                Some(to) => {
                    assert_eq!(s, 200, "{op} in {from}: {v}");
                    assert_eq!(v["status"], to, "{op} in {from}");
                }
                None => {
                    assert_eq!(
                        (s.as_u16(), error_code(&v)),
                        (400, "invalid_state"),
                        "{op} in {from}"
                    );
                    let after = env.transaction(&tid).await;
                    assert_eq!(after, before, "{op} in {from} changed the transaction");
                }
            }
        }
    }
}
