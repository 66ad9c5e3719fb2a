//! `kasse-cli receipt print|pdf`: a sale's receipt, or one refund's, as the core builds and
//! renders it, sent to a receipt printer or saved as PDF. Reads the local log only; printing
//! writes nothing to it, so a printer that fails loses nothing (print again).

use std::path::PathBuf;

use clap::Subcommand;
use kasse_core::print::{self, Language, PaperWidth, PrintOptions, PrinterUrl};
use kasse_core::receipt::Receipt;
use kasse_core::settings::Settings;
use kasse_core::store::Store;
use kasse_core::{CoreError, SaleDetail};
use serde_json::json;

use crate::output::Out;

#[derive(Debug, Subcommand)]
pub(crate) enum ReceiptCommand {
    /// Print the receipt on an ESC/POS receipt printer.
    Print {
        /// Transaction id, session id or merchant reference.
        id: String,
        /// The printer: tcp://HOST[:PORT] (port 9100 by default), a device such as
        /// /dev/usb/lp0, or cups://QUEUE (sent raw). Default: the one in Settings.
        #[arg(long)]
        printer: Option<String>,
        /// Paper width in mm: 58 (32 characters a line) or 80 (48). Default: Settings'.
        #[arg(long, value_parser = ["58", "80"])]
        width: Option<String>,
        /// A refund's receipt instead: its number (2 for …-R2) or reference.
        #[arg(long, value_name = "N")]
        refund: Option<String>,
    },
    /// Save the receipt as a PDF.
    Pdf {
        /// Transaction id, session id or merchant reference.
        id: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// A refund's receipt instead: its number (2 for …-R2) or reference.
        #[arg(long, value_name = "N")]
        refund: Option<String>,
    },
}

/// The receipt of sale `id` (or its refund), with the shop from the settings.
fn build(
    store: &Store,
    settings: &Settings,
    id: &str,
    refund: Option<&str>,
) -> anyhow::Result<Receipt> {
    let sale = store
        .find(id)?
        .ok_or_else(|| CoreError::NotFound(id.to_owned()))?;
    let events = store.events(&sale.id)?;
    let order = serde_json::from_value(sale.order.clone()).ok();
    let detail = SaleDetail {
        sale,
        order,
        events,
    };
    Ok(kasse_core::receipt::for_sale(
        &detail,
        refund,
        &settings.receipt.shop(),
        &settings.counter,
    )?)
}

/// Runs one `receipt` command.
pub(crate) fn receipt(store: &Store, command: ReceiptCommand, out: &Out) -> anyhow::Result<()> {
    let settings = Settings::load(store)?;
    // The CLI does not know the shop's time zone: times are printed in UTC, marked so.
    let mut options = PrintOptions {
        width: settings.receipt.paper_width,
        language: Language::from_code(&settings.language),
        offset: time::UtcOffset::UTC,
    };
    match command {
        ReceiptCommand::Print {
            id,
            printer,
            width,
            refund,
        } => {
            let r = build(store, &settings, &id, refund.as_deref())?;
            let url: PrinterUrl = match printer {
                Some(p) => p.parse().map_err(CoreError::from)?,
                None => settings.receipt.printer_url().map_err(CoreError::from)?,
            };
            if let Some(w) = width.and_then(|w| w.parse().ok()) {
                options.width = PaperWidth::from_mm(w).unwrap_or(options.width);
            }
            print::print(&r, &url, &options).map_err(CoreError::from)?;
            if out.json {
                out.line(&json!({"printed": r.number, "printer": url.to_string(), "width": options.width.mm()}))?;
            } else {
                out.text(&format!("printed receipt {} on {url}", r.number))?;
            }
        }
        ReceiptCommand::Pdf {
            id,
            out: file,
            refund,
        } => {
            let r = build(store, &settings, &id, refund.as_deref())?;
            let file = std::path::absolute(&file).unwrap_or(file);
            let written = kasse_core::report::write_file(&file, print::pdf(&r, &options))?;
            if out.json {
                out.line(&json!({"written": written.display().to_string(), "receipt": r.number}))?;
            } else {
                out.text(&format!(
                    "wrote receipt {} to {}",
                    r.number,
                    written.display()
                ))?;
            }
        }
    }
    Ok(())
}
