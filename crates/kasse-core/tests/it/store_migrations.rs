//! Schema migrations: from an empty file, from every earlier version, reopen, newer refused,
//! landed files pinned, append-only triggers, and a log tampered with before migration 5 moved
//! its rows still found out after it.

use super::store_common;

use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::journal::row_hash;
use kasse_core::store::migrate::{self, LATEST_VERSION, MIGRATIONS};
use kasse_core::store::{JournalProblem, ListQuery, Store, StoreError, StoreOptions};
use sha2::{Digest, Sha256};
use std::time::Duration;
use store_common::*;

/// SHA-256 of every landed migration (CRLF normalized to LF, so a Windows checkout agrees).
/// A landed migration is never edited: write a new file instead. Add a line here when a new
/// migration lands.
const LANDED: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        "93d15b78620f35067e3782084a6b24404d243464458553964b1b82c9050c308a",
    ),
    (
        "0002_reference_stem.sql",
        "7fe8da6a0475f7748e0b7f6d2d66bd41d31034927e72a0927855b79147ad6ae6",
    ),
    (
        "0003_operation_accepted.sql",
        "b83eb7103db14c63ccdc52c5ce5a8308bb30fdffb3b336be72c88d08c5645c9d",
    ),
    (
        "0004_snapshot_blobs.sql",
        "d3ccff56de0fdcd1463e9811022c9ae05aac3b88ce3b6a9a8f51ca7b77deb2d4",
    ),
    (
        "0005_compact_journal.sql",
        "b46261cff92f6b0ee3a836248a2310ab58e86ad5de9a7745464fdcc4603ad23f",
    ),
    (
        "0006_catalog.sql",
        "ca584c930b51376499721648cea0e196192bea79d10fb23b64f4acfe3e675ac2",
    ),
    (
        "0007_sale_card.sql",
        "c5833ac2586435ffbd36b8ec7239c10283bee45a178bf21808c2894b29dc064b",
    ),
    (
        "0008_auto_capture.sql",
        "348f5b035c63a0b736ecd898c589f6d52470cba3848a4de42895dbbc31132399",
    ),
    (
        "0009_trained_dictionary.sql",
        "e6d04c811cf747690771ba2a0556f4dba66795eeecff3cccc0cda90efe9dce0e",
    ),
    (
        "0010_lean_list_indexes.sql",
        "869beac44769463c63fe48370c01893ca56765d527f18670f51936080704652e",
    ),
    (
        "0011_checkout_url_once.sql",
        "fa9ef053d0384254a3f505316632ce6d5e92c2bf36f85d7bc5faeb624cbafcdc",
    ),
];

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.replace("\r\n", "\n").as_bytes()))
}

#[test]
fn landed_migrations_are_pinned_and_never_edited() {
    assert!(
        MIGRATIONS.len() >= LANDED.len(),
        "a landed migration was removed"
    );
    for (m, (name, hash)) in MIGRATIONS.iter().zip(LANDED) {
        assert_eq!(m.name, *name, "migrations must keep their names and order");
        assert_eq!(
            sha(m.sql),
            *hash,
            "migration {name} was edited after it landed: put the change in a new migration file"
        );
    }
    if let Some(m) = MIGRATIONS.get(LANDED.len()) {
        panic!(
            "migration {} is not pinned: add (\"{}\", \"{}\") to LANDED",
            m.name,
            m.name,
            sha(m.sql)
        );
    }
}

#[test]
fn migration_files_match_the_embedded_list() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
    assert_eq!(
        files, names,
        "every migrations/*.sql file is embedded, in order"
    );
    for (i, m) in MIGRATIONS.iter().enumerate() {
        assert_eq!(m.version, i as i64 + 1, "versions are consecutive from 1");
        assert_eq!(
            m.name[..4].parse::<i64>().unwrap(),
            m.version,
            "{} is numbered like its version",
            m.name
        );
        let on_disk = std::fs::read_to_string(dir.join(m.name)).unwrap();
        assert_eq!(on_disk, m.sql);
        let upper = m.sql.to_uppercase();
        assert!(
            !upper.contains("BEGIN;") && !upper.contains("COMMIT"),
            "{}: the runner wraps each migration in its own transaction",
            m.name
        );
    }
    assert_eq!(LATEST_VERSION, MIGRATIONS.len() as i64);
}

#[test]
fn an_empty_file_is_migrated_and_reopening_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
        paid(&store, "s1", 24800, T0);
        store.set_setting("counter", "KASSE1").unwrap();
    }
    let conn = raw(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    let s = store.sale("s1").unwrap().unwrap();
    assert_eq!(s.amount, 24800);
    assert_eq!(s.merchant_reference, "KASSE1-20261124-0001");
    assert_eq!(store.events("s1").unwrap().len(), 3);
    assert_eq!(
        store.setting_as::<String>("counter").unwrap().as_deref(),
        Some("KASSE1")
    );
    assert!(store.verify_journal().unwrap().ok);
    // The sequence continues after a reopen.
    let s2 = open(&store, "s2", 100, T0 + 1000);
    assert_eq!(s2.merchant_reference, "KASSE1-20261124-0002");
}

#[test]
fn every_earlier_schema_migrates_to_the_latest() {
    for from in 0..LATEST_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = raw(&path);
            migrate::migrate_to(&mut conn, from).unwrap();
            assert_eq!(migrate::current_version(&conn).unwrap(), from);
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            LATEST_VERSION,
            "from {from}"
        );
        paid(&store, "s1", 1000, T0);
        assert!(store.verify_journal().unwrap().ok);
        assert!(store.check_projection().unwrap().ok());
    }
}

#[test]
fn a_newer_schema_is_refused_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.sqlite");
    drop(Store::open(&path).unwrap());
    raw(&path)
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    match Store::open(&path) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (LATEST_VERSION + 1, LATEST_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    // Refused before anything was written: the version is untouched.
    let v: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, LATEST_VERSION + 1);
}

#[test]
fn the_journal_is_append_only_in_the_database_itself() {
    let (_dir, store, path) = file_store();
    paid(&store, "s1", 1000, T0);
    let conn = raw(&path);
    for sql in [
        "UPDATE journal SET body = pack('{}') WHERE seq = 1",
        "UPDATE journal SET at = at + 1",
        "UPDATE journal SET intent = 'x' WHERE seq = 2",
        "DELETE FROM journal WHERE seq = 2",
        "DELETE FROM journal",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(
            err.to_string().contains("journal is append-only"),
            "{sql}: {err}"
        );
    }
    // INSERT OR REPLACE deletes the old row first: refused too.
    let err = conn
        .execute(
            "INSERT OR REPLACE INTO journal (seq, sale, at, body, hash)
             VALUES (1, 1, 0, pack('{}'), X'00')",
            [],
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("append-only") || err.to_string().contains("UNIQUE"),
        "{err}"
    );
    assert_eq!(store.events("s1").unwrap().len(), 3);
    assert!(store.verify_journal().unwrap().ok);
}

/// A schema-4 log of two sales (rows 1–3: `a`, 4–5: `b`), tampered with by `tamper` (on its
/// `events` table, triggers dropped), then opened by this code: the journal's problems.
fn tampered_before_migration(tamper: impl FnOnce(&rusqlite::Connection)) -> Vec<JournalProblem> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let mut conn = raw(&path);
        migrate::migrate_to(&mut conn, 4).unwrap();
        let note = LogEvent::Note {
            text: "reprinted".into(),
        };
        let order = serde_json::json!({"lines": []});
        let a = sale_opened("KASSE1-20261124-0001", "KASSE1", "NOK", 1000, order.clone());
        old_rows(&conn, "a", &[a, session_created("a"), note.clone()], T0);
        let b = sale_opened("KASSE1-20261124-0002", "KASSE1", "NOK", 2000, order);
        old_rows(&conn, "b", &[b, note], T0 + 10);
        conn.execute_batch(
            "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
             DROP TRIGGER events_append_at_end;",
        )
        .unwrap();
        tamper(&conn);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    store.verify_journal().unwrap().problems
}

/// Runs `sql` (one statement).
fn run(sql: &'static str) -> impl FnOnce(&rusqlite::Connection) {
    move |conn| assert_eq!(conn.execute(sql, []).unwrap(), 1, "{sql}")
}

#[test]
fn an_old_row_tampered_before_the_migration_is_still_reported_after_it() {
    // Untouched, the moved rows verify.
    assert_eq!(tampered_before_migration(|_| {}), []);
    // Edited in place: its hash no longer matches.
    let problems = tampered_before_migration(run(
        "UPDATE events SET data = replace(data, '\"amount\":2000', '\"amount\":1') WHERE seq = 4",
    ));
    assert!(
        matches!(problems[..], [JournalProblem::HashMismatch { seq: 4, .. }]),
        "{problems:?}"
    );
    // Edited and re-hashed (a broken link before the migration): the next row's hash no
    // longer matches, since it chains from the stored hash of the row before it.
    let problems = tampered_before_migration(|conn| {
        let data = serde_json::to_string(&session_created("z")).unwrap();
        let (at, prev): (i64, String) = conn
            .query_row(
                "SELECT e.at, p.hash FROM events e JOIN events p ON p.seq = 1 WHERE e.seq = 2",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let hash = row_hash(&prev, 2, "a", at, "session_created", None, &data);
        conn.execute(
            "UPDATE events SET data = ?1, hash = ?2 WHERE seq = 2",
            [&data, &hash],
        )
        .unwrap();
    });
    assert!(
        matches!(problems[..], [JournalProblem::HashMismatch { seq: 3, .. }]),
        "{problems:?}"
    );
}

#[test]
fn an_old_log_with_a_row_removed_before_the_migration_opens_and_shows_the_gap() {
    // The migration copies the rows as they are: a gap stays a gap, found by verify, and
    // does not keep the log from opening.
    let problems = tampered_before_migration(run("DELETE FROM events WHERE seq = 2"));
    assert!(
        matches!(
            problems[..],
            [
                JournalProblem::Gap { after: 1, next: 3 },
                JournalProblem::HashMismatch { seq: 3, .. }
            ]
        ),
        "{problems:?}"
    );
}

#[test]
fn a_log_another_kasse_is_migrating_is_a_clear_busy_error_and_opens_once_it_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upgrading.sqlite");
    {
        let mut conn = raw(&path);
        migrate::migrate_to(&mut conn, LATEST_VERSION - 1).unwrap();
    }
    // Another Kasse is in the middle of the last migration: it holds the write lock.
    let mut other = raw(&path);
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let options = StoreOptions {
        busy_timeout: Duration::from_millis(50),
        ..StoreOptions::default()
    };
    let err = match Store::open_with(&path, options.clone()) {
        Err(e) => e,
        Ok(_) => panic!("opened a log whose migration holds the lock"),
    };
    assert!(matches!(err, StoreError::Busy), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("in use by another Kasse"), "{message}");
    assert!(message.contains("try again"), "{message}");
    drop(tx);
    let store = Store::open_with(&path, options).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
}

#[test]
fn an_append_that_waits_too_long_for_the_lock_is_busy_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.sqlite");
    let store = Store::open_with(
        &path,
        StoreOptions {
            busy_timeout: Duration::from_millis(50),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let mut other = raw(&path);
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let err = store.open_sale("s0", &new_sale(1000), t(T0)).unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err:?}");
    drop(tx);
    assert!(store.sale("s0").unwrap().is_none());
    assert_eq!(store.open_sales().unwrap().len(), 0);
    let s = open(&store, "s1", 1000, T0);
    assert_eq!(s.amount, 1000);
}

#[test]
fn a_log_from_before_the_card_columns_gets_the_card_its_journal_shows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    {
        let store = Store::open(&path).unwrap();
        paid(&store, "plain", 1000, T0);
        open(&store, "card", 2000, T0 + 10);
        let mut seen = observed(SaleStatus::Authorized, "T.card", 0, 0);
        if let LogEvent::StatusObserved { snapshot, .. } = &mut seen {
            *snapshot = serde_json::json!({"id": "T.card", "status": "AUTHORIZED",
                "payment_product_type": "dintero_psp.creditcard",
                "card": {"brand": "Visa", "masked_pan": "400000******0002"}});
        }
        let sale = log(&store, "card", &seen, T0 + 11);
        assert_eq!(
            sale.card.as_ref().and_then(|c| c.last4.as_deref()),
            Some("0002")
        );
        assert_eq!(store.sale("card").unwrap().unwrap().card, sale.card);
    }
    // The file as migration 6 left it: no card columns.
    {
        let conn = raw(&path);
        conn.execute_batch(
            "UPDATE sales SET checkout_url = (SELECT prefix || sales.session_id || suffix
                 FROM checkout_urls WHERE key = sales.checkout_url)
             WHERE typeof(checkout_url) = 'blob';
             DROP TABLE checkout_urls;
             DROP INDEX sales_reference_imported;
             CREATE INDEX sales_reference ON sales (merchant_reference, created_at, id);
             DROP TABLE dictionaries; ALTER TABLE journal DROP COLUMN dict;
             DROP INDEX sales_authorized; ALTER TABLE sales DROP COLUMN auto_capture;
             ALTER TABLE sales DROP COLUMN card_brand; ALTER TABLE sales DROP COLUMN card_last4;
             PRAGMA user_version = 6;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    let card = store.sale("card").unwrap().unwrap().card.unwrap();
    assert_eq!(
        (card.brand.as_deref(), card.last4.as_deref()),
        (Some("Visa"), Some("0002"))
    );
    assert_eq!(store.sale("plain").unwrap().unwrap().card, None);
    assert!(store.check_projection().unwrap().ok());
    // Migration 10's indexes list and find the sales written before it.
    let ids = |q: ListQuery| -> Vec<String> {
        store
            .list(&q)
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids(ListQuery::new()), ["card", "plain"]);
    assert_eq!(
        ids(ListQuery::new().search("KASSE1-20261124-0001")),
        ["plain"]
    );
}
