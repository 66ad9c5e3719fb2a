//! One call and its answer: the request to send (method, URL, body shared between attempts,
//! its own headers, whether it may be repeated), the answer as read, and its JSON.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ResponseContext};
use crate::retry::parse_retry_after;

/// One request to send, possibly several times. The body is `Bytes`, so every attempt sends
/// the same buffer (a reference count, not a copy).
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<Bytes>,
    /// Headers of this call only (e.g. `dintero-feature-toggles`), sent after the common ones.
    pub(crate) extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether repeating the request is harmless (GET, PUT, token POST).
    pub(crate) idempotent: bool,
    /// Whether a `401` is answered by fetching a new token and sending the call once more.
    /// Not for capture, refund and void: their request must leave right after the caller
    /// logged its intent, or not at all, so that the time it can still be on its way is
    /// bounded by the request timeout (a 401 proves it was not carried out; the caller asks
    /// again, with the token the refused call has invalidated already refreshed).
    pub(crate) resend_after_401: bool,
}

pub(super) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The room a JSON body starts with: a session request is about 0.5–2 kB, so it is written
/// without the buffer growing (and being copied) several times from `to_vec`'s 128 bytes.
const BODY_CAPACITY: usize = 1024;

impl Call {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        let idempotent = method == Method::GET || method == Method::PUT;
        Self {
            method,
            url,
            body: None,
            extra_headers: Vec::new(),
            idempotent,
            resend_after_401: true,
        }
    }

    /// See [`Call::resend_after_401`].
    pub(crate) fn no_resend_after_401(mut self) -> Self {
        self.resend_after_401 = false;
        self
    }

    pub(crate) fn json_body<T: serde::Serialize>(mut self, body: &T) -> Result<Self, Error> {
        let mut bytes = Vec::with_capacity(BODY_CAPACITY);
        serde_json::to_writer(&mut bytes, body).map_err(|e| Error::InvalidArgument {
            field: "body",
            message: format!("could not be written as JSON: {e}"),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn header(mut self, name: &'static str, value: &'static str) -> Self {
        let name = HeaderName::from_static(name);
        let value = HeaderValue::from_static(value);
        match self.extra_headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.extra_headers.push((name, value)),
        }
        self
    }
}

/// A complete answer: status, the whole body (as received, not copied), and the only two
/// headers the client reads.
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    /// `Retry-After` of a `429`, parsed (`None` for any other status).
    pub(super) retry_after: Option<Duration>,
    /// The `event-request-id` header (capture/refund/void answered `202`).
    pub(crate) event_request_id: Option<String>,
    pub(crate) body: Bytes,
    /// The body was longer than [`MAX_BODY`]: it was not read to the end, and `body` holds
    /// what came before the limit.
    pub(crate) oversize: bool,
}

/// The longest answer body the client reads: a page of a hundred transactions with their
/// events is a few hundred kilobytes, so this is far beyond any real answer and stops a broken
/// or hostile server from filling memory.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

impl RawResponse {
    /// Reads the answer's status and the headers the client uses, then its whole body.
    pub(super) async fn read(mut response: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = response.status();
        let headers = response.headers();
        let retry_after = if status == StatusCode::TOO_MANY_REQUESTS {
            headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
        } else {
            None
        };
        let event_request_id = headers
            .get("event-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (body, oversize) = read_limited(&mut response, MAX_BODY).await?;
        Ok(Self {
            status,
            retry_after,
            event_request_id,
            body,
            oversize,
        })
    }

    pub(super) fn into_result(self, context: ResponseContext) -> Result<Self, Error> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(Error::from_response(
                self.status.as_u16(),
                self.retry_after,
                &self.body,
                context,
            ))
        }
    }

    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        if self.oversize {
            return Err(Error::Decode {
                what: what.to_owned(),
                message: format!("the answer is longer than {MAX_BODY} bytes; not read"),
            });
        }
        decode_json(&self.body).map_err(|e| Error::Decode {
            what: what.to_owned(),
            message: e.to_string(),
        })
    }

    /// [`RawResponse::json`] for the answer to a `POST` that is not idempotent: a success
    /// status whose body cannot be read (a proxy's page, a body cut short) says the request
    /// arrived and took effect, but not what it did, so it is an unknown outcome, never a
    /// refusal. The caller settles it by reading the resource.
    pub(crate) fn json_after_post<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
    ) -> Result<T, Error> {
        self.json(what).map_err(|e| Error::OutcomeUnknown {
            method: Method::POST.to_string(),
            path: path.to_owned(),
            reason: format!(
                "Dintero answered HTTP {} but the answer could not be read ({e})",
                self.status.as_u16()
            ),
        })
    }
}

/// A collection of the Checkout API; its URL is built once per client, so a call appends only
/// its own segments (an id, an operation) instead of percent-encoding the whole path again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `/v1/sessions-profile`
    SessionsProfile,
    /// `/v1/sessions`
    Sessions,
    /// `/v1/transactions`
    Transactions,
}

impl Collection {
    #[cfg(test)]
    pub(super) const ALL: [Collection; 3] = [
        Collection::SessionsProfile,
        Collection::Sessions,
        Collection::Transactions,
    ];

    pub(super) fn segments(self) -> [&'static str; 2] {
        match self {
            Collection::SessionsProfile => ["v1", "sessions-profile"],
            Collection::Sessions => ["v1", "sessions"],
            Collection::Transactions => ["v1", "transactions"],
        }
    }
}

/// `serde_json::from_slice`, with the body's UTF-8 checked once up front: a valid body is read
/// as `&str`, so serde_json does not check every string in it again (about a fifth of the
/// work of reading a transaction). A body that is not UTF-8 goes through `from_slice`, which
/// reports it exactly as before. Same values, same errors: the two readers differ only in that
/// check.
pub(super) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Reads a body up to `limit` bytes: whether it was longer. A body that says its length (or
/// comes in one piece) is kept as received, without a copy.
pub(super) async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok((Bytes::new(), true));
    }
    let mut parts: Vec<Bytes> = Vec::new();
    let mut len = 0;
    while let Some(chunk) = response.chunk().await? {
        if len + chunk.len() > limit {
            parts.push(chunk.slice(..limit - len));
            return Ok((joined(parts), true));
        }
        len += chunk.len();
        parts.push(chunk);
    }
    Ok((joined(parts), false))
}

fn joined(mut parts: Vec<Bytes>) -> Bytes {
    if parts.len() <= 1 {
        return parts.pop().unwrap_or_default();
    }
    Bytes::from(parts.concat())
}
