//! The customer display on the shop's network, for a tablet facing the customer: a small HTTP
//! server (axum, as the simulator) with the page the shell hands it (the UI's own build of the
//! display screen, `tablet.html` and its `assets/`, so the tablet shows what the display window
//! shows, in the same words and formats), `POST /pair` (the code
//! shown on the counter → a session cookie, wrong codes rate-limited by [`super::pairing`]),
//! and for a paired tablet only `GET /view` (the view now) and `GET /events` (each new view as
//! server-sent events). Nothing else is readable: the view is all a tablet ever gets.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::sync::watch;

use super::pairing::{Paired, Pairing};
use super::Hub;
use crate::clock::Clock;
use crate::error::CoreError;

/// The port the shells serve it on (`http://<this machine's LAN address>:8737/`).
pub const PORT: u16 = 8737;

/// The session cookie's name.
pub const COOKIE: &str = "kasse_display";

/// The running server; dropping it stops it and ends every tablet's stream.
pub struct LanDisplay {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Drop for LanDisplay {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
    }
}

impl std::fmt::Debug for LanDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanDisplay")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// A file of the tablet's page.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Vec<u8>,
    /// Its MIME type (`text/html`, `text/javascript`, …).
    pub mime: String,
}

/// The tablet's page by path: `tablet.html` and the files under `assets/` it loads.
pub type Assets = Arc<dyn Fn(&str) -> Option<Asset> + Send + Sync>;

/// The page's entry among the assets.
pub const ENTRY: &str = "tablet.html";

struct Shared {
    hub: Hub,
    clock: Arc<dyn Clock>,
    pairing: Mutex<Pairing>,
    assets: Assets,
    /// Turns true when the server stops: the listener and every open stream end.
    stop: watch::Sender<bool>,
}

impl Shared {
    fn pairing(&self) -> std::sync::MutexGuard<'_, Pairing> {
        self.pairing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the request carries a session token the current code gave out.
    fn admits(&self, headers: &HeaderMap) -> bool {
        token_of(headers).is_some_and(|t| self.pairing().admits(&t))
    }
}

/// Serves `hub`'s view on `listen` with the page in `assets`; a fresh pairing code.
pub async fn serve(
    hub: Hub,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    assets: Assets,
) -> Result<LanDisplay, CoreError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CoreError::input("display_lan", format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CoreError::input("display_lan", e.to_string()))?;
    let shared = Arc::new(Shared {
        hub,
        clock,
        pairing: Mutex::new(Pairing::new(rand::random())),
        assets,
        stop: watch::channel(false).0,
    });
    let app = Router::new()
        .route("/", get(page_of))
        .route("/assets/{*path}", get(asset_of))
        .route("/pair", post(pair))
        .route("/view", get(view))
        .route("/events", get(events))
        .with_state(shared.clone());
    let mut stopped = shared.stop.subscribe();
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        if let Err(e) = server.await {
            tracing::warn!(error = %e, "the customer display's server stopped");
        }
    });
    Ok(LanDisplay { addr, shared })
}

impl LanDisplay {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The pairing code the counter shows.
    pub fn code(&self) -> String {
        self.shared.pairing().code().to_owned()
    }

    /// A new pairing code: every tablet must pair again.
    pub fn renew(&self) {
        self.shared.pairing().renew(rand::random());
    }
}

/// Answers that must not be cached, framed or sniffed.
fn guarded(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

fn refused(status: StatusCode, error: &str) -> Response {
    guarded((status, Json(serde_json::json!({ "error": error }))).into_response())
}

async fn page_of(State(s): State<Arc<Shared>>) -> Response {
    file(&s, ENTRY)
}

async fn asset_of(State(s): State<Arc<Shared>>, Path(path): Path<String>) -> Response {
    if path
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.'))
    {
        return refused(StatusCode::NOT_FOUND, "not_found");
    }
    file(&s, &format!("assets/{path}"))
}

fn file(s: &Shared, path: &str) -> Response {
    match (s.assets)(path) {
        Some(a) => guarded(([(header::CONTENT_TYPE, a.mime)], a.bytes).into_response()),
        None => refused(StatusCode::NOT_FOUND, "not_found"),
    }
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

async fn pair(State(s): State<Arc<Shared>>, Json(body): Json<Code>) -> Response {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let answer = s.pairing().pair(&body.code, s.clock.now(), token);
    match answer {
        Paired::Token(token) => {
            let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            let mut r = StatusCode::NO_CONTENT.into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            guarded(r)
        }
        Paired::Wrong => refused(StatusCode::FORBIDDEN, "wrong_code"),
        Paired::Locked(seconds) => {
            let mut r = refused(StatusCode::TOO_MANY_REQUESTS, "locked");
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            r
        }
    }
}

async fn view(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !s.admits(&headers) {
        return refused(StatusCode::UNAUTHORIZED, "not_paired");
    }
    guarded(Json(s.hub.view()).into_response())
}

async fn events(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(token) = token_of(&headers).filter(|t| s.pairing().admits(t)) else {
        return refused(StatusCode::UNAUTHORIZED, "not_paired");
    };
    let views = s.hub.follow();
    let stop = s.stop.subscribe();
    // The view now, then each new one, while the token stays paired (a new code ends it at the
    // next view) and the server runs.
    let stream = futures_util::stream::unfold(
        (views, stop, s, token, true),
        |(mut views, mut stop, s, token, first)| async move {
            if !first {
                tokio::select! {
                    changed = views.changed() => changed.ok()?,
                    _ = stop.wait_for(|s| *s) => return None,
                }
            }
            if !s.pairing().admits(&token) {
                return None;
            }
            let view = views.borrow_and_update().clone();
            let event = Event::default().json_data(&view).unwrap_or_default();
            Some((Ok::<_, Infallible>(event), (views, stop, s, token, false)))
        },
    );
    guarded(
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response(),
    )
}

/// The session token in the request's cookies.
fn token_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}
