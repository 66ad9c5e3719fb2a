//! The hosted test checkout: `GET /v1/view/{id}` and its form posts.

use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;

use super::extract::{FormPairs, Id};
use crate::server::PeerAddr;
use crate::state::AppState;
use crate::store::PayRequest;
use crate::view;

fn hide_banner(query: Option<&str>) -> bool {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == "hide_test_message" && v == "true")
}

fn page(
    state: &AppState,
    id: &str,
    status: StatusCode,
    message: Option<String>,
    banner: bool,
    lang: view::Lang,
) -> Response {
    let now = state.shared.clock.now_ms();
    let data = view::page_data(&state.shared.store(), id, now);
    match data {
        Some(mut d) => {
            d.message = message;
            d.show_banner = banner;
            d.lang = lang;
            (status, Html(view::render(&d))).into_response()
        }
        None => (StatusCode::NOT_FOUND, Html(view::not_found(id))).into_response(),
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(LOCATION, v);
            r
        }
        Err(_) => (StatusCode::BAD_REQUEST, "bad return_url").into_response(),
    }
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Id(id): Id,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: Option<Extension<PeerAddr>>,
) -> Response {
    let now = state.shared.clock.now_ms();
    let ua = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ip = peer.map(|Extension(PeerAddr(a))| a.ip().to_string());
    // Unknown sessions simply render the not-found page.
    let _ = state.shared.store().visit(&id, now, ip, ua);
    page(
        &state,
        &id,
        StatusCode::OK,
        None,
        !hide_banner(query.as_deref()),
        view::Lang::from_query(query.as_deref()),
    )
}

pub(crate) async fn pay(
    State(state): State<AppState>,
    Id(id): Id,
    RawQuery(query): RawQuery,
    FormPairs(form): FormPairs,
) -> Response {
    let lang = view::Lang::from_query(query.as_deref());
    let card = form
        .iter()
        .rev()
        .find(|(k, v)| k == "card" && !v.trim().is_empty())
        .map(|(_, v)| v.as_str());
    let req = PayRequest {
        card,
        ..PayRequest::default()
    };
    match state.pay(&id, &req) {
        Ok(paid) => match paid.redirect {
            Some(loc) => see_other(&loc),
            None => page(&state, &id, StatusCode::OK, None, true, lang),
        },
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            page(&state, &id, status, Some(e.message), true, lang)
        }
    }
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    Id(id): Id,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.shared.clock.now_ms();
    let result = state.shared.store().customer_cancel(&id, now);
    match result {
        Ok((location, jobs)) => {
            state.dispatch(jobs);
            see_other(&location)
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            let lang = view::Lang::from_query(query.as_deref());
            page(&state, &id, status, Some(e.message), true, lang)
        }
    }
}

/// `GET /_sim/return`: a landing page for demo `return_url`s (SIM only).
pub(crate) async fn landing(RawQuery(query): RawQuery) -> Html<String> {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    Html(view::return_page(&params))
}
