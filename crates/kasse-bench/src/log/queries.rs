//! The list figures: each kind of list query and search, with random parameters drawn from
//! the cached log, its p95 against the target.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use kasse_core::sale::SaleStatus;
use kasse_core::store::{AmountFilter, ListQuery, Store};
use rand::{rngs::StdRng, Rng, SeedableRng};
use time::OffsetDateTime;

use crate::common::{group_thousands, ms, Dist, Goal, Section};

/// A sale to search for.
struct Probe {
    reference: String,
    amount: i64,
    created_ms: i64,
    transaction_id: Option<String>,
}

fn probes(path: &Path, n: u64, count: usize) -> Result<Vec<Probe>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT merchant_reference, amount, created_at, transaction_id FROM sales WHERE rowid = ?1",
    )?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let rowid = rng.gen_range(1..=n as i64);
        if let Ok(p) = stmt.query_row([rowid], |r| {
            Ok(Probe {
                reference: r.get(0)?,
                amount: r.get(1)?,
                created_ms: r.get(2)?,
                transaction_id: r.get(3)?,
            })
        }) {
            out.push(p);
        }
    }
    Ok(out)
}

fn day_bounds(ms_: i64) -> Result<(OffsetDateTime, OffsetDateTime)> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms_) * 1_000_000)?;
    let start = t.date().midnight().assume_utc();
    Ok((start, start + time::Duration::days(1)))
}

type QueryFn = Box<dyn Fn(&Probe, Option<String>) -> Result<ListQuery>>;

fn queries() -> Vec<(&'static str, &'static str, QueryFn)> {
    vec![
        (
            "first_page",
            "first page (newest 50)",
            Box::new(|_, _| Ok(ListQuery::new())),
        ),
        (
            "next_page",
            "next page (keyset cursor)",
            Box::new(|_, cursor| Ok(ListQuery::new().after(cursor))),
        ),
        (
            "search_reference",
            "search: a whole merchant reference",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference.clone()))),
        ),
        (
            "search_reference_day",
            "search: reference prefix of one day (`KASSE2-20260312`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference[..15].to_owned()))),
        ),
        (
            "search_reference_month",
            "search: reference prefix of one month (`KASSE2-202603`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference[..13].to_owned()))),
        ),
        (
            "search_transaction",
            "search: a whole transaction id",
            Box::new(|p, _| {
                Ok(ListQuery::new().search(
                    p.transaction_id
                        .clone()
                        .unwrap_or_else(|| p.reference.clone()),
                ))
            }),
        ),
        (
            "search_amount",
            "search: an amount typed as text (`34900`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.amount.to_string()))),
        ),
        (
            "filter_amount",
            "filter: exact amount",
            Box::new(|p, _| Ok(ListQuery::new().amount(AmountFilter::Exact(p.amount)))),
        ),
        (
            "filter_status_common",
            "filter: status captured (82 %)",
            Box::new(|_, _| Ok(ListQuery::new().status(SaleStatus::Captured))),
        ),
        (
            "filter_status_rare",
            "filter: status partially refunded (2 %)",
            Box::new(|_, _| Ok(ListQuery::new().status(SaleStatus::PartiallyRefunded))),
        ),
        (
            "filter_day",
            "filter: one day",
            Box::new(|p, _| {
                let (a, b) = day_bounds(p.created_ms)?;
                Ok(ListQuery::new().created(Some(a), Some(b)))
            }),
        ),
        (
            "filter_status_day",
            "filter: status refunded + one day",
            Box::new(|p, _| {
                let (a, b) = day_bounds(p.created_ms)?;
                Ok(ListQuery::new()
                    .status(SaleStatus::Refunded)
                    .created(Some(a), Some(b)))
            }),
        ),
    ]
}

/// Times every kind of list query on the cached log of `n` sales at `path`, `runs` each.
pub fn list_figures(s: &mut Section, path: &Path, n: u64, runs: usize) -> Result<()> {
    let store = Store::open(path)?;
    let probes = probes(path, n, runs)?;
    let first = store.list(&ListQuery::new())?;
    let cursor = first.next_cursor.clone();
    for (id, name, q) in queries() {
        // Warm-up (statement cache, pages).
        for p in probes.iter().take(3) {
            store.list(&q(p, cursor.clone())?)?;
        }
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        for p in &probes {
            let query = q(p, cursor.clone())?;
            let t = Instant::now();
            let page = store.list(&query)?;
            times.push(ms(t.elapsed()));
            rows += page.items.len();
        }
        let d = Dist::of(&times);
        let plan = store
            .explain_list(&q(&probes[0], cursor.clone())?)
            .map(|p| format!("{p:?}"))
            .unwrap_or_default();
        s.target(
            &format!("log.{id}.p95_ms"),
            &format!("List at {} sales: {name} (p95)", group_thousands(n as i64)),
            d.p95,
            "ms",
            Goal::at_most(20.0, "p95 ≤ 20 ms"),
            format!(
                "{}; {runs} queries with random parameters, {:.1} rows per page on average; plan: {}",
                d.brief("ms"),
                rows as f64 / runs as f64,
                plan.chars().take(300).collect::<String>()
            ),
        );
    }
    Ok(())
}

/// Times the day report (X) on the cached log: one day, for days drawn from the log, and the
/// whole log, which is what the first X report covers when no day was ever closed.
pub fn report_figures(s: &mut Section, path: &Path, n: u64, runs: usize) -> Result<()> {
    let store = Store::open(path)?;
    let probes = probes(path, n, runs)?;
    let mut times = Vec::with_capacity(runs);
    let mut sales = 0u64;
    for p in &probes {
        let (a, b) = day_bounds(p.created_ms)?;
        let t = Instant::now();
        let r = kasse_core::report::day_report(&store, a, b, false, "NOK")?;
        times.push(ms(t.elapsed()));
        sales += u64::from(r.sales);
    }
    let d = Dist::of(&times);
    s.target(
        "log.report_day.p95_ms",
        &format!(
            "Day report (X) of one day at {} sales (p95)",
            group_thousands(n as i64)
        ),
        d.p95,
        "ms",
        Goal::at_most(500.0, "p95 ≤ 500 ms"),
        format!(
            "{}; {runs} days drawn from the log, {:.0} paid sales per day on average",
            d.brief("ms"),
            sales as f64 / runs as f64
        ),
    );
    let t = Instant::now();
    let r = kasse_core::report::day_report(
        &store,
        OffsetDateTime::UNIX_EPOCH,
        OffsetDateTime::now_utc(),
        false,
        "NOK",
    )?;
    let whole = t.elapsed().as_secs_f64();
    s.target(
        "log.report_all.s",
        &format!(
            "Day report (X) of the whole log at {} sales (the first X before any Z)",
            group_thousands(n as i64)
        ),
        whole,
        "s",
        Goal::at_most(5.0, "≤ 5 s"),
        format!(
            "one run; {} paid sales in it; a sale whose whole history lies in the period, or which last changed before it, is read from the projection, others are replayed from their events",
            group_thousands(i64::from(r.sales))
        ),
    );
    Ok(())
}
