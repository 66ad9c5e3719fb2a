//! The control API (`/_sim/*`) answers only the account's bearer token and JSON bodies, so
//! a web page cannot pay or fault the simulator; the customer's pages need no token.

use crate::common::*;
use dintero_sandbox::SandboxConfig;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::Method;
use serde_json::{json, Value};

/// A token of another sandbox built from `config`.
async fn foreign_token(config: SandboxConfig) -> String {
    env_with(config).await.token
}

/// Whether session `sid` has a transaction yet, read with the token.
async fn has_transaction(env: &Env, sid: &str) -> bool {
    let (s, v) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(s, 200, "{v}");
    v["transaction_id"].is_string()
}

#[tokio::test]
async fn control_routes_refuse_callers_without_the_account_s_token() {
    let env = env().await;
    let sid = env.session_id(session_body("C-1")).await;
    let pay = format!("/_sim/sessions/{sid}/pay");
    let other_account = foreign_token(SandboxConfig {
        account_id: "T87654321".into(),
        ..test_config()
    })
    .await;
    let other_secret = foreign_token(SandboxConfig {
        client_secret: "another-secret".into(),
        ..test_config()
    })
    .await;
    let cases: [(Option<&str>, u16, &str); 5] = [
        (None, 401, "unauthorized"),
        (Some("Bearer garbage"), 401, "unauthorized"),
        (Some(&format!("Basic {}", env.token)), 401, "unauthorized"),
        (Some(&format!("Bearer {other_secret}")), 401, "unauthorized"),
        (Some(&format!("Bearer {other_account}")), 403, "forbidden"),
    ];
    for (auth, status, code) in cases {
        for (method, path, body) in [
            (
                Method::POST,
                pay.as_str(),
                Some(json!({"card": "4000000000000002"})),
            ),
            (
                Method::POST,
                "/_sim/faults",
                Some(json!({"rules": [{"status": 500}]})),
            ),
            (Method::POST, "/_sim/reset", None),
            (Method::DELETE, "/_sim/behaviour", None),
            (Method::GET, "/_sim/stats", None),
            (Method::GET, "/_sim/transactions", None),
        ] {
            let mut req = env.http.request(method.clone(), env.url(path));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            let (s, v) = answer(req).await;
            refused(s, &v, status, code);
            assert!(v["error"]["errors"].is_array(), "{method} {path}: {v}");
        }
    }
    assert!(!has_transaction(&env, &sid).await, "nothing was paid");
    let (s, rules) = env.get("/v1/transactions").await;
    assert_eq!(s, 200, "no fault rule was set: {rules}");
    // the account's own token passes
    let (s, tx) = env.pay(&sid, json!({"card": "4000000000000002"})).await;
    assert_status(s, &tx, 200, "AUTHORIZED");
}

#[tokio::test]
async fn control_bodies_must_be_json() {
    let env = env().await;
    let sid = env.session_id(session_body("C-2")).await;
    let pay = env.url(&format!("/_sim/sessions/{sid}/pay"));
    let send = |ct: Option<&'static str>, body: &'static str| {
        let mut req = env.http.post(&pay).bearer_auth(&env.token).body(body);
        if let Some(ct) = ct {
            req = req.header(CONTENT_TYPE, ct);
        }
        answer(req)
    };
    for (ct, body) in [
        (
            Some("application/x-www-form-urlencoded"),
            "card=4000000000000002",
        ),
        (Some("multipart/form-data; boundary=x"), "--x--"),
        (Some("text/plain"), r#"{"card":"4000000000000002"}"#),
        (Some("application/jsonx"), r#"{"card":"4000000000000002"}"#),
        (None, r#"{"card":"4000000000000002"}"#),
        (Some("text/plain"), ""),
    ] {
        let (s, v) = send(ct, body).await;
        refused(s, &v, 415, "unsupported_media_type");
    }
    assert!(!has_transaction(&env, &sid).await, "nothing was paid");
    // a cross-site form post has neither the token nor the type
    let (s, v) = answer(env.http.post(&pay).form(&[("card", "4000000000000002")])).await;
    refused(s, &v, 401, "unauthorized");
    // no body at all, and JSON with a charset parameter, pass
    let (s, v) = answer(
        env.http
            .post(env.url(&format!("/_sim/sessions/{sid}/visit")))
            .bearer_auth(&env.token),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send(
        Some("Application/JSON; charset=utf-8"),
        r#"{"card":"4000000000000002"}"#,
    )
    .await;
    assert_status(s, &v, 200, "AUTHORIZED");
}

#[tokio::test]
async fn the_customer_s_pages_need_no_token() {
    let env = env().await;
    let mut body = session_body("C-3");
    body["url"]["return_url"] = json!(env.url("/_sim/return"));
    let sid = env.session_id(body).await;
    let page = env.get_text(&format!("/v1/view/{sid}")).await;
    assert!(
        page.contains(&format!("action=\"/v1/view/{sid}/pay\"")),
        "{page}"
    );
    let resp = env
        .http
        .post(env.url(&format!("/v1/view/{sid}/pay")))
        .form(&[("card", "4000000000000002")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let location = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&env.url("/_sim/return?")),
        "{location}"
    );
    let landing = env.http.get(&location).send().await.unwrap();
    assert_eq!(landing.status(), 200);
    assert!(landing.text().await.unwrap().contains("C-3"));
    let sessions: Value = env.get_json("/_sim/sessions").await;
    assert_eq!(sessions.as_array().map(Vec::len), Some(1));
    assert!(has_transaction(&env, &sid).await, "paid on the page");
}
