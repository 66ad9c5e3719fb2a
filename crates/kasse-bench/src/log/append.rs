//! The append figures: `Store::append` per event of generated sales into fresh file logs on the
//! bench's disk, one writer against the disk's own write + fdatasync rate measured in rounds
//! interleaved with it, and concurrent writers sharing commits (group commit). Each round also
//! times SQLite alone committing one small row at a time, the ceiling of any log that keeps a
//! synced SQLite commit per event.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use kasse_core::store::{Durability, Store, StoreOptions};

use super::template::{capture_templates, GenSale, Generator};
use crate::common::{fmt_value, group_thousands, median, noise, Goal, Section};

/// Appends the events of `sales` to a fresh file log; returns events per second.
fn append_rate(
    dir: &Path,
    sales: &[GenSale],
    durability: Durability,
    threads: usize,
) -> Result<f64> {
    let tmp = tempfile::Builder::new().prefix("append-").tempdir_in(dir)?;
    let store = Store::open_with(
        tmp.path().join("kasse.sqlite"),
        StoreOptions {
            durability,
            ..StoreOptions::default()
        },
    )?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();
    let started = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let per = sales.len().div_ceil(threads);
        let handles: Vec<_> = sales
            .chunks(per)
            .map(|part| {
                let store = &store;
                scope.spawn(move || -> Result<()> {
                    for (id, evs) in part {
                        for (e, at) in evs {
                            store.append(id, e, *at)?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("appender panicked"))??;
        }
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    let report = store.verify_journal()?;
    anyhow::ensure!(
        report.ok && report.rows == events as u64,
        "journal: {report:?}"
    );
    Ok(events as f64 / secs)
}

/// The disk's own rate of 4 KiB write + fdatasync (appending to a file, as a log grows).
fn fsync_rate(dir: &Path, secs: f64) -> Result<f64> {
    use std::io::Write;
    let path = dir.join(format!("fsync-probe-{}", std::process::id()));
    let mut f = std::fs::File::create(&path)?;
    let block = [0x5au8; 4096];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < secs {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

/// SQLite alone: `commits` commits of one small row each into a fresh file, WAL and
/// `synchronous=FULL` as the store opens its log; returns commits per second.
fn bare_commit_rate(dir: &Path, commits: usize) -> Result<f64> {
    let tmp = tempfile::Builder::new().prefix("floor-").tempdir_in(dir)?;
    let conn = rusqlite::Connection::open(tmp.path().join("floor.sqlite"))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "journal_mode {mode}");
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")?;
    let body = [0x5au8; 200];
    let started = Instant::now();
    for id in 0..commits {
        conn.prepare_cached("INSERT INTO t (id, body) VALUES (?1, ?2)")?
            .execute(rusqlite::params![id as i64, &body[..]])?;
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    let rows: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
    anyhow::ensure!(rows == commits as i64, "floor: {rows} rows of {commits}");
    Ok(rate)
}

/// The generated sales whose events the append figures write.
pub fn append_sales(rt: &tokio::runtime::Runtime, count: usize) -> Result<Vec<GenSale>> {
    let templates = rt.block_on(capture_templates())?;
    let mut gen = Generator::new(templates, count as u64)?;
    (0..count).map(|_| gen.next_sale()).collect()
}

/// `kasse-bench appends`: [`append_rate`] with `writers` writers, printed per run (no figures
/// written), to profile an append by hand (`perf record … kasse-bench appends`).
pub fn appends(
    out: &Path,
    durability: &str,
    count: usize,
    runs: usize,
    writers: usize,
) -> Result<()> {
    let durability = match durability {
        "full" => Durability::Full,
        "normal" => Durability::Normal,
        other => bail!("--durability {other}: full or normal"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let tmp = out.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let sales = append_sales(&rt, count)?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();
    for run in 0..runs {
        let rate = append_rate(&tmp, &sales, durability, writers.max(1))?;
        println!(
            "run {run}: {} events/s ({events} events, {durability:?}, {writers} writer(s))",
            fmt_value(rate)
        );
    }
    Ok(())
}

/// Ratios to two decimals, comma-separated.
fn ratios(v: &[f64]) -> String {
    v.iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| fmt_value(*x))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The append figures, written into `s`; fresh logs under `tmp`.
pub fn append_figures(
    s: &mut Section,
    rt: &tokio::runtime::Runtime,
    tmp: &Path,
    quick: bool,
) -> Result<()> {
    let count = if quick { 400 } else { 1_500 };
    let sales = append_sales(rt, count)?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();

    // One writer against the disk: rounds of the probe and of the appends, interleaved, so a
    // disk whose speed drifts (a shared machine) moves both sides of each round's ratio.
    let rounds = if quick { 5 } else { 9 };
    let (mut one, mut disk, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let (mut floor, mut floor_ratio) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let d = fsync_rate(tmp, if quick { 0.5 } else { 1.0 })?;
        let a = append_rate(tmp, &sales, Durability::Full, 1)?;
        let f = bare_commit_rate(tmp, events)?;
        let d2 = fsync_rate(tmp, if quick { 0.5 } else { 1.0 })?;
        let d = (d + d2) / 2.0;
        one.push(a);
        disk.push(d);
        ratio.push(a / d);
        floor.push(f);
        floor_ratio.push(f / d);
    }
    s.target(
        "log.append.one_writer_vs_disk",
        "Event appends, synchronous=FULL, one writer ÷ the disk's write + fdatasync rate (median of rounds)",
        median(&ratio),
        "×",
        Goal::at_least(0.9, "≥ 0.9×"),
        format!(
            "{rounds} rounds, each: the disk's 4 KiB write + fdatasync rate (a growing file, before and after), then the {} events of {count} generated sales appended one by one into a fresh file log; ratios {}; appends {} events/s (median {}); disk {} fdatasync/s (median {}); {}",
            group_thousands(events as i64),
            ratios(&ratio),
            list(&one),
            fmt_value(median(&one)),
            list(&disk),
            fmt_value(median(&disk)),
            noise()
        ),
    );
    s.context(
        "log.append.one_per_commit",
        "Event appends, synchronous=FULL, one event per commit, one writer (median)",
        median(&one),
        "events/s",
        format!("the rounds above: {}", list(&one)),
    );
    s.context(
        "log.append.sqlite_floor_vs_disk",
        "SQLite alone, one small row per commit, synchronous=FULL, one writer ÷ the disk's write + fdatasync rate (median of rounds)",
        median(&floor_ratio),
        "×",
        format!(
            "the rounds above, each after its appends: {} commits of one 200-byte row into a fresh file, WAL as the log; ratios {}; {} commits/s (median {}): the ceiling of any log with a synced SQLite commit per event",
            group_thousands(events as i64),
            ratios(&floor_ratio),
            list(&floor),
            fmt_value(median(&floor)),
        ),
    );
    s.context(
        "log.disk.fsync_rate",
        "This disk: 4 KiB write + fdatasync per second (median)",
        median(&disk),
        "ops/s",
        "measured in target/bench/tmp, the same file system as the logs, interleaved with the one-writer rounds",
    );

    let reps = 3;
    let (mut four, mut sixteen, mut normal) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        four.push(append_rate(tmp, &sales, Durability::Full, 4)?);
        if !quick {
            sixteen.push(append_rate(tmp, &sales, Durability::Full, 16)?);
        }
        normal.push(append_rate(tmp, &sales, Durability::Normal, 1)?);
    }
    s.target(
        "log.append.group_commit_4",
        "Event appends, synchronous=FULL, 4 concurrent writers (group commit, median)",
        median(&four),
        "events/s",
        Goal::at_least(5000.0, "≥ 5,000 events/s"),
        format!(
            "runs: {}; each writer appends its quarter of the sales; appends queued while one commits join the next commit, one sync for all, each caller answered once its own event is committed; each writer serialises and compresses its event before it queues",
            list(&four)
        ),
    );
    if !quick {
        s.context(
            "log.append.group_commit_16",
            "Event appends, synchronous=FULL, 16 concurrent writers (median)",
            median(&sixteen),
            "events/s",
            format!("runs: {}", list(&sixteen)),
        );
    }
    s.context(
        "log.append.normal",
        "Event appends, synchronous=NORMAL, one writer (median)",
        median(&normal),
        "events/s",
        format!("runs: {}; no sync per commit (survives a crash, not a power cut): what an append costs besides waiting for its sync (CPU, page writes, checkpoints)", list(&normal)),
    );
    Ok(())
}
