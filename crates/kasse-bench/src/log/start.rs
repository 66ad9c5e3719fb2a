//! The journal check every start makes (`Store::check_at_start`, as `App::open` runs it) on the
//! large log: the store opened and the rows added since the last start's checkpoint verified,
//! with the checkpoint put back a day of rows before the end before each run; and, for
//! comparison, the full verify the app runs in the background.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use kasse_core::store::{JournalHead, Store, JOURNAL_CHECKED_KEY};

use crate::common::{group_thousands, Dist, Goal, Section};

/// Rows added since the last start: about 170 sales, a busy day at one counter.
const SINCE: i64 = 1_000;

pub fn start_check_figures(s: &mut Section, path: &Path, n: u64, quick: bool) -> Result<()> {
    let store = Store::open(path)?;
    let head = store.journal_head()?.context("the cached log is empty")?;
    let seq = head.seq - SINCE;
    let hash: Vec<u8> =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?
            .query_row("SELECT hash FROM journal WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })?;
    let hash = hex::encode(hash);
    let checkpoint = JournalHead { seq, hash };
    let runs = if quick { 30 } else { 100 };
    let d = Dist::of(&start_checks(&store, path, &checkpoint, runs)?);
    let none = Dist::of(&start_checks(&store, path, &head, runs)?);
    s.target(
        "log.start_check.p95_ms",
        &format!(
            "Start-up journal check at {} sales: open + the {} rows since the last start (p95)",
            group_thousands(n as i64),
            group_thousands(SINCE)
        ),
        d.p95,
        "ms",
        Goal::at_most(100.0, "≤ 100 ms"),
        format!(
            "{}; Store::open and Store::check_at_start (what App::open runs), the checkpoint put back {SINCE} rows before the end of {} each run, page cache warm",
            d.brief("ms"),
            group_thousands(head.seq)
        ),
    );
    s.context(
        "log.start_check_nothing_new.p95_ms",
        &format!(
            "Start-up journal check at {} sales, nothing added since the last start (p95)",
            group_thousands(n as i64)
        ),
        none.p95,
        "ms",
        format!(
            "{}; the part that does not depend on the rows added: the store opened, the checkpoint row re-read and re-hashed, the head record",
            none.brief("ms")
        ),
    );

    let started = Instant::now();
    let full = store.verify_journal()?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(full.ok, "the cached log is not sound: {full:?}");
    s.context(
        "log.full_verify_s",
        &format!(
            "Full journal verify at {} sales (the app's background check)",
            group_thousands(n as i64)
        ),
        secs,
        "s",
        format!(
            "{} rows, {:.1} µs per row, one run",
            group_thousands(full.rows as i64),
            secs * 1e6 / full.rows as f64
        ),
    );
    Ok(())
}

/// `runs` start-up checks (ms each), the checkpoint put back to `from` before each.
fn start_checks(store: &Store, path: &Path, from: &JournalHead, runs: usize) -> Result<Vec<f64>> {
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        store.set_setting(JOURNAL_CHECKED_KEY, from)?;
        let started = Instant::now();
        let found = Store::open(path)?.check_at_start()?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(found.is_none(), "the cached log is not sound: {found:?}");
    }
    Ok(ms)
}
