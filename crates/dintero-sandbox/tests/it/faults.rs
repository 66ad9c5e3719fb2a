//! Fault injection and the accept loop: status, latency, drop, after, times, probability,
//! 429 Retry-After, keep-alive connection counting.

use std::time::{Duration, Instant};

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn set_faults(env: &Env, rules: Value) {
    let resp = env
        .http
        .post(env.url("/_sim/faults"))
        .bearer_auth(&env.token)
        .json(&json!({ "rules": rules }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// A sandbox with these fault rules in force.
async fn faulted(rules: Value) -> Env {
    let env = env().await;
    set_faults(&env, rules).await;
    env
}

async fn stats(env: &Env) -> Value {
    env.get_json("/_sim/stats").await
}

#[tokio::test]
async fn keep_alive_one_connection_for_100_calls() {
    let env = env().await;
    let before = stats(&env).await;
    assert_eq!(before["accepted_connections"], 1);
    for _ in 0..100 {
        let (s, _) = env.get("/v1/transactions").await;
        assert_eq!(s, 200);
    }
    let after = stats(&env).await;
    assert_eq!(after["accepted_connections"], 1);
    assert_eq!(
        after["requests"].as_u64().unwrap() - before["requests"].as_u64().unwrap(),
        101
    );
    assert_eq!(env.sandbox.control().stats().accepted_connections, 1);
}

#[tokio::test]
async fn status_fault_with_times_and_method() {
    let (env, tid) = env_with_authorized("F-1").await;
    set_faults(
        &env,
        json!([{"method": "POST", "path": "/v1/transactions/*/capture", "status": 503, "times": 2}]),
    )
    .await;
    // GET is not matched by a POST rule
    let (s, _) = env.get(&format!("/v1/transactions/{tid}")).await;
    assert_eq!(s, 200);
    for _ in 0..2 {
        let (s, v) = env.operate(&tid, "capture", json!({"amount": 100})).await;
        refused(s, &v, 503, "processor_unavailable");
    }
    let tx = env.transaction(&tid).await;
    assert_eq!(
        tx["status"], "AUTHORIZED",
        "a fault before the operation changes nothing"
    );
    let (s, tx) = env.operate(&tid, "capture", json!({"amount": 100})).await;
    assert_status(s, &tx, 200, "PARTIALLY_CAPTURED");
}

#[tokio::test]
async fn rate_limit_carries_retry_after() {
    let env = faulted(json!([{"path": "/v1/transactions", "status": 429, "times": 1}, {"path": "/v1/sessions/*", "status": 429, "retry_after": 7}])).await;
    let resp = env
        .request(Method::GET, "/v1/transactions")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&v), "rate_limited");
    let resp = env
        .http
        .get(env.url("/v1/sessions/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["retry-after"], "7");
    // control endpoints are never faulted, and DELETE clears
    let resp = env
        .http
        .delete(env.url("/_sim/faults"))
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (s, _) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
    let (s, _) = env.get("/v1/sessions/T12345678.x").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn latency_is_added() {
    let env = faulted(json!([{"path": "/v1/transactions", "latency_ms": 150, "times": 1}])).await;
    let t = Instant::now();
    let (s, _) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    env.get("/v1/transactions").await;
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let (env, tid) = env_with_authorized("F-2").await;
    set_faults(
        &env,
        json!([{"path": "/v1/transactions/*/capture", "drop": true, "times": 1}]),
    )
    .await;
    let conns_before = env.sandbox.control().stats().accepted_connections;
    let err = env
        .operate_raw(&tid, "capture", json!({"amount": 100}))
        .await
        .expect_err("no answer");
    assert!(!err.is_status(), "{err}");
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "AUTHORIZED", "dropped before the operation");
    assert_eq!(
        env.sandbox.control().stats().accepted_connections,
        conns_before + 1,
        "the client had to open a new connection"
    );
}

#[tokio::test]
async fn after_applies_the_fault_once_the_operation_took_effect() {
    let (env, tid) = env_with_authorized("F-3").await;
    set_faults(&env, json!([{"path": "/v1/transactions/*/refund", "status": 503, "after": true, "times": 1}, {"path": "/v1/transactions/*/capture", "drop": true, "after": true, "times": 1}])).await;
    let res = env
        .operate_raw(
            &tid,
            "capture",
            json!({"amount": 24800, "capture_reference": "CAP-X"}),
        )
        .await;
    assert!(res.is_err(), "client never hears");
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "CAPTURED", "but it happened");
    assert_eq!(
        tx["events"].as_array().unwrap().last().unwrap()["event_reference"],
        "CAP-X"
    );
    let (s, _) = env.operate(&tid, "refund", json!({"amount": 100})).await;
    assert_eq!(s, 503);
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "PARTIALLY_REFUNDED");
    assert_eq!(sum_events(&tx, "REFUND"), 100);
}

#[tokio::test]
async fn probability_zero_and_one() {
    let env =
        faulted(json!([{"path": "/v1/transactions", "status": 500, "probability": 0.0}])).await;
    for _ in 0..20 {
        assert_eq!(env.get("/v1/transactions").await.0, 200);
    }
    set_faults(
        &env,
        json!([{"path": "/v1/transactions", "status": 500, "probability": 1.0}]),
    )
    .await;
    for _ in 0..5 {
        let (s, v) = env.get("/v1/transactions").await;
        refused(s, &v, 500, "internal_error");
    }
}

#[tokio::test]
async fn fault_rules_are_validated() {
    let env = env().await;
    for bad in [
        json!({"rules": [{"stauts": 500}]}),
        json!({"rules": [{"status": 1000}]}),
        json!({"rules": [{"probability": 2}]}),
        json!({"rules": "all"}),
    ] {
        let (s, v) = env.post("/_sim/faults", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
        assert_eq!(error_code(&v), "invalid_request");
    }
    // an empty rule set is fine, and every field is optional
    set_faults(&env, json!([{}])).await;
    assert_eq!(env.get("/v1/transactions").await.0, 200);
}

#[tokio::test]
async fn control_api_sets_faults_too() {
    let env = env().await;
    let control = env.sandbox.control();
    control.set_faults(vec![dintero_sandbox::FaultRule {
        path: Some("/v1/transactions".into()),
        status: Some(502),
        ..Default::default()
    }]);
    let (s, v) = env.call(Method::GET, "/v1/transactions", None).await;
    refused(s, &v, 502, "sim_fault");
    control.clear_faults();
    assert_eq!(env.get("/v1/transactions").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_safe() {
    let env = std::sync::Arc::new(env().await);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let env = env.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for j in 0..10 {
                let tid = env.authorized(&format!("C-{i}-{j}")).await;
                let (s, _) = env.operate(&tid, "capture", json!({"amount": 24800})).await;
                assert_eq!(s, 200);
                ids.push(tid);
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 80);
    let (_, list) = env.get("/v1/transactions?limit=100&status=CAPTURED").await;
    assert_eq!(list.as_array().unwrap().len(), 80);
}

#[tokio::test]
async fn cut_body_sends_status_and_headers_then_part_of_the_body() {
    let (env, tid) = env_with_authorized("F-cut").await;
    set_faults(
        &env,
        json!([{"method": "POST", "path": "/v1/transactions/*/capture", "cut_body": true, "times": 1}]),
    )
    .await;
    let resp = env
        .operate_raw(
            &tid,
            "capture",
            json!({"amount": 24800, "capture_reference": "CAP-CUT"}),
        )
        .await
        .expect("status and headers arrive");
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("application/json"));
    let announced: usize = header(&resp, "content-length").parse().unwrap();
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "CAPTURED", "the capture took effect");
    assert_eq!(last_event(&tx)["event_reference"], "CAP-CUT");
    assert_eq!(
        announced,
        serde_json::to_vec(&tx).unwrap().len(),
        "Content-Length of the whole answer"
    );
    let err = resp.bytes().await.expect_err("the body is cut short");
    assert!(err.is_body() || err.is_decode(), "{err}");
    // The rule is spent: the next answer is whole.
    let (s, v) = env.operate(&tid, "refund", json!({"amount": 100})).await;
    assert_status(s, &v, 200, "PARTIALLY_REFUNDED");
}

#[tokio::test]
async fn garbage_body_answers_the_real_status_with_html() {
    let (env, tid) = env_with_authorized("F-garbage").await;
    let (s, _) = env.operate(&tid, "capture", json!({"amount": 24800})).await;
    assert_eq!(s, 200);
    set_faults(
        &env,
        json!([{"path": "/v1/transactions/*/refund", "garbage_body": true, "times": 1}]),
    )
    .await;
    let resp = env
        .operate_raw(
            &tid,
            "refund",
            json!({"amount": 1500, "refund_reference": "RF-G"}),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    let text = resp.text().await.expect("a complete body");
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "PARTIALLY_REFUNDED", "the refund took effect");
    assert_eq!(sum_events(&tx, "REFUND"), 1500);
    // Together with `status`, the injected error's answer is the one spoiled.
    set_faults(
        &env,
        json!([{"path": "/v1/transactions/*/refund", "garbage_body": true, "status": 502, "times": 1}]),
    )
    .await;
    let resp = env
        .operate_raw(&tid, "refund", json!({"amount": 500}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    assert!(resp.text().await.unwrap().contains("<html>"));
    let tx = env.transaction(&tid).await;
    assert_eq!(
        sum_events(&tx, "REFUND"),
        2000,
        "it took effect all the same"
    );
}

#[tokio::test]
async fn spoiling_rules_exclude_each_other_and_drop() {
    let env = env().await;
    for bad in [
        json!({"rules": [{"cut_body": true, "garbage_body": true}]}),
        json!({"rules": [{"cut_body": true, "drop": true}]}),
        json!({"rules": [{"garbage_body": "yes"}]}),
    ] {
        let (s, _) = env.post("/_sim/faults", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
    // Through the Control API too; a GET is spoiled like any other answer.
    let tid = env.authorized("F-spoil").await;
    env.sandbox
        .control()
        .set_faults(vec![dintero_sandbox::FaultRule {
            method: Some("GET".into()),
            garbage_body: true,
            times: Some(1),
            ..Default::default()
        }]);
    let text = env
        .request(Method::GET, &format!("/v1/transactions/{tid}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert_eq!(env.get(&format!("/v1/transactions/{tid}")).await.0, 200);
}

/// On the wire: the full body's Content-Length, about half of the body, then the close.
#[tokio::test]
async fn cut_body_on_the_wire() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (env, tid) = env_with_authorized("F-wire").await;
    set_faults(
        &env,
        json!([{"method": "GET", "path": "/v1/transactions/*", "cut_body": true}]),
    )
    .await;
    let full = serde_json::to_vec(&env.sandbox.control().transaction(&tid).unwrap()).unwrap();
    let mut sock = tokio::net::TcpStream::connect(env.sandbox.local_addr())
        .await
        .unwrap();
    let request = format!(
        "GET /v1/transactions/{tid} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        env.token
    );
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut raw))
        .await
        .expect("the server closes the connection")
        .ok();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("headers arrive");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", full.len())),
        "{head}"
    );
    assert!(
        !body.is_empty() && body.len() < full.len(),
        "{}",
        body.len()
    );
    assert!(full.starts_with(body.as_bytes()));
}
