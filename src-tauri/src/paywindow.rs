//! "Pay here": the checkout in a Kasse window on the counter. Every navigation is decided by
//! `kasse_core::pay_window`: within the checkout's origin it goes on; the return URL is caught
//! at once, blocked, confirmed by one API read, and the window closes; anything else is refused.

use kasse_core::pay_window::{decide, Navigation};
use kasse_core::{ErrorCode, Kasse};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::dto::UiError;

const LABEL: &str = "pay";

/// Opens (or replaces) the pay window for `sale_id` at `url`.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    kasse: Kasse,
    sale_id: String,
    url: &str,
) -> Result<(), UiError> {
    if let Some(w) = app.get_webview_window(LABEL) {
        let _ = w.destroy();
    }
    let target: tauri::Url = url.parse().map_err(|e| {
        UiError::new(
            ErrorCode::Internal,
            format!("the checkout URL is not valid: {e}"),
        )
    })?;
    let return_url = kasse.config().return_url.clone();
    let checkout = target.clone();
    let handle = app.clone();
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::External(target))
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
            let sale_id = sale_id.clone();
            let seen = nav.to_string();
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = kasse.confirm_return(&sale_id, &seen).await {
                    tracing::warn!(error = %e, "could not confirm the payment after the return URL");
                    kasse.check_now(&sale_id);
                }
                if let Some(w) = handle.get_webview_window(LABEL) {
                    let _ = w.close();
                }
            });
            false
        })
        .build()
        .map_err(|e| UiError::new(ErrorCode::Internal, format!("the pay window did not open: {e}")))?;
    Ok(())
}
