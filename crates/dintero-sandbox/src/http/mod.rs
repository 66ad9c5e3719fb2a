//! The router: Dintero's endpoints, the hosted checkout, and `/_sim/*`.

mod auth;
mod behaviour;
mod checkout;
pub(crate) mod extract;
mod faults;
mod sessions;
mod sim;
mod transactions;

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tracing::Instrument as _;

use crate::error::ApiError;
use crate::state::AppState;

/// The sandbox's router, ready to serve or to drive with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/accounts/{aid}/auth/token", post(auth::token))
        .route("/v1/sessions-profile", post(sessions::create))
        .route("/v1/sessions/{id}", get(sessions::get))
        .route("/v1/sessions/{id}/cancel", post(sessions::cancel))
        .route("/", get(checkout::embed))
        .route("/embedResult/", get(checkout::embed_result))
        .route("/v1/view/{id}", get(checkout::show))
        .route("/v1/view/{id}/pay", post(checkout::pay))
        .route("/v1/view/{id}/cancel", post(checkout::cancel))
        .route("/v1/transactions", get(transactions::list))
        .route(
            "/v1/transactions/{id}",
            get(transactions::get).put(transactions::update),
        )
        .route("/v1/transactions/{id}/capture", post(transactions::capture))
        .route("/v1/transactions/{id}/refund", post(transactions::refund))
        .route("/v1/transactions/{id}/void", post(transactions::void))
        .merge(
            control_routes().route_layer(middleware::from_fn_with_state(state.clone(), sim::guard)),
        )
        // The demo landing page for return URLs: a customer's browser, so no token.
        .route("/_sim/return", get(checkout::landing))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), faults::layer))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The control API: every route answers only a bearer token of the account ([`sim::guard`]).
fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/_sim/sessions", get(sim::sessions))
        .route("/_sim/published", get(sim::published))
        .route("/_sim/sessions/{id}/visit", post(sim::visit))
        .route("/_sim/sessions/{id}/pay", post(sim::pay))
        .route("/_sim/transactions", get(sim::transactions))
        .route("/_sim/transactions/{id}/resolve", post(sim::resolve))
        .route(
            "/_sim/transactions/{id}/corrupt",
            post(sim::corrupt).delete(sim::uncorrupt),
        )
        .route(
            "/_sim/behaviour",
            get(behaviour::get)
                .post(behaviour::set)
                .delete(behaviour::reset),
        )
        .route("/_sim/clock", get(sim::clock))
        .route("/_sim/clock/advance", post(sim::advance_clock))
        .route("/_sim/reset", post(sim::reset))
        .route("/_sim/callbacks", get(sim::callbacks))
        .route("/_sim/stats", get(sim::stats))
        .route(
            "/_sim/faults",
            post(sim::set_faults).delete(sim::clear_faults),
        )
}

async fn not_found(req: Request) -> Response {
    ApiError::new(
        404,
        "not_found",
        format!("No such endpoint: {} {}", req.method(), req.uri().path()),
    )
    .into_response()
}

async fn method_not_allowed(req: Request) -> Response {
    ApiError::new(
        405,
        "method_not_allowed",
        format!(
            "Method {} is not allowed on {}",
            req.method(),
            req.uri().path()
        ),
    )
    .into_response()
}

/// Count the request and run it in a tracing span.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let resp = next.run(req).instrument(span.clone()).await;
    tracing::debug!(
        parent: &span,
        status = resp.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "answered"
    );
    resp
}
