//! The customer display window: the customer-facing view of `kasse_core::display`, drawn by the
//! UI's `#/display` page in a window of its own (on a second monitor when there is one), which
//! reads the view once and then follows it as the `display-changed` event. Its capability
//! (`capabilities/display.json`) grants reading that view and listening, nothing else. `Lan`
//! runs the core's network display for a tablet while Settings has it on.

use std::net::SocketAddr;
use std::sync::Arc;

use kasse_core::clock::SystemClock;
use kasse_core::display::lan::{self, LanDisplay};
use kasse_core::display::place::{other_screen, Area};
use kasse_core::display::{CustomerView, Hub};
use kasse_core::staff::Guarded;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};
use ts_rs::TS;

use kasse_core::ErrorCode;

use crate::dto::UiError;
use crate::error::CmdResult;
use crate::state::AppState;

/// The display window's label (its capability names it).
pub const LABEL: &str = "display";
/// The event that carries each new view to the display window.
pub const EVENT: &str = "display-changed";
/// The event that tells the counter the display window closed.
pub const WINDOW_EVENT: &str = "display-window";

/// What the customer display shows now (read once when its page loads).
#[tauri::command]
pub fn display_view(state: State<'_, Arc<AppState>>) -> CustomerView {
    state.display.view()
}

/// The counter emptied its cart (a cart with lines is shown as `price_order` prices it).
#[tauri::command]
pub fn cart_emptied(state: State<'_, Arc<AppState>>) {
    state.kasse().show_cart(None);
}

/// Opens (`Some(true)`) or closes (`Some(false)`) the customer display window, or only asks
/// (`None`); answers whether it is open. Opening an open one brings it to the front. When it
/// closes (also by hand) the counter is told as [`WINDOW_EVENT`].
#[tauri::command]
pub fn display_window<R: Runtime>(app: AppHandle<R>, open: Option<bool>) -> CmdResult<bool> {
    let existing = app.get_webview_window(LABEL);
    let Some(open) = open else {
        return Ok(existing.is_some());
    };
    match (open, existing) {
        (true, Some(w)) => {
            let _ = w.unminimize();
            let _ = w.show();
            let _ = w.set_focus();
        }
        (true, None) => {
            let window = WebviewWindowBuilder::new(
                &app,
                LABEL,
                WebviewUrl::App("index.html#/display".into()),
            )
            .title("Kasse")
            .inner_size(1024.0, 700.0)
            .build()
            .map_err(|e| {
                UiError::new(
                    ErrorCode::Internal,
                    format!("The customer display could not open: {e}"),
                )
            })?;
            let handle = app.clone();
            window.on_window_event(move |e| {
                if matches!(e, tauri::WindowEvent::Destroyed) {
                    let _ = handle.emit_to("main", WINDOW_EVENT, false);
                }
            });
            place(&app, &window);
        }
        (false, Some(w)) => {
            let _ = w.close();
            return Ok(false);
        }
        (false, None) => return Ok(false),
    }
    Ok(true)
}

/// Puts the display full screen on a monitor the counter's window is not on, when there is one.
fn place<R: Runtime>(app: &AppHandle<R>, window: &tauri::WebviewWindow<R>) {
    let Some(main) = app.get_webview_window("main") else {
        return;
    };
    let (Ok(at), Ok(size)) = (main.outer_position(), main.outer_size()) else {
        return;
    };
    let centre = (
        at.x + i32::try_from(size.width / 2).unwrap_or(0),
        at.y + i32::try_from(size.height / 2).unwrap_or(0),
    );
    let monitors = window.available_monitors().unwrap_or_default();
    let areas: Vec<Area> = monitors
        .iter()
        .map(|m| Area {
            x: m.position().x,
            y: m.position().y,
            width: m.size().width,
            height: m.size().height,
        })
        .collect();
    if let Some(i) = other_screen(centre, &areas) {
        let _ = window.set_position(*monitors[i].position());
        let _ = window.set_fullscreen(true);
    }
}

/// Sends each new view of `hub` to the display window (when it is open) as [`EVENT`].
pub fn forward<R: Runtime>(app: AppHandle<R>, hub: Hub) {
    tauri::async_runtime::spawn(async move {
        let mut views = hub.follow();
        while views.changed().await.is_ok() {
            let view = views.borrow_and_update().clone();
            if app.get_webview_window(LABEL).is_some() {
                let _ = app.emit_to(LABEL, EVENT, view);
            }
        }
    });
}

/// The page a tablet on the shop's network gets (`kasse_core::display::lan`): the UI's own build
/// of the display screen (`ui/tablet.html` and the files it loads), from the app's assets.
fn tablet_page<R: Runtime>(app: &AppHandle<R>) -> lan::Assets {
    let resolver = app.asset_resolver();
    Arc::new(move |path: &str| {
        let asset = resolver.get(path.to_owned())?;
        // Tauri answers a missing file with index.html: only the entry itself may be HTML.
        if path != lan::ENTRY && asset.mime_type.starts_with("text/html") {
            return None;
        }
        Some(lan::Asset {
            bytes: asset.bytes,
            mime: asset.mime_type,
        })
    })
}

/// The customer display on the shop's network, while the setting has it on.
#[derive(Debug, Default)]
pub struct Lan(tokio::sync::Mutex<Option<LanDisplay>>);

/// The network display as Settings shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LanStatus {
    /// The setting (off by default).
    pub on: bool,
    /// Where a tablet opens it (`http://192.168.1.20:8737/`); `None` when off or without a
    /// network address.
    pub url: Option<String>,
    /// The pairing code to type on the tablet, while on.
    pub code: Option<String>,
}

impl Lan {
    /// Starts or stops the server as `on` says.
    async fn apply<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        on: bool,
        hub: &Hub,
    ) -> CmdResult<LanStatus> {
        let mut running = self.0.lock().await;
        if !on {
            *running = None;
        } else if running.is_none() {
            // `KASSE_DISPLAY_PORT` when the shop's machine has the usual port taken.
            let port = std::env::var("KASSE_DISPLAY_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(lan::PORT);
            let listen = SocketAddr::from(([0, 0, 0, 0], port));
            *running = Some(
                lan::serve(hub.clone(), Arc::new(SystemClock), listen, tablet_page(app)).await?,
            );
        }
        Ok(status(running.as_ref()))
    }
}

fn status(running: Option<&LanDisplay>) -> LanStatus {
    let address = kasse_core::lan::pick(&kasse_core::lan::probe());
    LanStatus {
        on: running.is_some(),
        url: running
            .zip(address)
            .map(|(r, ip)| format!("http://{ip}:{}/", r.local_addr().port())),
        code: running.map(LanDisplay::code),
    }
}

/// Starts the network display at start-up when the setting is on.
pub fn start_lan<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    if state.settings().is_ok_and(|s| s.display_lan) {
        let app = app.clone();
        let hub = state.display.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = app.state::<Lan>().apply(&app, true, &hub).await {
                tracing::warn!(error = %e.message, "the customer display on the network could not start");
            }
        });
    }
}

/// The network display's state.
#[tauri::command]
pub async fn display_lan(lan: State<'_, Lan>) -> CmdResult<LanStatus> {
    Ok(status(lan.0.lock().await.as_ref()))
}

/// Turns the network display on or off: a settings change, guarded and journaled as one.
#[tauri::command]
pub async fn display_lan_set<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
    lan: State<'_, Lan>,
    on: bool,
    pin: Option<String>,
) -> CmdResult<LanStatus> {
    let current = state.settings()?;
    let kasse = state.kasse();
    let allowed = kasse.guard(Guarded::Settings, pin.as_deref())?;
    let mut next = current.clone();
    next.display_lan = on;
    next.save(
        &state.settings_store,
        &allowed,
        &current,
        false,
        kasse.now(),
    )?;
    lan.apply(&app, on, &state.display).await
}

/// A new pairing code (every tablet pairs again), with the manager's PIN like a setting.
#[tauri::command]
pub async fn display_lan_renew(
    state: State<'_, Arc<AppState>>,
    lan: State<'_, Lan>,
    pin: Option<String>,
) -> CmdResult<LanStatus> {
    state.kasse().guard(Guarded::Settings, pin.as_deref())?;
    let running = lan.0.lock().await;
    if let Some(r) = running.as_ref() {
        r.renew();
    }
    Ok(status(running.as_ref()))
}
