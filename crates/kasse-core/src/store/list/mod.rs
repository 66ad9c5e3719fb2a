//! The transaction list: filters, prefix search, keyset pagination, day totals.
//!
//! Sales are listed newest first, ordered by `(created_at DESC, rowid DESC)`: the rowid (the
//! order the sales were opened in) breaks ties, so the order is total and a page boundary is
//! exact, and every index has it without storing a key for it. The cursor is the
//! `(created_at, rowid)` of the last sale on the page (opaque to callers, `cursor`); the next
//! page is `WHERE (created_at, rowid) < (cursor)`: no OFFSET, so page N costs what page 1
//! costs, and sales added meanwhile never shift or repeat what the next page shows.
//!
//! The parts: the filters resolved into SQL conditions (`query`), the search and its
//! candidates (`search`), the strategy that keeps each query fast at a million sales (`plan`,
//! whose docs draw them; `caps` holds their limits), and the day totals (`totals`). All the probes
//! and the page are read in one read transaction, so they see one snapshot.
//!
//! Search is case-sensitive (references and Dintero ids are), a *prefix* match on the merchant
//! reference, the transaction id and the session id; a whole number also matches the amount in
//! minor units.

use rusqlite::{params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{sale_from_row, StoreError};
use crate::clock::unix_ms;
use crate::sale::{Sale, SaleStatus};

mod caps;
mod cursor;
mod plan;
mod query;
mod search;
mod term;
mod totals;

pub use caps::{
    with_caps, Caps, CANDIDATE_LIMIT, CANDIDATE_LIMIT_LOOKUP, SHORT_STEM_LIMIT, SORT_LIMIT,
    STEM_CUT, STEM_LIMIT,
};
pub(crate) use totals::totals;
pub use totals::{ProductTotalsRow, Totals, TotalsRow};

use cursor::encode_cursor;
use plan::build;
use query::Resolved;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// An amount filter, minor units, bounds inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountFilter {
    /// Exactly this amount.
    Exact(i64),
    /// Between `min` and `max` (either may be open).
    Range {
        /// Lower bound.
        min: Option<i64>,
        /// Upper bound.
        max: Option<i64>,
    },
}

/// What to list. Every filter is optional; an empty query lists every sale, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Any of these statuses (empty: all).
    pub statuses: Vec<SaleStatus>,
    /// Created at or after.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_from: Option<OffsetDateTime>,
    /// Created before (exclusive).
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_to: Option<OffsetDateTime>,
    /// Amount filter.
    pub amount: Option<AmountFilter>,
    /// Prefix of a merchant reference, transaction id or session id; or an amount.
    pub search: Option<String>,
    /// Page size (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// Everything, newest first.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a status to the set.
    pub fn status(mut self, s: SaleStatus) -> Self {
        self.statuses.push(s);
        self
    }
    /// Created in `[from, to)`.
    pub fn created(mut self, from: Option<OffsetDateTime>, to: Option<OffsetDateTime>) -> Self {
        self.created_from = from;
        self.created_to = to;
        self
    }
    /// Amount filter.
    pub fn amount(mut self, a: AmountFilter) -> Self {
        self.amount = Some(a);
        self
    }
    /// Search text.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }
    /// Page size.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    /// Continue after a page.
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
    fn effective_limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT))
    }
}

/// One page of sales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The sales, newest first.
    pub items: Vec<Sale>,
    /// Pass as [`ListQuery::cursor`] for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The plan a list query runs with (from [`crate::store::Store::explain_list`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryPlan {
    /// `recent`, `by_status`, `by_amount`, `candidates` or `by_reference_stem`.
    pub strategy: String,
    /// The SQL.
    pub sql: String,
    /// `EXPLAIN QUERY PLAN` details, one per line.
    pub lines: Vec<String>,
}

/// Runs `f` in a read transaction when the query probes the candidates first (unless a
/// transaction is open already), so that the probes that choose the strategy and the page
/// itself see the same snapshot. (Without probes, the page is one statement: no transaction,
/// which would cost two more statements on the most common queries.)
fn in_snapshot<R>(
    conn: &Connection,
    q: &Resolved,
    f: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    if q.candidates().is_none() || !conn.is_autocommit() {
        return f(conn);
    }
    let tx = conn.unchecked_transaction()?;
    let r = f(&tx)?;
    tx.finish()?;
    Ok(r)
}

pub(crate) fn list(conn: &Connection, q: &ListQuery) -> Result<Page, StoreError> {
    let r = Resolved::new(q)?;
    let (mut items, rowids) = in_snapshot(conn, &r, |conn| {
        let (_, sql) = build(conn, &r)?;
        let mut stmt = conn.prepare_cached(&sql.text)?;
        let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
        let (mut items, mut rowids) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next()? {
            items.push(sale_from_row(row)?);
            // Every strategy selects the rowid as `r`, after the sale's columns (plan.rs).
            rowids.push(row.get::<_, i64>("r")?);
        }
        Ok((items, rowids))
    })?;
    let limit = usize::try_from(r.limit).unwrap_or(usize::MAX);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|s| encode_cursor(unix_ms(s.created_at), rowids[limit - 1]))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub(crate) fn explain(conn: &Connection, q: &ListQuery) -> Result<QueryPlan, StoreError> {
    let r = Resolved::new(q)?;
    in_snapshot(conn, &r, |conn| {
        let (strategy, sql) = build(conn, &r)?;
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text))?;
        let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
        let mut lines = Vec::new();
        while let Some(row) = rows.next()? {
            lines.push(row.get::<_, String>(3)?);
        }
        Ok(QueryPlan {
            strategy: strategy.to_owned(),
            sql: sql.text,
            lines,
        })
    })
}
