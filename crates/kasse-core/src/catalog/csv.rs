//! The catalogue as a spreadsheet's CSV: import (a header row naming the columns, `,` or `;`
//! separated, UTF-8 with or without a BOM, prices in major units with `.` or `,`) and export in
//! the same form, so a file exported, edited and imported again round-trips.

use std::collections::{BTreeSet, HashMap};

use super::{Gtin, Product, RejectCode, Rejected, Unit};
use crate::money::{Currency, VatRate};
use crate::order::MAX_TEXT_CHARS;
use crate::spreadsheet::csv_field;

/// The columns, in the order export writes them. `sku`, `name`, `price` and `vat` are required
/// in an import; the others may be left out.
pub const COLUMNS: [&str; 9] = [
    "sku",
    "name",
    "gtin",
    "price",
    "vat",
    "unit",
    "category",
    "favourite",
    "active",
];

const REQUIRED: [&str; 4] = ["sku", "name", "price", "vat"];

/// Longest SKU taken.
pub const MAX_SKU_CHARS: usize = 64;

/// Why a file cannot be imported at all (nothing of it is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// Not UTF-8 text.
    #[error("the file is not UTF-8 text (line {line}): save it as \"CSV UTF-8\"")]
    NotUtf8 {
        /// The first line that is not.
        line: u64,
    },
    /// No header row.
    #[error("the file is empty: the first line must name the columns ({})", COLUMNS.join(","))]
    Empty,
    /// A required column is not in the header.
    #[error("the header has no column {0:?} (the columns are {cols})", cols = COLUMNS.join(","))]
    MissingColumn(&'static str),
    /// A column the catalogue does not know (a typo?).
    #[error("unknown column {0:?} in the header (the columns are {cols})", cols = COLUMNS.join(","))]
    UnknownColumn(String),
    /// A column named twice.
    #[error("the header names column {0:?} twice")]
    DuplicateColumn(String),
}

/// A CSV file read for import: the rows that make products (with their line), and those
/// refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Products to upsert by SKU, with the line each came from.
    pub products: Vec<(u64, Product)>,
    /// Rows refused, with their line and why.
    pub rejected: Vec<Rejected>,
}

/// `;` when the header has more of them than `,` (what spreadsheets write where `,` is the
/// decimal separator), else `,`.
fn delimiter(header: &str) -> u8 {
    match header.matches(';').count() > header.matches(',').count() {
        true => b';',
        false => b',',
    }
}

/// Reads a catalogue CSV whose prices are in `currency`.
pub fn parse(bytes: &[u8], currency: Currency) -> Result<Parsed, CsvError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // CRLF as LF: the csv reader counts a record's line by its LFs alone.
    let unix: Vec<u8> = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| !(**b == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
        .map(|(_, b)| *b)
        .collect();
    let bytes = unix.as_slice();
    let header_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let header_text =
        std::str::from_utf8(header_line).map_err(|_| CsvError::NotUtf8 { line: 1 })?;
    if header_text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter(header_text))
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(CsvError::Empty),
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = std::str::from_utf8(name).map_err(|_| CsvError::NotUtf8 { line: 1 })?;
        let name = name.trim().to_lowercase();
        let Some(col) = COLUMNS.iter().find(|c| **c == name) else {
            if name.is_empty() {
                continue;
            }
            return Err(CsvError::UnknownColumn(name));
        };
        if index.insert(col, i).is_some() {
            return Err(CsvError::DuplicateColumn(name));
        }
    }
    if let Some(missing) = REQUIRED.iter().find(|c| !index.contains_key(**c)) {
        return Err(CsvError::MissingColumn(missing));
    }
    let mut out = Parsed::default();
    let mut skus = BTreeSet::new();
    let mut gtins: HashMap<Gtin, String> = HashMap::new();
    for record in records {
        let (line, fields) = match record {
            Ok(r) => (r.position().map_or(0, |p| p.line()), r),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.rejected
                    .push(reject(line, RejectCode::BadRow, e.to_string()));
                continue;
            }
        };
        let mut text = Vec::with_capacity(fields.len());
        for f in fields.iter() {
            text.push(std::str::from_utf8(f).map_err(|_| CsvError::NotUtf8 { line })?);
        }
        if text.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        let get = |col: &'static str| {
            index
                .get(col)
                .and_then(|i| text.get(*i))
                .map_or("", |t| t.trim())
        };
        match product(get, currency) {
            Err((code, reason)) => out.rejected.push(reject(line, code, reason)),
            Ok(p) => {
                if !skus.insert(p.sku.clone()) {
                    let why = format!("SKU {:?} is on an earlier line of the file", p.sku);
                    out.rejected
                        .push(reject(line, RejectCode::DuplicateSku, why));
                    continue;
                }
                if let Some(g) = &p.gtin {
                    if let Some(other) = gtins.insert(g.clone(), p.sku.clone()) {
                        let why = format!("GTIN {g} is also SKU {other:?}'s, on an earlier line");
                        out.rejected
                            .push(reject(line, RejectCode::DuplicateGtin, why));
                        continue;
                    }
                }
                out.products.push((line, p));
            }
        }
    }
    Ok(out)
}

fn reject(line: u64, code: RejectCode, reason: String) -> Rejected {
    Rejected { line, code, reason }
}

/// A spreadsheet's guard against formulas (`'=…`) taken off again.
fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => text,
    }
}

fn flag(text: &str, default: bool) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "" => Some(default),
        "1" | "yes" | "y" | "true" | "ja" | "j" | "x" => Some(true),
        "0" | "no" | "n" | "false" | "nei" => Some(false),
        _ => None,
    }
}

pub(super) fn product<'a>(
    get: impl Fn(&'static str) -> &'a str,
    currency: Currency,
) -> Result<Product, (RejectCode, String)> {
    use RejectCode as R;
    if let Some(col) = REQUIRED.into_iter().find(|c| unguard(get(c)).is_empty()) {
        return Err((R::Missing, format!("{col} is empty")));
    }
    let sku = unguard(get("sku")).to_owned();
    let name = unguard(get("name")).to_owned();
    if sku.chars().count() > MAX_SKU_CHARS {
        return Err((
            R::BadRow,
            format!("sku is longer than {MAX_SKU_CHARS} characters"),
        ));
    }
    if name.chars().count() > MAX_TEXT_CHARS {
        return Err((
            R::BadRow,
            format!("name is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    let price = currency
        .parse_major(get("price"))
        .map_err(|e| (R::BadPrice, format!("price {e}")))?;
    let vat_text = get("vat").trim_end_matches('%').trim().replace(',', ".");
    let vat: VatRate = vat_text
        .parse()
        .map_err(|e| (R::BadVat, format!("vat {e}")))?;
    if let Some(rates) = currency.vat_rates() {
        if !rates.contains(&vat.hundredths()) {
            let allowed: Vec<String> = rates
                .iter()
                .map(|h| {
                    VatRate::from_hundredths(*h)
                        .map(|r| r.to_string())
                        .unwrap_or_default()
                })
                .collect();
            return Err((
                R::VatNotAllowed,
                format!(
                    "VAT {vat} % is not a {currency} rate (one of {} %)",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let gtin = match get("gtin") {
        "" => None,
        g => Some(Gtin::parse(g).map_err(|e| (R::BadGtin, e.to_string()))?),
    };
    let unit = Unit::parse(get("unit")).ok_or_else(|| {
        (
            R::BadUnit,
            format!("unit {:?} is not piece or kg", get("unit")),
        )
    })?;
    let favourite = flag(get("favourite"), false).ok_or_else(|| {
        (
            R::BadFlag,
            format!("favourite {:?} is not yes or no", get("favourite")),
        )
    })?;
    let active = flag(get("active"), true).ok_or_else(|| {
        (
            R::BadFlag,
            format!("active {:?} is not yes or no", get("active")),
        )
    })?;
    let category = match unguard(get("category")) {
        "" => None,
        c => Some(c.to_owned()),
    };
    Ok(Product {
        sku,
        name,
        gtin,
        price,
        vat,
        unit,
        category,
        favourite,
        active,
    })
}

/// Minor units as major with a `.` (`3990` → `39.90`), as the import reads them.
fn major(amount: i64, currency: Currency) -> String {
    let e = currency.exponent();
    if e == 0 {
        return amount.to_string();
    }
    let per = currency.minor_per_major();
    format!("{}.{:0w$}", amount / per, amount % per, w = e as usize)
}

/// The catalogue as CSV (`,` separated, header row of [`COLUMNS`], CRLF), prices in major
/// units of `currency`.
pub fn export(products: &[Product], currency: Currency) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for p in products {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let row = [
            csv_field(&p.sku),
            csv_field(&p.name),
            p.gtin.as_ref().map(|g| g.to_string()).unwrap_or_default(),
            major(p.price, currency),
            p.vat.to_string(),
            p.unit.as_str().to_owned(),
            csv_field(p.category.as_deref().unwrap_or("")),
            yes_no(p.favourite).to_owned(),
            yes_no(p.active).to_owned(),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests;
