//! Day totals for the X/Z report: per status and currency, and paid sales per payment product.

use std::fmt::Write as _;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::StoreError;
use crate::clock::{from_unix_ms, unix_ms};
use crate::sale::SaleStatus;

/// Totals of one status and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalsRow {
    /// Status.
    pub status: SaleStatus,
    /// Currency.
    pub currency: String,
    /// Number of sales.
    pub count: i64,
    /// Σ amount.
    pub amount: i64,
    /// Σ VAT (sales with unknown VAT count as 0).
    pub vat_amount: i64,
    /// Σ captured.
    pub captured: i64,
    /// Σ refunded.
    pub refunded: i64,
}

/// Totals of paid sales per payment product and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductTotalsRow {
    /// `payment_product_type` (`None`: not known).
    pub payment_product: Option<String>,
    /// Currency.
    pub currency: String,
    /// Number of paid sales.
    pub count: i64,
    /// Σ amount.
    pub amount: i64,
    /// Σ captured.
    pub captured: i64,
    /// Σ refunded.
    pub refunded: i64,
}

/// Totals of the sales created in `[from, to)`: the X/Z report's raw material. (The VAT-rate
/// breakdown needs the order lines and is computed from the orders, not here.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Start (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// End (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// Per status and currency, ordered by currency then status.
    pub by_status: Vec<TotalsRow>,
    /// Paid sales per payment product and currency.
    pub by_product: Vec<ProductTotalsRow>,
}

pub(crate) fn totals(
    conn: &Connection,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Totals, StoreError> {
    let (f, t) = (unix_ms(from), unix_ms(to));
    let mut by_status = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT status, currency, count(*), total(amount), total(coalesce(vat_amount, 0)),
                total(captured), total(refunded)
         FROM sales INDEXED BY sales_created
         WHERE created_at >= ?1 AND created_at < ?2
         GROUP BY status, currency ORDER BY currency, status",
    )?;
    let mut rows = stmt.query([f, t])?;
    while let Some(r) = rows.next()? {
        let status: String = r.get(0)?;
        by_status.push(TotalsRow {
            status: status.parse().map_err(|e: crate::sale::ParseEnumError| {
                StoreError::Corrupt {
                    what: "sales.status".into(),
                    detail: e.to_string(),
                }
            })?,
            currency: r.get(1)?,
            count: r.get(2)?,
            amount: sum(r.get(3)?)?,
            vat_amount: sum(r.get(4)?)?,
            captured: sum(r.get(5)?)?,
            refunded: sum(r.get(6)?)?,
        });
    }
    drop(rows);

    let paid: Vec<&str> = SaleStatus::ALL
        .iter()
        .filter(|s| s.is_paid())
        .map(|s| s.as_str())
        .collect();
    let mut sql = String::from(
        "SELECT payment_product, currency, count(*), total(amount), total(captured), total(refunded)
         FROM sales INDEXED BY sales_created
         WHERE created_at >= ?1 AND created_at < ?2 AND status IN (",
    );
    for (i, s) in paid.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        write!(sql, "'{s}'").ok();
    }
    sql.push_str(") GROUP BY payment_product, currency ORDER BY currency, payment_product");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([f, t])?;
    let mut by_product = Vec::new();
    while let Some(r) = rows.next()? {
        by_product.push(ProductTotalsRow {
            payment_product: r.get(0)?,
            currency: r.get(1)?,
            count: r.get(2)?,
            amount: sum(r.get(3)?)?,
            captured: sum(r.get(4)?)?,
            refunded: sum(r.get(5)?)?,
        });
    }
    Ok(Totals {
        from: from_unix_ms(f).unwrap_or(from),
        to: from_unix_ms(t).unwrap_or(to),
        by_status,
        by_product,
    })
}

/// SQLite `total()` is a float (it never overflows, unlike `sum()`); minor-unit sums far below
/// 2^53 are exact. Larger ones are refused rather than rounded.
fn sum(x: f64) -> Result<i64, StoreError> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() == 0.0 && x.abs() < EXACT {
        #[allow(clippy::cast_possible_truncation)]
        Ok(x as i64)
    } else {
        Err(StoreError::Corrupt {
            what: "totals".into(),
            detail: format!("sum {x} is not an exact integer"),
        })
    }
}
