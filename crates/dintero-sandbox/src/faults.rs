//! Fault injection (`POST /_sim/faults`): answer with an error status, add latency, drop the
//! connection unanswered, or do any of these after the operation took effect; or let the
//! operation take effect and spoil the answer: `cut_body` (the real status and headers, with
//! the full body's `Content-Length`, then part of the body and the connection closes) or
//! `garbage_body` (the real status with a complete body that is not JSON: a proxy's HTML page).
//!
//! A transaction that is unreadable in list answers is not a rule here but a mark on the
//! transaction ([`crate::Control::corrupt_in_lists`], `POST /_sim/transactions/{id}/corrupt`):
//! it concerns one record wherever it appears, not a request.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::sandbox::AppState;
use crate::server::ConnectionKill;

/// One fault rule. Every field is optional: an empty rule matches every Dintero request and
/// does nothing but count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Path to match; `*` matches one segment (any path when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// Answer with this status and Dintero's error body.
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long before answering (or before the operation, unless `after`).
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Close the connection without any answer.
    #[serde(default)]
    pub drop: bool,
    /// Apply the fault after the operation took effect.
    #[serde(default)]
    pub after: bool,
    /// Chance that a matching request is faulted (default 1.0).
    #[serde(default)]
    pub probability: Option<f64>,
    /// How many faults the rule makes before it is spent (unlimited when absent).
    #[serde(default)]
    pub times: Option<u32>,
    /// `Retry-After` seconds on 429 answers (default 1).
    #[serde(default)]
    pub retry_after: Option<u32>,
    /// The operation takes effect; the answer has its real status and headers (with the full
    /// body's `Content-Length`), but only part of the body is sent before the connection is
    /// closed, so the client fails while reading the body.
    #[serde(default)]
    pub cut_body: bool,
    /// The operation takes effect; the answer has its real status and a complete body that is
    /// not JSON (a proxy's HTML page, `Content-Type: text/html`).
    #[serde(default)]
    pub garbage_body: bool,
}

impl FaultRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        match &self.path {
            None => true,
            Some(p) => path_matches(p, path),
        }
    }
}

/// `*` matches exactly one path segment.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pat = pattern.trim_end_matches('/').split('/');
    let mut segs = path.trim_end_matches('/').split('/');
    loop {
        match (pat.next(), segs.next()) {
            (None, None) => return true,
            (Some("*"), Some(s)) if !s.is_empty() => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

#[derive(Debug)]
struct Active {
    rule: FaultRule,
    remaining: Option<u32>,
}

/// The rules in force.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<(Vec<Active>, StdRng)>,
}

impl Faults {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s ^ 0x5EED_FA17),
            None => StdRng::from_entropy(),
        };
        Faults {
            inner: Mutex::new((Vec::new(), rng)),
        }
    }

    pub fn set(&self, rules: Vec<FaultRule>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 = rules
            .into_iter()
            .map(|rule| Active {
                remaining: rule.times,
                rule,
            })
            .collect();
    }

    pub fn clear(&self) {
        self.set(Vec::new());
    }

    /// True with chance `p`, from the same seeded generator as the rules' `probability`.
    pub fn roll(&self, p: f64) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.1.gen_bool(p.clamp(0.0, 1.0))
    }

    /// The first live rule matching the request that fires (probability), consuming one use.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultRule> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (rules, rng) = &mut *g;
        for a in rules.iter_mut() {
            if a.remaining == Some(0) || !a.rule.matches(method, path) {
                continue;
            }
            let p = a.rule.probability.unwrap_or(1.0);
            if p < 1.0 && !rng.gen_bool(p.clamp(0.0, 1.0)) {
                continue;
            }
            if let Some(n) = &mut a.remaining {
                *n -= 1;
            }
            return Some(a.rule.clone());
        }
        None
    }
}

fn fault_error(rule: &FaultRule, status: u16) -> Response {
    let mut e = match status {
        429 => ApiError::new(429, "rate_limited", "Too many requests (injected fault)"),
        503 => ApiError::processor_unavailable("Service unavailable (injected fault)"),
        500 => ApiError::new(
            500,
            "internal_error",
            "Internal server error (injected fault)",
        ),
        s => ApiError::new(s, "sim_fault", format!("Injected fault {s}")),
    };
    if status == 429 {
        e.retry_after = Some(rule.retry_after.unwrap_or(1));
    }
    e.into_response()
}

async fn drop_connection(kill: Option<ConnectionKill>) -> Response {
    match kill {
        Some(k) => {
            k.kill();
            // The connection task drops this request (and its connection) now.
            std::future::pending::<()>().await;
            unreachable_response()
        }
        // Driven without a socket (tests through `app()`): nothing to close.
        None => ApiError::new(
            500,
            "connection_dropped",
            "Injected fault: the connection would have been closed without an answer",
        )
        .into_response(),
    }
}

fn unreachable_response() -> Response {
    ApiError::new(500, "internal_error", "connection should have been dropped").into_response()
}

/// What a proxy in front of Dintero might answer with: complete, but not JSON.
const PROXY_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Gateway</title></head><body>\n<h1>Upstream answered</h1>\n<p>The response was replaced by an intermediary (dintero-sandbox fault <code>garbage_body</code>).</p>\n</body></html>\n";

/// Apply `cut_body` / `garbage_body` to an answer.
async fn spoil(rule: &FaultRule, resp: Response) -> Response {
    if !(rule.cut_body || rule.garbage_body) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    if rule.garbage_body {
        parts.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return Response::from_parts(parts, Body::from(PROXY_PAGE));
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return unreachable_response();
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let sent = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, Body::new(CutBody::new(sent)))
}

/// A body that sends `prefix`, pauses so it is flushed, then fails: hyper closes the
/// connection short of the announced `Content-Length`.
struct CutBody {
    prefix: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl CutBody {
    fn new(prefix: Bytes) -> Self {
        CutBody {
            prefix: Some(prefix).filter(|p| !p.is_empty()),
            pause: Box::pin(tokio::time::sleep(Duration::from_millis(30))),
        }
    }
}

impl HttpBody for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(p) = self.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(p))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "injected fault cut_body: the answer is cut short",
            )))),
        }
    }
}

/// Middleware: apply the first matching fault rule to every request except `/_sim/*`.
pub(crate) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/_sim/") || path == "/_sim" {
        return next.run(req).await;
    }
    let Some(rule) = state.shared.faults.take(req.method().as_str(), path) else {
        return next.run(req).await;
    };
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let latency = Duration::from_millis(rule.latency_ms.unwrap_or(0));
    if rule.after || rule.cut_body || rule.garbage_body {
        let resp = next.run(req).await;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if rule.drop {
            return drop_connection(kill).await;
        }
        let resp = match rule.status {
            Some(s) => fault_error(&rule, s),
            None => resp,
        };
        return spoil(&rule, resp).await;
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if rule.drop {
        return drop_connection(kill).await;
    }
    match rule.status {
        Some(s) => fault_error(&rule, s),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_one_segment() {
        assert!(path_matches(
            "/v1/transactions/*/refund",
            "/v1/transactions/T1.abc/refund"
        ));
        assert!(!path_matches(
            "/v1/transactions/*/refund",
            "/v1/transactions/T1.abc/capture"
        ));
        assert!(!path_matches(
            "/v1/transactions/*",
            "/v1/transactions/a/refund"
        ));
        assert!(!path_matches("/v1/transactions/*", "/v1/transactions/"));
        assert!(path_matches("/v1/sessions-profile", "/v1/sessions-profile"));
    }

    #[test]
    fn times_and_probability() {
        let f = Faults::new(Some(1));
        f.set(vec![FaultRule {
            path: Some("/a".into()),
            times: Some(2),
            status: Some(503),
            ..Default::default()
        }]);
        assert!(f.take("GET", "/a").is_some());
        assert!(f.take("POST", "/a").is_some());
        assert!(f.take("GET", "/a").is_none());
        f.set(vec![FaultRule {
            probability: Some(0.0),
            ..Default::default()
        }]);
        assert!((0..100).all(|_| f.take("GET", "/x").is_none()));
        f.set(vec![FaultRule {
            method: Some("post".into()),
            probability: Some(1.0),
            ..Default::default()
        }]);
        assert!(f.take("GET", "/x").is_none());
        assert!(f.take("POST", "/x").is_some());
        f.set(vec![FaultRule {
            probability: Some(0.5),
            ..Default::default()
        }]);
        let hits = (0..1000).filter(|_| f.take("GET", "/x").is_some()).count();
        assert!((350..650).contains(&hits), "{hits}");
    }
}
