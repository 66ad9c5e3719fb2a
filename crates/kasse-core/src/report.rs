//! X (running) and Z (closing) day reports and the CSV export, derived from the log.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::CoreError;
use crate::order::PricedOrder;
use crate::sale::{Sale, SaleStatus};
use crate::store::{ListQuery, Store};

/// Sales of one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusLine {
    /// The status.
    pub status: SaleStatus,
    /// How many sales.
    pub count: u32,
    /// Their total amount, minor units.
    pub amount: i64,
}

/// Paid sales at one VAT rate (gross and VAT of the lines at that rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VatLine {
    /// The rate, as text (`25`, `25.5`).
    pub vat: String,
    /// Gross amount incl. VAT, minor units.
    pub gross: i64,
    /// VAT, minor units.
    pub vat_amount: i64,
}

/// Paid sales per payment product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProductLine {
    /// Dintero payment product type (`dintero_psp.creditcard`, …) or `unknown`.
    pub payment_product: String,
    /// How many sales.
    pub count: u32,
    /// Their captured amount minus refunds, minor units.
    pub amount: i64,
}

/// The day report: totals of the sales created in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayReport {
    /// Start (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub from: OffsetDateTime,
    /// End (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub to: OffsetDateTime,
    /// Z (closing) rather than X (running).
    pub closing: bool,
    /// Currency of the totals (sales in other currencies are left out and counted).
    pub currency: String,
    /// Per status.
    pub by_status: Vec<StatusLine>,
    /// Per VAT rate, over paid local sales.
    pub by_vat: Vec<VatLine>,
    /// Per payment product, over paid sales.
    pub by_product: Vec<ProductLine>,
    /// Number of sales in the period.
    pub sales: u32,
    /// Captured total.
    pub captured: i64,
    /// Refunded total.
    pub refunded: i64,
    /// Captured minus refunded.
    pub net: i64,
    /// Sales in other currencies, not in the totals.
    pub other_currency_sales: u32,
    /// The journal's chain head when the report was made, as printed (`SEQ:HASH`): written
    /// down or printed, it proves later that nothing up to it was changed
    /// (`kasse-cli journal verify --head`). `None` for an empty journal.
    pub journal_head: Option<String>,
}

/// Every sale created in `[from, to)`, oldest first.
pub fn sales_between(
    store: &Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<Sale>, CoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let q = ListQuery::new()
            .created(Some(from), Some(to - time::Duration::milliseconds(1)))
            .limit(500)
            .after(cursor);
        let page = store.list(&q)?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// The X or Z report of the sales created in `[from, to)`, in `currency`.
pub fn day_report(
    store: &Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
    closing: bool,
    currency: &str,
) -> Result<DayReport, CoreError> {
    let sales = sales_between(store, from, to)?;
    let mut by_status: BTreeMap<&'static str, StatusLine> = BTreeMap::new();
    let mut by_vat: BTreeMap<(u32, String), (i64, i64)> = BTreeMap::new();
    let mut by_product: BTreeMap<String, (u32, i64)> = BTreeMap::new();
    let mut r = DayReport {
        from,
        to,
        closing,
        currency: currency.to_owned(),
        by_status: vec![],
        by_vat: vec![],
        by_product: vec![],
        sales: 0,
        captured: 0,
        refunded: 0,
        net: 0,
        other_currency_sales: 0,
        journal_head: store.journal_head()?.map(|h| h.printed().to_string()),
    };
    for s in &sales {
        if s.currency != currency {
            r.other_currency_sales += 1;
            continue;
        }
        r.sales += 1;
        let line = by_status.entry(s.status.as_str()).or_insert(StatusLine {
            status: s.status,
            count: 0,
            amount: 0,
        });
        line.count += 1;
        // Sums saturate: an absurd amount imported from the network must not panic the
        // report (or wrap into a plausible-looking figure).
        line.amount = line.amount.saturating_add(s.amount);
        r.captured = r.captured.saturating_add(s.captured);
        r.refunded = r.refunded.saturating_add(s.refunded);
        if s.status.is_paid() {
            let p = by_product
                .entry(
                    s.payment_product
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                )
                .or_insert((0, 0));
            p.0 += 1;
            p.1 = p.1.saturating_add(s.captured.saturating_sub(s.refunded));
            if let Ok(order) = serde_json::from_value::<PricedOrder>(s.order.clone()) {
                for (rate, gross, vat) in order.vat_summary() {
                    let e = by_vat
                        .entry((u32::MAX - rate.hundredths(), rate.to_string()))
                        .or_insert((0, 0));
                    e.0 = e.0.saturating_add(gross);
                    e.1 = e.1.saturating_add(vat);
                }
            }
        }
    }
    r.net = r.captured.saturating_sub(r.refunded);
    r.by_status = by_status.into_values().collect();
    r.by_vat = by_vat
        .into_iter()
        .map(|((_, vat), (gross, vat_amount))| VatLine {
            vat,
            gross,
            vat_amount,
        })
        .collect();
    r.by_product = by_product
        .into_iter()
        .map(|(payment_product, (count, amount))| ProductLine {
            payment_product,
            count,
            amount,
        })
        .collect();
    Ok(r)
}

/// The sales created in `[from, to)` as CSV (RFC 4180, comma, header row), amounts in minor
/// units so a spreadsheet never rounds them.
pub fn csv(store: &Store, from: OffsetDateTime, to: OffsetDateTime) -> Result<String, CoreError> {
    csv_rows(store, from, to).map(|(csv, _)| csv)
}

/// [`csv`] and how many sales it holds (rows after the header).
pub fn csv_rows(
    store: &Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<(String, u32), CoreError> {
    let mut rows = 0u32;
    let mut out = String::from(
        "created_at,merchant_reference,status,currency,amount,vat_amount,captured,refunded,payment_product,transaction_id,session_id\r\n",
    );
    for s in sales_between(store, from, to)? {
        let fields = [
            s.created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            s.merchant_reference.clone(),
            s.status.as_str().to_owned(),
            s.currency.clone(),
            s.amount.to_string(),
            s.vat_amount.map(|v| v.to_string()).unwrap_or_default(),
            s.captured.to_string(),
            s.refunded.to_string(),
            s.payment_product.clone().unwrap_or_default(),
            s.transaction_id.clone().unwrap_or_default(),
            s.session_id.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
        rows = rows.saturating_add(1);
    }
    Ok((out, rows))
}

fn csv_field(f: &str) -> String {
    // Quote when needed; neutralise spreadsheet formulas (a reference could start with `=`).
    let f = if f.starts_with(['=', '+', '-', '@']) && f.parse::<f64>().is_err() {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::LogEvent;
    use crate::store::NewSale;
    use serde_json::json;

    #[test]
    fn report_and_csv_count_paid_sales_by_vat() {
        let store = Store::open_in_memory().unwrap();
        let at = time::macros::datetime!(2026-11-24 10:00 UTC);
        let order = crate::order::OrderInput::from_json_str(
            r#"{"lines":[{"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"},{"description":"Bolle","quantity":"1","unit_price":3500,"vat":"15"}]}"#,
        )
        .unwrap()
        .price(crate::money::Currency::Nok)
        .unwrap();
        for (i, paid) in [(1, true), (2, false)] {
            let id = format!("s{i}");
            store
                .open_sale(
                    &id,
                    &NewSale {
                        counter: "K1".into(),
                        currency: "NOK".into(),
                        amount: order.amount,
                        vat_amount: order.vat_amount,
                        order: serde_json::to_value(&order).unwrap(),
                    },
                    at,
                )
                .unwrap();
            let status = if paid {
                SaleStatus::Captured
            } else {
                SaleStatus::Declined
            };
            let ev = LogEvent::StatusObserved {
                status,
                transaction_id: Some(format!("T12345678.t{i}")),
                captured: if paid { order.amount } else { 0 },
                refunded: 0,
                source: "poll".into(),
                snapshot: json!({"id": format!("T12345678.t{i}"), "status": "CAPTURED", "payment_product_type": "dintero_psp.creditcard"}),
            };
            store.append(&id, &ev, at).unwrap();
        }
        let r = day_report(
            &store,
            at - time::Duration::hours(1),
            at + time::Duration::hours(1),
            false,
            "NOK",
        )
        .unwrap();
        assert_eq!(r.sales, 2);
        assert_eq!(r.captured, 11300);
        assert_eq!(r.net, 11300);
        assert_eq!(r.by_vat.len(), 2);
        assert_eq!(r.by_vat[0].vat, "25");
        assert_eq!((r.by_vat[0].gross, r.by_vat[0].vat_amount), (7800, 1560));
        assert_eq!(r.by_status.iter().map(|l| l.count).sum::<u32>(), 2);
        let csv = csv(
            &store,
            at - time::Duration::hours(1),
            at + time::Duration::hours(1),
        )
        .unwrap();
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.contains("K1-20261124-0001,captured,NOK,11300"));
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1500"), "-1500");
    }
}
