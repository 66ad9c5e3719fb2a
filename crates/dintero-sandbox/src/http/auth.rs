//! `POST /v1/accounts/{aid}/auth/token` (dintero-api.md §3).

use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::extract::{Id, JsonBody};
use crate::config::is_valid_account_id;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate::Obj;

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let h = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = h.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = STANDARD.decode(b64.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The audience Dintero accepts for `aid`: the literal `https://api.dintero.com/v1/accounts/{aid}`
/// ("The audience must be a grant associated with the client", dintero-api.md §3.1), whichever
/// host the token is asked of. A client that derives it from the URL it was given (the checkout
/// host, a proxy, this sandbox) is refused here as it would be there.
fn audience_ok(aud: &str, aid: &str) -> bool {
    aud == format!("https://api.dintero.com/v1/accounts/{aid}")
}

pub(crate) async fn token(
    State(state): State<AppState>,
    Id(aid): Id,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let cfg = &state.shared.config;
    let (client_id, secret) = basic_credentials(&headers).ok_or_else(|| {
        ApiError::unauthorized(
            "Authentication failed: Basic authorization with client id and secret is required",
        )
    })?;
    let id_ok = constant_time_eq(client_id.as_bytes(), cfg.client_id.as_bytes());
    let secret_ok = constant_time_eq(secret.as_bytes(), cfg.client_secret.as_bytes());
    if !(id_ok && secret_ok) {
        return Err(ApiError::unauthorized(
            "Authentication failed: unknown client or wrong secret",
        ));
    }
    let root = Obj::root(&body)?;
    let grant = root.req_str("grant_type")?;
    if grant != "client_credentials" {
        return Err(ApiError::field(
            "grant_type",
            "only client_credentials is supported for API clients",
        ));
    }
    let audience = root.req_str("audience")?;
    if !is_valid_account_id(&aid) || aid != cfg.account_id {
        return Err(ApiError::forbidden(format!(
            "This client has no grant for account {aid}"
        )));
    }
    if !audience_ok(audience, &aid) {
        return Err(ApiError::forbidden(format!(
            "The audience {audience:?} is not a grant associated with the client"
        )));
    }
    let (access_token, expires_in) = state.issue_token(audience.to_owned());
    Ok(Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    })))
}
