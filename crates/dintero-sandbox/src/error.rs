//! The crate's error types: start-up failures and Dintero-shaped API errors.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Failures of starting or configuring a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The account id does not match `^[PT]\d{8}$`.
    #[error("invalid account id {0:?}: expected one of P/T followed by 8 digits")]
    InvalidAccountId(String),
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that could not be bound.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Reading the bound address or building the callback HTTP client failed.
    #[error("sandbox start-up failed: {0}")]
    Startup(String),
}

/// An error answered in Dintero's shape `{"error":{"code","message","errors"}}`.
///
/// Also what [`crate::Control`] returns when a simulated step is refused
/// (see the alias [`SimError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: u16,
    /// Machine code (SIM codes, see dintero-api.md §4.2).
    pub code: &'static str,
    /// Human readable message.
    pub message: String,
    /// Nested validation errors (`[{"path","message"}]` in this sandbox).
    pub errors: Vec<Value>,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after: Option<u32>,
}

/// The error [`crate::Control`] methods return: the same body an HTTP client would see.
pub type SimError = ApiError;

impl ApiError {
    /// A new error without nested errors.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", message)
    }

    /// A 400 naming the offending field, with the field in `errors` too.
    pub(crate) fn field(path: &str, problem: &str) -> Self {
        let message = format!("{path}: {problem}");
        let mut e = Self::invalid_request(message.clone());
        e.errors.push(json!({ "path": path, "message": message }));
        e
    }

    pub(crate) fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_state", message)
    }

    pub(crate) fn not_found(what: &str, id: &str) -> Self {
        Self::new(404, "not_found", format!("{what} {id} not found"))
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    pub(crate) fn processor_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "processor_unavailable", message)
    }

    /// The JSON body Dintero sends.
    pub fn body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message, "errors": self.errors } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }
}
