//! The transaction list: filters, prefix search, keyset pagination, day totals.
//!
//! # Ordering and pages
//! Sales are listed newest first, ordered by `(created_at DESC, id DESC)`: `id` breaks ties, so
//! the order is total and a page boundary is exact. The cursor is the `(created_at, id)` of the
//! last sale on the page (hex-encoded, opaque to callers); the next page is
//! `WHERE (created_at, id) < (cursor)`: no OFFSET, so page N costs what page 1 costs, and sales
//! added meanwhile never shift or repeat what the next page shows.
//!
//! # Staying fast at a million sales
//! Every query names its index (`INDEXED BY`), so the plan does not depend on the planner's
//! guesses, and `tests/store_list.rs` checks the plans with `EXPLAIN QUERY PLAN`. The strategy
//! depends on the filters:
//!
//! * **recent** (no selective filter): walk `sales_created (created_at, id)` backwards, other
//!   filters checked on the way; stops after one page.
//! * **by status**: one branch per status over `sales_status (status, created_at, id)`, each
//!   already in page order with its own `LIMIT`, merged by a `UNION ALL … ORDER BY`; the date
//!   range and the cursor are index ranges too.
//! * **by amount** (exact amount): `sales_amount (amount, created_at, id)`, in page order.
//! * **candidates** (search text, or an amount range, matching few sales): the sales matching
//!   the search are collected from the indexes — prefix *ranges* `col >= 'abc' AND col < 'abd'`
//!   on `sales_reference`, `sales_transaction`, `sales_session` (never `LIKE '%x%'`), plus
//!   `amount = n` on `sales_amount` when the text is a whole number — each arm cut to one page
//!   in `(created_at, id)` order, merged, cut to one page, and only then fetched by rowid.
//!   `sales_reference` and `sales_amount` carry `(created_at, id)`, so their candidates are
//!   sorted from the index alone, and `amount = n` is in page order already (read one page,
//!   however many sales have that amount). Sorting costs what the candidates number, so a probe
//!   counts the ranges first, each stopping at its cap ([`CANDIDATE_LIMIT`],
//!   [`CANDIDATE_LIMIT_LOOKUP`] for the id indexes, whose candidates take a table lookup each).
//! * **by reference stem** (a reference prefix matching many sales, e.g. one counter's month,
//!   `KASSE2-202603`, ~28,000 sales at a million): no sort. A reference's *stem* is the reference
//!   without its last [`STEM_CUT`] characters (Kasse's own `COUNTER-YYYYMMDD-NNNN` has the stem
//!   `COUNTER-YYYYMM`), and `sales_reference_stem (stem, created_at, id, merchant_reference)`
//!   (migration 0002) holds the sales of one stem in page order. Every reference that starts
//!   with the prefix `P` has a stem that either starts with `P` (then every sale of that stem
//!   matches) or is one of the at most [`STEM_CUT`] prefixes of `P` at least
//!   `len(P) − STEM_CUT` characters long (a "short stem": its sales are checked against `P`).
//!   So the page is the merge of one index walk per stem that starts with `P`, each in page
//!   order and stopping after one page, plus the few sales of the short stems, sorted. This is
//!   exact whatever the references look like (imported ones are arbitrary; a clock set back
//!   breaks the order of a counter's sequence numbers; `NNNN` grows a fifth digit): they decide
//!   only which stems exist and so how fast it is, never what it returns. Used when the
//!   reference range has at least [`SORT_LIMIT`] matches, at most [`STEM_LIMIT`] stems start
//!   with `P` and the short stems hold fewer than [`SHORT_STEM_LIMIT`] sales (e.g. not for a
//!   day's prefix `KASSE2-20260312`, whose short stem is the whole month: its ~900 matches are
//!   sorted instead). A counter's prefix `KASSE2` or a year's `KASSE2-2026` is one walk per month.
//! * With more candidates than a cap (say the search is `KASSE1-` over a decade, or an id
//!   prefix matching thousands of sales), the search becomes a filter on the *recent* /
//!   *by status* walk instead, which then finds a page quickly as long as matches are common
//!   among recent sales. (The slow case left: more matches than the caps, few of them recent.)
//!
//! All the probes and the page are read in one read transaction, so they see one snapshot.
//!
//! Search is case-sensitive (references and Dintero ids are), a *prefix* match on the merchant
//! reference, the transaction id and the session id; a whole number also matches the amount in
//! minor units.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{sale_from_row, StoreError, SALE_COLUMNS};
use crate::clock::{from_unix_ms, unix_ms};
use crate::sale::{Sale, SaleStatus};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;
/// Above this many matches in an index that carries `(created_at, id)` (the reference and the
/// amount indexes: the candidates are sorted from the index alone), a search or amount range
/// becomes a filter on an ordered walk instead (see the module docs).
pub const CANDIDATE_LIMIT: i64 = 50_000;
/// The same for the transaction and session id indexes, whose candidates are sorted after a
/// table lookup each. (Dintero ids are random after the account prefix, so a broad id prefix
/// matches sales spread evenly over time, which the walk finds quickly.)
pub const CANDIDATE_LIMIT_LOOKUP: i64 = 5_000;
/// Below this many matches in the reference range, they are sorted (as cheap as the stem walk
/// at this size); from this many on, the page is walked by reference stem when it can be.
pub const SORT_LIMIT: i64 = 1_000;
/// At most this many stems starting with the prefix are walked (one index walk each; a
/// counter's prefix is one stem per month).
pub const STEM_LIMIT: usize = 64;
/// The short stems of a prefix (see the module docs) are sorted, so they must hold fewer sales
/// than this for the stem walk to be used.
pub const SHORT_STEM_LIMIT: i64 = 256;
/// A reference's stem is the reference without its last `STEM_CUT` characters: `DD-NNNN` of
/// Kasse's own `COUNTER-YYYYMMDD-NNNN`, leaving `COUNTER-YYYYMM`.
pub const STEM_CUT: usize = 7;
/// The stem in SQL, exactly as `sales_reference_stem` (migration 0002) indexes it. (`substr`
/// with a negative length gives `''`: references of at most 7 characters share the stem `''`.)
/// `length` and `substr` count characters, as `str::chars` does.
const STEM: &str = "substr(merchant_reference, 1, length(merchant_reference) - 7)";

/// The caps above, in one value, so tests can make them small enough to reach every strategy
/// with a few hundred sales ([`with_caps`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// [`CANDIDATE_LIMIT`].
    pub candidates: i64,
    /// [`CANDIDATE_LIMIT_LOOKUP`].
    pub candidates_lookup: i64,
    /// [`SORT_LIMIT`].
    pub sort: i64,
    /// [`STEM_LIMIT`].
    pub stems: usize,
    /// [`SHORT_STEM_LIMIT`].
    pub short_stems: i64,
}

impl Caps {
    /// The caps Kasse runs with.
    pub const SHIPPED: Caps = Caps {
        candidates: CANDIDATE_LIMIT,
        candidates_lookup: CANDIDATE_LIMIT_LOOKUP,
        sort: SORT_LIMIT,
        stems: STEM_LIMIT,
        short_stems: SHORT_STEM_LIMIT,
    };
}

thread_local! {
    static CAPS: std::cell::Cell<Caps> = const { std::cell::Cell::new(Caps::SHIPPED) };
}

/// Runs `f` with other caps on this thread (tests: the strategies are exact whatever the caps;
/// only their speed depends on them). The caps are restored afterwards, also on a panic.
#[doc(hidden)]
pub fn with_caps<R>(caps: Caps, f: impl FnOnce() -> R) -> R {
    struct Restore(Caps);
    impl Drop for Restore {
        fn drop(&mut self) {
            CAPS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CAPS.with(|c| c.replace(caps)));
    f()
}

fn caps() -> Caps {
    CAPS.with(std::cell::Cell::get)
}

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

/// The smallest string greater than every string starting with `prefix` (for a range
/// `col >= prefix AND col < bound`), or `None` when there is none.
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(c) = chars.pop() {
        let mut next = u32::from(c) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(n) = char::from_u32(next) {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

pub(crate) fn encode_cursor(created_at_ms: i64, id: &str) -> String {
    hex::encode(format!("1:{created_at_ms}:{id}"))
}

pub(crate) fn decode_cursor(c: &str) -> Result<(i64, String), StoreError> {
    let bytes = hex::decode(c).map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let rest = text.strip_prefix("1:").ok_or(StoreError::InvalidCursor)?;
    let (ms, id) = rest.split_once(':').ok_or(StoreError::InvalidCursor)?;
    let ms = ms.parse().map_err(|_| StoreError::InvalidCursor)?;
    Ok((ms, id.to_owned()))
}

/// The search text resolved into index ranges.
struct Search {
    /// The prefix (the text, trimmed).
    prefix: String,
    /// [`prefix_upper_bound`] of the prefix.
    upper: Option<String>,
    /// `(column, index, from, to)`.
    ranges: Vec<(&'static str, &'static str, String, Option<String>)>,
    amount: Option<i64>,
}

impl Search {
    fn new(text: &str) -> Option<Search> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let upper = prefix_upper_bound(text);
        let ranges = [
            ("merchant_reference", "sales_reference"),
            ("transaction_id", "sales_transaction"),
            ("session_id", "sales_session"),
        ]
        .into_iter()
        .map(|(col, idx)| (col, idx, text.to_owned(), upper.clone()))
        .collect();
        let amount = if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        };
        Some(Search {
            prefix: text.to_owned(),
            upper,
            ranges,
            amount,
        })
    }
}

/// SQL fragments with their `?` parameters, in order.
#[derive(Default)]
struct Sql {
    text: String,
    params: Vec<SqlValue>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    fn param(&mut self, v: impl Into<SqlValue>) -> &mut Self {
        self.text.push('?');
        self.params.push(v.into());
        self
    }
    /// `?, ?, …`: one parameter per value, for an `IN (…)` list.
    fn params<V: Into<SqlValue>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(v);
        }
        self
    }
    fn append(&mut self, other: Sql) {
        self.text.push_str(&other.text);
        self.params.extend(other.params);
    }
}

/// Which filters are residual (checked row by row) in a given strategy.
#[derive(Clone, Copy)]
struct Residual {
    status: bool,
    search: bool,
    amount: bool,
}

struct Resolved {
    statuses: Vec<SaleStatus>,
    from: Option<i64>,
    to: Option<i64>,
    amount: Option<AmountFilter>,
    search: Option<Search>,
    cursor: Option<(i64, String)>,
    limit: i64,
}

impl Resolved {
    fn new(q: &ListQuery) -> Result<Resolved, StoreError> {
        let statuses: BTreeSet<SaleStatus> = q.statuses.iter().copied().collect();
        Ok(Resolved {
            statuses: statuses.into_iter().collect(),
            from: q.created_from.map(unix_ms),
            to: q.created_to.map(unix_ms),
            amount: q.amount,
            search: q.search.as_deref().and_then(Search::new),
            cursor: q.cursor.as_deref().map(decode_cursor).transpose()?,
            limit: q.effective_limit(),
        })
    }

    /// Whether the candidates come from the search (`Some(true)`) or an amount range
    /// (`Some(false)`); `None`: no candidates, no probes, one statement.
    fn candidates(&self) -> Option<bool> {
        if self.search.is_some() {
            Some(true)
        } else if matches!(self.amount, Some(AmountFilter::Range { .. })) {
            Some(false)
        } else {
            None
        }
    }

    /// ` AND …` for the residual filters, the date range and the cursor.
    fn conditions(&self, r: Residual) -> Sql {
        let mut s = Sql::default();
        if let Some(from) = self.from {
            s.push(" AND created_at >= ").param(from);
        }
        if let Some(to) = self.to {
            s.push(" AND created_at < ").param(to);
        }
        if let Some((ms, id)) = &self.cursor {
            s.push(" AND (created_at, id) < (")
                .param(*ms)
                .push(", ")
                .param(id.clone())
                .push(")");
        }
        if r.status && !self.statuses.is_empty() {
            s.push(" AND status IN (")
                .params(self.statuses.iter().map(|st| st.as_str().to_owned()))
                .push(")");
        }
        if r.amount {
            match self.amount {
                Some(AmountFilter::Exact(a)) => {
                    s.push(" AND amount = ").param(a);
                }
                Some(AmountFilter::Range { min, max }) => {
                    if let Some(min) = min {
                        s.push(" AND amount >= ").param(min);
                    }
                    if let Some(max) = max {
                        s.push(" AND amount <= ").param(max);
                    }
                }
                None => {}
            }
        }
        if r.search {
            if let Some(search) = &self.search {
                s.push(" AND (");
                for (i, (col, _, from, to)) in search.ranges.iter().enumerate() {
                    if i > 0 {
                        s.push(" OR ");
                    }
                    s.push("(").push(col).push(" >= ").param(from.clone());
                    if let Some(to) = to {
                        s.push(" AND ").push(col).push(" < ").param(to.clone());
                    }
                    s.push(")");
                }
                if let Some(a) = search.amount {
                    s.push(" OR amount = ").param(a);
                }
                s.push(")");
            }
        }
        s
    }

    /// The index ranges that hold the candidates (for the search, or the amount range).
    fn candidate_sources(&self, use_search: bool) -> Vec<Source> {
        let mut out = Vec::new();
        if use_search {
            if let Some(search) = &self.search {
                for (col, idx, from, to) in &search.ranges {
                    let mut s = Sql::default();
                    write!(s.text, "FROM sales INDEXED BY {idx} WHERE {col} >= ").ok();
                    s.param(from.clone());
                    if let Some(to) = to {
                        write!(s.text, " AND {col} < ").ok();
                        s.param(to.clone());
                    }
                    out.push(Source {
                        from: s,
                        kind: if *idx == "sales_reference" {
                            SourceKind::Reference
                        } else {
                            SourceKind::Lookup
                        },
                    });
                }
                if let Some(a) = search.amount {
                    let mut s = Sql::default();
                    s.push("FROM sales INDEXED BY sales_amount WHERE amount = ")
                        .param(a);
                    out.push(Source {
                        from: s,
                        kind: SourceKind::Ordered,
                    });
                }
            }
        } else if let Some(AmountFilter::Range { min, max }) = self.amount {
            let mut s = Sql::default();
            s.push("FROM sales INDEXED BY sales_amount WHERE amount >= ")
                .param(min.unwrap_or(i64::MIN));
            if let Some(max) = max {
                s.push(" AND amount <= ").param(max);
            }
            out.push(Source {
                from: s,
                kind: SourceKind::Covered,
            });
        }
        out
    }
}

/// Where candidates come from: `FROM sales INDEXED BY … WHERE <range>`.
struct Source {
    from: Sql,
    kind: SourceKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    /// The reference range: sorted when small, else walked by stem (or given up above
    /// [`CANDIDATE_LIMIT`]).
    Reference,
    /// An index carrying `(created_at, id)` (an amount range): sorted up to
    /// [`CANDIDATE_LIMIT`].
    Covered,
    /// One amount: `sales_amount (amount, created_at, id)` is in page order already, so the
    /// arm reads one page however many sales have that amount; nothing to count.
    Ordered,
    /// An id index, one table lookup per candidate: sorted up to [`CANDIDATE_LIMIT_LOOKUP`].
    Lookup,
}

/// How many rows `from` holds, counting no further than `cap` (index-only for every source).
fn count(conn: &Connection, from: &Sql, cap: i64) -> Result<i64, StoreError> {
    let mut sql = Sql::default();
    sql.push("SELECT count(*) FROM (SELECT 1 ");
    sql.text.push_str(&from.text);
    sql.params.extend(from.params.iter().cloned());
    sql.push(" LIMIT ").param(cap).push(")");
    let mut stmt = conn.prepare_cached(&sql.text)?;
    Ok(stmt.query_row(params_from_iter(sql.params.iter()), |r| r.get(0))?)
}

/// One arm of the candidates' union: the `(rowid, created_at, id)` of the newest `fetch` rows
/// of `from` that pass `conditions`, newest first. (The sorter keeps only `fetch` rows; over an
/// index already in page order there is no sort at all.)
fn arm(from: Sql, conditions: Sql, fetch: i64) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT rowid AS r, created_at AS c, id AS i ");
    sql.append(from);
    sql.append(conditions);
    sql.push(" ORDER BY c DESC, i DESC LIMIT ").param(fetch);
    sql
}

/// The arms for a search whose reference range is large (see the module docs, *by reference
/// stem*), or `None` when the stems are too many or the short stems too full.
fn stem_arms(
    conn: &Connection,
    q: &Resolved,
    search: &Search,
    residual: Residual,
    fetch: i64,
    caps: Caps,
) -> Result<Option<Vec<Sql>>, StoreError> {
    let prefix = search.prefix.as_str();
    // SQLite's `length` counts the characters before the first NUL, so a reference holding one
    // has a shorter stem. When the prefix holds none, a matching reference's NUL comes after
    // the prefix, and its stem is still one of those read below.
    if prefix.contains('\0') {
        return Ok(None);
    }
    // The stems starting with the prefix: one index seek each.
    let mut stems: Vec<String> = Vec::new();
    let mut first = conn.prepare_cached(&format!(
        "SELECT {STEM} FROM sales INDEXED BY sales_reference_stem WHERE {STEM} >= ?1 \
         ORDER BY {STEM} LIMIT 1"
    ))?;
    let mut next = conn.prepare_cached(&format!(
        "SELECT {STEM} FROM sales INDEXED BY sales_reference_stem WHERE {STEM} > ?1 \
         ORDER BY {STEM} LIMIT 1"
    ))?;
    let mut stem: Option<String> = first.query_row([prefix], |r| r.get(0)).optional()?;
    while let Some(s) = stem.filter(|s| s.starts_with(prefix)) {
        if stems.len() >= caps.stems {
            return Ok(None);
        }
        stem = next.query_row([&s], |r| r.get(0)).optional()?;
        stems.push(s);
    }
    // The short stems: the prefixes of the prefix whose references may still start with it.
    let len = prefix.chars().count();
    let short =
        (len.saturating_sub(STEM_CUT)..len).map(|m| prefix.chars().take(m).collect::<String>());
    let mut short_from = Sql::default();
    write!(
        short_from.text,
        "FROM sales INDEXED BY sales_reference_stem WHERE {STEM} IN ("
    )
    .ok();
    short_from.params(short).push(")");
    let in_short = count(conn, &short_from, caps.short_stems)?;
    if in_short >= caps.short_stems {
        return Ok(None);
    }

    let mut arms = Vec::with_capacity(stems.len() + 1);
    for s in stems {
        let mut from = Sql::default();
        write!(
            from.text,
            "FROM sales INDEXED BY sales_reference_stem WHERE {STEM} = "
        )
        .ok();
        from.param(s);
        arms.push(arm(from, q.conditions(residual), fetch));
    }
    if in_short > 0 {
        short_from
            .push(" AND merchant_reference >= ")
            .param(prefix.to_owned());
        if let Some(upper) = &search.upper {
            short_from
                .push(" AND merchant_reference < ")
                .param(upper.clone());
        }
        arms.push(arm(short_from, q.conditions(residual), fetch));
    }
    Ok(Some(arms))
}

/// The arms of the candidates' union for a search or an amount range, and the strategy's name;
/// `None` when a source has too many candidates (the search becomes a filter on a walk).
fn candidate_arms(
    conn: &Connection,
    q: &Resolved,
    use_search: bool,
    fetch: i64,
) -> Result<Option<(&'static str, Vec<Sql>)>, StoreError> {
    let caps = caps();
    let all = Residual {
        status: true,
        search: true,
        amount: true,
    };
    // Each arm yields its matches that pass the other filters.
    let residual = Residual {
        search: !use_search,
        amount: use_search,
        ..all
    };
    let mut strategy = "candidates";
    let mut arms = Vec::new();
    let mut reference = None;
    for src in q.candidate_sources(use_search) {
        let cap = match src.kind {
            SourceKind::Reference => {
                reference = Some(src);
                continue;
            }
            SourceKind::Ordered => None,
            SourceKind::Covered => Some(caps.candidates),
            SourceKind::Lookup => Some(caps.candidates_lookup),
        };
        if let Some(cap) = cap {
            if count(conn, &src.from, cap)? >= cap {
                return Ok(None);
            }
        }
        arms.push(arm(src.from, q.conditions(residual), fetch));
    }
    if let Some(src) = reference {
        let stems = match &q.search {
            Some(search) if count(conn, &src.from, caps.sort)? >= caps.sort => {
                stem_arms(conn, q, search, residual, fetch, caps)?
            }
            _ => None,
        };
        if let Some(stems) = stems {
            strategy = "by_reference_stem";
            arms.extend(stems);
        } else if count(conn, &src.from, caps.candidates)? < caps.candidates {
            arms.push(arm(src.from, q.conditions(residual), fetch));
        } else {
            return Ok(None);
        }
    }
    if arms.is_empty() {
        // (Not reached: a search always has its id ranges, an amount range its range.)
        return Ok(None);
    }
    Ok(Some((strategy, arms)))
}

const ORDER: &str = " ORDER BY created_at DESC, id DESC LIMIT ";

/// Chooses the strategy and builds the SQL (see the module docs).
fn build(conn: &Connection, q: &Resolved) -> Result<(&'static str, Sql), StoreError> {
    let fetch = q.limit + 1;
    let all = Residual {
        status: true,
        search: true,
        amount: true,
    };

    // Candidates: the search, or an amount range, when they match few rows (or the reference
    // range is walked by stem).
    if let Some(use_search) = q.candidates() {
        if let Some((strategy, arms)) = candidate_arms(conn, q, use_search, fetch)? {
            // UNION removes sales found twice; the page is cut before the full rows are read.
            let mut sql = Sql::default();
            write!(
                sql.text,
                "SELECT {SALE_COLUMNS} FROM sales NOT INDEXED WHERE rowid IN (SELECT r FROM ("
            )
            .ok();
            for (i, a) in arms.into_iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ");
                }
                sql.push("SELECT * FROM (");
                sql.append(a);
                sql.push(")");
            }
            sql.push(") ORDER BY c DESC, i DESC LIMIT ").param(fetch);
            sql.push(") ORDER BY created_at DESC, id DESC");
            return Ok((strategy, sql));
        }
    }

    if let Some(AmountFilter::Exact(a)) = q.amount {
        let mut sql = Sql::default();
        write!(
            sql.text,
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_amount WHERE amount = "
        )
        .ok();
        sql.param(a);
        sql.append(q.conditions(Residual {
            amount: false,
            ..all
        }));
        sql.push(ORDER).param(fetch);
        return Ok(("by_amount", sql));
    }

    if !q.statuses.is_empty() {
        let branch = |status: SaleStatus| {
            let mut b = Sql::default();
            write!(
                b.text,
                "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_status WHERE status = "
            )
            .ok();
            b.param(status.as_str().to_owned());
            b.append(q.conditions(Residual {
                status: false,
                ..all
            }));
            b.push(ORDER).param(fetch);
            b
        };
        if let [only] = q.statuses[..] {
            return Ok(("by_status", branch(only)));
        }
        let mut sql = Sql::default();
        for (i, st) in q.statuses.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT * FROM (");
            sql.append(branch(*st));
            sql.push(")");
        }
        sql.push(ORDER).param(fetch);
        return Ok(("by_status", sql));
    }

    let mut sql = Sql::default();
    write!(
        sql.text,
        "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_created WHERE 1"
    )
    .ok();
    sql.append(q.conditions(all));
    sql.push(ORDER).param(fetch);
    Ok(("recent", sql))
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
    let mut items = in_snapshot(conn, &r, |conn| {
        let (_, sql) = build(conn, &r)?;
        let mut stmt = conn.prepare_cached(&sql.text)?;
        let mut rows = stmt.query(params_from_iter(sql.params.iter()))?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            items.push(sale_from_row(row)?);
        }
        Ok(items)
    })?;
    let limit = usize::try_from(r.limit).unwrap_or(usize::MAX);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|s| encode_cursor(unix_ms(s.created_at), &s.id))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_upper_bound("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_upper_bound("KASSE1-").as_deref(), Some("KASSE1."));
        assert_eq!(
            prefix_upper_bound("a\u{10FFFF}").as_deref(),
            Some("b"),
            "carry over the largest char"
        );
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }

    #[test]
    fn the_stem_is_the_indexed_expression() {
        let migration = include_str!("../../migrations/0002_reference_stem.sql");
        assert!(
            migration.contains(&format!("({STEM},")) || migration.contains(&format!(" {STEM},")),
            "{migration}"
        );
        assert!(STEM.ends_with(&format!(" - {STEM_CUT})")));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(1_700_000_000_123, "sale:with:colons");
        assert_eq!(
            decode_cursor(&c).unwrap(),
            (1_700_000_000_123, "sale:with:colons".into())
        );
        for bad in [
            "zz",
            "",
            &hex::encode("2:1:x"),
            &hex::encode("1:x:y"),
            &hex::encode([0xff, 0xfe]),
        ] {
            assert!(matches!(decode_cursor(bad), Err(StoreError::InvalidCursor)));
        }
    }
}
