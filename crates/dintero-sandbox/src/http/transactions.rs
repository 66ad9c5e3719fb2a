//! `GET /v1/transactions`, `GET|PUT /v1/transactions/{id}`,
//! `POST /v1/transactions/{id}/capture|refund|void`.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::extract::{system_headers, Authed, Id, JsonBody};
use crate::error::ApiError;
use crate::listing::TransactionFilter;
use crate::state::AppState;
use crate::store::{Caller, Operated, OperationRequest, TxView};
use crate::validate::{self, Obj};

fn view_of(query: Option<&str>) -> TxView {
    let mut v = TxView::default();
    for (k, val) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k == "includes" {
            match val.as_ref() {
                "session" => v.include_session = true,
                "events.success.true" => v.only_successful_events = true,
                _ => {}
            }
        }
    }
    v
}

pub(crate) async fn list(
    State(state): State<AppState>,
    _auth: Authed,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let filter = TransactionFilter::parse(query.as_deref())?;
    let view = TxView {
        include_session: filter.include_session,
        only_successful_events: filter.only_successful_events,
    };
    let list = state.shared.store().list(&filter, view)?;
    Ok(Json(Value::Array(list)))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    _auth: Authed,
    Id(id): Id,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let view = view_of(query.as_deref());
    state.shared.store().transaction_json(&id, view).map(Json)
}

pub(crate) async fn update(
    State(state): State<AppState>,
    _auth: Authed,
    Id(id): Id,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let reference = Obj::root(&body)?
        .opt_str("merchant_reference_2")?
        .map(str::to_owned);
    let now = state.shared.clock.now_ms();
    state
        .shared
        .store()
        .update_transaction(&id, now, reference)
        .map(Json)
}

fn answer(result: Operated) -> Response {
    match result {
        Operated::Done { transaction, .. } => Json(transaction).into_response(),
        Operated::Accepted {
            transaction,
            request_id,
            ..
        } => {
            let mut resp = (StatusCode::ACCEPTED, Json(transaction)).into_response();
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                resp.headers_mut().insert("event-request-id", v);
            }
            resp
        }
    }
}

fn run(
    state: &AppState,
    auth: &Authed,
    headers: &HeaderMap,
    id: &str,
    req: OperationRequest,
) -> Result<Response, ApiError> {
    let sys = system_headers(headers);
    let caller = Caller {
        client_id: Some(&auth.client_id),
        headers: Some(&sys),
    };
    state.operate(id, req, caller).map(answer)
}

/// `POST /v1/transactions/{id}/capture`: amount, reference and items.
pub(crate) async fn capture(
    State(state): State<AppState>,
    auth: Authed,
    Id(id): Id,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = validate::operation_body(body, "capture_reference")?;
    run(
        &state,
        &auth,
        &headers,
        &id,
        OperationRequest::Capture(body),
    )
}

/// `POST /v1/transactions/{id}/refund`: the same body as a capture's.
pub(crate) async fn refund(
    State(state): State<AppState>,
    auth: Authed,
    Id(id): Id,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = validate::operation_body(body, "refund_reference")?;
    run(&state, &auth, &headers, &id, OperationRequest::Refund(body))
}

/// Void takes no body (anything sent is ignored, as WooCommerce sends `{"id": …}`).
pub(crate) async fn void(
    State(state): State<AppState>,
    auth: Authed,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, &auth, &headers, &id, OperationRequest::Void)
}
