//! `POST /v1/sessions-profile`, `GET /v1/sessions/{id}`, `POST /v1/sessions/{id}/cancel`.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::extract::{public_base, system_headers, Authed, Id, JsonBody};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Caller;
use crate::validate;

fn query_flag(query: Option<&str>, name: &str) -> bool {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == name && (v == "true" || v == "1"))
}

fn strict_amounts(headers: &HeaderMap, default: bool) -> bool {
    default
        || headers
            .get_all("dintero-feature-toggles")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim() == "strict-session-amounts")
}

pub(crate) async fn create(
    State(state): State<AppState>,
    _auth: Authed,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let strict = strict_amounts(&headers, state.shared.config.strict_amounts_default);
    let mut new = validate::new_session(body, strict)?;
    let include_session = query_flag(query.as_deref(), "include_session");
    let sys = system_headers(&headers);
    let now = state.shared.clock.now_ms();
    let base = public_base(&headers, &state);
    let asks = std::mem::take(&mut new.publish);
    let phone_number = new.phone_number.take();
    let (id, url, session, published) = {
        let mut store = state.shared.store();
        let id = store.create_session(new, now, sys);
        let url = format!("{base}/v1/view/{id}");
        let published = store.publish(&id, &asks, phone_number.as_deref(), &url, now);
        let session = include_session.then(|| store.session_json(&id));
        (id, url, session, published)
    };
    let mut out = json!({ "id": id, "url": url });
    if !published.is_empty() {
        out["publish"] = Value::Array(published);
    }
    if let Some(s) = session {
        out["session"] = s?;
    }
    Ok(Json(out))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    _auth: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    state.shared.store().session_json(&id).map(Json)
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    auth: Authed,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let sys = system_headers(&headers);
    let caller = Caller {
        client_id: Some(&auth.client_id),
        headers: Some(&sys),
    };
    let now = state.shared.clock.now_ms();
    let (session, jobs) = state.shared.store().cancel_session(&id, now, caller)?;
    state.dispatch(jobs);
    Ok(Json(session))
}
