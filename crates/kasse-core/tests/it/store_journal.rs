//! The hash chain over the `journal` table: verify OK, then every kind of tampering (data,
//! hashes, rows, the columns rows are found by, a body that no longer decompresses) is detected
//! and named; concurrent writers keep the chain valid.

use super::store_common;

use std::sync::Arc;

use kasse_core::sale::{LogEvent, OpKind};
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
        let row = journal_row(&conn, seq);
        assert_eq!(row.prev_hash, prev, "row {seq} chains from the row before");
        let expected = row_hash(
            &prev,
            seq,
            &row.sale_id,
            row.at,
            &row.kind,
            row.op_id.as_deref(),
            &row.data,
        );
        assert_eq!(row.hash, expected);
        prev = row.hash;
    }
    let report = store.verify_journal().unwrap();
    assert_eq!(report.head.unwrap().hash, prev);
    // The stored form: 32-byte hashes, each sale named by its opening row's seq, which alone
    // carries the sale id (s0 opens at 1, s1 at 4, …; the note at 13 is s1's).
    let rows: Vec<(i64, i64, Option<String>, i64)> = conn
        .prepare("SELECT seq, sale, sale_id, length(hash) FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (seq, sale, sale_id, hash_len) in rows {
        let expected_sale = if seq == 13 { 4 } else { (seq - 1) / 3 * 3 + 1 };
        assert_eq!(sale, expected_sale, "row {seq}");
        let opening = seq == sale;
        assert_eq!(
            sale_id,
            opening.then(|| format!("s{}", seq / 3)),
            "row {seq}"
        );
        assert_eq!(hash_len, 32, "row {seq}");
    }
}

#[test]
fn an_edited_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    // Seq 4 is s1's sale_opened: make the sale a little cheaper.
    let n = conn
        .execute(
            "UPDATE journal SET body = pack(replace(unpack(body), '\"amount\":1001', '\"amount\":1000'))
             WHERE seq = 4",
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
fn an_edited_and_rehashed_row_is_a_hash_mismatch_of_the_next_row() {
    let (_dir, store, conn) = tampered();
    let row = journal_row(&conn, 6);
    let forged = row.data.replace("authorized", "refunded");
    assert_ne!(forged, row.data);
    conn.execute(
        "UPDATE journal SET body = pack(?1) WHERE seq = 6",
        [&forged],
    )
    .unwrap();
    set_hash(&conn, 6, &row.hash_with(&forged));
    // Row 6 holds together; row 7 chains from row 6's stored hash, which is not the one it
    // was hashed after.
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("hash", 7)]);
    assert!(report.problems[0].to_string().contains("row 7 was altered"));
}

#[test]
fn a_deleted_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    let report = verify_after(&store, &conn, "DELETE FROM journal WHERE seq = 5");
    // Row 6 now chains from row 4's hash: it shows as altered too.
    assert_eq!(seqs(&report), vec![("gap", 6), ("hash", 6)]);
    assert_eq!(
        report.problems[0],
        JournalProblem::Gap { after: 4, next: 6 }
    );
    assert!(report.problems[0].to_string().contains("row 5 is missing"));
    // s1 lost its session_created: the replayed view differs from the stored one.
    let proj = store.check_projection().unwrap();
    assert_eq!(proj.mismatches[0].sale_id, "s1");
}

#[test]
fn deleting_the_first_or_the_last_rows_is_detected() {
    let (_dir, store, conn) = tampered();
    let report = verify_after(&store, &conn, "DELETE FROM journal WHERE seq >= 12");
    assert_eq!(seqs(&report), vec![("head", 11)]);
    match &report.problems[0] {
        JournalProblem::HeadMismatch { head, last } => {
            assert_eq!(head.as_ref().unwrap().seq, 13);
            assert_eq!(last.as_ref().unwrap().seq, 11);
        }
        p => panic!("{p:?}"),
    }
    // Row 1 is s0's opening row, the one that names s0: its other rows (2 and 3) no longer
    // name a sale, and their hashes no longer match.
    let report = verify_after(&store, &conn, "DELETE FROM journal WHERE seq = 1");
    assert_eq!(
        report.problems[0],
        JournalProblem::Gap { after: 0, next: 2 }
    );
    assert_eq!(
        seqs(&report),
        vec![
            ("gap", 2),
            ("malformed", 2),
            ("hash", 2),
            ("malformed", 3),
            ("hash", 3),
            ("head", 11)
        ]
    );
    assert!(
        report.problems[1]
            .to_string()
            .contains("its sale cannot be named"),
        "{report:?}"
    );
}

#[test]
fn an_inserted_row_is_detected_and_named() {
    let (_dir, store, conn) = tampered();
    let last_hash = journal_row(&conn, 13).hash;
    let data = r#"{"type":"note","text":"forged"}"#;
    // A note of the sale opened at row `sale`.
    let insert = |seq: i64, sale: i64, at: i64, hash: &[u8]| {
        conn.execute(
            "INSERT INTO journal (seq, sale, at, body, hash) VALUES (?1, ?2, ?3, pack(?4), ?5)",
            rusqlite::params![seq, sale, at, data, hash],
        )
        .unwrap();
    };

    // 1. At the end (a note of s1), with a made-up hash.
    insert(14, 4, T0 + 20_000, &[0xde, 0xad, 0xbe, 0xef]);
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("hash", 14), ("head", 14)]);

    // 2. At the end, hashed correctly by someone who knows the algorithm: the head record says
    //    where the journal ended.
    let good = row_hash(&last_hash, 14, "s1", T0 + 20_000, "note", None, data);
    set_hash(&conn, 14, &good);
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("head", 14)]);
    conn.execute("DELETE FROM journal WHERE seq = 14", [])
        .unwrap();
    assert!(store.verify_journal().unwrap().ok);

    // 3. In the middle: renumber rows 8.. up by one (and the sale keys pointing at them) and
    //    insert a well-hashed note of s2 (opened at 7) at 8.
    conn.execute_batch(
        "UPDATE journal SET seq = seq + 1000 WHERE seq >= 8;
         UPDATE journal SET sale = sale + 1 WHERE sale >= 8;
         UPDATE journal SET seq = seq - 999 WHERE seq >= 1000;",
    )
    .unwrap();
    let hash7 = journal_row(&conn, 7).hash;
    let forged = row_hash(&hash7, 8, "s2", T0 + 2500, "note", None, data);
    insert(8, 7, T0 + 2500, &hex::decode(forged).unwrap());
    let report = store.verify_journal().unwrap();
    assert!(!report.ok);
    assert_eq!(report.rows, 14);
    let found = seqs(&report);
    assert_eq!(
        found[0],
        ("hash", 9),
        "the row after the inserted one: {found:?}"
    );
    assert!(
        !found.iter().any(|&(_, seq)| seq == 8),
        "the inserted row holds together: {found:?}"
    );
    assert!(found.contains(&("head", 14)));
}

#[test]
fn sale_and_intent_columns_that_disagree_with_the_event_are_malformed() {
    // The columns the store finds rows by (`sale`, `sale_id`, `intent`) are not hashed
    // themselves: the event and its sale's id are. A column that says otherwise is named.
    for (sql, expected) in [
        // A note (row 13) posing as the intent of an operation.
        (
            "UPDATE journal SET intent = 'op-x' WHERE seq = 13",
            vec![("malformed", 13)],
        ),
        // s0's session (row 2) posing as the opening row of a sale of its own.
        (
            "UPDATE journal SET sale = 2, sale_id = 's9' WHERE seq = 2",
            vec![("hash", 2), ("malformed", 2)],
        ),
        // s0's session moved to a sale that opens after it.
        (
            "UPDATE journal SET sale = 4 WHERE seq = 2",
            vec![("malformed", 2), ("hash", 2)],
        ),
        // s1's session moved to s0: it is hashed with s1's id.
        (
            "UPDATE journal SET sale = 1 WHERE seq = 5",
            vec![("hash", 5)],
        ),
    ] {
        let (_dir, store, conn) = tampered();
        assert_eq!(seqs(&verify_after(&store, &conn, sql)), expected, "{sql}");
    }

    // An intent without its `intent` column.
    let (_dir, store, conn) = tampered();
    let capture = LogEvent::operation_requested("op-1", OpKind::Capture, Some(1003), "cap-1");
    let seq = store.append("s3", &capture, t(T0 + 9500)).unwrap().seq;
    assert!(store.verify_journal().unwrap().ok);
    let sql = format!("UPDATE journal SET intent = NULL WHERE seq = {seq}");
    let report = verify_after(&store, &conn, &sql);
    assert_eq!(seqs(&report), vec![("malformed", seq)]);
    assert!(
        report.problems[0].to_string().contains("intent=None"),
        "{report:?}"
    );
}

#[test]
fn a_row_whose_body_does_not_decompress_is_malformed() {
    let (_dir, store, conn) = tampered();
    for (seq, body) in [(5, "X'00'"), (9, "substr(body, 1, length(body) - 2)")] {
        let sql = format!("UPDATE journal SET body = {body} WHERE seq = {seq}");
        conn.execute(&sql, []).unwrap();
    }
    let report = store.verify_journal().unwrap();
    assert_eq!(seqs(&report), vec![("malformed", 5), ("malformed", 9)]);
    assert!(
        report.problems[0]
            .to_string()
            .contains("cannot be read back"),
        "{report:?}"
    );
    // Reading the sale says the data is corrupt.
    assert!(matches!(
        store.events("s1"),
        Err(kasse_core::store::StoreError::Corrupt { .. })
    ));
}

#[test]
fn the_triggers_refuse_rows_that_are_not_the_next_one() {
    let (_dir, store, path) = journal();
    let conn = raw(&path);
    // Beyond the end, and in place of the last row. (A row at 14 with a wrong hash is for
    // verify to find: an_inserted_row_is_detected_and_named.)
    for seq in [15, 13, 0] {
        let err = conn
            .execute(
                "INSERT OR REPLACE INTO journal (seq, sale, at, body, hash)
                 VALUES (?1, 1, 0, pack('{}'), X'00')",
                [seq],
            )
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{seq}: {err}");
    }
    assert!(store.verify_journal().unwrap().ok);
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
