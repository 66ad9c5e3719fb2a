//! Figure group 4, the log at scale: list and search latency on a large log of realistic sales,
//! the journal check at start, the file size per sale, and event append throughput under the
//! durability Kasse ships.
//!
//! The sales are copies of real ones (`template`), written through `Store::append_many` into a
//! log cached between runs (`cache`); the list figures query it (`queries`), the start-up
//! check verifies its newest rows (`start`); the append figures
//! write fresh logs on the same disk (`append`).

mod append;
mod cache;
mod catalog;
mod queries;
mod start;
mod template;

use std::path::{Path, PathBuf};

use anyhow::Result;
use kasse_core::store::{Store, LATEST_VERSION};

use crate::common::{group_thousands, Goal, Section};
use cache::{db_path, ensure_db, older_db, Cached};

pub use append::appends;

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub out: PathBuf,
}

/// Bytes of the log at `path` (file and WAL), and the pages of each table and index.
fn log_size(path: &Path) -> Result<(u64, String)> {
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let parts = conn
        .prepare(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 8",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map(|rows| {
            rows.iter()
                .map(|(name, b)| format!("{name} {:.0} %", *b as f64 * 100.0 / bytes as f64))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|e| format!("(no breakdown: {e})"));
    Ok((bytes, parts))
}

/// The catalogue's figure alone, in a fresh log under `out` (`kasse-bench catalog`).
pub fn catalog(out: &std::path::Path, products: usize, typed: usize) -> Result<Section> {
    let tmp = out.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let mut s = Section::new("The catalogue");
    catalog::catalog_figures(&mut s, &tmp, products, typed)?;
    Ok(s)
}

pub fn run(opts: &Opts) -> Result<Section> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let cache = opts.out.join("cache");
    let full_n = 1_000_000;
    // --quick uses the million-sale log when a full run has built it (for this schema or an
    // older one, then migrated), else a smaller one.
    let n = if opts.quick && !db_path(&cache, full_n).exists() && older_db(&cache, full_n).is_none()
    {
        100_000
    } else {
        full_n
    };
    let (path, cached) = rt.block_on(ensure_db(&cache, n))?;
    let (bytes, parts) = log_size(&path)?;
    let sales = Store::open(&path)?.count_sales()?;
    anyhow::ensure!(
        sales as u64 == n,
        "the cached log has {sales} sales, expected {n}"
    );

    let mut s = Section::new("4. The log at scale");
    queries::list_figures(&mut s, &path, n, if opts.quick { 40 } else { 200 })?;
    queries::report_figures(&mut s, &path, n, if opts.quick { 10 } else { 40 })?;
    start::start_check_figures(&mut s, &path, n, opts.quick)?;

    let events: i64 =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?
            .query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))?;
    s.target(
        "log.bytes_per_sale",
        "File size per sale (journal, snapshots, projection, indexes)",
        bytes as f64 / n as f64 / 1000.0,
        "kB",
        Goal::at_most(2.0, "≤ 2 kB"),
        format!(
            "{:.2} GB for {} sales ({:.1} events per sale; the mix: 81.5 % captured, 6 % declined, 4 % cancelled, 3 % refunded, 2 % partially refunded, 2 % authorised, 1.5 % voided; Dintero's snapshots included); pages: {parts}{}",
            bytes as f64 / 1e9,
            group_thousands(n as i64),
            events as f64 / n as f64,
            match cached {
                Cached::Built(secs) => format!("; built in {secs:.0} s this run"),
                Cached::Hit => "; cached from an earlier run".to_owned(),
                Cached::Migrated { from, secs } => format!(
                    "; cached for schema {from} and migrated to {LATEST_VERSION} this run by Store::open in {secs:.1} s (the start-up cost of the upgrade at this size), then vacuumed (the pages of the replaced table given back)"
                ),
            }
        ),
    );

    // Appends: fresh logs on the same disk, events of generated sales.
    let tmp = opts.out.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    append::append_figures(&mut s, &rt, &tmp, opts.quick)?;
    catalog::catalog_figures(&mut s, &tmp, 10_000, if opts.quick { 30 } else { 120 })?;
    Ok(s)
}
