//! Sessions: create, validation, read, cancel, expiry.

use std::time::Duration;

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn create_returns_id_and_hosted_url() {
    let env = env().await;
    let v = env.create_session(session_body("R-1")).await;
    let id = v["id"].as_str().unwrap();
    let (aid, token) = id.split_once('.').unwrap();
    assert_eq!(aid, "T12345678");
    assert_eq!(token.len(), 22);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(v["url"], format!("{}/v1/view/{id}", env.base));
    assert!(v.get("session").is_none());
    assert_eq!(v.as_object().unwrap().len(), 2);
}

/// With `public_host` (Kasse's demo `--lan`), the hosted URL carries that host and the bound
/// port, whatever host the API was called at; the control API's sessions too. Nothing is sent
/// to the public host here: every request goes to loopback.
#[tokio::test]
async fn a_public_host_goes_into_the_hosted_url() {
    let env = env_tweaked(|c| c.public_host = Some("10.20.30.40".parse().unwrap())).await;
    let port = env.sandbox.local_addr().port();
    assert_eq!(
        env.sandbox.customer_url(),
        format!("http://10.20.30.40:{port}")
    );
    let v = env.create_session(session_body("R-LAN")).await;
    let id = v["id"].as_str().unwrap();
    assert_eq!(v["url"], format!("http://10.20.30.40:{port}/v1/view/{id}"));
    let made = env
        .sandbox
        .control()
        .create_session(session_body("R-LAN-2"))
        .unwrap();
    assert!(made["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://10.20.30.40:{port}/v1/view/")));
    // Without it, the host the API was called at.
    let plain = crate::common::env().await;
    let v = plain.create_session(session_body("R-LOOP")).await;
    assert!(v["url"].as_str().unwrap().starts_with(&plain.base), "{v}");
}

#[tokio::test]
async fn include_session_headers_and_metadata() {
    let env = env().await;
    let mut body = session_body("R-2");
    body["metadata"] = json!({"ext_register": "kasse-1"});
    body["expires_at"] = json!("2099-01-01T00:00:00Z");
    let (s, v) = answer(
        env.http
            .post(format!(
                "{}/v1/sessions-profile?include_session=true",
                env.base
            ))
            .bearer_auth(&env.token)
            .header("Dintero-System-Name", "kasse-pos")
            .header("Dintero-System-Version", "1.4.0")
            .header("Dintero-Feature-Toggles", "strict-session-amounts")
            .header("X-Other", "not stored")
            .json(&body),
    )
    .await;
    assert_eq!(s, 200);
    let s = &v["session"];
    assert_eq!(s["id"], v["id"]);
    assert_eq!(
        s["initiating_system_request_headers"],
        json!({"dintero-system-name": "kasse-pos", "dintero-system-version": "1.4.0"})
    );
    assert_eq!(s["metadata"]["session:profile_id"], "default");
    assert_eq!(s["metadata"]["ext_register"], "kasse-1");
    assert_eq!(s["expires_at"], "2099-01-01T00:00:00.000Z");
    assert_eq!(s["events"][0]["name"], "INITIATED");
    assert_eq!(s["order"]["items"].as_array().unwrap().len(), 3);
    assert!(s.get("transaction_id").is_none());
    assert!(s.get("cancelled_at").is_none());
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let env = env().await;
    let mut cases: Vec<(Value, &str, &str)> = Vec::new();
    let mut b = session_body("R");
    b["order"]["items"][1]["amount"] = json!("4500");
    cases.push((b, "invalid_request", "order.items[1].amount"));
    for field in ["profile_id", "url", "order"] {
        let mut b = session_body("R");
        b.as_object_mut().unwrap().remove(field);
        cases.push((b, "invalid_request", field));
    }
    for field in ["amount", "currency", "merchant_reference"] {
        let mut b = session_body("R");
        b["order"].as_object_mut().unwrap().remove(field);
        cases.push((b, "invalid_request", "order."));
    }
    let mut b = session_body("R");
    b["url"].as_object_mut().unwrap().remove("return_url");
    cases.push((b, "invalid_request", "url.return_url"));
    let mut b = session_body("R");
    b["order"]["amount"] = json!(248.5);
    cases.push((b, "invalid_request", "order.amount"));
    let mut b = session_body("R");
    b["order"]["amount"] = json!(25000);
    cases.push((b, "amount_mismatch", "order.amount (25000)"));
    let mut b = session_body("R");
    b["order"]["items"][2]["line_id"] = json!("1");
    cases.push((b, "duplicate_line_id", "order.items[2].line_id"));
    let mut b = session_body("R");
    b["expires_at"] = json!("tomorrow");
    cases.push((b, "invalid_request", "expires_at"));
    for (body, code, needle) in cases {
        let (s, v) = env.post("/v1/sessions-profile", body).await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(error_code(&v), code, "{v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{msg:?} should name {needle}");
        assert!(v["error"]["errors"].is_array());
    }
}

#[tokio::test]
async fn inexact_vat_is_accepted() {
    let env = env().await;
    let mut b = session_body("R-vat");
    b["order"]["vat_amount"] = json!(6000);
    b["order"]["items"][0]["vat_amount"] = json!(1);
    env.create_session(b).await;
}

#[tokio::test]
async fn amounts_lenient_only_without_toggle_and_without_default() {
    let env = env_tweaked(|c| c.strict_amounts_default = false).await;
    let mut b = session_body("R-lenient");
    b["order"]["amount"] = json!(25000);
    let (s, _) = env.post("/v1/sessions-profile", b.clone()).await;
    assert_eq!(s, 200);
    let (s, v) = answer(
        env.request(Method::POST, "/v1/sessions-profile")
            .header("dintero-feature-toggles", "other, strict-session-amounts")
            .json(&b),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(error_code(&v), "amount_mismatch");
}

#[tokio::test]
async fn get_session_and_unknown_ids() {
    let env = env().await;
    let (s, v) = env
        .get("/v1/sessions/T12345678.doesnotexist000000000")
        .await;
    refused(s, &v, 404, "not_found");
    let (sid, tx) = env.paid("R-3", "4000000000000002").await;
    let (s, v) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["transaction_id"], tx["id"]);
    let names: Vec<&str> = events_of(&v)
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["INITIATED", "AUTHORIZED"]);
    assert!(v["updated_at"].as_str().unwrap() >= v["created_at"].as_str().unwrap());
    // visit through the control API
    let (s, _) = env
        .post(&format!("/_sim/sessions/{sid}/visit"), json!({}))
        .await;
    assert_eq!(s, 200);
    let (_, v) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(
        v["events"].as_array().unwrap().last().unwrap()["name"],
        "VISITED"
    );
}

#[tokio::test]
async fn cancel_open_session_is_idempotent_and_blocks_payment() {
    let env = env().await;
    let sid = env.session_id(session_body("R-4")).await;
    let (s, v) = env.cancel_session(&sid).await;
    assert_eq!(s, 200);
    assert_eq!(v["cancelled_by"], "kasse-demo");
    let at = v["cancelled_at"].clone();
    assert!(at.is_string());
    assert_eq!(
        v["events"].as_array().unwrap().last().unwrap()["name"],
        "CANCELLED"
    );
    env.sandbox.control().advance_clock(Duration::from_secs(5));
    let (s, v2) = env
        .call(Method::POST, &format!("/v1/sessions/{sid}/cancel"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v2["cancelled_at"], at, "cancelled_at unchanged");
    let (s, v) = env.pay(&sid, json!({"card": "4000000000000002"})).await;
    refused(s, &v, 400, "invalid_state");
    let (s, _) = env
        .post("/v1/sessions/T12345678.nope/cancel", json!({}))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn cancel_voids_initiated_and_authorized_but_not_captured() {
    let env = env().await;
    // AUTHORIZED → voided
    let (sid, tx) = env.paid("R-5", "4000000000000002").await;
    let (s, _) = env.cancel_session(&sid).await;
    assert_eq!(s, 200);
    let t = env.transaction(tx["id"].as_str().unwrap()).await;
    assert_eq!(t["status"], "AUTHORIZATION_VOIDED");
    let last = t["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["event"].as_str(), last["amount"].as_i64()),
        (Some("VOID"), Some(24800))
    );

    // INITIATED ("customer is paying") → voided, and the payment cannot complete.
    let sid = env.session_id(session_body("R-6")).await;
    let (s, t) = env.pay(&sid, json!({"initiate_only": true})).await;
    assert_status(s, &t, 200, "INITIATED");
    let (_, sess) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(sess["transaction_id"], t["id"]);
    let (s, _) = env.cancel_session(&sid).await;
    assert_eq!(s, 200);
    let t = env.transaction(t["id"].as_str().unwrap()).await;
    assert_eq!(t["status"], "AUTHORIZATION_VOIDED");
    let (s, _) = env.pay(&sid, json!({"card": "4000000000000002"})).await;
    assert_eq!(s, 400);

    // CAPTURED → refused, session stays uncancelled
    let (sid, tx) = env.paid("R-7", "4000000000000002").await;
    let tid = tx["id"].as_str().unwrap();
    let (s, _) = env.operate(tid, "capture", json!({"amount": 24800})).await;
    assert_eq!(s, 200);
    let (s, v) = env.cancel_session(&sid).await;
    refused(s, &v, 400, "invalid_state");
    let (_, sess) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert!(sess.get("cancelled_at").is_none());

    // FAILED → refused too
    let (sid, _) = env.paid("R-8", "4000300000000006").await;
    let (s, _) = env.cancel_session(&sid).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn sessions_expire_on_the_sim_clock() {
    let env = env().await;
    let control = env.sandbox.control();
    let expires = control.now() + time::Duration::minutes(15);
    let mut b = session_body("R-9");
    b["expires_at"] = json!(expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap());
    let sid = env.session_id(b).await;
    control.advance_clock(Duration::from_secs(14 * 60));
    // still payable 14 minutes in: initiate only, then expire, then complete is still allowed
    control.advance_clock(Duration::from_secs(2 * 60));
    let (s, v) = env.pay(&sid, json!({"card": "4000000000000002"})).await;
    refused(s, &v, 400, "invalid_state");
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
    let (s, v) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(s, 200, "expired sessions still read as 200");
    assert!(v.get("transaction_id").is_none());
    // The view page says so and offers no Pay button.
    let html = env.get_text(&format!("/v1/view/{sid}")).await;
    assert_closed_page(&html, "expired");
}

#[tokio::test]
async fn default_expiry_is_a_day() {
    let env = env().await;
    let sid = env.session_id(session_body("R-10")).await;
    let sid2 = env.session_id(session_body("R-11")).await;
    let control = env.sandbox.control();
    control.advance_clock(Duration::from_secs(23 * 3600));
    let initiate = dintero_sandbox::PayOptions {
        initiate_only: true,
        ..Default::default()
    };
    assert_eq!(
        control.pay_with(&sid, initiate).unwrap()["status"],
        "INITIATED"
    );
    control.advance_clock(Duration::from_secs(3600));
    assert_eq!(
        control.pay(&sid2, "4000000000000002").unwrap_err().code,
        "invalid_state"
    );
    // The payment started before expiry can still complete.
    let tx = control.pay(&sid, "4000000000000002").unwrap();
    assert_eq!(tx["status"], "AUTHORIZED");
}

/// dintero-api.md §7/§9.3: cancel is refused unless the transaction is INITIATED/AUTHORIZED,
/// and for a session that expired before anyone paid; a cancelled session stays cancelled.
#[tokio::test]
async fn cancel_refused_for_expired_sessions_and_settled_transactions() {
    let env = env().await;
    let control = env.sandbox.control();
    let expiring = |reference: &str| {
        let mut b = session_body(reference);
        let at = control.now() + time::Duration::minutes(10);
        b["expires_at"] = json!(at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap());
        b
    };
    let open = env.session_id(expiring("X-1")).await;
    let cancelled = env.session_id(expiring("X-2")).await;
    let (s, before) = env.cancel_session(&cancelled).await;
    assert_eq!(s, 200);
    let (authorized, _) = env.paid_with(expiring("X-3"), "4000000000000002").await;
    control.advance_clock(Duration::from_secs(11 * 60));

    let (s, v) = env.cancel_session(&open).await;
    let message = refused(s, &v, 400, "invalid_state");
    assert_eq!(
        message,
        format!("Session {open} has expired and cannot be cancelled")
    );
    let (_, sess) = env.get(&format!("/v1/sessions/{open}")).await;
    assert!(sess.get("cancelled_at").is_none());
    assert!(events_of(&sess).iter().all(|e| e["name"] != "CANCELLED"));
    // Already cancelled: 200, unchanged, even though it has expired since.
    let (s, again) = env.cancel_session(&cancelled).await;
    assert_eq!(s, 200);
    assert_eq!(again, before);
    // An expired session whose payment was authorized can still be cancelled (voids it).
    let (s, _) = env.cancel_session(&authorized).await;
    assert_eq!(s, 200);
    let tid = env.get(&format!("/v1/sessions/{authorized}")).await.1["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.transaction(&tid).await["status"],
        "AUTHORIZATION_VOIDED"
    );

    // Every settled or failed transaction refuses it, and stays as it was.
    let on_hold = env.session_id(session_body("X-4")).await;
    let (s, _) = env
        .pay(
            &on_hold,
            json!({"card": "4000000000000002", "on_hold": true}),
        )
        .await;
    assert_eq!(s, 200);
    let (captured, tx) = env.paid("X-5", "4000000000000002").await;
    let (s, _) = env
        .post(
            &format!("/v1/transactions/{}/capture", tx["id"].as_str().unwrap()),
            json!({"amount": 1000}),
        )
        .await;
    assert_eq!(s, 200);
    let (declined, _) = env.paid("X-6", "4100000000000076").await;
    let (failed, _) = env.paid("X-7", "4100000000000001").await;
    let (swish, _) = env.paid_by("X-8", "swish.swish").await;
    for (sid, status) in [
        (&on_hold, "ON_HOLD"),
        (&captured, "PARTIALLY_CAPTURED"),
        (&declined, "DECLINED"),
        (&failed, "FAILED"),
        (&swish, "CAPTURED"),
    ] {
        let (s, v) = env.cancel_session(sid).await;
        let message = refused(s, &v, 400, "invalid_state");
        assert!(message.ends_with(status), "{status}: {v}");
        let (_, sess) = env.get(&format!("/v1/sessions/{sid}")).await;
        assert!(sess.get("cancelled_at").is_none(), "{status}");
        let tid = sess["transaction_id"].as_str().unwrap();
        assert_eq!(env.transaction(tid).await["status"], status);
    }
}

#[tokio::test]
async fn an_sms_publish_is_recorded_with_the_number_and_the_link_and_answered() {
    let env = env().await;
    let mut body = session_body("LINK-1");
    body["customer"] = json!({"phone_number": "+4741234987"});
    body["configuration"] = json!({"publish": [{"channel": "sms", "type": "checkout-link"}]});
    let created = env.create_session(body).await;
    let sid = created["id"].as_str().unwrap();
    let url = created["url"].as_str().unwrap();
    assert_eq!(created["publish"][0]["channel"], "sms");
    assert_eq!(created["publish"][0]["type"], "checkout-link");
    assert_eq!(created["publish"][0]["status"], "sent");
    let id = created["publish"][0]["id"].as_str().unwrap();

    // Without a phone number the SMS is skipped, as Dintero's `skipped` says (§5.1.2).
    let mut bare = session_body("LINK-2");
    bare["configuration"] = json!({"publish": [{"channel": "sms", "type": "checkout-link"}]});
    let skipped = env.create_session(bare).await;
    assert_eq!(skipped["publish"][0]["status"], "skipped");
    // No publish asked: no `publish` in the answer.
    let plain = env.create_session(session_body("LINK-3")).await;
    assert!(plain.get("publish").is_none(), "{plain}");

    let (s, published) = env.get("/_sim/published").await;
    assert_eq!(s, 200, "{published}");
    let list = published.as_array().unwrap();
    assert_eq!(list.len(), 2, "{published}");
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["session_id"], sid);
    assert_eq!(list[0]["channel"], "sms");
    assert_eq!(list[0]["to"], "+4741234987");
    assert_eq!(list[0]["url"], url);
    assert_eq!(list[0]["status"], "sent");
    assert_eq!(list[1]["status"], "skipped");
    assert!(list[1]["to"].is_null());

    // The link is the checkout: the customer opens it and pays.
    let page = env.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (s, tx) = env.pay(sid, json!({"card": "4000000000000002"})).await;
    assert_eq!(s, 200, "{tx}");

    env.post("/_sim/reset", json!({})).await;
    let (_, after) = env.get("/_sim/published").await;
    assert_eq!(after, json!([]));
}

#[tokio::test]
async fn a_publish_or_a_phone_number_of_the_wrong_form_is_refused_naming_the_field() {
    let env = env().await;
    let cases = [
        (
            json!({"phone_number": "99999999"}),
            json!([{"channel": "sms", "type": "checkout-link"}]),
            "customer.phone_number",
        ),
        (
            json!({"phone_number": "+47 999 99 999"}),
            json!([]),
            "customer.phone_number",
        ),
        (
            json!({}),
            json!([{"channel": "fax", "type": "checkout-link"}]),
            "configuration.publish[0].channel",
        ),
        (
            json!({}),
            json!([{"channel": "sms"}]),
            "configuration.publish[0].type",
        ),
    ];
    for (customer, publish, field) in cases {
        let mut body = session_body("LINK-BAD");
        body["customer"] = customer;
        body["configuration"] = json!({ "publish": publish });
        let (s, v) = env.post("/v1/sessions-profile", body).await;
        let message = refused(s, &v, 400, "invalid_request");
        assert!(message.starts_with(field), "{message}");
        assert!(
            !message.contains("999"),
            "the number is not repeated: {message}"
        );
    }
    let (_, published) = env.get("/_sim/published").await;
    assert_eq!(published, json!([]));
}
