//! Callbacks delivered to a local receiver: parameters, methods, report_error/report_event,
//! signature, retries, 4xx finality, delay on the sim clock, and the delivery log.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use dintero_sandbox::CallbackDelivery;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Hit {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl Hit {
    fn params(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
    fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    base: String,
}

async fn record(
    State(r): State<Receiver>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    r.hits.lock().unwrap().push(Hit {
        method,
        uri,
        headers,
        body,
    });
    let code = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(script: &[u16]) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut r = Receiver {
        base: format!("http://{}", listener.local_addr().unwrap()),
        ..Default::default()
    };
    r.script.lock().unwrap().extend(script);
    let app = Router::new().fallback(record).with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    r.base = r.base.clone();
    r
}

impl Receiver {
    async fn wait_for(&self, n: usize) -> Vec<Hit> {
        for _ in 0..400 {
            {
                let h = self.hits.lock().unwrap();
                if h.len() >= n {
                    return h.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!(
            "expected {n} callbacks, got {:?}",
            self.hits.lock().unwrap().len()
        );
    }
    fn count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

async fn wait_log(env: &Env, pred: impl Fn(&[CallbackDelivery]) -> bool) -> Vec<CallbackDelivery> {
    for _ in 0..400 {
        let log = env.sandbox.control().callbacks();
        if pred(&log) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("log never matched: {:?}", env.sandbox.control().callbacks());
}

fn body_with_callback(reference: &str, callback: &str) -> Value {
    let mut b = session_body(reference);
    b["url"]["callback_url"] = json!(callback);
    b
}

#[tokio::test]
async fn authorization_and_event_callbacks_by_get() {
    let env = env().await;
    let recv = receiver(&[]).await;
    let cb = format!("{}/cb?method=GET&report_error=true&report_event=CAPTURE&report_event=REFUND&report_event=VOID&keep=me", recv.base);
    let (sid, tx) = env
        .paid_with(body_with_callback("CB-1", &cb), "4000000000000002")
        .await;
    let tid = tx["id"].as_str().unwrap();
    let hit = recv.wait_for(1).await.remove(0);
    assert_eq!(hit.method, Method::GET);
    assert_eq!(hit.uri.path(), "/cb");
    assert_eq!(hit.param("keep").as_deref(), Some("me"));
    assert_eq!(hit.param("transaction_id").as_deref(), Some(tid));
    assert_eq!(hit.param("session_id").as_deref(), Some(sid.as_str()));
    assert_eq!(hit.param("merchant_reference").as_deref(), Some("CB-1"));
    assert_eq!(
        hit.param("time"),
        tx["created_at"].as_str().map(str::to_owned)
    );
    assert!(hit.param("error").is_none());
    assert!(
        hit.headers.get("dintero-signature").is_none(),
        "no secret configured"
    );
    let delivery = hit.headers["event-delivery"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(delivery).is_ok());
    assert!(hit.body.is_empty());
    // the session records that the callback went out
    let mut seen = false;
    for _ in 0..100 {
        let (_, s) = env.get(&format!("/v1/sessions/{sid}")).await;
        if let Some(e) = events_of(&s)
            .iter()
            .find(|e| e["name"] == "AUTH_CALLBACK_SENT")
        {
            let auth_id = &tx["events"][1]["id"];
            assert_eq!(&e["details"]["transaction_event_id"], auth_id);
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(seen);

    let (_, tx) = env.operate(tid, "capture", json!({"amount": 24800})).await;
    let hit = recv.wait_for(2).await.remove(1);
    assert_eq!(hit.param("event").as_deref(), Some("CAPTURE"));
    let capture_id = tx["events"].as_array().unwrap().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(hit.param("event_id"), Some(capture_id));
    env.operate(tid, "refund", json!({"amount": 100})).await;
    let hit = recv.wait_for(3).await.remove(2);
    assert_eq!(hit.param("event").as_deref(), Some("REFUND"));
    // VOID through session cancel of another sale
    let (sid2, _) = env
        .paid_with(body_with_callback("CB-1b", &cb), "4000000000000002")
        .await;
    recv.wait_for(4).await;
    env.cancel_session(&sid2).await;
    let hit = recv.wait_for(5).await.remove(4);
    assert_eq!(hit.param("event").as_deref(), Some("VOID"));
    let log = wait_log(&env, |l| l.len() == 5).await;
    assert!(log
        .iter()
        .all(|d| d.outcome == "delivered" && d.status == Some(200)));
    // and over HTTP
    let resp: Value = env.get_json("/_sim/callbacks").await;
    assert_eq!(resp.as_array().unwrap().len(), log.len());
}

#[tokio::test]
async fn post_callbacks_carry_the_transaction_and_session() {
    let env = env().await;
    let recv = receiver(&[]).await;
    let cb = format!(
        "{}/hook?method=POST&includes=session&sid_parameter_name=sid",
        recv.base
    );
    let (sid, tx) = env
        .paid_with(body_with_callback("CB-2", &cb), "5200000000000007")
        .await;
    let hit = recv.wait_for(1).await.remove(0);
    assert_eq!(hit.method, Method::POST);
    assert_eq!(hit.headers["content-type"], "application/json");
    assert_eq!(hit.param("sid").as_deref(), Some(sid.as_str()));
    assert!(hit.param("session_id").is_none());
    let body: Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body["id"], tx["id"]);
    assert_eq!(body["status"], "AUTHORIZED");
    assert_eq!(body["session"]["id"], sid.as_str());
}

#[tokio::test]
async fn failures_call_back_only_with_report_error() {
    let env = env().await;
    let recv = receiver(&[]).await;
    let with = format!("{}/cb?report_error=true", recv.base);
    let without = format!("{}/plain", recv.base);
    env.paid_with(body_with_callback("CB-3a", &without), "4100000000000076")
        .await;
    env.paid_with(body_with_callback("CB-3b", &with), "4100000000000076")
        .await;
    env.paid_with(body_with_callback("CB-3c", &with), "4000300000000006")
        .await;
    env.paid_with(body_with_callback("CB-3d", &with), "4100000000000001")
        .await;
    let hits = recv.wait_for(3).await;
    let mut seen: Vec<(String, String)> = hits
        .iter()
        .map(|h| {
            (
                h.param("merchant_reference").unwrap(),
                h.param("error").unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("CB-3b".to_owned(), "authorization".to_owned()),
            ("CB-3c".to_owned(), "authorization".to_owned()),
            ("CB-3d".to_owned(), "failed".to_owned())
        ]
    );
    assert!(hits
        .iter()
        .all(|h| h.uri.path() == "/cb" && h.param("transaction_id").is_none()));
    // the customer cancelling on the hosted page
    let sid = env.session_id(body_with_callback("CB-3e", &with)).await;
    let resp = env
        .http
        .post(env.url(&format!("/v1/view/{sid}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let hit = recv.wait_for(4).await.remove(3);
    assert_eq!(hit.param("error").as_deref(), Some("cancelled"));
    assert_eq!(
        recv.count(),
        4,
        "the failure without report_error was never called back"
    );
}

#[tokio::test]
async fn signature_is_computed_as_dintero_does() {
    let env = env_tweaked(|c| c.signature_secret = Some("demo-signature-secret".into())).await;
    let recv = receiver(&[]).await;
    let cb = format!(
        "{}/dintero/callback?method=GET&report_error=true",
        recv.base
    );
    env.paid_with(body_with_callback("CB-4", &cb), "4000000000000002")
        .await;
    let hit = recv.wait_for(1).await.remove(0);
    let sig = hit.headers["dintero-signature"].to_str().unwrap();
    let t: i64 = sig
        .strip_prefix("t=")
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = env.sandbox.control().now().unix_timestamp();
    assert!((now - t).abs() <= 5);
    let received = url::Url::parse(&format!("{}{}", recv.base, hit.uri)).unwrap();
    let expected = dintero_sandbox::signature::header_value(
        "demo-signature-secret",
        t,
        "T12345678",
        "GET",
        &received,
    );
    assert_eq!(sig, expected);
    // independent check of the payload shape: host without port, sorted query
    let payload = dintero_sandbox::signature::payload(t, "T12345678", "GET", &received);
    let lines: Vec<&str> = payload.split('\n').collect();
    assert_eq!(lines[3], "127.0.0.1");
    assert_eq!(lines[4], "/dintero/callback");
    assert!(
        lines[5].starts_with("merchant_reference=CB-4&method=GET&report_error=true&session_id=")
    );
    let log = wait_log(&env, |l| !l.is_empty()).await;
    assert_eq!(log[0].signature.as_deref(), Some(sig));
}

#[tokio::test]
async fn retries_on_500_with_the_same_delivery_id() {
    let env = env().await;
    let recv = receiver(&[500, 503, 200]).await;
    env.paid_with(
        body_with_callback("CB-5", &format!("{}/cb", recv.base)),
        "4000000000000002",
    )
    .await;
    let hits = recv.wait_for(3).await;
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h.headers["event-delivery"].to_str().unwrap())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
    let log = wait_log(&env, |l| l.len() == 3).await;
    let outcomes: Vec<(u32, Option<u16>, &str)> = log
        .iter()
        .map(|d| (d.attempt, d.status, d.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, Some(500), "retrying"),
            (2, Some(503), "retrying"),
            (3, Some(200), "delivered")
        ]
    );
}

#[tokio::test]
async fn no_retry_on_4xx() {
    let env = env().await;
    let recv = receiver(&[404, 200]).await;
    env.paid_with(
        body_with_callback("CB-6", &format!("{}/cb", recv.base)),
        "4000000000000002",
    )
    .await;
    let log = wait_log(&env, |l| !l.is_empty()).await;
    assert_eq!(
        (log[0].status, log[0].outcome.as_str()),
        (Some(404), "failed")
    );
    // Retries would come after 10 ms, 20 ms, …: give them well over that.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(recv.count(), 1);
    assert_eq!(env.sandbox.control().callbacks().len(), 1);
}

#[tokio::test]
async fn gives_up_after_max_retries_and_on_connection_errors() {
    let env = env_tweaked(|c| c.callback_max_retries = 2).await;
    let recv = receiver(&[500, 500, 500, 500, 500]).await;
    env.paid_with(
        body_with_callback("CB-7", &format!("{}/cb", recv.base)),
        "4000000000000002",
    )
    .await;
    let log = wait_log(&env, |l| l.iter().any(|d| d.outcome == "failed")).await;
    assert_eq!(log.len(), 3, "1 try + 2 retries");
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(recv.count(), 3);
    // nothing listening: connection errors are retried and logged
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    env.sandbox.control().reset();
    let created = env
        .create_session(body_with_callback("CB-7b", &format!("http://{closed}/cb")))
        .await;
    env.sandbox
        .control()
        .pay(created["id"].as_str().unwrap(), "4000000000000002")
        .unwrap();
    let log = wait_log(&env, |l| l.iter().any(|d| d.outcome == "failed")).await;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|d| d.status.is_none()
                && d.error.as_deref().unwrap().starts_with("connection error"))
    );
}

#[tokio::test]
async fn delay_callback_waits_on_the_sim_clock() {
    let env = env().await;
    let recv = receiver(&[]).await;
    env.paid_with(
        body_with_callback("CB-8", &format!("{}/cb?delay_callback=30", recv.base)),
        "4000000000000002",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(recv.count(), 0);
    env.sandbox.control().advance_clock(Duration::from_secs(31));
    recv.wait_for(1).await;
}

#[tokio::test]
async fn auto_capture_calls_back_after_capture_and_http_can_be_refused() {
    let env = env().await;
    let recv = receiver(&[]).await;
    let mut b = body_with_callback("CB-9", &format!("{}/cb", recv.base));
    b["configuration"]["auto_capture"] = json!(true);
    let (_, tx) = env.paid_with(b, "4000000000000002").await;
    assert_eq!(tx["status"], "CAPTURED");
    let hit = recv.wait_for(1).await.remove(0);
    assert_eq!(
        hit.param("transaction_id"),
        tx["id"].as_str().map(str::to_owned)
    );

    let strict = env_tweaked(|c| c.allow_http_callbacks = false).await;
    strict
        .paid_with(
            body_with_callback("CB-10", &format!("{}/cb", recv.base)),
            "4000000000000002",
        )
        .await;
    let log = wait_log(&strict, |l| !l.is_empty()).await;
    assert_eq!(log[0].outcome, "skipped");
    assert_eq!(recv.count(), 1);
}
