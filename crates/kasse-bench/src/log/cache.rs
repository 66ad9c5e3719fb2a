//! The cached log of the list figures: built once from the generator under
//! `target/bench/cache/`, keyed by its size, the schema and the generator's version; a log
//! cached for an older schema is migrated by `Store::open`, as Kasse does at start.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use kasse_core::store::{Durability, Store, StoreOptions, LATEST_VERSION};

use super::template::{capture_templates, GenSale, Generator};
use crate::common::group_thousands;

/// Bump when the generated data or its stored form changes (invalidates the cache).
const GENERATOR: u32 = 3;
/// Sales per `append_many` transaction while building.
const BATCH_SALES: usize = 5_000;

fn db_path_for(cache: &Path, n: u64, schema: i64) -> PathBuf {
    cache.join(format!("log-{n}-schema{schema}-gen{GENERATOR}.sqlite"))
}

pub fn db_path(cache: &Path, n: u64) -> PathBuf {
    db_path_for(cache, n, LATEST_VERSION)
}

/// The newest cached log of `n` sales from this generator but an older schema, if any.
pub fn older_db(cache: &Path, n: u64) -> Option<(PathBuf, i64)> {
    (1..LATEST_VERSION)
        .rev()
        .map(|v| (db_path_for(cache, n, v), v))
        .find(|(p, _)| p.exists())
}

/// Where the cached log came from this run.
pub enum Cached {
    /// Cached by an earlier run.
    Hit,
    /// Built now, in this many seconds.
    Built(f64),
    /// Cached for schema `from` and migrated now by `Store::open`, in this many seconds.
    Migrated { from: i64, secs: f64 },
}

/// Migrates a log cached for an older schema in place, as Kasse does when it opens the file
/// (`Store::open` with the shipped options), and renames it to `path`.
fn migrate_cached(old: &Path, from: i64, path: &Path) -> Result<Cached> {
    println!(
        "  migrating the cached log {} from schema {from} to {LATEST_VERSION} …",
        old.display()
    );
    let started = Instant::now();
    let store = Store::open(old)?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(store.schema_version()? == LATEST_VERSION, "not migrated");
    drop(store);
    println!("  … migrated in {secs:.1} s");
    // Pages a migration freed (a table it replaced) stay in the file until new rows reuse
    // them; the size figure is of the log as it grows from now on, so they are given back.
    let conn = rusqlite::Connection::open(old)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM")?;
    drop(conn);
    std::fs::rename(old, path)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", old.display()));
    }
    Ok(Cached::Migrated { from, secs })
}

/// Builds the cached database of `n` sales (if missing; an older schema's is migrated).
pub async fn ensure_db(cache: &Path, n: u64) -> Result<(PathBuf, Cached)> {
    let path = db_path(cache, n);
    if path.exists() {
        return Ok((path, Cached::Hit));
    }
    if let Some((old, from)) = older_db(cache, n) {
        let how = migrate_cached(&old, from, &path)?;
        return Ok((path, how));
    }
    std::fs::create_dir_all(cache)?;
    println!(
        "  building the {} sale log (cached for later runs) …",
        group_thousands(n as i64)
    );
    let started = Instant::now();
    let templates = capture_templates().await?;
    let partial = path.with_extension("partial");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    {
        let open = || {
            Store::open_with(
                &partial,
                StoreOptions {
                    durability: Durability::Normal,
                    cache_kib: 256 * 1024,
                    ..StoreOptions::default()
                },
            )
        };
        let mut store = open()?;
        let mut gen = Generator::new(templates, n)?;
        let mut done = 0;
        while done < n {
            if done > 0 {
                // Kasse is started again between batches, as a shop's is every day: what a
                // log does at start (training its snapshot dictionary, once) happens here too.
                drop(store);
                store = open()?;
            }
            let k = (BATCH_SALES as u64).min(n - done);
            let sales: Vec<GenSale> = (0..k).map(|_| gen.next_sale()).collect::<Result<_>>()?;
            store.append_many(
                sales
                    .iter()
                    .flat_map(|(id, evs)| evs.iter().map(move |(e, at)| (id.as_str(), e, *at))),
            )?;
            done += k;
            if done % 100_000 == 0 {
                println!(
                    "  … {} sales in {:.0} s",
                    group_thousands(done as i64),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    let conn = rusqlite::Connection::open(&partial)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    std::fs::rename(&partial, &path)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    Ok((path, Cached::Built(started.elapsed().as_secs_f64())))
}
