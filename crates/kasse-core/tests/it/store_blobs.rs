//! The stored form of large JSON values: a snapshot is kept once, compressed, in `blobs`; the
//! hash chain stays over the canonical JSON; a log written before migrations 4 and 5 keeps its
//! rows (moved to `journal`, hashes intact) and verifies, before and after new rows are added;
//! a damaged blob is named by verify; a refused event in a group commit leaves the others
//! written; the compression dictionaries are pinned; a log with enough snapshots and rows gets
//! dictionaries trained on them, once, and reads every event back as it was.

use super::store_common;

use std::path::Path;
use std::sync::{Arc, Barrier};

use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::journal::row_hash;
use kasse_core::store::{migrate, JournalProblem, Store, StoreError, GENESIS_HASH};
use serde_json::{json, Value};
use store_common::*;
use time::OffsetDateTime;

/// A transaction snapshot the size of Dintero's (well over the inline limit).
fn big_snapshot(tx: &str, status: &str, captured: i64) -> Value {
    let mut v = transaction(tx, status, 24_800, captured, 0);
    v["customer"] = json!({"email": "kunde@example.test", "phone_number": "+4799999999"});
    v["url"] = json!({"return_url": "https://kasse.test/return", "callback_url": null});
    v["card"] = json!({"brand": "VISA", "masked_pan": "411111******1111", "expiry": "12/29"});
    v["items"] = json!([{"line_id": "1", "description": "Kaffe latte stor", "amount": 24_800,
                         "quantity": 1, "vat": 25, "vat_amount": 4_960}]);
    v
}

fn observed_big(status: SaleStatus, tx: &str, captured: i64, snapshot: Value) -> LogEvent {
    LogEvent::StatusObserved {
        status,
        transaction_id: Some(tx.into()),
        captured,
        refunded: 0,
        source: "poll".into(),
        snapshot,
    }
}

/// `s1` opened, its session, authorised, observed authorised again (same snapshot), captured.
fn sale_with_snapshots(store: &Store) {
    open(store, "s1", 24_800, T0);
    session(store, "s1", T0 + 1);
    let auth = big_snapshot("T.s1", "AUTHORIZED", 0);
    for k in 0..2 {
        store
            .append(
                "s1",
                &observed_big(SaleStatus::Authorized, "T.s1", 0, auth.clone()),
                t(T0 + 2 + k),
            )
            .unwrap();
    }
    let cap = big_snapshot("T.s1", "CAPTURED", 24_800);
    store
        .append(
            "s1",
            &observed_big(SaleStatus::Captured, "T.s1", 24_800, cap),
            t(T0 + 5),
        )
        .unwrap();
}

/// A file log holding [`sale_with_snapshots`].
fn log_with_snapshots() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let store = Store::open(&path).unwrap();
    sale_with_snapshots(&store);
    (dir, path, store)
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The two text columns `sql` selects, row by row.
fn pairs(conn: &rusqlite::Connection, sql: &str) -> Vec<(String, String)> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_snapshot_is_stored_once_and_the_chain_covers_its_canonical_bytes() {
    let (_dir, path, store) = log_with_snapshots();
    let conn = raw(&path);
    // Three snapshot events, two distinct snapshots: two blobs, the second a delta of the first.
    assert_eq!(
        count(&conn, "SELECT count(*) FROM journal WHERE blob IS NOT NULL"),
        3
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM blobs"), 2);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM blobs WHERE base IS NOT NULL"),
        1
    );
    let events = store.events("s1").unwrap();
    assert_eq!(events.len(), 5);
    let mut prev = GENESIS_HASH.to_owned();
    for e in &events {
        let (at, data, blob): (i64, String, Option<i64>) = conn
            .query_row(
                "SELECT at, unpack(body), blob FROM journal WHERE seq = ?1",
                [e.seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let canonical = serde_json::to_string(&e.event).unwrap();
        if blob.is_some() {
            // The row holds `null` where the snapshot was, not the snapshot.
            assert!(data.contains("\"snapshot\":null"), "{data}");
            assert!(!data.contains("AUTHORIZE"), "{data}");
            assert_ne!(data, canonical);
        }
        // The chain is over the canonical JSON, whatever the row stores.
        let kind = e.event.kind();
        let hash = row_hash(&prev, e.seq, "s1", at, kind, e.event.op_id(), &canonical);
        assert_eq!(hash, e.hash, "row {}", e.seq);
        prev = hash;
    }
    match &events[4].event {
        LogEvent::StatusObserved { snapshot, .. } => {
            assert_eq!(snapshot, &big_snapshot("T.s1", "CAPTURED", 24_800));
        }
        other => panic!("{other:?}"),
    }
    assert!(store.verify_journal().unwrap().ok);
    assert!(store.check_projection().unwrap().ok());
    // The projection rebuilt from the stored form is the same.
    let before = store.sale("s1").unwrap();
    store.rebuild_projection().unwrap();
    assert_eq!(store.sale("s1").unwrap(), before);
}

fn untriggered_blobs(path: &Path) -> rusqlite::Connection {
    let conn = raw(path);
    conn.execute_batch("DROP TRIGGER blobs_no_update; DROP TRIGGER blobs_no_delete;")
        .unwrap();
    conn
}

fn malformed(report: &kasse_core::store::JournalReport) -> Vec<i64> {
    report
        .problems
        .iter()
        .filter_map(|p| match p {
            JournalProblem::Malformed { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect()
}

#[test]
fn a_damaged_blob_is_named_by_verify_at_every_row_that_uses_it() {
    let (_dir, path, store) = log_with_snapshots();
    let conn = untriggered_blobs(&path);
    // Flip a byte in the middle of the first blob's compressed bytes.
    let z: Vec<u8> = conn
        .query_row("SELECT zstd FROM blobs ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut bad = z.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    conn.execute(
        "UPDATE blobs SET zstd = ?1 WHERE id = (SELECT min(id) FROM blobs)",
        [&bad],
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    assert!(!report.ok);
    // Rows 3 and 4 hold the first blob, row 5 the second, compressed against the first.
    assert_eq!(malformed(&report), vec![3, 4, 5], "{report:?}");
    assert!(report.problems[0].to_string().contains("row 3"));
    // Reading the sale says the data is corrupt, it does not invent a snapshot.
    assert!(matches!(
        store.events("s1"),
        Err(StoreError::Corrupt { .. })
    ));

    // A blob removed is named too.
    conn.execute(
        "UPDATE blobs SET zstd = ?1 WHERE id = (SELECT min(id) FROM blobs)",
        [&z],
    )
    .unwrap();
    assert!(store.verify_journal().unwrap().ok);
    conn.execute(
        "DELETE FROM blobs WHERE id = (SELECT max(id) FROM blobs)",
        [],
    )
    .unwrap();
    assert_eq!(malformed(&store.verify_journal().unwrap()), vec![5]);
}

#[test]
fn a_blob_replaced_by_other_well_formed_content_breaks_the_rows_hash() {
    let (_dir, path, store) = log_with_snapshots();
    let conn = untriggered_blobs(&path);
    // Someone rewrites the captured snapshot with a lower amount (compressed on its own) and
    // its SHA-256 with it: the blob is sound, the row's hash is not.
    let (id, old): (i64, Vec<u8>) = conn
        .query_row("SELECT max(id), sha256 FROM blobs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let forged = serde_json::to_string(&big_snapshot("T.s1", "CAPTURED", 1)).unwrap();
    let z = zstd::bulk::compress(forged.as_bytes(), 3).unwrap();
    use sha2::Digest;
    let sha = sha2::Sha256::digest(forged.as_bytes()).to_vec();
    assert_ne!(sha, old);
    conn.execute(
        "UPDATE blobs SET zstd = ?1, sha256 = ?2, base = NULL WHERE id = ?3",
        rusqlite::params![z, sha, id],
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    let found: Vec<(i64, &str)> = report
        .problems
        .iter()
        .map(|p| match p {
            JournalProblem::HashMismatch { seq, .. } => (*seq, "hash"),
            JournalProblem::Malformed { seq, .. } => (*seq, "malformed"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(found, vec![(5, "hash")], "{report:?}");
}

#[test]
fn a_log_of_schema_3_or_4_is_migrated_keeps_its_rows_and_verifies_with_new_rows_after_them() {
    for from in [3, 4] {
        a_log_of_schema_is_migrated(from);
    }
}

/// A log of schema `from` holding one sale's rows, opened by this code: its rows move to
/// `journal` as they were (their data, their hashes), verify, and new rows follow them.
fn a_log_of_schema_is_migrated(from: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let opened = LogEvent::SaleOpened {
        merchant_reference: "KASSE1-20261124-0001".into(),
        counter: "KASSE1".into(),
        currency: "NOK".into(),
        amount: 24_800,
        vat_amount: 4_960,
        order: big_snapshot("order", "n/a", 0),
        auto_capture: false,
    };
    let old_events = vec![
        opened,
        LogEvent::SessionCreated {
            session_id: "S.old".into(),
            url: "https://checkout.test/v1/view/S.old".into(),
            expires_at: None,
        },
        observed_big(
            SaleStatus::Authorized,
            "T.old",
            0,
            big_snapshot("T.old", "AUTHORIZED", 0),
        ),
    ];
    let old: Vec<(String, String)>;
    {
        let mut conn = raw(&path);
        migrate::migrate_to(&mut conn, from).unwrap();
        old_rows(&conn, "old", &old_events, T0);
        old = pairs(&conn, "SELECT data, hash FROM events ORDER BY seq");
        assert_eq!(old.len(), 3);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrate::LATEST_VERSION);
    // The old rows are kept as they were (whole JSON, no blob, their hashes), in `journal`,
    // and verify.
    let conn = raw(&path);
    let moved = pairs(
        &conn,
        "SELECT unpack(body), lower(hex(hash)) FROM journal ORDER BY seq",
    );
    assert_eq!(moved, old, "from schema {from}");
    // One sale, named by its opening row (row 1) alone; no blobs.
    let shape = "SELECT count(*) FROM journal WHERE sale = 1 AND blob IS NULL
        AND (sale_id IS NULL) = (seq > 1) AND coalesce(sale_id, 'old') = 'old'";
    assert_eq!(count(&conn, shape), 3, "from schema {from}");
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM sqlite_master WHERE name = 'events'"
        ),
        0,
        "the old table is gone"
    );
    let report = store.verify_journal().unwrap();
    assert!(report.ok, "from schema {from}: {report:?}");
    assert_eq!(report.head.unwrap().hash, old[2].1);
    // The raw rows came without projection: it is rebuilt from them.
    assert_eq!(store.rebuild_projection().unwrap(), 1);
    let events: Vec<LogEvent> = store
        .events("old")
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, old_events);

    // New rows after the old ones use blobs; the whole chain verifies, in full and since a
    // head checked before the new rows.
    let checked = store.verify_journal().unwrap().head;
    store
        .append(
            "old",
            &observed_big(
                SaleStatus::Captured,
                "T.old",
                24_800,
                big_snapshot("T.old", "CAPTURED", 24_800),
            ),
            t(T0 + 10),
        )
        .unwrap();
    sale_with_snapshots(&store);
    assert!(count(&conn, "SELECT count(*) FROM journal WHERE blob IS NOT NULL") >= 4);
    let full = store.verify_journal().unwrap();
    assert!(full.ok, "{full:?}");
    assert_eq!(full.rows, 9);
    assert!(store.verify_journal_after(checked.as_ref()).unwrap().ok);
    assert!(store.check_projection().unwrap().ok());
    let sale = store.sale("old").unwrap().unwrap();
    assert_eq!(sale.status, SaleStatus::Captured);
    // The projection's large JSON is stored compressed, and reads back the same.
    assert_eq!(sale.order, big_snapshot("order", "n/a", 0));
    let kind: String = conn
        .query_row(
            "SELECT typeof(order_json) FROM sales WHERE id = 'old'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "blob");
}

#[test]
fn a_refused_event_in_a_group_commit_leaves_the_others_written_and_durable_on_return() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let store = Arc::new(Store::open(&path).unwrap());
    const WRITERS: usize = 8;
    for w in 0..WRITERS {
        paid(
            &store,
            &format!("s{w}"),
            1000 + w as i64,
            T0 + w as i64 * 10,
        );
    }
    // Every writer appends at once; the odd ones send an event their sale refuses (a second
    // session for a sale that has one), the even ones a note.
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = store.clone();
            let barrier = barrier.clone();
            let path = path.clone();
            std::thread::spawn(move || {
                let id = format!("s{w}");
                let event = if w % 2 == 1 {
                    LogEvent::SessionCreated {
                        session_id: format!("S.again{w}"),
                        url: "https://checkout.test/v1/view/again".into(),
                        expires_at: None,
                    }
                } else {
                    LogEvent::Note {
                        text: format!("note {w}"),
                    }
                };
                barrier.wait();
                let r = store.append(&id, &event, t(T0 + 1_000));
                // On return the event is committed: another connection sees it at once.
                if let Ok(a) = &r {
                    let seen: i64 = raw(&path)
                        .query_row(
                            "SELECT count(*) FROM journal WHERE seq = ?1 AND hash = ?2",
                            rusqlite::params![a.seq, hex::decode(&a.hash).unwrap()],
                            |r| r.get(0),
                        )
                        .unwrap();
                    assert_eq!(seen, 1, "writer {w}'s event not visible on return");
                }
                (w, r.map(|a| a.seq))
            })
        })
        .collect();
    for h in handles {
        let (w, r) = h.join().unwrap();
        if w % 2 == 1 {
            assert!(
                matches!(r, Err(StoreError::Rejected { .. })),
                "writer {w}: {r:?}"
            );
        } else {
            assert!(r.is_ok(), "writer {w}: {r:?}");
        }
    }
    let report = store.verify_journal().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.rows, WRITERS as u64 * 3 + WRITERS as u64 / 2);
    for w in 0..WRITERS {
        let events = store.events(&format!("s{w}")).unwrap();
        assert_eq!(events.len(), if w % 2 == 1 { 3 } else { 4 }, "s{w}");
    }
    assert!(store.check_projection().unwrap().ok());
}

#[test]
fn the_compression_dictionaries_are_pinned() {
    // Every blob, and every journal row's body, is compressed after one of these texts: an
    // edit would make what was written with it unreadable. A better dictionary is a new file
    // (for blobs, with a new `blobs.dict` value).
    use sha2::Digest;
    for (text, sha) in [
        (
            include_str!("../../src/store/blob_dictionary.jsonl"),
            "61411117adca9cd5325682063b2074f48d8bd47494ede9884f4e4a810abe2f48",
        ),
        (
            include_str!("../../src/store/journal_dictionary.jsonl"),
            "6990e898fd556eba6c1de4a6a2974811b936e03233250fcab3fd38516a11311c",
        ),
    ] {
        assert_eq!(hex::encode(sha2::Sha256::digest(text.as_bytes())), sha);
    }
}

#[test]
fn an_edit_of_a_blob_rows_own_fields_is_a_hash_mismatch_and_the_row_still_reads() {
    let (_dir, path, store) = log_with_snapshots();
    let conn = raw(&path);
    conn.execute_batch("DROP TRIGGER journal_no_update;")
        .unwrap();
    // Row 5 (captured, with its snapshot in a blob): its own fields are edited, the text
    // growing before the `null` that stands for the snapshot.
    let changed = conn
        .execute(
            "UPDATE journal
             SET body = pack(replace(unpack(body), '\"source\":\"poll\"', '\"source\":\"webview\"'))
             WHERE seq = 5",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let report = store.verify_journal().unwrap();
    let found: Vec<(i64, bool)> = report
        .problems
        .iter()
        .map(|p| match p {
            JournalProblem::HashMismatch { seq, .. } => (*seq, true),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(found, vec![(5, true)]);
    match &store.events("s1").unwrap()[4].event {
        LogEvent::StatusObserved {
            source, snapshot, ..
        } => {
            assert_eq!(source, "webview");
            assert_eq!(snapshot, &big_snapshot("T.s1", "CAPTURED", 24_800));
        }
        other => panic!("{other:?}"),
    }
}

/// A sale's events with large values: its order, then three snapshots (one repeated).
fn snapshot_sale(id: &str, order_note: &str) -> Vec<(String, LogEvent, OffsetDateTime)> {
    let tx = format!("T.{id}");
    let order = json!({"items": [
        {"id": "kaffe", "note": order_note, "amount": 19_800, "description": "Kaffe latte stor"},
        {"id": "bolle", "note": order_note, "amount": 5_000, "description": "Kanelbolle"},
    ]});
    let auth = big_snapshot(&tx, "AUTHORIZED", 0);
    let cap = big_snapshot(&tx, "CAPTURED", 24_800);
    [
        sale_opened(&format!("R-{id}"), "K1", "NOK", 24_800, order),
        session_created(id),
        observed_big(SaleStatus::Authorized, &tx, 0, auth.clone()),
        observed_big(SaleStatus::Authorized, &tx, 0, auth),
        observed_big(SaleStatus::Captured, &tx, 24_800, cap),
    ]
    .into_iter()
    .enumerate()
    .map(|(k, ev)| (id.to_owned(), ev, t(T0 + k as i64)))
    .collect()
}

fn blob_rows(path: &Path) -> Vec<(Vec<u8>, Option<i64>, Vec<u8>)> {
    raw(path)
        .prepare("SELECT sha256, base, zstd FROM blobs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn blobs_prepared_before_the_transaction_are_the_ones_written_in_it_also_after_a_wrong_guess() {
    // `append` compresses a snapshot before its transaction, against what it takes for the
    // sale's latest blob; `append_many` does it all in the transaction. The same sale id in
    // two logs makes the first log's latest blob a wrong guess for the second.
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let other = Store::open(file("other.sqlite")).unwrap();
    for (id, ev, at) in snapshot_sale("g1", "other") {
        other.append(&id, &ev, at).unwrap();
    }
    let events = snapshot_sale("g1", "this");
    let one_by_one = Store::open(file("one.sqlite")).unwrap();
    for (id, ev, at) in &events {
        one_by_one.append(id, ev, *at).unwrap();
    }
    let in_one_go = Store::open(file("many.sqlite")).unwrap();
    append_all(&in_one_go, &events);

    let written = blob_rows(&file("one.sqlite"));
    // The order, the authorised snapshot once, the captured one as a delta of it.
    assert_eq!(written.len(), 3);
    assert_eq!(
        written.iter().filter(|(_, base, _)| base.is_some()).count(),
        2
    );
    assert_eq!(written, blob_rows(&file("many.sqlite")));
    assert_ne!(written, blob_rows(&file("other.sqlite")));
    for store in [&other, &one_by_one, &in_one_go] {
        assert!(store.verify_journal().unwrap().ok);
        assert!(store.check_projection().unwrap().ok());
    }
    assert_eq!(
        one_by_one.events("g1").unwrap(),
        in_one_go.events("g1").unwrap()
    );
}

fn snapshot_sales(from: usize, n: usize) -> Vec<(String, LogEvent, OffsetDateTime)> {
    (from..from + n)
        .flat_map(|i| snapshot_sale(&format!("d{i:04}"), &format!("note {i}")))
        .collect()
}

/// Average stored size of the snapshot blobs (not the orders) after dictionary `dict`.
fn snapshot_blob_size(conn: &rusqlite::Connection, dict: i64) -> f64 {
    conn.query_row(
        "SELECT avg(length(zstd)) FROM blobs WHERE dict = ?1 AND base IS NOT NULL",
        [dict],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_log_with_enough_snapshots_gets_trained_dictionaries_once_and_reads_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    // Five rows and three blobs a sale (the order, the authorised snapshot, the captured one):
    // enough of both.
    let before = snapshot_sales(0, 620);
    let after = snapshot_sales(620, 20);
    let dictionaries =
        |conn: &rusqlite::Connection| count(conn, "SELECT count(*) FROM dictionaries");
    {
        let store = Store::open(&path).unwrap();
        append_all(&store, &before);
        assert_eq!(
            dictionaries(&raw(&path)),
            0,
            "trained only when the log is opened"
        );
    }
    let store = Store::open(&path).unwrap();
    let conn = raw(&path);
    assert_eq!(dictionaries(&conn), 2, "one for blobs, one for rows");
    append_all(&store, &after);
    // Every new row is compressed after the rows' dictionary, smaller than before.
    assert_eq!(
        count(&conn, "SELECT count(*) FROM journal WHERE dict IS NOT NULL"),
        after.len() as i64
    );
    let body = |dict: &str| -> f64 {
        let sql = format!("SELECT avg(length(body)) FROM journal WHERE dict IS {dict}");
        conn.query_row(&sql, [], |r| r.get(0)).unwrap()
    };
    assert!(body("NOT NULL") < body("NULL"));
    // The new sales' snapshots are compressed after it, their orders after the built-in one
    // (read as the projection's order column).
    assert_eq!(
        count(&conn, "SELECT count(*) FROM blobs WHERE dict = 2"),
        2 * after.len() as i64 / 5
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM blobs WHERE dict = 1 AND base IS NULL"
        ),
        (before.len() + after.len()) as i64 / 5
    );
    let (built_in, trained) = (snapshot_blob_size(&conn, 1), snapshot_blob_size(&conn, 2));
    assert!(trained < built_in, "{trained} vs {built_in} bytes");
    // Every event reads back as appended, before and after the dictionary, and the chain and
    // the projection check.
    for chunk in before.chunks(5).step_by(50).chain(after.chunks(5)) {
        let id = &chunk[0].0;
        let read: Vec<LogEvent> = store
            .events(id)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        let written: Vec<LogEvent> = chunk.iter().map(|(_, ev, _)| ev.clone()).collect();
        assert_eq!(read, written, "sale {id}");
        assert_eq!(
            store.sale(id).unwrap().unwrap().order,
            match &written[0] {
                LogEvent::SaleOpened { order, .. } => order.clone(),
                other => panic!("{other:?}"),
            }
        );
    }
    assert!(store.verify_journal().unwrap().ok);
    assert!(store.check_projection().unwrap().ok());
    drop(store);
    // Kept, not trained again.
    let store = Store::open(&path).unwrap();
    assert_eq!(dictionaries(&conn), 2);

    // The dictionary is append-only; one replaced behind Kasse's back leaves the snapshots
    // after it unreadable, named by verify at every row that holds one, not misread.
    let refused = conn.execute("UPDATE dictionaries SET content = x'00'", []);
    assert!(refused.is_err(), "{refused:?}");
    assert!(conn.execute("DELETE FROM dictionaries", []).is_err());
    conn.execute_batch(
        "DROP TRIGGER dictionaries_no_update;
         UPDATE dictionaries SET content = zeroblob(8192) WHERE kind = 'blob';",
    )
    .unwrap();
    let report = store.verify_journal().unwrap();
    assert!(!report.ok);
    // Three rows a sale: authorised (twice, one blob) and captured.
    assert_eq!(malformed(&report).len(), 3 * after.len() / 5, "{report:?}");
    // The rows' own: every row after it.
    conn.execute(
        "UPDATE dictionaries SET content = zeroblob(4096) WHERE kind = 'row'",
        [],
    )
    .unwrap();
    assert_eq!(
        malformed(&store.verify_journal().unwrap()).len(),
        after.len()
    );
}
