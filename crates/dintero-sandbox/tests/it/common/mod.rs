//! Shared helpers for the HTTP tests: a sandbox, a keep-alive client with a token, bodies.
#![allow(dead_code)]

use std::time::Duration;

use dintero_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub struct Env {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

/// The test cards whose payment fails on the checkout page, each with the `error` the page
/// reports (to the return URL, and in the iframe's message): declined, 3-D Secure failing
/// (the transaction is FAILED, but the customer failed to authorise), and timed out.
pub const FAILING_CARDS: [(&str, &str); 3] = [
    ("4100000000000076", "authorization"),
    ("4000300000000006", "authorization"),
    ("4100000000000001", "failed"),
];

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub fn test_config() -> SandboxConfig {
    SandboxConfig {
        seed: Some(7),
        callback_retry_base: Duration::from_millis(10),
        ..SandboxConfig::default()
    }
}

pub async fn env() -> Env {
    env_with(test_config()).await
}

/// A fresh sandbox with one `AUTHORIZED` transaction under `reference` ([`Env::authorized`]):
/// the environment and the transaction id.
pub async fn env_with_authorized(reference: &str) -> (Env, String) {
    let env = env().await;
    let tid = env.authorized(reference).await;
    (env, tid)
}

/// A fresh sandbox with [`test_config`] changed by `tweak`.
pub async fn env_tweaked(tweak: impl FnOnce(&mut SandboxConfig)) -> Env {
    let mut config = test_config();
    tweak(&mut config);
    env_with(config).await
}

pub async fn env_with(config: SandboxConfig) -> Env {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let base = sandbox.base_url();
    let http = client();
    let mut env = Env {
        sandbox,
        http,
        base,
        token: String::new(),
    };
    env.token = env.fetch_token().await;
    env
}

pub fn basic(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// A session body whose amounts add up: lines of 17800, 4500 and 2500 (24800).
pub fn session_body(reference: &str) -> Value {
    json!({
        "profile_id": "default",
        "url": {"return_url": "https://kasse.example/return?till=1"},
        "order": {
            "amount": 24800,
            "vat_amount": 4960,
            "currency": "NOK",
            "merchant_reference": reference,
            "store": {"id": "oslo-1", "name": "Oslo", "terminal_id": "T0292"},
            "items": [
                {"line_id": "1", "id": "SKU-1", "description": "Notatbok", "quantity": 2, "amount": 17800, "vat_amount": 3560, "vat": 25},
                {"line_id": "2", "id": "SKU-2", "description": "Kulepenn", "quantity": 3, "amount": 4500, "vat_amount": 900, "vat": 25},
                {"line_id": "3", "id": "SKU-3", "description": "Gavepose", "quantity": 1, "amount": 2500, "vat_amount": 500, "vat": 25}
            ]
        },
        "configuration": {"channel": "in_store"}
    })
}

impl Env {
    pub async fn fetch_token(&self) -> String {
        let config = self.sandbox.config();
        let aid = &config.account_id;
        let resp = self
            .http
            .post(format!("{}/v1/accounts/{aid}/auth/token", self.base))
            .header(
                "authorization",
                basic(&config.client_id, &config.client_secret),
            )
            .json(&json!({"grant_type": "client_credentials", "audience": format!("https://api.dintero.com/v1/accounts/{aid}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn create_session(&self, body: Value) -> Value {
        let (s, v) = self.post("/v1/sessions-profile", body).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    /// A session paid with `card`; returns (session id, transaction JSON).
    pub async fn paid(&self, reference: &str, card: &str) -> (String, Value) {
        self.paid_with(session_body(reference), card).await
    }

    pub async fn paid_with(&self, body: Value, card: &str) -> (String, Value) {
        self.pay_new(body, json!({ "card": card })).await
    }

    /// A session made from `body` and paid with `POST /_sim/sessions/{id}/pay` body `pay`;
    /// returns (session id, transaction JSON).
    async fn pay_new(&self, body: Value, pay: Value) -> (String, Value) {
        let created = self.create_session(body).await;
        let sid = created["id"].as_str().unwrap().to_owned();
        let (s, tx) = self.post(&format!("/_sim/sessions/{sid}/pay"), pay).await;
        assert_eq!(s, 200, "{tx}");
        (sid, tx)
    }

    /// `POST /v1/transactions/{tid}/{op}` (capture, refund, void).
    pub async fn operate(&self, tid: &str, op: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/v1/transactions/{tid}/{op}"), body)
            .await
    }

    /// An AUTHORIZED transaction id.
    pub async fn authorized(&self, reference: &str) -> String {
        let (_, tx) = self.paid(reference, "4000000000000002").await;
        assert_eq!(tx["status"], "AUTHORIZED");
        tx["id"].as_str().unwrap().to_owned()
    }
}

/// Sends `req`; its status and JSON body (null when empty).
pub async fn answer(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, v)
}

/// A checkout page that says `what` and offers no Pay button (the payment is over).
pub fn assert_closed_page(html: &str, what: &str) {
    assert!(html.contains(what), "{what:?} not in {html}");
    assert!(!html.contains("/pay\""), "a Pay button in {html}");
}

/// Header `name` of an answer, as text.
pub fn header<'r>(resp: &'r reqwest::Response, name: &str) -> &'r str {
    resp.headers()[name].to_str().expect("a text header")
}

/// The `events` of a transaction or session.
pub fn events_of(v: &Value) -> &[Value] {
    v["events"].as_array().expect("events")
}

/// The latest event of a transaction.
pub fn last_event(tx: &Value) -> &Value {
    events_of(tx).last().expect("an event")
}

/// Σ amount of successful events named `name`.
pub fn sum_events(tx: &Value, name: &str) -> i64 {
    events_of(tx)
        .iter()
        .filter(|e| e["event"] == name && e["success"] == true)
        .map(|e| e["amount"].as_i64().unwrap_or(0))
        .sum()
}

pub fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

/// Checks that an answer is Dintero's error `code` with HTTP `status`; its message.
pub fn refused<'v>(s: StatusCode, v: &'v Value, status: u16, code: &str) -> &'v str {
    assert_eq!((s.as_u16(), error_code(v)), (status, code), "{v}");
    v["error"]["message"].as_str().unwrap_or("<none>")
}

/// The events of a transaction as (event, transaction_status, success).
pub fn event_names(tx: &Value) -> Vec<(String, String, bool)> {
    events_of(tx)
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_owned(),
                e["transaction_status"].as_str().unwrap().to_owned(),
                e["success"].as_bool().unwrap(),
            )
        })
        .collect()
}

impl Env {
    /// A session paid with `payment_product_type` (no card); returns (session id, transaction).
    pub async fn paid_by(&self, reference: &str, payment_product_type: &str) -> (String, Value) {
        self.pay_new(
            session_body(reference),
            json!({ "payment_product_type": payment_product_type }),
        )
        .await
    }

    /// `POST /_sim/behaviour`; asserts 200 and returns the answer.
    pub async fn set_behaviour(&self, body: Value) -> Value {
        let (s, v) = self.post("/_sim/behaviour", body).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    /// capture/refund/void answered 202: returns (event-request-id, transaction).
    pub async fn accepted(&self, tid: &str, op: &str, body: Value) -> (String, Value) {
        let resp = self
            .http
            .post(format!("{}/v1/transactions/{tid}/{op}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202, "{op} should be accepted");
        let rid = resp.headers()["event-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        (rid, resp.json().await.unwrap())
    }

    /// Poll the transaction until an event has `correlation_request_id == rid`; returns
    /// (transaction, that event).
    pub async fn completed(&self, tid: &str, rid: &str) -> (Value, Value) {
        for _ in 0..400 {
            let (_, tx) = self.get(&format!("/v1/transactions/{tid}")).await;
            let found = events_of(&tx)
                .iter()
                .find(|e| e["correlation_request_id"] == rid)
                .cloned();
            if let Some(e) = found {
                return (tx, e);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("no event completes {rid} on {tid}");
    }

    /// Move the simulated clock through the control endpoint.
    pub async fn advance(&self, seconds: u64) {
        let (s, _) = self
            .post("/_sim/clock/advance", json!({ "seconds": seconds }))
            .await;
        assert_eq!(s, 200);
    }
}

impl Env {
    /// The sandbox's URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` with the access token, to send and read as it comes.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// `POST /v1/transactions/{tid}/{op}` with `body`, the answer read as it comes (or the
    /// transport error a fault makes).
    pub async fn operate_raw(
        &self,
        tid: &str,
        op: &str,
        body: Value,
    ) -> reqwest::Result<reqwest::Response> {
        self.request(Method::POST, &format!("/v1/transactions/{tid}/{op}"))
            .json(&body)
            .send()
            .await
    }

    /// The id of a new session made from `body`.
    pub async fn session_id(&self, body: Value) -> String {
        self.create_session(body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `POST /_sim/sessions/{sid}/pay` with `body`.
    pub async fn pay(&self, sid: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/_sim/sessions/{sid}/pay"), body).await
    }

    /// `POST /v1/sessions/{sid}/cancel`.
    pub async fn cancel_session(&self, sid: &str) -> (StatusCode, Value) {
        self.post(&format!("/v1/sessions/{sid}/cancel"), json!({}))
            .await
    }
}

/// The answer's HTTP status and the transaction's `status` are these.
pub fn assert_status(s: StatusCode, tx: &Value, code: u16, status: &str) {
    assert_eq!(
        (s.as_u16(), tx["status"].as_str()),
        (code, Some(status)),
        "{tx}"
    );
}

impl Env {
    /// The body of `GET path` without a token (the customer's pages: the checkout,
    /// `/_sim/return`), whatever its status.
    pub async fn get_text(&self, path: &str) -> String {
        let resp = self.http.get(self.url(path)).send().await.unwrap();
        resp.text().await.unwrap()
    }

    /// `GET /v1/transactions/{tid}`, which must answer 200.
    pub async fn transaction(&self, tid: &str) -> Value {
        let (s, tx) = self.get(&format!("/v1/transactions/{tid}")).await;
        assert_eq!(s, 200, "{tx}");
        tx
    }

    /// `GET path` with the token (a `/_sim/*` record), which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let (s, v) = self.get(path).await;
        assert_eq!(s, 200, "{v}");
        v
    }
}
