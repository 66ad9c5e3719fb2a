//! Malformed input never panics and always gets a Dintero-shaped JSON error. Driven through
//! `app()` without a socket (tower `oneshot`), plus a few over real HTTP.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::Router;
use dintero_sandbox::{app, AppState, FaultRule};
use serde_json::{json, Value};
use tower::ServiceExt as _;

struct Oneshot {
    router: Router,
    state: AppState,
    token: String,
}

fn oneshot() -> Oneshot {
    let state = AppState::new(crate::common::test_config(), "http://sandbox.test").unwrap();
    let token = state.control().access_token();
    Oneshot {
        router: app(state.clone()),
        state,
        token,
    }
}

impl Oneshot {
    /// `POST uri` with `body` as JSON.
    async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.send("POST", uri, body.to_string()).await
    }

    async fn send(&self, method: &str, uri: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(body.into())
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        assert!(
            ct.starts_with("application/json"),
            "{method} {uri}: {status} content-type {ct:?}"
        );
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        (status, v)
    }
}

fn assert_error(status: StatusCode, v: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].is_string(), "{v}");
    assert!(v["error"]["errors"].is_array(), "{v}");
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_problem() {
    let o = oneshot();
    for (bodies, says) in [
        (
            &["{", "nope", "[1,2", "{\"profile_id\": }", "\u{0}"][..],
            "malformed JSON",
        ),
        (&["", "   "], ""),
        (&["[]", "42", "\"x\"", "null"], "JSON object"),
    ] {
        for body in bodies {
            let (s, v) = o.send("POST", "/v1/sessions-profile", *body).await;
            assert_error(s, &v, 400, "invalid_request");
            assert!(
                v["error"]["message"].as_str().unwrap().contains(says),
                "{v}"
            );
        }
    }
    let bad_types = json!({"profile_id": 1, "url": {}, "order": {}});
    let (s, v) = o.post("/v1/sessions-profile", bad_types).await;
    assert_error(s, &v, 400, "invalid_request");
    assert_eq!(
        v["error"]["message"],
        "profile_id: must be a string, got a number"
    );
    for (body, field) in [
        (
            json!({"profile_id": "d", "url": {"return_url": "not a url"}, "order": {}}),
            "url.return_url",
        ),
        (
            json!({"profile_id": "d", "url": {"return_url": "https://x.example"}, "order": {"amount": 1e12, "currency": "NOK", "merchant_reference": "r"}}),
            "order.amount",
        ),
    ] {
        let (s, v) = o.post("/v1/sessions-profile", body).await;
        assert_error(s, &v, 400, "invalid_request");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
    }
}

#[tokio::test]
async fn huge_bodies_are_413() {
    let o = oneshot();
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let (s, v) = o.send("POST", "/v1/sessions-profile", big).await;
    assert_error(s, &v, 413, "payload_too_large");
}

#[tokio::test]
async fn unknown_paths_methods_and_odd_ids() {
    let o = oneshot();
    let unknown_paths = [
        ("GET", "/"),
        ("GET", "/v2/sessions"),
        ("GET", "/v1/transactions/a/b/c"),
        ("POST", "/_sim/unknown"),
        ("GET", "//"),
    ];
    let wrong_methods = [
        ("DELETE", "/v1/sessions-profile"),
        ("GET", "/v1/sessions/x/cancel"),
        ("PATCH", "/v1/transactions/x"),
        ("GET", "/v1/transactions/x/capture"),
    ];
    for (requests, status, code) in [
        (&unknown_paths[..], 404, "not_found"),
        (&wrong_methods[..], 405, "method_not_allowed"),
    ] {
        for (m, p) in requests {
            let (s, v) = o.send(m, p, "").await;
            assert_error(s, &v, status, code);
        }
    }
    for p in [
        "/v1/sessions/%FF%FE",
        "/v1/sessions/..%2F..%2Fetc",
        "/v1/transactions/%00",
        "/v1/transactions/%E2%82%AC",
    ] {
        let (s, v) = o.send("GET", p, "").await;
        assert!(matches!(s.as_u16(), 400 | 404), "{p}: {s}");
        assert!(v["error"]["code"].is_string(), "{p}");
    }
    let (s, v) = o
        .post("/v1/transactions/%FF/capture", json!({"amount": 1}))
        .await;
    assert!(matches!(s.as_u16(), 400 | 404), "{v}");
}

#[tokio::test]
async fn operations_reject_wrong_types() {
    let o = oneshot();
    let control = o.state.control();
    let sid = control
        .create_session(crate::common::session_body("M-1"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tid = control.pay(&sid, "4000000000000002").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for body in [
        json!({"amount": null}),
        json!({"amount": [1]}),
        json!({"amount": 10, "items": "all"}),
        json!({"amount": 10, "items": [5]}),
        json!({"amount": 10, "final_capture": "yes"}),
        json!({"amount": 10, "metadata": []}),
        json!({"amount": 10, "capture_reference": 7}),
        json!({"amount": 99999999999u64}),
    ] {
        let (s, v) = o
            .post(&format!("/v1/transactions/{tid}/capture"), body)
            .await;
        assert_error(s, &v, 400, "invalid_request");
    }
    let (s, v) = o
        .send("POST", &format!("/v1/transactions/{tid}/capture"), "{")
        .await;
    assert_error(s, &v, 400, "invalid_request");
    // void ignores whatever body it gets
    let (s, v) = o
        .send("POST", &format!("/v1/transactions/{tid}/void"), "{not json")
        .await;
    crate::common::assert_status(s, &v, 200, "AUTHORIZATION_VOIDED");
    // control endpoints validate too
    let pay = format!("/_sim/sessions/{sid}/pay");
    for (path, body, status, code) in [
        (
            "/_sim/clock/advance",
            json!({"seconds": "ten"}),
            400,
            "invalid_request",
        ),
        (
            "/_sim/clock/advance",
            json!({"seconds": -1}),
            400,
            "invalid_request",
        ),
        (pay.as_str(), json!({"card": 4000}), 400, "invalid_request"),
        (
            "/_sim/sessions/T12345678.none/pay",
            json!({"card": "4000000000000002"}),
            404,
            "not_found",
        ),
    ] {
        let (s, v) = o.post(path, body).await;
        assert_error(s, &v, status, code);
    }
}

#[tokio::test]
async fn missing_bearer_is_401_json_through_app() {
    let o = oneshot();
    let req = Request::builder()
        .uri("/v1/transactions")
        .body(Body::empty())
        .unwrap();
    let resp = o.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value =
        serde_json::from_slice(&to_bytes(resp.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn clock_and_stats_through_app() {
    let o = oneshot();
    let before = o.state.control().now();
    let (s, v) = o
        .post("/_sim/clock/advance", json!({"seconds": 3600}))
        .await;
    assert_eq!(s, 200);
    assert!(v["now"].is_string());
    assert!(o.state.control().now() - before >= time::Duration::seconds(3600));
    let (_, stats) = o.send("GET", "/_sim/stats", "").await;
    assert_eq!(stats["accepted_connections"], 0, "no socket involved");
    assert_eq!(stats["requests"], 2);
    let (s, _) = o.send("POST", "/_sim/reset", "").await;
    assert_eq!(s, 200);
    assert!(o.state.control().now() - before < time::Duration::seconds(60));
}

#[tokio::test]
async fn drop_without_a_socket_answers_500() {
    let o = oneshot();
    o.state.control().set_faults(vec![FaultRule {
        drop: true,
        ..Default::default()
    }]);
    let (s, v) = o.send("GET", "/v1/transactions", "").await;
    assert_error(s, &v, 500, "connection_dropped");
}

#[tokio::test]
async fn huge_body_over_http_is_413() {
    let env = crate::common::env().await;
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(1536 * 1024));
    let (s, v) = crate::common::answer(
        env.request(reqwest::Method::POST, "/v1/sessions-profile")
            .body(big),
    )
    .await;
    assert_eq!(s, 413);
    assert_eq!(v["error"]["code"], "payload_too_large");
    // the server is fine afterwards
    assert_eq!(env.get("/v1/transactions").await.0, 200);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-z_.]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Replace the value at a random path of a valid body by arbitrary JSON.
    fn mutate_at(v: &mut Value, path: &[usize], with: Value) {
        let Some((&i, rest)) = path.split_first() else {
            *v = with;
            return;
        };
        match v {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(i % m.len()).unwrap().clone();
                mutate_at(m.get_mut(&k).unwrap(), rest, with)
            }
            Value::Array(a) if !a.is_empty() => {
                let n = a.len();
                mutate_at(&mut a[i % n], rest, with)
            }
            _ => *v = with,
        }
    }

    fn mutate(mut body: Value, path: &[usize], with: Value) -> Value {
        mutate_at(&mut body, path, with);
        body
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn mutated_bodies_never_panic_and_answer_json(
            path in prop::collection::vec(0usize..8, 1..4),
            with in any_json(),
            target in 0usize..3,
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let o = oneshot();
                let control = o.state.control();
                let sid = control.create_session(crate::common::session_body("FZ")).unwrap()["id"].as_str().unwrap().to_owned();
                let tid = control.pay(&sid, "4000000000000002").unwrap()["id"].as_str().unwrap().to_owned();
                let (uri, base) = match target {
                    0 => ("/v1/sessions-profile".to_owned(), crate::common::session_body("FZ2")),
                    1 => (format!("/v1/transactions/{tid}/capture"), json!({"amount": 100, "capture_reference": "c", "items": [{"line_id": "1", "amount": 100}], "metadata": {"ext_a": "b"}})),
                    _ => (format!("/v1/transactions/{tid}/refund"), json!({"amount": 100, "refund_reference": "r"})),
                };
                let body = mutate(base, &path, with);
                let (s, v) = o.send("POST", &uri, body.to_string()).await;
                prop_assert!(s.as_u16() == 200 || s.as_u16() == 400, "{} {}: {} {}", uri, body, s, v);
                if s.as_u16() == 400 {
                    prop_assert!(v["error"]["message"].is_string());
                }
                Ok(())
            })?;
        }
    }
}
