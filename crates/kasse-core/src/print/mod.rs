//! Receipts on paper and in files: the shop's receipt settings (its name, address and
//! organisation number, the printer and its paper, printing after each paid sale), the
//! receipt laid out for a paper width (`layout`, worded by `words`), drawn as ESC/POS
//! (`escpos`) or PDF (`pdf`), and sent to a printer ([`crate::printer`]). It reads receipts the core
//! built ([`crate::receipt`]) and writes no log: a printer that fails costs a reprint, never a
//! sale.

pub mod escpos;
mod layout;
mod orgnr;
pub mod pdf;
pub mod words;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::printer::{PrintError, PrinterUrl, DEFAULT_PORT};
pub use layout::{Block, Layout, PaperWidth, PrintOptions, Style};
pub use orgnr::{CheckDigit, OrgNumber, OrgNumberError};
pub use words::Language;

use crate::error::CoreError;
use crate::receipt::{Receipt, Shop};

/// How long connecting to a printer, and then writing to it, may take.
pub const PRINTER_TIMEOUT: Duration = Duration::from_secs(5);

/// What receipts carry and where they print (Settings, kept together under `receipt`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ReceiptSettings {
    /// The shop's name, at the top of every receipt.
    pub shop_name: String,
    /// Its address, a line per line.
    pub shop_address: String,
    /// Its organisation number as typed (nine digits, MOD11-checked; empty: none).
    pub org_number: String,
    /// The receipt printer (`tcp://HOST:PORT`, `/dev/usb/lp0`, `cups://QUEUE`; empty: none).
    pub printer: String,
    /// Its paper.
    pub paper_width: PaperWidth,
    /// Print the receipt by itself when a sale is paid.
    pub auto_print: bool,
}

impl ReceiptSettings {
    /// Checks what a person typed, naming the field (`receipt.org_number`, …).
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.shop_name.chars().count() > 64 {
            return Err(CoreError::input(
                "receipt.shop_name",
                "at most 64 characters",
            ));
        }
        if self.shop_address.lines().count() > 4 || self.shop_address.chars().count() > 200 {
            return Err(CoreError::input(
                "receipt.shop_address",
                "at most 4 lines and 200 characters",
            ));
        }
        self.org()
            .map_err(|e| CoreError::input("receipt.org_number", e.to_string()))?;
        if !self.printer.trim().is_empty() {
            self.printer
                .parse::<PrinterUrl>()
                .map_err(|e| CoreError::input("receipt.printer", e.to_string()))?;
        }
        Ok(())
    }

    /// The organisation number, when one is given.
    pub fn org(&self) -> Result<Option<OrgNumber>, OrgNumberError> {
        let typed = self.org_number.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        typed.parse().map(Some)
    }

    /// The shop as receipts name it (an organisation number that does not check is left off).
    pub fn shop(&self) -> Shop {
        Shop {
            name: self.shop_name.trim().to_owned(),
            address: self.shop_address.trim().to_owned(),
            org_number: self.org().ok().flatten().map(|n| n.digits()),
        }
    }

    /// The chosen printer.
    pub fn printer_url(&self) -> Result<PrinterUrl, PrintError> {
        if self.printer.trim().is_empty() {
            return Err(PrintError::NoPrinter);
        }
        self.printer.parse()
    }
}

/// The receipt as ESC/POS bytes.
pub fn escpos(receipt: &Receipt, options: &PrintOptions) -> Vec<u8> {
    escpos::render(&layout::receipt(receipt, options))
}

/// The receipt as a PDF (laid out as on 80 mm paper, whatever the printer's width).
pub fn pdf(receipt: &Receipt, options: &PrintOptions) -> Vec<u8> {
    let options = PrintOptions {
        width: PaperWidth::Mm80,
        ..*options
    };
    pdf::render(&layout::receipt(receipt, &options), &receipt.number)
}

/// The receipt laid out (the lines a printer prints).
pub fn layout(receipt: &Receipt, options: &PrintOptions) -> Layout {
    layout::receipt(receipt, options)
}

/// Prints the receipt on `printer`.
pub fn print(
    receipt: &Receipt,
    printer: &PrinterUrl,
    options: &PrintOptions,
) -> Result<(), PrintError> {
    printer.send(&escpos(receipt, options), PRINTER_TIMEOUT)
}

/// A test page (the shop's header, the paper's width, æøå, a QR code) as ESC/POS bytes.
pub fn test_page(shop: &Shop, options: &PrintOptions) -> Vec<u8> {
    escpos::render(&layout::test_page(shop, options))
}

/// Prints [`test_page`] on `printer`.
pub fn print_test_page(
    shop: &Shop,
    printer: &PrinterUrl,
    options: &PrintOptions,
) -> Result<(), PrintError> {
    printer.send(&test_page(shop, options), PRINTER_TIMEOUT)
}

#[cfg(test)]
mod tests;
