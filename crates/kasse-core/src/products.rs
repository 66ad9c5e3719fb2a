//! The catalogue in use: a CSV imported or a form added for whoever was allowed to change
//! settings (one transaction, journaled), an order whose lines name products
//! (`{"sku","quantity"}`, `{"gtin","quantity"}`) filled from the catalogue, and a scanned code
//! turned into the cart line it stands for.

use serde_json::{json, Map, Value};

use crate::catalog::{csv, decode_scan, Gtin, ImportReport, Product, ProductForm, Scan, Unit};
use crate::error::CoreError;
use crate::money::Quantity;
use crate::order::{LineInput, OrderInput};
use crate::store::Store;

/// Imports a catalogue CSV ([`csv::parse`]) into `store` for whoever was `allowed` to change
/// settings ([`crate::staff::Guarded::Settings`]): one transaction, journaled with who did it.
/// A file that cannot be a catalogue at all is refused whole, naming what to fix.
pub fn import(
    store: &Store,
    allowed: &crate::access::Allowed,
    file: &[u8],
    currency: crate::money::Currency,
    now: time::OffsetDateTime,
) -> Result<ImportReport, CoreError> {
    let actor = allowed.expect(crate::staff::Guarded::Settings)?;
    let parsed = csv::parse(file, currency).map_err(|e| CoreError::InvalidInput {
        field: "file".into(),
        message: e.to_string(),
    })?;
    Ok(store.import_products(parsed, actor, now)?)
}

/// Adds (or, by SKU, changes) one product from a form, for whoever was `allowed` to change
/// settings: read like an import's row ([`crate::catalog::read_form`]) and written by
/// [`Store::import_products`] (one transaction, journaled). A refused form is the report's one
/// rejected row (line 1).
pub fn add_product(
    store: &Store,
    allowed: &crate::access::Allowed,
    form: &ProductForm,
    currency: crate::money::Currency,
    now: time::OffsetDateTime,
) -> Result<ImportReport, CoreError> {
    let actor = allowed.expect(crate::staff::Guarded::Settings)?;
    let mut parsed = csv::Parsed::default();
    match crate::catalog::read_form(form, currency) {
        Ok(p) => parsed.products.push((1, p)),
        Err(rejected) => parsed.rejected.push(rejected),
    }
    Ok(store.import_products(parsed, actor, now)?)
}

fn invalid(field: String, message: String) -> CoreError {
    CoreError::InvalidInput { field, message }
}

/// The product a line names by `sku` or `gtin`, if it names one.
fn named(
    store: &Store,
    line: &Map<String, Value>,
    path: &str,
) -> Result<Option<Product>, CoreError> {
    let text = |key: &str| match line.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid(
            format!("{path}.{key}"),
            format!("{key} must be a string"),
        )),
    };
    let product = match (text("sku")?, text("gtin")?) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(invalid(
                format!("{path}.sku"),
                "name the product by sku or by gtin, not both".into(),
            ))
        }
        (Some(sku), None) => store.product_by_sku(&sku)?.ok_or_else(|| {
            invalid(
                format!("{path}.sku"),
                format!("no product with SKU {sku:?} in the catalogue"),
            )
        })?,
        (None, Some(code)) => {
            let gtin =
                Gtin::parse(&code).map_err(|e| invalid(format!("{path}.gtin"), e.to_string()))?;
            store.product_by_gtin(&gtin)?.ok_or_else(|| {
                invalid(
                    format!("{path}.gtin"),
                    format!("no product with GTIN {gtin} in the catalogue"),
                )
            })?
        }
    };
    if !product.active {
        return Err(invalid(
            format!("{path}.sku"),
            format!(
                "{} ({}) is not sold any more (inactive in the catalogue)",
                product.name, product.sku
            ),
        ));
    }
    for key in line.keys() {
        if !matches!(
            key.as_str(),
            "sku" | "gtin" | "quantity" | "type" | "discount"
        ) {
            return Err(invalid(
                format!("{path}.{key}"),
                format!("a line that names a product by sku or gtin takes only quantity and discount (the catalogue gives {key})"),
            ));
        }
    }
    Ok(Some(product))
}

/// Reads an order's JSON (the `kasse-cli charge --order` contract, the app's cart) with its
/// catalogue lines filled in from `store`; lines that spell themselves out are read as they are.
pub fn resolve_order(store: &Store, order: &Value) -> Result<OrderInput, CoreError> {
    let mut order = order.clone();
    if let Some(lines) = order.get_mut("lines").and_then(Value::as_array_mut) {
        for (i, line) in lines.iter_mut().enumerate() {
            let path = format!("lines[{}]", i + 1);
            let Some(obj) = line.as_object() else {
                continue;
            };
            let Some(p) = named(store, obj, &path)? else {
                continue;
            };
            let quantity = obj.get("quantity").cloned().unwrap_or(json!("1"));
            let mut filled = json!({
                "description": p.name,
                "quantity": quantity,
                "unit_price": p.price,
                "vat": p.vat.to_string(),
                "product_id": p.sku,
            });
            for key in ["type", "discount"] {
                if let Some(v) = obj.get(key) {
                    filled[key] = v.clone();
                }
            }
            *line = filled;
        }
    }
    Ok(OrderInput::from_json_value(&order)?)
}

/// What a scanned code adds to the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanLine {
    /// A line to add as it is.
    Line(LineInput),
    /// A product sold by weight, scanned by its own code: the cashier weighs it.
    NeedsWeight(Product),
    /// No product has the code: offer to add it to the catalogue.
    Unknown(Gtin),
}

/// The cart line a scanned `code` stands for ([`decode_scan`]): a product by its GTIN, a
/// weighed item with its weight, or an item priced in store at the printed price.
pub fn scan_line(store: &Store, code: &str) -> Result<ScanLine, CoreError> {
    let scan = decode_scan(code).map_err(|e| invalid("code".into(), e.to_string()))?;
    let item = match &scan {
        Scan::Item(g) | Scan::Weighed { item: g, .. } | Scan::Priced { item: g, .. } => g.clone(),
    };
    let Some(p) = store.product_by_gtin(&item)?.filter(|p| p.active) else {
        return Ok(ScanLine::Unknown(match scan {
            Scan::Item(g) => g,
            _ => item,
        }));
    };
    let line = |quantity: Quantity, unit_price: i64| LineInput {
        product_id: Some(p.sku.clone()),
        ..LineInput::new(p.name.clone(), quantity, unit_price, p.vat)
    };
    let one = Quantity::whole(1).map_err(|e| invalid("code".into(), e.to_string()))?;
    Ok(match scan {
        Scan::Item(_) if p.unit == Unit::Kg => ScanLine::NeedsWeight(p),
        Scan::Item(_) => ScanLine::Line(line(one, p.price)),
        Scan::Weighed { grams, .. } => {
            let kg = Quantity::from_thousandths(i64::from(grams))
                .map_err(|e| invalid("code".into(), format!("weight {e}")))?;
            ScanLine::Line(line(kg, p.price))
        }
        Scan::Priced { amount, .. } => ScanLine::Line(line(one, amount)),
    })
}
