//! The fault middleware: applies the first matching rule of `crate::faults` to every request
//! except `/_sim/*` (error status, latency, dropped connection, spoiled body).

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;

use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::server::ConnectionKill;
use crate::state::AppState;

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
