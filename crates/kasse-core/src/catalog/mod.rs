//! The shop's products: what a cashier searches, scans and sells by name, SKU or barcode.
//!
//! The catalogue lives in the log's database (`products`, store/catalog.rs). It is filled from
//! a spreadsheet's CSV ([`csv`]) or a form; what the log does with it (import for someone
//! allowed, fill an order's lines, read a scan) is [`crate::products`]. This module is the
//! data and its reading rules only, so the store can keep products without a cycle.

pub mod csv;
mod gtin;

use serde::{Deserialize, Serialize};

pub use gtin::{decode_scan, Gtin, GtinError, Scan};

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

/// Reads a [`ProductForm`] by the rules of a CSV row: the product, or why not (as a rejected
/// row, line 1).
pub fn read_form(
    form: &ProductForm,
    currency: crate::money::Currency,
) -> Result<Product, Rejected> {
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
    csv::product(get, currency).map_err(|(code, reason)| Rejected {
        line: 1,
        code,
        reason,
    })
}
