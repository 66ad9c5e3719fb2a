//! `/_sim/*`: control endpoints for tests and demos. Never part of Dintero's API.
//!
//! They pay, fault and reset the simulator, so [`guard`] lets through only a caller holding an
//! access token of the account (from the token endpoint, as the API asks) whose body, if any,
//! is `application/json`: a web page in a browser on the same machine can neither add the
//! header nor make a cross-site form post pass. The customer's pages (`/v1/view/{id}/…` and
//! `/_sim/return`) are not behind it.

use std::time::Duration;

use axum::extract::{FromRequestParts as _, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Authed, Id, JsonBody, OptionalJsonBody};
use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::state::AppState;
use crate::store::PayRequest;
use crate::validate::Obj;

/// Middleware on every control route: the account's bearer token (401/403 as the API answers
/// without one), then a JSON content type for any body (415).
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Err(e) = Authed::from_request_parts(&mut parts, &state).await {
        return e.into_response();
    }
    if let Err(e) = json_or_no_body(&parts.headers) {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A request may come without a body; one that has a body (or names a type) must say
/// `application/json`, the type no HTML form can send.
fn json_or_no_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers.get(CONTENT_TYPE);
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if content_type.is_none() && !has_body {
        return Ok(());
    }
    let essence = content_type
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim());
    match essence {
        Some(t) if t.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(ApiError::new(
            415,
            "unsupported_media_type",
            "The control API takes only Content-Type: application/json bodies",
        )),
    }
}

pub(crate) async fn visit(
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    let now = state.shared.clock.now_ms();
    let mut store = state.shared.store();
    store.visit(&id, now, None, None)?;
    store.session_json(&id).map(Json)
}

/// Body `{"card": "4000000000000002", "initiate_only": false, "on_hold": false,
/// "payment_product_type": "vipps"}`.
pub(crate) async fn pay(
    State(state): State<AppState>,
    Id(id): Id,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Json<Value>, ApiError> {
    let root = Obj::root(&body)?;
    let req = PayRequest {
        card: root.opt_str("card")?,
        initiate_only: root.opt_bool("initiate_only")?.unwrap_or(false),
        on_hold: root.opt_bool("on_hold")?.unwrap_or(false),
        payment_product_type: root.opt_str("payment_product_type")?,
    };
    state.pay(&id, &req).map(|p| Json(p.transaction))
}

/// Body `{"outcome": "AUTHORIZED" | "FAILED"}` for an ON_HOLD transaction.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let approve = match Obj::root(&body)?.req_str("outcome")? {
        "AUTHORIZED" => true,
        "FAILED" => false,
        _ => return Err(ApiError::field("outcome", "must be AUTHORIZED or FAILED")),
    };
    state.control().resolve_on_hold(&id, approve).map(Json)
}

fn now_json(state: &AppState) -> Value {
    json!({ "now": crate::clock::format_millis(state.shared.clock.now_ms()) })
}

/// Body `{"seconds": N}`.
pub(crate) async fn advance_clock(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let root = Obj::root(&body)?;
    let seconds = root
        .opt_number("seconds")?
        .ok_or_else(|| root.missing("seconds"))?;
    if !(0.0..=1e10).contains(&seconds) {
        return Err(ApiError::field("seconds", "must be between 0 and 1e10"));
    }
    state.shared.clock.advance(Duration::from_secs_f64(seconds));
    Ok(Json(now_json(&state)))
}

pub(crate) async fn clock(State(state): State<AppState>) -> Json<Value> {
    Json(now_json(&state))
}

pub(crate) async fn reset(State(state): State<AppState>) -> Json<Value> {
    state.control().reset();
    Json(json!({ "reset": true }))
}

pub(crate) async fn callbacks(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(state.control().callbacks()).unwrap_or(Value::Null))
}

pub(crate) async fn stats(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(state.control().stats()).unwrap_or(Value::Null))
}

pub(crate) async fn published(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(state.control().published()).unwrap_or(Value::Null))
}

pub(crate) async fn sessions(State(state): State<AppState>) -> Json<Value> {
    Json(Value::Array(state.control().sessions()))
}

pub(crate) async fn transactions(State(state): State<AppState>) -> Json<Value> {
    Json(Value::Array(state.control().transactions()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    rules: Vec<FaultRule>,
}

/// Body `{"rules": [FaultRule, …]}`; replaces the rules in force.
pub(crate) async fn set_faults(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let parsed: FaultsBody = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid_request(format!("rules: {e}")))?;
    for (i, r) in parsed.rules.iter().enumerate() {
        if let Some(s) = r.status {
            if !(100..=599).contains(&s) {
                return Err(ApiError::field(
                    &format!("rules[{i}].status"),
                    "must be an HTTP status (100-599)",
                ));
            }
        }
        if [r.drop, r.cut_body, r.garbage_body]
            .iter()
            .filter(|b| **b)
            .count()
            > 1
        {
            return Err(ApiError::field(
                &format!("rules[{i}]"),
                "drop, cut_body and garbage_body exclude each other",
            ));
        }
        if let Some(p) = r.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(ApiError::field(
                    &format!("rules[{i}].probability"),
                    "must be between 0 and 1",
                ));
            }
        }
    }
    let n = parsed.rules.len();
    state.control().set_faults(parsed.rules);
    Ok(Json(json!({ "rules": n })))
}

pub(crate) async fn clear_faults(State(state): State<AppState>) -> Json<Value> {
    state.control().clear_faults();
    Json(json!({ "rules": 0 }))
}

/// `POST /_sim/transactions/{id}/corrupt`: list answers show the transaction as an element
/// that is not a transaction; `DELETE` undoes it.
pub(crate) async fn corrupt(
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    set_corrupt(&state, id, true)
}

pub(crate) async fn uncorrupt(
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    set_corrupt(&state, id, false)
}

fn set_corrupt(state: &AppState, id: String, corrupt: bool) -> Result<Json<Value>, ApiError> {
    state.control().corrupt_in_lists(&id, corrupt)?;
    Ok(Json(json!({ "id": id, "corrupt_in_lists": corrupt })))
}
