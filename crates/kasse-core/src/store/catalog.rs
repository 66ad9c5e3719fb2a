//! The catalogue's table (`products`, migration 0006): an import upserted in one transaction
//! and journaled as a settings change, look-ups by SKU and GTIN, and search-as-you-type.

use rusqlite::{params, OptionalExtension, Row};
use serde_json::json;
use time::OffsetDateTime;

use super::staff::journal_change;
use super::{corrupt, Result, Store};
use crate::catalog::csv::Parsed;
use crate::catalog::{Gtin, ImportReport, Product, RejectCode, Rejected, Unit};
use crate::money::VatRate;
use crate::sale::SettingChange;
use crate::staff::Actor;

const COLUMNS: &str = "sku, name, gtin, price, vat, unit, category, favourite, active";

/// The text search-as-you-type matches: name, SKU and GTIN, lower-cased.
fn search_text(p: &Product) -> String {
    let gtin = p.gtin.as_ref().map_or("", |g| g.as_str());
    format!("{} {} {gtin}", p.name, p.sku).to_lowercase()
}

fn product_from_row(row: &Row<'_>) -> Result<Product> {
    let sku: String = row.get(0)?;
    let what = |col: &str| format!("products.{col} of {sku}");
    let gtin = match row.get::<_, Option<String>>(2)? {
        None => None,
        Some(g) => Some(Gtin::parse(&g).map_err(|e| corrupt(&what("gtin"), e))?),
    };
    let vat: u32 = row.get(4)?;
    let unit: String = row.get(5)?;
    Ok(Product {
        name: row.get(1)?,
        gtin,
        price: row.get(3)?,
        vat: VatRate::from_hundredths(vat).map_err(|e| corrupt(&what("vat"), e))?,
        unit: Unit::parse(&unit).ok_or_else(|| corrupt(&what("unit"), unit.clone()))?,
        category: row.get(6)?,
        favourite: row.get(7)?,
        active: row.get(8)?,
        sku,
    })
}

impl Store {
    /// Upserts the parsed rows by SKU in one transaction (nothing of it is written if anything
    /// fails) and journals it as a settings change by `actor`. A row whose GTIN another SKU
    /// already has is refused and reported with the rows the file itself refused.
    pub fn import_products(
        &self,
        parsed: Parsed,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<ImportReport> {
        self.write(|tx| {
            let count = |tx: &rusqlite::Transaction<'_>| -> Result<i64> {
                Ok(tx.query_row("SELECT count(*) FROM products", [], |r| r.get(0))?)
            };
            let before = count(tx)?;
            let mut report = ImportReport {
                rejected: parsed.rejected,
                ..ImportReport::default()
            };
            let mut owner = tx.prepare_cached("SELECT sku FROM products WHERE gtin = ?1")?;
            let mut existing =
                tx.prepare_cached(&format!("SELECT {COLUMNS} FROM products WHERE sku = ?1"))?;
            let mut upsert = tx.prepare_cached(&format!(
                "INSERT INTO products ({COLUMNS}, search) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (sku) DO UPDATE SET name = ?2, gtin = ?3, price = ?4, vat = ?5,
                   unit = ?6, category = ?7, favourite = ?8, active = ?9, search = ?10"
            ))?;
            for (line, p) in parsed.products {
                let gtin = p.gtin.as_ref().map(|g| g.as_str().to_owned());
                if let Some(g) = &gtin {
                    let other: Option<String> =
                        owner.query_row([g], |r| r.get(0)).optional()?;
                    if let Some(other) = other.filter(|o| *o != p.sku) {
                        report.rejected.push(Rejected {
                            line,
                            code: RejectCode::DuplicateGtin,
                            reason: format!("GTIN {g} is already SKU {other:?}'s"),
                        });
                        continue;
                    }
                }
                let known = existing
                    .query_row([&p.sku], |r| Ok(product_from_row(r)))
                    .optional()?
                    .transpose()?;
                if known.as_ref() == Some(&p) {
                    report.unchanged += 1;
                    continue;
                }
                upsert.execute(params![
                    p.sku,
                    p.name,
                    gtin,
                    p.price,
                    p.vat.hundredths(),
                    p.unit.as_str(),
                    p.category,
                    p.favourite,
                    p.active,
                    search_text(&p),
                ])?;
                match known {
                    Some(_) => report.updated += 1,
                    None => report.added += 1,
                }
            }
            report.rejected.sort_by_key(|r| r.line);
            if report.added + report.updated > 0 {
                let change = SettingChange::Value {
                    setting: "catalog".into(),
                    old: json!({ "products": before }),
                    new: json!({
                        "products": count(tx)?,
                        "added": report.added,
                        "updated": report.updated,
                    }),
                };
                journal_change(tx, actor, vec![change], at)?;
            }
            Ok(report)
        })
    }

    /// Every product, by SKU (the export).
    pub fn products(&self) -> Result<Vec<Product>> {
        self.query_products(&format!("SELECT {COLUMNS} FROM products ORDER BY sku"), [])
    }

    /// The product with this SKU (active or not).
    pub fn product_by_sku(&self, sku: &str) -> Result<Option<Product>> {
        let sql = format!("SELECT {COLUMNS} FROM products WHERE sku = ?1");
        Ok(self.query_products(&sql, [sku])?.into_iter().next())
    }

    /// The product with this GTIN (active or not).
    pub fn product_by_gtin(&self, gtin: &Gtin) -> Result<Option<Product>> {
        let sql = format!("SELECT {COLUMNS} FROM products WHERE gtin = ?1");
        Ok(self
            .query_products(&sql, [gtin.as_str()])?
            .into_iter()
            .next())
    }

    /// Active products matching every word of `text` in their name, SKU or GTIN (any case),
    /// in `category` when given; an exact SKU or GTIN first, then names starting with the
    /// text, then by name. At most `limit`.
    pub fn search_products(
        &self,
        text: &str,
        category: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Product>> {
        let text = text.trim().to_lowercase();
        let words: Vec<&str> = text.split_whitespace().take(8).collect();
        let mut sql = format!("SELECT {COLUMNS} FROM products WHERE active = 1");
        let mut args: Vec<rusqlite::types::Value> = vec![text.clone().into()];
        for w in &words {
            args.push((*w).to_owned().into());
            sql.push_str(&format!(" AND instr(search, ?{}) > 0", args.len()));
        }
        if let Some(c) = category {
            args.push(c.to_owned().into());
            sql.push_str(&format!(" AND category = ?{}", args.len()));
        }
        args.push(i64::from(limit).into());
        sql.push_str(&format!(
            " ORDER BY (lower(sku) = ?1 OR gtin = ?1) DESC, instr(search, ?1) = 1 DESC, name, sku LIMIT ?{}",
            args.len()
        ));
        self.query_products(&sql, rusqlite::params_from_iter(args))
    }

    /// The categories of active products, by name.
    pub fn product_categories(&self) -> Result<Vec<String>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT category FROM products WHERE active = 1 AND category IS NOT NULL ORDER BY category",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// Active favourites (the quick tiles), by name.
    pub fn favourite_products(&self) -> Result<Vec<Product>> {
        self.query_products(
            &format!(
                "SELECT {COLUMNS} FROM products WHERE active = 1 AND favourite = 1 ORDER BY name"
            ),
            [],
        )
    }

    fn query_products<P: rusqlite::Params>(&self, sql: &str, p: P) -> Result<Vec<Product>> {
        super::read::query_rows(&self.lock(), sql, p, product_from_row)
    }
}
