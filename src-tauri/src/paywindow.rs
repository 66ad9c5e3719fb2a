//! "Pay here": the checkout in a Kasse window on the counter. The navigation to the return URL
//! is caught at once (`on_navigation`), blocked, confirmed by one API read, and the window
//! closes.

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
    let return_prefix = kasse.config().return_url.clone();
    let handle = app.clone();
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::External(target))
        .title("Pay – Kasse")
        .inner_size(520.0, 800.0)
        .on_navigation(move |nav| {
            if !nav.as_str().starts_with(&return_prefix) {
                return true;
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
