//! `GET /v1/transactions`, `GET|PUT /v1/transactions/{id}`,
//! `POST /v1/transactions/{id}/capture|refund|void`.

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::extract::{system_headers, Authed, Id, JsonBody};
use crate::error::ApiError;
use crate::listing::TransactionFilter;
use crate::state::AppState;
use crate::store::{Caller, Operated, OperationRequest, TxView};
use crate::validate::{self, Obj, OperationBody};

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
    tx: OnTransaction,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let view = view_of(query.as_deref());
    tx.state
        .shared
        .store()
        .transaction_json(&tx.id, view)
        .map(Json)
}

pub(crate) async fn update(
    tx: OnTransaction,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let reference = Obj::root(&body)?
        .opt_str("merchant_reference_2")?
        .map(str::to_owned);
    let now = tx.state.shared.clock.now_ms();
    tx.state
        .shared
        .store()
        .update_transaction(&tx.id, now, reference)
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

/// A request about one transaction, in the order the separate extractors ran: a caller with
/// a valid token for the account, then the transaction id.
pub(crate) struct OnTransaction {
    state: AppState,
    client_id: String,
    id: String,
}

impl FromRequestParts<AppState> for OnTransaction {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Authed { client_id } = Authed::from_request_parts(parts, state).await?;
        let Id(id) = Id::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            client_id,
            id,
        })
    }
}

/// What capture, refund and void take from the request: [`OnTransaction`], and the
/// `dintero-system-*` headers to store on the event.
pub(crate) struct OperationTarget {
    tx: OnTransaction,
    system_headers: Map<String, Value>,
}

impl FromRequestParts<AppState> for OperationTarget {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let tx = OnTransaction::from_request_parts(parts, state).await?;
        Ok(Self {
            tx,
            system_headers: system_headers(&parts.headers),
        })
    }
}

impl OperationTarget {
    fn run(self, req: OperationRequest) -> Result<Response, ApiError> {
        let tx = &self.tx;
        let caller = Caller {
            client_id: Some(&tx.client_id),
            headers: Some(&self.system_headers),
        };
        tx.state.operate(&tx.id, req, caller).map(answer)
    }

    /// Capture and refund: the same body (amount, reference, items), checked the same way,
    /// with its own reference field.
    fn run_with_body(
        self,
        JsonBody(body): JsonBody,
        reference_key: &str,
        request: fn(OperationBody) -> OperationRequest,
    ) -> Result<Response, ApiError> {
        let body = validate::operation_body(body, reference_key)?;
        self.run(request(body))
    }
}

/// `POST /v1/transactions/{id}/capture`: amount, reference and items.
pub(crate) async fn capture(op: OperationTarget, body: JsonBody) -> Result<Response, ApiError> {
    op.run_with_body(body, "capture_reference", OperationRequest::Capture)
}

/// `POST /v1/transactions/{id}/refund`: the same body as a capture's.
pub(crate) async fn refund(op: OperationTarget, body: JsonBody) -> Result<Response, ApiError> {
    op.run_with_body(body, "refund_reference", OperationRequest::Refund)
}

/// Void takes no body (anything sent is ignored, as WooCommerce sends `{"id": …}`).
pub(crate) async fn void(op: OperationTarget) -> Result<Response, ApiError> {
    op.run(OperationRequest::Void)
}
