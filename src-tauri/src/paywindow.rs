//! "Pay here": the checkout in a Kasse window on the counter. Every navigation is decided by
//! `kasse_core::pay_window`: within the checkout's origin it goes on; the return URL is caught
//! at once, blocked, confirmed by one API read, and the window closes; anything else is refused.
//! The window belongs to one sale: each opening gets its own label, kept with the sale's id, so
//! closing for a sale (as `pay_window::must_close` decides) never closes another sale's window.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use kasse_core::pay_window::{decide, must_close, Moment, Navigation};
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

/// Opens (or replaces) the pay window for `sale_id` at `url`.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    kasse: Kasse,
    sale_id: String,
    url: &str,
) -> Result<(), UiError> {
    let target: tauri::Url = url.parse().map_err(|e| {
        UiError::new(
            ErrorCode::Internal,
            format!("the checkout URL is not valid: {e}"),
        )
    })?;
    let windows = app.state::<PayWindows>();
    let label = format!("pay-{}", windows.opened.fetch_add(1, Ordering::Relaxed));
    let previous = windows.slot().replace((label.clone(), sale_id.clone()));
    if let Some(w) = previous.and_then(|(l, _)| app.get_webview_window(&l)) {
        let _ = w.destroy();
    }
    let return_url = kasse.config().return_url.clone();
    let checkout = target.clone();
    let handle = app.clone();
    let own_sale = sale_id.clone();
    WebviewWindowBuilder::new(app, &label, WebviewUrl::External(target))
        .title("Pay – Kasse")
        .inner_size(520.0, 800.0)
        .on_navigation(move |nav| {
            match decide(&checkout, &return_url, nav) {
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
