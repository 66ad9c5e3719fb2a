//! The catalogue's commands (search, categories, favourites, scan, import, export, add): each
//! reads its input and calls `kasse_core::catalog` or the store; the rules, the checks and the
//! guard are the core's.

use std::sync::Arc;

use kasse_core::access::Allowed;
use kasse_core::catalog::{ImportReport, Product, ProductForm, Unit};
use kasse_core::money::Currency;
use kasse_core::products::{self, ScanLine};
use kasse_core::staff::Guarded;
use kasse_core::Kasse;
use tauri::State;

use crate::dto::{OrderLineInput, ScanResult};
use crate::error::CmdResult;
use crate::state::AppState;

type St<'a> = State<'a, Arc<AppState>>;

/// The engine, the settings right the core grants for `pin` (none needed before a manager PIN
/// is set), and the shop's currency: what changing the catalogue takes.
fn settings_guard(state: &AppState, pin: Option<String>) -> CmdResult<(Kasse, Allowed, Currency)> {
    let kasse = state.kasse();
    let allowed = kasse.guard(Guarded::Settings, pin.as_deref())?;
    let currency = state.settings()?.currency;
    Ok((kasse, allowed, currency))
}

/// Search-as-you-type: active products matching `text` (name, SKU, GTIN), in `category` if given.
#[tauri::command]
pub fn catalog_search(
    state: St<'_>,
    text: String,
    category: Option<String>,
    limit: u32,
) -> CmdResult<Vec<Product>> {
    let kasse = state.kasse();
    Ok(kasse
        .store()
        .search_products(&text, category.as_deref(), limit)?)
}

/// The categories of active products (Sell's tabs).
#[tauri::command]
pub fn catalog_categories(state: St<'_>) -> CmdResult<Vec<String>> {
    Ok(state.kasse().store().product_categories()?)
}

/// The active favourites (Sell's quick tiles when there are any).
#[tauri::command]
pub fn catalog_favourites(state: St<'_>) -> CmdResult<Vec<Product>> {
    Ok(state.kasse().store().favourite_products()?)
}

/// What a scanned code adds to the cart ([`products::scan_line`]).
#[tauri::command]
pub fn catalog_scan(state: St<'_>, code: String) -> CmdResult<ScanResult> {
    let kasse = state.kasse();
    let store = kasse.store();
    Ok(match products::scan_line(store, &code)? {
        ScanLine::Line(l) => {
            let weighed = match &l.product_id {
                Some(sku) => store
                    .product_by_sku(sku)?
                    .is_some_and(|p| p.unit == Unit::Kg),
                None => false,
            };
            ScanResult::Line {
                line: OrderLineInput {
                    description: l.description,
                    quantity: l.quantity.to_string(),
                    unit_price: l.unit_price,
                    vat: l.vat.to_string(),
                    product_id: l.product_id,
                    discount: None,
                },
                weighed,
            }
        }
        ScanLine::NeedsWeight(product) => ScanResult::NeedsWeight { product },
        ScanLine::Unknown(gtin) => ScanResult::Unknown {
            gtin: gtin.as_str().to_owned(),
        },
    })
}

/// Imports a catalogue CSV (its bytes) with the manager's PIN once one is set.
#[tauri::command]
pub fn catalog_import(
    state: St<'_>,
    file: Vec<u8>,
    pin: Option<String>,
) -> CmdResult<ImportReport> {
    let (kasse, allowed, currency) = settings_guard(&state, pin)?;
    let report = products::import(kasse.store(), &allowed, &file, currency, kasse.now())?;
    Ok(report)
}

/// Every product as the CSV the import reads, written to `path` (the file chosen in the save
/// dialog); the path written.
#[tauri::command]
pub fn catalog_export(state: St<'_>, path: String) -> CmdResult<String> {
    let currency = state.settings()?.currency;
    let products = state.kasse().store().products()?;
    let csv = kasse_core::catalog::csv::export(&products, currency);
    let written = kasse_core::report::write_file(std::path::Path::new(&path), &csv)?;
    Ok(written.display().to_string())
}

/// Adds (or changes, by SKU) one product from a form, with the manager's PIN once one is set.
#[tauri::command]
pub fn catalog_add(
    state: St<'_>,
    form: ProductForm,
    pin: Option<String>,
) -> CmdResult<ImportReport> {
    let (kasse, allowed, currency) = settings_guard(&state, pin)?;
    let report = products::add_product(kasse.store(), &allowed, &form, currency, kasse.now())?;
    Ok(report)
}
