//! A small scriptable Dintero stand-in for the client's tests: a token endpoint that counts
//! and records its requests, and a fallback that records every API request and answers with
//! whatever the test's responder says. Accepted TCP connections are counted.
//! [`sandbox`] sets up the real simulator (`dintero-sandbox`) in-process instead.
#![allow(dead_code)]

pub mod sandbox;

use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;
use axum::Router;
use dintero_client::{AccountId, Client, Config, RetryPolicy};

/// `create_session_with` asking for the whole session in the answer.
pub const WITH_SESSION: dintero_client::CreateSessionOptions =
    dintero_client::CreateSessionOptions {
        include_session: true,
    };

/// A transaction query asking for pages of `limit`, nothing else.
pub fn pages_of(limit: u32) -> dintero_client::TransactionQuery {
    dintero_client::TransactionQuery {
        limit: Some(limit),
        ..Default::default()
    }
}

pub const ACCOUNT: &str = "T12345678";
pub const CLIENT_ID: &str = "kasse-test-client";
pub const SECRET: &str = "s3cr3t-never-logged-7d1f";

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn bearer(&self) -> Option<String> {
        self.header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn raw(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({"error": {"code": code, "message": message, "errors": []}}),
        )
    }

    /// Dintero's 429 with `Retry-After: retry_after` (seconds).
    pub fn rate_limited(retry_after: &str) -> Self {
        Self::error(429, "rate_limited", "slow down").with_header("retry-after", retry_after)
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

pub struct MockState {
    pub token_requests: AtomicUsize,
    pub token_log: Mutex<Vec<Recorded>>,
    /// `expires_in` of issued tokens.
    pub expires_in: AtomicU64,
    /// Delay of the token endpoint.
    pub token_delay_ms: AtomicU64,
    /// When non-zero the token endpoint answers this status with an error body.
    pub token_status: AtomicU16,
    pub api_requests: AtomicUsize,
    pub api_log: Mutex<Vec<Recorded>>,
    responder: Responder,
}

pub struct Mock {
    pub base: String,
    pub state: Arc<MockState>,
    pub connections: Arc<AtomicUsize>,
}

impl Mock {
    /// Starts the mock; `responder(request, n)` answers the n-th (0-based) API request.
    pub async fn start(
        responder: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let state = Arc::new(MockState {
            token_requests: AtomicUsize::new(0),
            token_log: Mutex::new(Vec::new()),
            expires_in: AtomicU64::new(14400),
            token_delay_ms: AtomicU64::new(0),
            token_status: AtomicU16::new(0),
            api_requests: AtomicUsize::new(0),
            api_log: Mutex::new(Vec::new()),
            responder: Arc::new(responder),
        });
        let app = Router::new()
            .route("/v1/accounts/{aid}/auth/token", post(token))
            .fallback(api)
            .with_state(state.clone());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            state,
            connections,
        }
    }

    /// A client for this mock with fast retries and short timeouts.
    pub fn client(&self) -> Client {
        Client::new(self.config()).unwrap()
    }

    pub fn config(&self) -> Config {
        Config::new(AccountId::parse(ACCOUNT).unwrap(), CLIENT_ID, SECRET)
            .with_base_url(self.base.clone())
            .with_timeouts(Duration::from_secs(1), Duration::from_secs(2))
            .with_retry(RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(200),
            })
    }

    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    pub fn api_requests(&self) -> usize {
        self.state.api_requests.load(Ordering::SeqCst)
    }

    pub fn api_log(&self) -> Vec<Recorded> {
        self.state.api_log.lock().unwrap().clone()
    }

    pub fn token_log(&self) -> Vec<Recorded> {
        self.state.token_log.lock().unwrap().clone()
    }

    pub fn set_expires_in(&self, secs: u64) {
        self.state.expires_in.store(secs, Ordering::SeqCst);
    }
}

async fn record(request: Request) -> Recorded {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 10 << 20).await.unwrap();
    Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    }
}

async fn token(
    State(state): State<Arc<MockState>>,
    Path(_aid): Path<String>,
    request: Request,
) -> Response {
    let recorded = record(request).await;
    let n = state.token_requests.fetch_add(1, Ordering::SeqCst) + 1;
    state.token_log.lock().unwrap().push(recorded);
    let delay = state.token_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = state.token_status.load(Ordering::SeqCst);
    if status != 0 {
        let body = serde_json::json!({"error": {"errors": [], "message": "FORBIDDEN"}});
        return (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    }
    axum::Json(serde_json::json!({
        "access_token": format!("tok-{n}-eyJhbGciOiJSUzI1NiJ9"),
        "token_type": "Bearer",
        "expires_in": state.expires_in.load(Ordering::SeqCst),
    }))
    .into_response()
}

async fn api(State(state): State<Arc<MockState>>, request: Request) -> Response {
    let recorded = record(request).await;
    let n = state.api_requests.fetch_add(1, Ordering::SeqCst);
    state.api_log.lock().unwrap().push(recorded.clone());
    let reply = (state.responder)(&recorded, n);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).unwrap());
    }
    response
}

/// A minimal transaction JSON.
pub fn transaction(id: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "status": status,
        "amount": 24800,
        "currency": "NOK",
        "merchant_reference": "POS1-1",
        "created_at": "2026-05-12T10:16:40.512Z",
        "events": []
    })
}

/// Reads a fixture from tests/fixtures.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The reason of an [`Error::OutcomeUnknown`] for `POST path`, which is uncertain and not to
/// be retried; panics on any other error.
pub fn unknown_outcome<'e>(err: &'e dintero_client::Error, path: &str) -> &'e str {
    match err {
        dintero_client::Error::OutcomeUnknown {
            method,
            path: p,
            reason,
        } => {
            assert_eq!((method.as_str(), p.as_str()), ("POST", path));
            assert!(err.is_outcome_uncertain() && !err.is_retryable());
            reason
        }
        other => panic!("{path}: {other:?}"),
    }
}

/// `n` calls of `call` at once, each on a task of its own with a clone of `client`; their
/// results in order.
pub async fn at_once<T, F, Fut>(client: &Client, n: usize, call: F) -> Vec<T>
where
    F: Fn(Client, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..n)
        .map(|i| tokio::spawn(call(client.clone(), i)))
        .collect();
    let mut results = Vec::with_capacity(n);
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}
