//! The start-up journal check: `Store::check_journal` reads only the rows appended
//! since the last sound check, and still finds rows edited, inserted or removed since then, rows
//! removed at the end, and a rewrite of older rows that re-hashed them; it names the row, and
//! a journal with problems reports them on every start. The full `verify_journal` finds the rest
//! (an old row edited without touching its hash).
//!
//! `KASSE_JOURNAL_BENCH_N` (default 20,000 events) sizes the measurement at the end, which
//! prints what a full verify and a start-up check cost per row (no timing is asserted).

use super::store_common;

use std::time::Instant;

use kasse_core::sale::LogEvent;
use kasse_core::store::{Anchor, PrintedHead};
use kasse_core::store::{JournalProblem, JournalReport, Store, JOURNAL_CHECKED_KEY};
use store_common::*;

/// Runs `sql` on the tampering connection, then makes the start-up check.
fn check_after(store: &Store, conn: &rusqlite::Connection, sql: &str) -> JournalReport {
    conn.execute(sql, []).unwrap();
    store.check_journal().unwrap()
}

/// One of the report's problems says `text`.
fn assert_names(report: &JournalReport, text: &str) {
    assert!(named(report).iter().any(|p| p.contains(text)), "{report:?}");
}

fn named(report: &JournalReport) -> Vec<String> {
    report.problems.iter().map(|p| p.to_string()).collect()
}

/// Makes s1's `sale_opened` (row 4) cheaper, in place.
const CHEAPER_ROW_4: &str = "UPDATE journal
    SET body = pack(replace(unpack(body), '\"amount\":1001', '\"amount\":1')) WHERE seq = 4";

/// A file log with 4 paid sales (12 rows) checked once.
fn checked() -> (tempfile::TempDir, Store, std::path::PathBuf) {
    let (dir, store, path) = file_store();
    paid_sales(&store, 0, 4);
    let first = store.check_journal().unwrap();
    assert!(first.ok, "{first:?}");
    assert_eq!(first.rows, 12, "the first check reads everything");
    (dir, store, path)
}

/// [`checked`], then `more` paid sales, and a connection to tamper with the rows.
fn tampered(more: i64) -> (tempfile::TempDir, Store, rusqlite::Connection) {
    let (dir, store, path) = checked();
    paid_sales(&store, 4, more);
    let conn = untriggered(&path);
    (dir, store, conn)
}

#[test]
fn the_start_up_check_reads_only_new_rows() {
    let (_dir, store, _) = checked();
    let again = store.check_journal().unwrap();
    assert!(again.ok);
    assert_eq!(again.rows, 0, "nothing new");
    paid_sales(&store, 4, 2);
    let next = store.check_journal().unwrap();
    assert!(next.ok);
    assert_eq!(next.rows, 6);
    assert_eq!(next.head.as_ref().unwrap().seq, 18);
    let at: kasse_core::store::JournalHead =
        store.setting_as(JOURNAL_CHECKED_KEY).unwrap().unwrap();
    assert_eq!(Some(at), next.head);
}

#[test]
fn a_row_edited_after_the_last_check_is_named_at_every_start() {
    let (_dir, store, conn) = tampered(2);
    // Row 16 is s5's sale_opened: make it cheaper.
    conn.execute(
        "UPDATE journal SET body = pack(replace(unpack(body), '\"amount\":1005', '\"amount\":1'))
         WHERE seq = 16",
        [],
    )
    .unwrap();
    for _ in 0..2 {
        let report = store.check_journal().unwrap();
        assert!(!report.ok);
        assert_eq!(named(&report).len(), 1, "{report:?}");
        assert!(
            named(&report)[0].contains("row 16 was altered"),
            "{report:?}"
        );
    }
    // The full verify agrees.
    let full = store.verify_journal().unwrap();
    assert!(matches!(
        full.problems[..],
        [JournalProblem::HashMismatch { seq: 16, .. }]
    ));
}

#[test]
fn rows_removed_after_the_last_check_or_at_the_end_are_found() {
    let (_dir, store, conn) = tampered(2);
    let report = check_after(&store, &conn, "DELETE FROM journal WHERE seq = 14");
    assert!(!report.ok);
    assert_names(&report, "row 14 is missing");

    // Removing everything after the checked point (and the head record with it) is found too.
    let (_dir, store, conn) = tampered(2);
    let report = check_after(&store, &conn, "DELETE FROM journal WHERE seq > 12");
    assert!(!report.ok, "{report:?}");
    assert_names(&report, "rows at the end");
}

#[test]
fn an_old_row_rewritten_and_rehashed_is_found_at_the_checked_point() {
    let (_dir, store, conn) = tampered(1);
    // The head as a Z report printed it before the rewrite, and a row after the end.
    let head = store.verify_journal().unwrap().head;
    assert_eq!(
        store.journal_head().unwrap(),
        head,
        "the cheap read of the head"
    );
    let printed = head.unwrap().printed();
    assert_eq!(store.anchor(&printed).unwrap(), Anchor::Holds);
    let beyond = PrintedHead {
        seq: printed.seq + 1,
        ..printed.clone()
    };
    assert_eq!(store.anchor(&beyond).unwrap(), Anchor::Missing);
    // Rewrite row 4 (s1's sale_opened) and re-hash it and every row after it, head included:
    // only the hashes recorded elsewhere (the checked point, the printed head) can tell.
    conn.execute(CHEAPER_ROW_4, []).unwrap();
    let prev = rehash(&conn, 4..=15);
    conn.execute(
        "UPDATE journal_head SET hash = ?1 WHERE id = 1",
        rusqlite::params![prev],
    )
    .unwrap();
    // A full verify from genesis cannot tell (the chain is consistent again)…
    assert!(store.verify_journal().unwrap().ok);
    // …the printed head can…
    assert!(matches!(
        store.anchor(&printed).unwrap(),
        Anchor::Differs { found } if found == prev
    ));
    // …the start-up check can: the row it last ended at no longer has the hash it had.
    let report = store.check_journal().unwrap();
    assert!(!report.ok);
    assert_names(&report, "row 12 was altered");
    assert_eq!(report.problems[0].seq(), 12, "{report:?}");
}

#[test]
fn the_row_the_last_check_ended_at_is_read_again_with_its_content() {
    let (_dir, store, conn) = tampered(1);
    // Row 12 (s3's last event, where the first check ended) moved a second, hash left alone.
    conn.execute("UPDATE journal SET at = at + 1000 WHERE seq = 12", [])
        .unwrap();
    let report = store.check_journal().unwrap();
    assert!(!report.ok);
    assert_names(&report, "row 12 was altered");
    assert_eq!(
        report.rows, 3,
        "the new rows; row 12 is read again, not counted"
    );
}

#[test]
fn an_old_row_edited_in_place_is_left_to_the_full_verify() {
    let (_dir, store, conn) = tampered(0);
    conn.execute(CHEAPER_ROW_4, []).unwrap();
    // The documented limit of the cheap check…
    assert!(store.check_journal().unwrap().ok);
    // …which is why the app runs the full verify in the background at start.
    let full = store.verify_journal().unwrap();
    assert!(named(&full)[0].contains("row 4 was altered"), "{full:?}");
}

/// What a full verify and a start-up check cost, per row (printed; `--nocapture`).
#[test]
fn measure_verify_and_start_up_check() {
    let n = env_size("KASSE_JOURNAL_BENCH_N", 20_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("kasse.sqlite")).unwrap();
    // n events: sales opened in batches of 1,000 events per commit.
    let mut i = 0i64;
    while i < n {
        let batch: Vec<(String, LogEvent, time::OffsetDateTime)> = (i..(i + 1000).min(n))
            .map(|k| {
                (
                    format!("b{k}"),
                    LogEvent::SaleOpened {
                        merchant_reference: format!("BENCH-20261124-{k:06}"),
                        counter: "BENCH".into(),
                        currency: "NOK".into(),
                        amount: 1000 + k,
                        vat_amount: 200,
                        order: serde_json::json!({"lines": [{"description": "Vare", "quantity": "1", "unit_price": 1000 + k, "vat": "25"}]}),
                        auto_capture: false,
                    },
                    t(T0 + k),
                )
            })
            .collect();
        store
            .append_many(batch.iter().map(|(s, e, at)| (s.as_str(), e, *at)))
            .unwrap();
        i += 1000;
    }
    let started = Instant::now();
    let full = store.verify_journal().unwrap();
    let full_s = started.elapsed().as_secs_f64();
    assert!(full.ok);
    assert_eq!(full.rows as i64, n);
    let started = Instant::now();
    let first = store.check_journal().unwrap();
    let first_s = started.elapsed().as_secs_f64();
    assert!(first.ok);
    paid(&store, "last", 500, T0 + n + 1);
    let started = Instant::now();
    let next = store.check_journal().unwrap();
    let next_s = started.elapsed().as_secs_f64();
    assert!(next.ok);
    assert_eq!(next.rows, 3);
    println!(
        "journal of {n} rows: full verify {:.3} s ({:.2} µs/row); first start-up check {:.3} s; next start-up check (3 new rows) {:.2} ms",
        full_s,
        full_s * 1e6 / n as f64,
        first_s,
        next_s * 1000.0
    );
}
