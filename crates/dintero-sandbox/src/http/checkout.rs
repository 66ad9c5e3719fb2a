//! The hosted test checkout: `GET /v1/view/{id}` and its form posts; and the same page inside
//! Dintero's Web SDK: `GET /?sid=…` (the SDK's iframe at a custom endpoint), `GET /embedResult/`
//! (where the SDK points the iframe after a final event), and the form posts with `embed=1`,
//! which answer the page (posting the SDK's messages, `crate::embed`) instead of a redirect.

use axum::extract::{RawQuery, State};
use axum::http::header::{LOCATION, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;

use super::extract::{FormPairs, Id};
use crate::server::PeerAddr;
use crate::state::AppState;
use crate::store::PayRequest;
use crate::{embed, view};

/// The value of `name` in `query`.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn hide_banner(query: Option<&str>) -> bool {
    param(query, "hide_test_message").as_deref() == Some("true")
}

/// Whether the page is in the Web SDK's iframe (its forms carry `embed=1`).
fn embedded(query: Option<&str>) -> bool {
    param(query, "embed").as_deref() == Some("1")
}

/// How a page is shown: its banner, language and whether it is embedded.
#[derive(Clone, Copy)]
struct Look {
    banner: bool,
    lang: view::Lang,
    embed: bool,
}

impl Look {
    fn of(query: Option<&str>) -> Look {
        Look {
            banner: !hide_banner(query),
            lang: view::Lang::from_query(query),
            embed: embedded(query),
        }
    }
}

fn page(
    state: &AppState,
    id: &str,
    status: StatusCode,
    message: Option<String>,
    look: Look,
) -> Response {
    let now = state.shared.clock.now_ms();
    let data = view::page_data(&state.shared.store(), id, now);
    match data {
        Some(mut d) => {
            d.message = message;
            d.show_banner = look.banner;
            d.lang = look.lang;
            d.embed = look.embed;
            let tail = sdk_tail(d.embed, || embed::messages(&d));
            (status, Html(view::render(&d, &tail))).into_response()
        }
        None => {
            let tail = sdk_tail(look.embed, || embed::not_found(id));
            (StatusCode::NOT_FOUND, Html(view::not_found(id, &tail))).into_response()
        }
    }
}

/// The end of an embedded page's body: the Web SDK's `messages` (`crate::embed`); nothing when
/// the page is not embedded.
fn sdk_tail(embedded: bool, messages: impl FnOnce() -> Vec<serde_json::Value>) -> String {
    if embedded {
        embed::script(&messages())
    } else {
        String::new()
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
    visited(&state, &id, &headers, peer);
    page(
        &state,
        &id,
        StatusCode::OK,
        None,
        Look::of(query.as_deref()),
    )
}

/// `GET /?sid=…&sdk=…`: the page in the Web SDK's iframe (the SDK's URL for an endpoint other
/// than Dintero's own, which goes through `/v1/view/{id}`). Without `sid` it is no page: the
/// API's 404.
pub(crate) async fn embed(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: Option<Extension<PeerAddr>>,
) -> Response {
    let Some(id) = param(query.as_deref(), "sid") else {
        return crate::error::ApiError::new(404, "not_found", "No such endpoint: GET /")
            .into_response();
    };
    visited(&state, &id, &headers, peer);
    let look = Look {
        embed: true,
        ..Look::of(query.as_deref())
    };
    page(&state, &id, StatusCode::OK, None, look)
}

/// `GET /embedResult/?sid=…`: where the SDK points its iframe once it has the final event; the
/// page as it stands, embedded (its final message again, which the SDK ignores).
pub(crate) async fn embed_result(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    let id = param(query.as_deref(), "sid").unwrap_or_default();
    let look = Look {
        embed: true,
        ..Look::of(query.as_deref())
    };
    page(&state, &id, StatusCode::OK, None, look)
}

/// Records that the customer opened session `id`'s page.
fn visited(state: &AppState, id: &str, headers: &HeaderMap, peer: Option<Extension<PeerAddr>>) {
    let now = state.shared.clock.now_ms();
    let ua = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ip = peer.map(|Extension(PeerAddr(a))| a.ip().to_string());
    // Unknown sessions simply render the not-found page.
    let _ = state.shared.store().visit(id, now, ip, ua);
}

pub(crate) async fn pay(
    State(state): State<AppState>,
    Id(id): Id,
    RawQuery(query): RawQuery,
    FormPairs(form): FormPairs,
) -> Response {
    let look = Look::of(query.as_deref());
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
        // Embedded, the page itself tells the SDK (which then follows `href` or not).
        Ok(paid) => match paid.redirect {
            Some(loc) if !look.embed => see_other(&loc),
            _ => page(&state, &id, StatusCode::OK, None, look),
        },
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            page(&state, &id, status, Some(e.message), look)
        }
    }
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    Id(id): Id,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.shared.clock.now_ms();
    let look = Look::of(query.as_deref());
    let result = state.shared.store().customer_cancel(&id, now);
    match result {
        Ok((location, jobs)) => {
            state.dispatch(jobs);
            if look.embed {
                page(&state, &id, StatusCode::OK, None, look)
            } else {
                see_other(&location)
            }
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            page(&state, &id, status, Some(e.message), look)
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
