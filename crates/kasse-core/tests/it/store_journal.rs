//! The hash chain: verify OK, then every kind of tampering is detected and named; concurrent
//! writers keep the chain valid.

use super::store_common;

use std::sync::Arc;

use kasse_core::sale::LogEvent;
use kasse_core::store::journal::row_hash;
use kasse_core::store::{JournalProblem, JournalReport, Store, GENESIS_HASH};
use store_common::*;

/// A store with 4 paid sales (3 events each) and a note: 13 rows.
fn journal() -> (tempfile::TempDir, Store, std::path::PathBuf) {
    let (dir, store, path) = file_store();
    paid_sales(&store, 0, 4);
    store
        .append(
            "s1",
            &LogEvent::Note {
                text: "receipt reprinted".into(),
            },
            t(T0 + 9000),
        )
        .unwrap();
    let report = store.verify_journal().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.rows, 13);
    (dir, store, path)
}

/// [`journal`] and a connection to tamper with its rows.
fn tampered() -> (tempfile::TempDir, Store, rusqlite::Connection) {
    let (dir, store, path) = journal();
    let conn = untriggered(&path);
    (dir, store, conn)
}

/// Runs `sql` on the tampering connection, then verifies the whole journal.
fn verify_after(store: &Store, conn: &rusqlite::Connection, sql: &str) -> JournalReport {
    conn.execute(sql, []).unwrap();
    store.verify_journal().unwrap()
}

fn row(
    conn: &rusqlite::Connection,
    seq: i64,
) -> (String, i64, String, Option<String>, String, String, String) {
    conn.query_row(
        "SELECT sale_id, at, kind, op_id, data, prev_hash, hash FROM events WHERE seq = ?1",
        [seq],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )
    .unwrap()
}

fn seqs(report: &JournalReport) -> Vec<(&'static str, i64)> {
    report
        .problems
        .iter()
        .map(|p| match p {
            JournalProblem::HashMismatch { seq, .. } => ("hash", *seq),
            JournalProblem::Gap { next, .. } => ("gap", *next),
            JournalProblem::HeadMismatch { last, .. } => {
                ("head", last.as_ref().map_or(0, |h| h.seq))
            }
            JournalProblem::Malformed { seq, .. } => ("malformed", *seq),
        })
        .collect()
}

#[test]
fn the_chain_starts_at_genesis_and_links_every_row() {
    let (_dir, store, path) = journal();
    let conn = raw(&path);
    let mut prev = GENESIS_HASH.to_owned();
    for seq in 1..=13 {
        let (sid, at, kind, op, data, prev_hash, hash) = row(&conn, seq);
        assert_eq!(prev_hash, prev, "row {seq} links to the row before");
        let expected = row_hash(&prev_hash, seq, &sid, at, &kind, op.as_deref(), &data);
        assert_eq!(hash, expected);
        prev = hash;
    }
    let report = store.verify_journal().unwrap();
    assert_eq!(report.head.unwrap().hash, prev);
}

#[test]
fn an_edited_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    // Seq 4 is s1's sale_opened: make the sale a little cheaper.
    let n = conn
        .execute(
            "UPDATE events SET data = replace(data, '\"amount\":1001', '\"amount\":1000') WHERE seq = 4",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    let report = store.verify_journal().unwrap();
    assert!(!report.ok);
    assert_eq!(seqs(&report), vec![("hash", 4)]);
    assert!(report.problems[0].to_string().contains("row 4 was altered"));
    // The projection still says 1001, the replay says 1000.
    let proj = store.check_projection().unwrap();
    assert_eq!(proj.mismatches.len(), 1);
    assert_eq!(proj.mismatches[0].sale_id, "s1");
    assert!(proj.mismatches[0]
        .differences
        .contains(&"amount".to_owned()));
}

#[test]
fn an_edited_and_rehashed_row_breaks_the_next_link() {
    let (_dir, store, conn) = tampered();
    let (sale_id, at, kind, op_id, data, prev_hash, _) = row(&conn, 6);
    let forged = data.replace("authorized", "refunded");
    assert_ne!(forged, data);
    let hash = row_hash(
        &prev_hash,
        6,
        &sale_id,
        at,
        &kind,
        op_id.as_deref(),
        &forged,
    );
    conn.execute(
        "UPDATE events SET data = ?1, hash = ?2 WHERE seq = 6",
        rusqlite::params![forged, hash],
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("link", 7)]);
    assert!(report.problems[0]
        .to_string()
        .contains("row 7 does not follow"));
}

#[test]
fn a_deleted_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    let report = verify_after(&store, &conn, "DELETE FROM events WHERE seq = 5");
    assert_eq!(seqs(&report), vec![("gap", 6), ("link", 6)]);
    assert_eq!(
        report.problems[0],
        JournalProblem::Gap { after: 4, next: 6 }
    );
    assert!(report.problems[0]
        .to_string()
        .contains("rows 5 to 5 are missing"));
    // s1 lost its session_created: the replayed view differs from the stored one.
    let proj = store.check_projection().unwrap();
    assert_eq!(proj.mismatches[0].sale_id, "s1");
}

#[test]
fn deleting_the_first_or_the_last_rows_is_detected() {
    let (_dir, store, conn) = tampered();
    let report = verify_after(&store, &conn, "DELETE FROM events WHERE seq >= 12");
    assert_eq!(seqs(&report), vec![("head", 11)]);
    match &report.problems[0] {
        JournalProblem::HeadMismatch { head, last } => {
            assert_eq!(head.as_ref().unwrap().seq, 13);
            assert_eq!(last.as_ref().unwrap().seq, 11);
        }
        p => panic!("{p:?}"),
    }
    let report = verify_after(&store, &conn, "DELETE FROM events WHERE seq = 1");
    assert_eq!(
        report.problems[0],
        JournalProblem::Gap { after: 0, next: 2 }
    );
    assert!(matches!(
        report.problems[1],
        JournalProblem::HashMismatch { seq: 2, .. }
    ));
}

#[test]
fn an_inserted_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    let (.., last_hash) = row(&conn, 13);
    let data = r#"{"type":"note","text":"forged"}"#;

    // 1. At the end, with a made-up hash.
    conn.execute(
        "INSERT INTO events (seq, sale_id, at, kind, op_id, data, prev_hash, hash)
         VALUES (14, 's1', ?1, 'note', NULL, ?2, ?3, 'deadbeef')",
        rusqlite::params![T0 + 20_000, data, last_hash],
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("hash", 14), ("head", 14)]);

    // 2. At the end, hashed correctly by someone who knows the algorithm: the head record says
    //    where the journal ended.
    let good = row_hash(&last_hash, 14, "s1", T0 + 20_000, "note", None, data);
    conn.execute("UPDATE events SET hash = ?1 WHERE seq = 14", [&good])
        .unwrap();
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("head", 14)]);
    conn.execute("DELETE FROM events WHERE seq = 14", [])
        .unwrap();
    assert!(store.verify_journal().unwrap().ok);

    // 3. In the middle: renumber rows 8.. up by one and insert a well-hashed row at 8.
    conn.execute_batch(
        "UPDATE events SET seq = seq + 1000 WHERE seq >= 8;
         UPDATE events SET seq = seq - 999 WHERE seq >= 1000;",
    )
    .unwrap();
    let (.., hash7) = row(&conn, 7);
    let forged = row_hash(&hash7, 8, "s2", T0 + 2500, "note", None, data);
    conn.execute(
        "INSERT INTO events (seq, sale_id, at, kind, op_id, data, prev_hash, hash)
         VALUES (8, 's2', ?1, 'note', NULL, ?2, ?3, ?4)",
        rusqlite::params![T0 + 2500, data, hash7, forged],
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    assert!(!report.ok);
    assert_eq!(report.rows, 14);
    let found = seqs(&report);
    assert_eq!(
        found[0],
        ("link", 9),
        "the row after the inserted one: {found:?}"
    );
    assert!(found.contains(&("hash", 9)));
    assert!(found.contains(&("head", 14)));
}

#[test]
fn columns_that_disagree_with_the_json_are_malformed() {
    let (_dir, store, conn) = tampered();
    let report = verify_after(
        &store,
        &conn,
        "UPDATE events SET kind = 'note' WHERE seq = 2",
    );
    assert_eq!(seqs(&report), vec![("hash", 2), ("malformed", 2)]);
}

#[test]
fn the_triggers_refuse_rows_that_do_not_extend_the_chain() {
    let (_dir, _store, path) = journal();
    let conn = raw(&path);
    let (.., last_hash) = row(&conn, 13);
    for (seq, prev) in [
        (15, last_hash.as_str()),
        (14, GENESIS_HASH),
        (13, last_hash.as_str()),
    ] {
        let err = conn
            .execute(
                "INSERT OR REPLACE INTO events (seq, sale_id, at, kind, data, prev_hash, hash)
                 VALUES (?1, 's1', 0, 'note', '{}', ?2, 'x')",
                rusqlite::params![seq, prev],
            )
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[test]
fn two_handles_on_one_file_append_concurrently_and_the_chain_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let a = Arc::new(Store::open(&path).unwrap());
    let b = Arc::new(Store::open(&path).unwrap());
    let threads: Vec<_> = [(a.clone(), "a"), (b.clone(), "b")]
        .into_iter()
        .map(|(store, name)| {
            std::thread::spawn(move || {
                for i in 0..60 {
                    let id = format!("{name}{i}");
                    open(&store, &id, 100 + i, T0 + i);
                    store
                        .append(
                            &id,
                            &LogEvent::Note {
                                text: format!("note {i}"),
                            },
                            t(T0 + i),
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let report = a.verify_journal().unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.rows, 240);
    assert_eq!(b.count_sales().unwrap(), 120);
    // Both counters drew from one sequence: 120 distinct references.
    let refs: std::collections::BTreeSet<String> = (0..60)
        .flat_map(|i| [format!("a{i}"), format!("b{i}")])
        .map(|id| a.sale(&id).unwrap().unwrap().merchant_reference)
        .collect();
    assert_eq!(refs.len(), 120);
    assert!(b.check_projection().unwrap().ok());
}

#[test]
fn many_threads_on_one_handle_share_commits_and_refusals_stay_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path().join("kasse.sqlite")).unwrap());
    for th in 0..8 {
        open(&store, &format!("t{th}"), 100, T0);
    }
    let threads: Vec<_> = (0..8)
        .map(|th| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let id = format!("t{th}");
                let mut refused = 0;
                for i in 0..40 {
                    // Every 5th event is refused (an outcome for an unknown operation).
                    let ev = if i % 5 == 4 {
                        LogEvent::OperationFailed {
                            op_id: format!("nope-{th}-{i}"),
                            code: "x".into(),
                            message: "x".into(),
                        }
                    } else {
                        LogEvent::Note {
                            text: format!("{th}/{i}"),
                        }
                    };
                    match store.append(&id, &ev, t(T0 + i)) {
                        Ok(a) => assert_eq!(a.sale.id, id),
                        Err(kasse_core::store::StoreError::Rejected { sale_id, .. }) => {
                            assert_eq!(sale_id, id);
                            refused += 1;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                refused
            })
        })
        .collect();
    let refused: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(refused, 8 * 8);
    let report = store.verify_journal().unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.rows, 8 + 8 * 32);
    for th in 0..8 {
        let notes: Vec<String> = store
            .events(&format!("t{th}"))
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                LogEvent::Note { text } => Some(text),
                _ => None,
            })
            .collect();
        let want: Vec<String> = (0..40)
            .filter(|i| i % 5 != 4)
            .map(|i| format!("{th}/{i}"))
            .collect();
        assert_eq!(notes, want, "each thread's events in its own order");
    }
    assert!(store.check_projection().unwrap().ok());
}
