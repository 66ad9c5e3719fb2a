//! "Pay here": the checkout in a Kasse window on the counter. The window loads Kasse's own page
//! (`ui/pay.html`), which embeds the sale's checkout with Dintero's Web SDK and passes the SDK's
//! events to `checkout_event` (they wake the watcher; its read decides). Every navigation is
//! decided by `kasse_core::pay_window::decide`: WebKitGTK asks the same hook for the window's
//! and the iframe's loads, so Kasse's page and the checkout's origin go on; the return URL
//! (the SDK's fallback when no handler runs) is caught at once, blocked, confirmed by one API
//! read, and the window closes; anything else is refused. The window belongs to one sale: each
//! opening gets its own label, kept with the sale's id, so closing for a sale (as
//! `pay_window::must_close` decides) never closes another sale's window, and the page's events
//! count only for its own sale.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use kasse_core::pay_window::{decide, must_close, Embed, Moment, Navigation};
use kasse_core::{ErrorCode, Kasse};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::dto::UiError;

/// The pay window open now, if any: its label and the sale it belongs to.
#[derive(Debug, Default)]
pub struct PayWindows {
    open: Mutex<Option<(String, String)>>,
    opened: AtomicU64,
}

impl PayWindows {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(String, String)>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Kasse's page in the pay window, as the webview names it (Tauri serves the app's files from
/// `tauri://localhost` on Linux and macOS, `http://tauri.localhost` on Windows).
const PAGE: &str = if cfg!(windows) {
    "http://tauri.localhost/pay.html"
} else {
    "tauri://localhost/pay.html"
};

/// Whether `label` is the pay window open now, and for `sale_id`.
pub fn belongs<R: Runtime>(app: &AppHandle<R>, label: &str, sale_id: &str) -> bool {
    app.try_state::<PayWindows>().is_some_and(|w| {
        w.slot()
            .as_ref()
            .is_some_and(|(l, s)| l == label && s == sale_id)
    })
}

/// Closes the pay window when `moment` ends it (see `pay_window::must_close`).
pub fn obey<R: Runtime>(app: &AppHandle<R>, moment: Moment<'_>) {
    let Some(windows) = app.try_state::<PayWindows>() else {
        return;
    };
    let label = {
        let mut open = windows.slot();
        match open.as_ref() {
            Some((_, sale)) if must_close(sale, moment) => open.take().map(|(label, _)| label),
            _ => None,
        }
    };
    if let Some(w) = label.and_then(|l| app.get_webview_window(&l)) {
        let _ = w.destroy();
    }
}

/// Opens (or replaces) the pay window for the sale `embed` shows.
pub fn open<R: Runtime>(app: &AppHandle<R>, kasse: Kasse, embed: Embed) -> Result<(), UiError> {
    let page: tauri::Url = PAGE
        .parse()
        .map_err(|e| UiError::new(ErrorCode::Internal, format!("the pay page: {e}")))?;
    let sale_id = embed.sale_id.clone();
    let windows = app.state::<PayWindows>();
    let label = format!("pay-{}", windows.opened.fetch_add(1, Ordering::Relaxed));
    let previous = windows.slot().replace((label.clone(), sale_id.clone()));
    if let Some(w) = previous.and_then(|(l, _)| app.get_webview_window(&l)) {
        let _ = w.destroy();
    }
    let return_url = kasse.config().return_url.clone();
    let endpoint = embed.endpoint.clone();
    let handle = app.clone();
    let own_sale = sale_id.clone();
    let url = WebviewUrl::App(format!("pay.html?{}", embed.page_query()).into());
    WebviewWindowBuilder::new(app, &label, url)
        .title("Pay – Kasse")
        .inner_size(520.0, 800.0)
        .on_navigation(move |nav| {
            let decision = decide(&page, &endpoint, &return_url, nav);
            tracing::debug!(to = %nav.origin().ascii_serialization(), path = nav.path(), ?decision, "pay window navigation");
            match decision {
                Navigation::Allow => return true,
                Navigation::Refuse => {
                    tracing::warn!(to = %nav.origin().ascii_serialization(), "the pay window refused to leave the checkout");
                    return false;
                }
                Navigation::Returned => {}
            }
            let kasse = kasse.clone();
            let sale_id = own_sale.clone();
            let seen = nav.to_string();
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = kasse.confirm_return(&sale_id, &seen).await {
                    tracing::warn!(error = %e, "could not confirm the payment after the return URL");
                    kasse.check_now(&sale_id);
                }
                obey(&handle, Moment::Returned { sale_id: &sale_id });
            });
            false
        })
        .build()
        .map_err(|e| {
            windows.slot().take_if(|(l, _)| *l == label);
            UiError::new(ErrorCode::Internal, format!("the pay window did not open: {e}"))
        })?;
    Ok(())
}
