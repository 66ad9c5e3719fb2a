//! The customer display window: the customer-facing view of `kasse_core::display`, drawn by the
//! UI's `#/display` page in a window of its own (on a second monitor when there is one), which
//! reads the view once and then follows it as the `display-changed` event. Its capability
//! (`capabilities/display.json`) grants reading that view and listening, nothing else.

use std::sync::Arc;

use kasse_core::display::place::{other_screen, Area};
use kasse_core::display::{CustomerView, Hub};
use tauri::{AppHandle, Emitter, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};

use kasse_core::ErrorCode;

use crate::dto::UiError;
use crate::error::CmdResult;
use crate::state::AppState;

/// The display window's label (its capability names it).
pub const LABEL: &str = "display";
/// The event that carries each new view to the display window.
pub const EVENT: &str = "display-changed";

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

/// Opens (`open`) or closes the customer display window; answers whether it is open. Opening
/// an open one brings it to the front.
#[tauri::command]
pub fn display_window<R: Runtime>(app: AppHandle<R>, open: bool) -> CmdResult<bool> {
    let existing = app.get_webview_window(LABEL);
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
