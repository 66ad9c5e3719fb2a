//! The shop's products: what a cashier searches, scans and sells by name, SKU or barcode.
//!
//! The catalogue lives in the log's database (`products`, store/catalog.rs). It is filled from
//! a spreadsheet's CSV ([`csv`]), and an order may name its products instead of spelling them
//! ([`resolve_order`]): the catalogue fills description, price and VAT, so the app, the CLI
//! and a scanner all sell at the same price.

pub mod csv;
mod gtin;
mod resolve;

use serde::{Deserialize, Serialize};

pub use gtin::{decode_scan, Gtin, GtinError, Scan};
pub use resolve::{resolve_order, scan_line, ScanLine};

use crate::money::VatRate;

/// How a product is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Unit {
    /// By the piece: whole quantities.
    #[default]
    Piece,
    /// By weight: the price is per kilogram and the quantity is weighed.
    Kg,
}

impl Unit {
    /// The CSV and database value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Piece => "piece",
            Unit::Kg => "kg",
        }
    }

    /// Reads the CSV value (`piece`, `kg`; also `stk`, `st` and empty for pieces).
    pub fn parse(text: &str) -> Option<Unit> {
        match text.trim().to_lowercase().as_str() {
            "" | "piece" | "pcs" | "stk" | "st" | "ea" => Some(Unit::Piece),
            "kg" => Some(Unit::Kg),
            _ => None,
        }
    }
}

/// One product of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Product {
    /// The shop's own id, unique (sent to Dintero as the order line's `id`).
    pub sku: String,
    /// The name on the screen and the receipt.
    pub name: String,
    /// The barcode, unique when given.
    pub gtin: Option<Gtin>,
    /// Price per unit (piece or kg) incl. VAT, minor units of the shop's currency.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub price: i64,
    /// VAT rate.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub vat: VatRate,
    /// Piece or kg.
    pub unit: Unit,
    /// Category (a tab in Sell), if any.
    pub category: Option<String>,
    /// Shown as a quick tile.
    pub favourite: bool,
    /// Sold; an inactive product is kept for the record but not found by search or scan.
    pub active: bool,
}

/// What a catalogue import did: rows added, updated (same SKU), unchanged, and refused, each
/// with its line in the file and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    /// New products.
    pub added: u32,
    /// Products whose SKU was already there, changed to what the file says.
    pub updated: u32,
    /// Rows the same as the product already there.
    pub unchanged: u32,
    /// Rows not imported.
    pub rejected: Vec<Rejected>,
}

/// A row not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rejected {
    /// The row's line in the file (the header is line 1).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    /// What is wrong, for the UI to word.
    pub code: RejectCode,
    /// Why, in English, as the shop should fix it (the CLI prints it).
    pub reason: String,
}

/// What is wrong with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RejectCode {
    /// A required column is empty (sku, name, price, vat).
    Missing,
    /// The price is not an amount.
    BadPrice,
    /// The VAT is not a rate.
    BadVat,
    /// The VAT rate is not one of the country's.
    VatNotAllowed,
    /// The GTIN's length or check digit is wrong.
    BadGtin,
    /// Another row or product has the GTIN.
    DuplicateGtin,
    /// An earlier row of the file has the SKU.
    DuplicateSku,
    /// The unit is not `piece` or `kg`.
    BadUnit,
    /// `favourite` or `active` is not yes/no.
    BadFlag,
    /// The row itself cannot be read (columns missing, text too long).
    BadRow,
}

/// Imports a catalogue CSV ([`csv::parse`]) into `store` for whoever was `allowed` to change
/// settings ([`crate::staff::Guarded::Settings`]): one transaction, journaled with who did it.
/// A file that cannot be a catalogue at all is refused whole, naming what to fix.
pub fn import(
    store: &crate::store::Store,
    allowed: &crate::access::Allowed,
    file: &[u8],
    currency: crate::money::Currency,
    now: time::OffsetDateTime,
) -> Result<ImportReport, crate::CoreError> {
    let actor = allowed.expect(crate::staff::Guarded::Settings)?;
    let parsed = csv::parse(file, currency).map_err(|e| crate::CoreError::InvalidInput {
        field: "file".into(),
        message: e.to_string(),
    })?;
    Ok(store.import_products(parsed, actor, now)?)
}

/// A product as a person types it in a form: the same text as a CSV row's columns, read by the
/// same rules ([`csv::parse`]). An empty SKU takes the GTIN's (a product added at a scan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProductForm {
    /// The shop's id; empty for the GTIN.
    pub sku: String,
    /// The name on the screen and the receipt.
    pub name: String,
    /// The barcode, or empty.
    pub gtin: String,
    /// In major units, `.` or `,` (`39.90`).
    pub price: String,
    /// In percent (`25`, `12.5`).
    pub vat: String,
    /// `piece` or `kg`.
    pub unit: String,
    /// A tab in Sell, or empty.
    pub category: String,
}

/// Adds (or, by SKU, changes) one product from a form, for whoever was `allowed` to change
/// settings: read like an import's row and written by [`crate::store::Store::import_products`]
/// (one transaction, journaled). A refused form is the report's one rejected row (line 1).
pub fn add_product(
    store: &crate::store::Store,
    allowed: &crate::access::Allowed,
    form: &ProductForm,
    currency: crate::money::Currency,
    now: time::OffsetDateTime,
) -> Result<ImportReport, crate::CoreError> {
    let actor = allowed.expect(crate::staff::Guarded::Settings)?;
    let sku = match form.sku.trim() {
        "" => form.gtin.trim(),
        s => s,
    };
    let get = |col: &'static str| match col {
        "sku" => sku,
        "name" => form.name.trim(),
        "gtin" => form.gtin.trim(),
        "price" => form.price.trim(),
        "vat" => form.vat.trim(),
        "unit" => form.unit.trim(),
        "category" => form.category.trim(),
        _ => "",
    };
    let mut parsed = csv::Parsed::default();
    match csv::product(get, currency) {
        Ok(p) => parsed.products.push((1, p)),
        Err((code, reason)) => parsed.rejected.push(Rejected {
            line: 1,
            code,
            reason,
        }),
    }
    Ok(store.import_products(parsed, actor, now)?)
}
