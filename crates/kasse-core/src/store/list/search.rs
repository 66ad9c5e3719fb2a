//! Search's SQL: the conditions of a search (see `term`) and the candidates' arms: counted first
//! against the caps, then sorted, or walked by reference stem (see `plan`).

use std::fmt::Write as _;

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use super::caps::{caps, Caps, STEM, STEM_CUT};
use super::query::{Residual, Resolved, Sql};
use super::term::Search;
use super::{AmountFilter, StoreError};

impl Resolved {
    /// The index ranges that hold the candidates (for the search, or the amount range).
    fn candidate_sources(&self, use_search: bool) -> Vec<Source> {
        let mut out = Vec::new();
        if use_search {
            if let Some(search) = &self.search {
                for (col, indexes, from, to) in &search.ranges {
                    for (idx, guard) in *indexes {
                        let mut s = Sql::default();
                        write!(s.text, "FROM sales INDEXED BY {idx} WHERE {guard}{col} >= ").ok();
                        s.param(from.clone());
                        if let Some(to) = to {
                            write!(s.text, " AND {col} < ").ok();
                            s.param(to.clone());
                        }
                        out.push(Source {
                            from: s,
                            kind: if *col == "merchant_reference" {
                                SourceKind::Reference
                            } else {
                                SourceKind::Lookup
                            },
                        });
                    }
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
    /// A reference range (local or imported sales): sorted when small (one table lookup per
    /// candidate), else walked by stem (or given up above [`CANDIDATE_LIMIT_LOOKUP`]).
    Reference,
    /// An index carrying `created_at` (an amount range): sorted up to [`CANDIDATE_LIMIT`].
    Covered,
    /// One amount: `sales_amount (amount, created_at)` is in page order already (its entries
    /// end with the rowid), so the arm reads one page however many sales have that amount;
    /// nothing to count.
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

/// One arm of the candidates' union: the `(rowid, created_at)` of the newest `fetch` rows of
/// `from` that pass `conditions`, newest first. (The sorter keeps only `fetch` rows; over an
/// index already in page order there is no sort at all.)
fn arm(from: Sql, conditions: Sql, fetch: i64) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT rowid AS r, created_at AS c ");
    sql.append(from);
    sql.append(conditions);
    sql.push(" ORDER BY c DESC, r DESC LIMIT ").param(fetch);
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
pub(super) fn candidate_arms(
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
    let mut references = Vec::new();
    for src in q.candidate_sources(use_search) {
        let cap = match src.kind {
            SourceKind::Reference => {
                references.push(src);
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
    if !references.is_empty() {
        // How many sales the reference ranges hold together, counting no further than `cap`.
        let total = |cap: i64| -> Result<i64, StoreError> {
            let mut n = 0;
            for src in &references {
                n += count(conn, &src.from, cap - n)?;
                if n >= cap {
                    break;
                }
            }
            Ok(n)
        };
        let stems = match &q.search {
            Some(search) if total(caps.sort)? >= caps.sort => {
                stem_arms(conn, q, search, residual, fetch, caps)?
            }
            _ => None,
        };
        if let Some(stems) = stems {
            strategy = "by_reference_stem";
            arms.extend(stems);
        } else if total(caps.candidates_lookup)? < caps.candidates_lookup {
            for src in references {
                arms.push(arm(src.from, q.conditions(residual), fetch));
            }
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
