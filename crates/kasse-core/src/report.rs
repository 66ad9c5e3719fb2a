//! X (running) and Z (closing) day reports and the CSV export, derived from the log. The report
//! is the one both shells show: money counts when it moved ([`moves`]), and a Z report closes
//! a period, so the next one starts where it ended ([`open_period`]).

mod moves;

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::access::Allowed;
use crate::clock::normalize;
use crate::error::CoreError;
use crate::sale::{LogEvent, Sale, SaleStatus};
use crate::spreadsheet::csv_field;
use crate::staff::Guarded;
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
    /// What kind of payment that is, as people name it (`None`: not known).
    pub kind: Option<crate::payment::PaymentKind>,
    /// How many sales.
    pub count: u32,
    /// Their captured amount minus refunds, minor units.
    pub amount: i64,
}

/// The day report: what money moved in `[from, to)` (captures and refunds by when the journal
/// saw them), the authorisations still open at `to`, and the attempts that took no money.
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
    /// The Z report's number (1 for the counter's first), for a closing report.
    pub z_number: Option<u32>,
    /// Currency of the totals (sales in other currencies are left out and counted).
    pub currency: String,
    /// Per status (where each sale that changed in the period stood at its end).
    pub by_status: Vec<StatusLine>,
    /// Per VAT rate: captured minus refunded in the period (rates that net to nothing are
    /// left out; sales without order lines, imported, have no rate).
    pub by_vat: Vec<VatLine>,
    /// Per payment product, over the sales whose money moved.
    pub by_product: Vec<ProductLine>,
    /// Paid sales: those with money captured in the period.
    pub sales: u32,
    /// Attempts that ended in the period declined, failed, cancelled or expired.
    pub failed_attempts: u32,
    /// Captured in the period.
    pub captured: i64,
    /// Refunded in the period.
    pub refunded: i64,
    /// Captured minus refunded.
    pub net: i64,
    /// Authorised at the period's end and neither captured nor released yet.
    pub open_authorisations: i64,
    /// Sales in other currencies, not in the totals.
    pub other_currency_sales: u32,
    /// Paid sales (as [`DayReport::sales`] counts them) that were sold with a discount.
    pub discounted_sales: u32,
    /// What discounts took off those sales, minor units.
    pub discounts: i64,
    /// The journal's chain head when the report was made, as printed (`SEQ:HASH`): written
    /// down or printed, it proves later that nothing up to it was changed
    /// (`kasse-cli journal verify --head`). `None` for an empty journal.
    pub journal_head: Option<String>,
}

/// Where the open period starts: the end of the last Z report, and the next Z's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenPeriod {
    /// End of the last Z report's period (`None`: no day was closed yet).
    pub from: Option<OffsetDateTime>,
    /// The number the next Z report gets.
    pub next_z: u32,
}

impl OpenPeriod {
    /// Where the open period starts: the end of the last Z report, or the log's beginning.
    pub fn start(&self) -> OffsetDateTime {
        self.from.unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The period an X report covers when asked for `[from, to)`: what is left out is the open
    /// period's, from its [`start`](Self::start) up to `now`.
    pub fn x_period(
        &self,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> (OffsetDateTime, OffsetDateTime) {
        (from.unwrap_or(self.start()), to.unwrap_or(now))
    }
}

/// The open period: everything since the last Z report (its [`LogEvent::DayClosed`]).
pub fn open_period(store: &Store) -> Result<OpenPeriod, CoreError> {
    let mut p = OpenPeriod {
        from: None,
        next_z: 1,
    };
    for e in store.counter_events()? {
        if let LogEvent::DayClosed { to, .. } = e.event {
            p.from = Some(p.from.map_or(to, |f: OffsetDateTime| f.max(to)));
            p.next_z = p.next_z.saturating_add(1);
        }
    }
    Ok(p)
}

/// The Z report: closes the open period, from where the last Z report ended (or `from`, if
/// later) up to `to` but never past `now` (inclusive, so a sale made after it belongs to the next
/// period), and journals it as [`LogEvent::DayClosed`] naming who was `allowed` to
/// ([`Guarded::CloseDay`]).
pub fn close_period(
    store: &Store,
    allowed: &Allowed,
    from: OffsetDateTime,
    to: OffsetDateTime,
    currency: &str,
    now: OffsetDateTime,
) -> Result<DayReport, CoreError> {
    let actor = allowed.expect(Guarded::CloseDay)?;
    let open = open_period(store)?;
    let from = normalize(open.from.map_or(from, |f| f.max(from)));
    // Up to and including the closing millisecond: what was journaled before the Z is in it.
    let to = normalize(to.min(now + time::Duration::milliseconds(1)).max(from));
    let mut r = day_report(store, from, to, true, currency)?;
    r.z_number = Some(open.next_z);
    let closed = LogEvent::DayClosed {
        actor: actor.clone(),
        from,
        to,
        currency: r.currency.clone(),
        sales: r.sales,
        net: r.net,
        journal_head: r.journal_head.clone(),
    };
    store.journal_day_closed(&closed, open.next_z, now)?;
    Ok(r)
}

/// Every sale created in `[from, to)`, oldest first.
pub fn sales_between(
    store: &Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<Sale>, CoreError> {
    sales_created(store, Some(from), to)
}

fn sales_created(
    store: &Store,
    from: Option<OffsetDateTime>,
    to: OffsetDateTime,
) -> Result<Vec<Sale>, CoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let q = ListQuery::new()
            .created(from, Some(to))
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

/// The X or Z report of the money that moved in `[from, to)`, in `currency`.
pub fn day_report(
    store: &Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
    closing: bool,
    currency: &str,
) -> Result<DayReport, CoreError> {
    let mut by_status: BTreeMap<&'static str, StatusLine> = BTreeMap::new();
    let mut by_vat = moves::ByRate::new();
    let mut by_product: BTreeMap<String, (u32, i64)> = BTreeMap::new();
    let mut r = DayReport {
        from,
        to,
        closing,
        z_number: None,
        currency: currency.to_owned(),
        by_status: vec![],
        by_vat: vec![],
        by_product: vec![],
        sales: 0,
        failed_attempts: 0,
        captured: 0,
        refunded: 0,
        net: 0,
        open_authorisations: 0,
        other_currency_sales: 0,
        discounted_sales: 0,
        discounts: 0,
        journal_head: store.journal_head()?.map(|h| h.printed().to_string()),
    };
    // A sale untouched since before the period is not even read when it holds nothing open,
    // and is taken from its stored view when it does; only a sale that moved in or after the
    // period but began before it is replayed from its events.
    for s in store.report_candidates(from, to, &moves::MAY_HOLD_AUTHORISATION)? {
        let m = if moves::wholly_within(&s, from, to) {
            moves::whole(s)
        } else if moves::settled_before(&s, from) {
            moves::unchanged(s)
        } else {
            match moves::moves(&s.id, &store.events(&s.id)?, from, to) {
                Some(m) => m,
                None => continue,
            }
        };
        if !m.touched && m.open == 0 {
            continue;
        }
        if m.sale.currency != currency {
            r.other_currency_sales += 1;
            continue;
        }
        // Sums saturate: an absurd amount imported from the network must not panic the
        // report (or wrap into a plausible-looking figure).
        r.open_authorisations = r.open_authorisations.saturating_add(m.open);
        if !m.touched {
            continue;
        }
        let line = by_status
            .entry(m.sale.status.as_str())
            .or_insert(StatusLine {
                status: m.sale.status,
                count: 0,
                amount: 0,
            });
        line.count += 1;
        line.amount = line.amount.saturating_add(m.sale.amount);
        r.failed_attempts += u32::from(m.failed);
        r.sales += u32::from(m.captured > 0);
        if m.captured > 0 && m.discount > 0 {
            r.discounted_sales += 1;
            r.discounts = r.discounts.saturating_add(m.discount);
        }
        r.captured = r.captured.saturating_add(m.captured);
        r.refunded = r.refunded.saturating_add(m.refunded);
        if m.captured != 0 || m.refunded != 0 {
            let p = by_product
                .entry(
                    m.sale
                        .payment_product
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                )
                .or_insert((0, 0));
            p.0 += u32::from(m.captured > 0);
            p.1 = p.1.saturating_add(m.captured.saturating_sub(m.refunded));
        }
        for (rate, (gross, vat)) in m.vat {
            let e = by_vat.entry(rate).or_insert((0, 0));
            e.0 = e.0.saturating_add(gross);
            e.1 = e.1.saturating_add(vat);
        }
    }
    r.net = r.captured.saturating_sub(r.refunded);
    r.by_status = by_status.into_values().collect();
    r.by_vat = by_vat
        .into_iter()
        .rev()
        .filter(|(_, (gross, vat))| (*gross, *vat) != (0, 0))
        .map(|(rate, (gross, vat_amount))| VatLine {
            vat: rate.to_string(),
            gross,
            vat_amount,
        })
        .collect();
    r.by_product = by_product
        .into_iter()
        .map(|(payment_product, (count, amount))| ProductLine {
            kind: (payment_product != "unknown")
                .then(|| crate::payment::PaymentKind::of_product(&payment_product)),
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

/// A CSV export written where the person chose ([`write_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// The file written (absolute).
    pub path: std::path::PathBuf,
    /// Sales in it (rows after the header).
    pub rows: u32,
}

/// Writes `text` to `path`, which must be absolute (a relative path would land in whatever
/// folder the app was started from). Written beside it first and renamed over it, so a failed
/// write never leaves half a file, nor spoils one that was there. Errors are
/// [`CoreError::FileWrite`] naming the path and the system's reason.
pub fn write_file(
    path: &std::path::Path,
    text: impl AsRef<[u8]>,
) -> Result<std::path::PathBuf, CoreError> {
    let failed = |reason: String| CoreError::FileWrite {
        path: path.display().to_string(),
        reason,
    };
    if !path.is_absolute() {
        return Err(failed("not a full path (choose a folder)".into()));
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(failed("not a file name".into()));
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".part");
    let tmp = dir.join(tmp_name);
    let written = std::fs::write(&tmp, text.as_ref()).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(e.to_string()));
    }
    Ok(path.to_path_buf())
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
