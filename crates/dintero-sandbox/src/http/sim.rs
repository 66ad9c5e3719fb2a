//! `/_sim/*`: control endpoints for tests and demos. Never part of Dintero's API.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Id, JsonBody, OptionalJsonBody};
use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::state::AppState;
use crate::store::PayRequest;
use crate::validate::Obj;

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
