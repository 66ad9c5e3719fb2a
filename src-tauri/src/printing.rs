//! The receipt's commands: the receipt as the core builds it (with the shop from Settings),
//! printed on the chosen printer, saved as PDF where the person chose, and Settings' test
//! page. Printing runs off the UI's thread and writes nothing to the log: a printer that
//! fails says what to check and the sale is as it was.

use std::sync::Arc;

use kasse_core::print::{self, Language, PrintOptions, ReceiptSettings};
use kasse_core::receipt::Receipt;
use kasse_core::CoreError;
use tauri::State;

use crate::dto::UiError;
use crate::error::CmdResult;
use crate::state::AppState;

type St<'a> = State<'a, Arc<AppState>>;

/// The receipt of sale `sale_id` (`refund`: one refund's, by operation id or reference), and
/// how to print it: the shop's paper, its language, the UI's offset from UTC (minutes east).
fn build(
    state: &AppState,
    sale_id: &str,
    refund: Option<&str>,
    offset_minutes: i32,
) -> CmdResult<(Receipt, ReceiptSettings, PrintOptions)> {
    let settings = state.settings()?;
    let detail = state.kasse().detail(sale_id)?;
    let receipt = kasse_core::receipt::for_sale(
        &detail,
        refund,
        &settings.receipt.shop(),
        &settings.counter,
    )?;
    let options = options(&settings.receipt, &settings.language, offset_minutes);
    Ok((receipt, settings.receipt, options))
}

fn options(receipt: &ReceiptSettings, language: &str, offset_minutes: i32) -> PrintOptions {
    PrintOptions {
        width: receipt.paper_width,
        language: Language::from_code(language),
        offset: time::UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60))
            .unwrap_or(time::UtcOffset::UTC),
    }
}

/// Sends `bytes` to the printer on a blocking thread (connect and write have timeouts).
async fn send(printer: print::PrinterUrl, bytes: Vec<u8>) -> CmdResult<String> {
    let shown = printer.to_string();
    tauri::async_runtime::spawn_blocking(move || printer.send(&bytes, print::PRINTER_TIMEOUT))
        .await
        .map_err(|e| UiError::new(kasse_core::ErrorCode::Internal, e.to_string()))?
        .map_err(CoreError::from)?;
    Ok(shown)
}

/// A receipt as the core builds it, with the shop: the sale's (`refund` = `None`), or that of
/// the refund whose operation id is `refund`.
#[tauri::command]
pub fn receipt(state: St<'_>, sale_id: String, refund: Option<String>) -> CmdResult<Receipt> {
    Ok(build(&state, &sale_id, refund.as_deref(), 0)?.0)
}

/// Prints the receipt on the printer chosen in Settings: the printer it went to.
#[tauri::command]
pub async fn receipt_print(
    state: St<'_>,
    sale_id: String,
    refund: Option<String>,
    offset_minutes: i32,
) -> CmdResult<String> {
    let (receipt, settings, options) = build(&state, &sale_id, refund.as_deref(), offset_minutes)?;
    let printer = settings.printer_url().map_err(CoreError::from)?;
    send(printer, print::escpos(&receipt, &options)).await
}

/// Saves the receipt as PDF at `path`, the file chosen in the save dialog: the path written.
#[tauri::command]
pub fn receipt_pdf(
    state: St<'_>,
    sale_id: String,
    refund: Option<String>,
    path: String,
    offset_minutes: i32,
) -> CmdResult<String> {
    let (receipt, _, options) = build(&state, &sale_id, refund.as_deref(), offset_minutes)?;
    let written = kasse_core::report::write_file(
        std::path::Path::new(&path),
        print::pdf(&receipt, &options),
    )?;
    Ok(written.display().to_string())
}

/// Prints a test page on the printer in Settings' form (saved or not): the printer it went to.
#[tauri::command]
pub async fn printer_test(state: St<'_>, receipt: ReceiptSettings) -> CmdResult<String> {
    receipt.validate()?;
    let printer = receipt.printer_url().map_err(CoreError::from)?;
    let language = state.settings()?.language;
    let options = options(&receipt, &language, 0);
    send(printer, print::test_page(&receipt.shop(), &options)).await
}
