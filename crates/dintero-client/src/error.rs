//! The one error type of this crate.

use std::time::Duration;

use serde::Deserialize;

/// Everything that can go wrong when talking to Dintero.
///
/// `Display` gives a sentence a person can read; the fields give the details a program needs.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Dintero answered with an error status not covered by a more specific variant
    /// (400 validation/state errors, 409, 5xx after retries, …), with its error body.
    ///
    /// A 5xx answer to a `POST` (capture, refund, void, session create/cancel) does not prove
    /// the operation did not happen: re-read the resource before trying again.
    #[error("{}", describe_api(*status, code.as_deref(), message))]
    Api {
        /// HTTP status.
        status: u16,
        /// Dintero's machine code (`error.code`), when given.
        code: Option<String>,
        /// Dintero's human-readable message (`error.message`), or a summary of the body.
        message: String,
        /// Dintero's nested validation errors (`error.errors`), untyped.
        errors: Vec<serde_json::Value>,
    },
    /// Credentials or access token refused: a 401/403 from the token endpoint, or a 401 from
    /// the Checkout API that a fresh token did not cure.
    #[error("not authorized by Dintero (HTTP {status}): {message}")]
    Unauthorized {
        /// HTTP status (401 or 403).
        status: u16,
        /// What was refused, and Dintero's message.
        message: String,
    },
    /// A valid token without the rights for this call (HTTP 403).
    #[error("Dintero denied access (HTTP 403): {message}")]
    Forbidden {
        /// Dintero's message.
        message: String,
    },
    /// The session or transaction does not exist (HTTP 404).
    #[error("not found at Dintero (HTTP 404): {message}")]
    NotFound {
        /// Dintero's message.
        message: String,
    },
    /// Too many requests (HTTP 429).
    #[error("{}", describe_rate_limited(*retry_after))]
    RateLimited {
        /// The server's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// An idempotent request (GET, PUT, token) got no answer in time, after all retries.
    #[error("Dintero did not answer {method} {path} in time")]
    Timeout {
        /// HTTP method.
        method: String,
        /// URL path (without query).
        path: String,
    },
    /// The network failed: no connection could be made (the request was not sent), or an
    /// idempotent request failed after all retries.
    #[error("could not reach Dintero: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
    /// The answer could not be read as the expected type. (A `2xx` to a `POST` that cannot be
    /// read is [`Error::OutcomeUnknown`] instead: it happened, but what it did is not known.)
    #[error("unexpected answer from Dintero: could not read {what}: {message}")]
    Decode {
        /// What was being read, e.g. `Transaction`.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// A `POST` timed out or lost its connection after it may have been sent: Dintero may or
    /// may not have carried it out. Never retried by the client; re-read the resource (match
    /// `capture_reference`/`refund_reference`) before trying again.
    #[error("outcome of {method} {path} is unknown ({reason}); check its result at Dintero before trying again")]
    OutcomeUnknown {
        /// HTTP method.
        method: String,
        /// URL path (without query).
        path: String,
        /// What happened (timed out, connection lost, …).
        reason: String,
    },
    /// The configuration is invalid.
    #[error("invalid configuration: {field}: {message}")]
    InvalidConfig {
        /// The field at fault, e.g. `account_id`.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// An argument of a call is invalid (checked before anything is sent).
    #[error("invalid argument: {field}: {message}")]
    InvalidArgument {
        /// The argument at fault, e.g. `limit`.
        field: &'static str,
        /// Why.
        message: String,
    },
}

impl Error {
    /// The HTTP status behind this error, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Unauthorized { status, .. } => Some(*status),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether the same request may succeed later unchanged (5xx, 429, timeouts, network).
    /// [`Error::OutcomeUnknown`] is not: the request may already have taken effect.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status >= 500,
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// Whether the request may have taken effect although no success was seen:
    /// [`Error::OutcomeUnknown`], or a 5xx answer (Dintero does not say whether a failed
    /// capture/refund/void left a trace). Callers re-read before retrying a `POST`.
    pub fn is_outcome_uncertain(&self) -> bool {
        match self {
            Error::OutcomeUnknown { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Dintero's `error.code`, when the answer had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Builds the error for a non-success answer.
    pub(crate) fn from_response(
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
        context: ResponseContext,
    ) -> Self {
        let parsed = ErrorBody::parse(status, body);
        match status {
            429 => Error::RateLimited { retry_after },
            401 | 403 if context == ResponseContext::Token => Error::Unauthorized {
                status,
                message: format!(
                    "the account id, client id or client secret was refused: {}",
                    parsed.message
                ),
            },
            401 => Error::Unauthorized {
                status,
                message: format!(
                    "the access token was refused even after a refresh: {}",
                    parsed.message
                ),
            },
            403 => Error::Forbidden {
                message: parsed.message,
            },
            404 => Error::NotFound {
                message: parsed.message,
            },
            _ => Error::Api {
                status,
                code: parsed.code,
                message: parsed.message,
                errors: parsed.errors,
            },
        }
    }
}

/// Where an error answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseContext {
    Token,
    Api,
}

/// Dintero's error body `{"error":{"code","message","errors"}}`, with fallbacks.
struct ErrorBody {
    code: Option<String>,
    message: String,
    errors: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Detail,
}

#[derive(Deserialize)]
struct Detail {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
}

impl ErrorBody {
    fn parse(status: u16, body: &[u8]) -> Self {
        if let Ok(Envelope { error }) = serde_json::from_slice::<Envelope>(body) {
            let code = error.code.and_then(|c| match c {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            });
            let message = match error.message {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s,
                Some(serde_json::Value::String(_)) | Some(serde_json::Value::Null) | None => {
                    reason(status)
                }
                Some(other) => other.to_string(),
            };
            let errors = match error.errors {
                Some(serde_json::Value::Array(items)) => items,
                Some(serde_json::Value::Null) | None => Vec::new(),
                Some(other) => vec![other],
            };
            return Self {
                code,
                message,
                errors,
            };
        }
        // Not Dintero's shape: summarise the body (bounded, one line) or use the reason phrase.
        let text = String::from_utf8_lossy(body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = if text.is_empty() {
            reason(status)
        } else {
            let mut short: String = text.chars().take(200).collect();
            if short.len() < text.len() {
                short.push('…');
            }
            format!("{}: {short}", reason(status))
        };
        Self {
            code: None,
            message,
            errors: Vec::new(),
        }
    }
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status")
        .to_owned()
}

fn describe_api(status: u16, code: Option<&str>, message: &str) -> String {
    let kind = if status >= 500 {
        "Dintero failed to handle the request"
    } else {
        "Dintero rejected the request"
    };
    match code {
        Some(code) => format!("{kind} (HTTP {status}, {code}): {message}"),
        None => format!("{kind} (HTTP {status}): {message}"),
    }
}

fn describe_rate_limited(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(
            "Dintero is rate limiting requests (HTTP 429); retry after {} s",
            d.as_secs_f64()
        ),
        None => "Dintero is rate limiting requests (HTTP 429); retry later".to_owned(),
    }
}

/// The innermost error message (e.g. `Connection refused (os error 111)`).
pub(crate) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut current = e;
    while let Some(inner) = current.source() {
        current = inner;
    }
    current.to_string()
}

/// An error with its sources, one line (`a: b: c`).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dintero_body() {
        let body = br#"{"error":{"code":"amount_mismatch","message":"order.amount must equal the items","errors":[{"field":"order.amount"}]}}"#;
        let e = Error::from_response(400, None, body, ResponseContext::Api);
        match &e {
            Error::Api {
                status,
                code,
                message,
                errors,
            } => {
                assert_eq!(*status, 400);
                assert_eq!(code.as_deref(), Some("amount_mismatch"));
                assert_eq!(message, "order.amount must equal the items");
                assert_eq!(errors.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            e.to_string(),
            "Dintero rejected the request (HTTP 400, amount_mismatch): order.amount must equal the items"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn non_json_bodies_fall_back() {
        let e = Error::from_response(
            502,
            None,
            b"<html>\n<b>Bad gateway</b></html>",
            ResponseContext::Api,
        );
        assert_eq!(
            e.to_string(),
            "Dintero failed to handle the request (HTTP 502): Bad Gateway: <html> <b>Bad gateway</b></html>"
        );
        assert!(e.is_retryable());
        assert!(e.is_outcome_uncertain());
        let e = Error::from_response(500, None, b"", ResponseContext::Api);
        assert_eq!(
            e.to_string(),
            "Dintero failed to handle the request (HTTP 500): Internal Server Error"
        );
        let long = "x".repeat(1000);
        let e = Error::from_response(400, None, long.as_bytes(), ResponseContext::Api);
        assert!(e.to_string().len() < 300);
    }

    #[test]
    fn token_errors_are_unauthorized() {
        let body = br#"{"error":{"errors":[],"message":"FORBIDDEN"}}"#;
        for status in [401, 403] {
            let e = Error::from_response(status, None, body, ResponseContext::Token);
            assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
            assert_eq!(e.status(), Some(status));
            assert!(e
                .to_string()
                .contains("client secret was refused: FORBIDDEN"));
        }
        let e = Error::from_response(403, None, body, ResponseContext::Api);
        assert!(matches!(e, Error::Forbidden { .. }));
    }

    #[test]
    fn rate_limited_message() {
        let e = Error::from_response(429, Some(Duration::from_secs(3)), b"", ResponseContext::Api);
        assert_eq!(
            e.to_string(),
            "Dintero is rate limiting requests (HTTP 429); retry after 3 s"
        );
        assert_eq!(e.status(), Some(429));
    }
}
