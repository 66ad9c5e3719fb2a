//! Which strategy a list query runs with, and its SQL.
//!
//! # Staying fast however many sales
//! Every query names its index (`INDEXED BY`), so the plan does not depend on the planner's
//! guesses, and the `store_list` integration tests check the plans with `EXPLAIN QUERY PLAN`.
//! The strategy depends on the filters:
//!
//! Every index entry ends with the row's rowid, the page order's tie-break, so an index on
//! `(…, created_at)` is in page order for equal leading columns.
//!
//! * **recent** (no selective filter): walk `sales_created (created_at)` backwards, other
//!   filters checked on the way; stops after one page.
//! * **by status**: one branch per status over `sales_status (status, created_at)`, each
//!   already in page order with its own `LIMIT`, merged by a `UNION ALL … ORDER BY`; the date
//!   range and the cursor are index ranges too.
//! * **by amount** (exact amount): `sales_amount (amount, created_at)`, in page order.
//! * **candidates** (search text, or an amount range, matching few sales): the sales matching
//!   the search are collected from the indexes — prefix *ranges* `col >= 'abc' AND col < 'abd'`
//!   on `sales_reference_local` and `sales_reference_imported` (the references of local and of
//!   imported sales), `sales_transaction`, `sales_session` (never `LIKE '%x%'`), plus
//!   `amount = n` on `sales_amount` when the text is a whole number — each arm cut to one page
//!   in `(created_at, rowid)` order, merged, cut to one page, and only then fetched by rowid.
//!   `sales_amount` carries `created_at`, so its candidates are sorted from the index alone, and
//!   `amount = n` is in page order already (read one page, however many sales have that
//!   amount). Sorting costs what the candidates number, so a probe counts the ranges first,
//!   each stopping at its cap ([`CANDIDATE_LIMIT`](super::CANDIDATE_LIMIT),
//!   [`CANDIDATE_LIMIT_LOOKUP`](super::CANDIDATE_LIMIT_LOOKUP) for the reference and id indexes,
//!   whose candidates take a table lookup each for their time).
//! * **by reference stem** (a reference prefix matching many sales, e.g. one counter's month,
//!   `KASSE2-202603`): no sort. A reference's *stem* is the reference
//!   without its last [`STEM_CUT`](super::STEM_CUT) characters (Kasse's own `COUNTER-YYYYMMDD-NNNN` has the stem
//!   `COUNTER-YYYYMM`), and `sales_reference_stem (stem, created_at)` (migrations 2 and 10)
//!   holds the sales of one stem in page order. Every reference that starts
//!   with the prefix `P` has a stem that either starts with `P` (then every sale of that stem
//!   matches) or is one of the at most [`STEM_CUT`](super::STEM_CUT) prefixes of `P` at least
//!   `len(P) − STEM_CUT` characters long (a "short stem": its sales are checked against `P`).
//!   So the page is the merge of one index walk per stem that starts with `P`, each in page
//!   order and stopping after one page, plus the few sales of the short stems, checked in the
//!   table and sorted. This is
//!   exact whatever the references look like (imported ones are arbitrary; a clock set back
//!   breaks the order of a counter's sequence numbers; `NNNN` grows a fifth digit): they decide
//!   only which stems exist and so how fast it is, never what it returns. Used when the
//!   reference range has at least [`SORT_LIMIT`](super::SORT_LIMIT) matches, at most [`STEM_LIMIT`](super::STEM_LIMIT) stems start
//!   with `P` and the short stems hold fewer than [`SHORT_STEM_LIMIT`](super::SHORT_STEM_LIMIT) sales (e.g. not for a
//!   day's prefix `KASSE2-20260312`, whose short stem is the whole month: its matches are
//!   sorted instead). A counter's prefix `KASSE2` or a year's `KASSE2-2026` is one walk per month.
//! * With more candidates than a cap (say the search is `KASSE1-` over a decade, or an id
//!   prefix matching thousands of sales), the search becomes a filter on the *recent* /
//!   *by status* walk instead, which then finds a page quickly as long as matches are common
//!   among recent sales. (The slow case left: more matches than the caps, few of them recent.)

use std::fmt::Write as _;

use rusqlite::Connection;

use super::query::{Residual, Resolved, Sql};
use super::search::candidate_arms;
use super::{AmountFilter, StoreError};
use crate::sale::SaleStatus;
use crate::store::SALE_COLUMNS;

const ORDER: &str = " ORDER BY created_at DESC, r DESC LIMIT ";

/// Chooses the strategy and builds the SQL (see the module docs).
pub(super) fn build(conn: &Connection, q: &Resolved) -> Result<(&'static str, Sql), StoreError> {
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
                "SELECT {SALE_COLUMNS}, rowid AS r FROM sales NOT INDEXED WHERE rowid IN (SELECT r FROM ("
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
            sql.push(") ORDER BY c DESC, r DESC LIMIT ").param(fetch);
            sql.push(") ORDER BY created_at DESC, r DESC");
            return Ok((strategy, sql));
        }
    }

    if let Some(AmountFilter::Exact(a)) = q.amount {
        let mut sql = Sql::default();
        write!(
            sql.text,
            "SELECT {SALE_COLUMNS}, rowid AS r FROM sales INDEXED BY sales_amount WHERE amount = "
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
                "SELECT {SALE_COLUMNS}, rowid AS r FROM sales INDEXED BY sales_status WHERE status = "
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
        "SELECT {SALE_COLUMNS}, rowid AS r FROM sales INDEXED BY sales_created WHERE 1"
    )
    .ok();
    sql.append(q.conditions(all));
    sql.push(ORDER).param(fetch);
    Ok(("recent", sql))
}
