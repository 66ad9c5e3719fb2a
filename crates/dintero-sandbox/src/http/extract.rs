//! Extractors whose rejections are Dintero-shaped JSON errors, never axum's plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The single path parameter (`{id}` or `{aid}`).
#[derive(Debug)]
pub(crate) struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|e| ApiError::invalid_request(format!("invalid path: {}", e.body_text())))
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                413,
                "payload_too_large",
                format!("request body is larger than {MAX_BODY_BYTES} bytes"),
            )
        } else {
            ApiError::invalid_request(format!("cannot read the request body: {}", e.body_text()))
        }
    })
}

/// The body read as JSON, or `None` when it is empty (or only white space).
async fn json_or_none<S: Send + Sync>(req: Request, state: &S) -> Result<Option<Value>, ApiError> {
    let bytes = body_bytes(req, state).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::invalid_request(format!("malformed JSON body: {e}")))
}

/// A JSON body (required). Content-Type is not checked, as a lenient server would not.
#[derive(Debug)]
pub(crate) struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match json_or_none(req, state).await? {
            Some(value) => Ok(JsonBody(value)),
            None => Err(ApiError::invalid_request("a JSON request body is required")),
        }
    }
}

/// A JSON body that may be empty (then `{}`).
#[derive(Debug)]
pub(crate) struct OptionalJsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let value = json_or_none(req, state).await?;
        Ok(OptionalJsonBody(
            value.unwrap_or_else(|| Value::Object(Map::new())),
        ))
    }
}

/// A form body (`application/x-www-form-urlencoded`) as pairs.
#[derive(Debug)]
pub(crate) struct FormPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        Ok(FormPairs(
            url::form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

/// A caller with a valid bearer token for this account.
#[derive(Debug)]
pub(crate) struct Authed {
    pub client_id: String,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("Missing Authorization header with a Bearer token")
            })?;
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or_else(|| {
                ApiError::unauthorized("The Authorization header must be 'Bearer <token>'")
            })?;
        let shared = &state.shared;
        let claims =
            shared
                .tokens
                .verify(token, shared.clock.now_ms(), &shared.config.account_id)?;
        Ok(Authed {
            client_id: claims.sub,
        })
    }
}

/// The `dintero-system-*` request headers with lower-case names, as Dintero stores them.
pub(crate) fn system_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut m = Map::new();
    for (name, value) in headers {
        let n = name.as_str();
        if n.starts_with("dintero-system-") {
            if let Ok(v) = value.to_str() {
                m.insert(n.to_owned(), Value::String(v.to_owned()));
            }
        }
    }
    m
}

/// The configured public host ([`crate::SandboxConfig::public_host`]), else `http://{Host}`
/// when the request has a sane Host header, else the sandbox base URL.
pub(crate) fn public_base(headers: &HeaderMap, state: &AppState) -> String {
    if let Some(url) = &state.shared.public_url {
        return url.clone();
    }
    match headers.get(HOST).and_then(|h| h.to_str().ok()) {
        Some(h)
            if !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b)) =>
        {
            format!("http://{h}")
        }
        _ => state.base_url().to_owned(),
    }
}
