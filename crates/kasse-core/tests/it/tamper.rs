//! A log changed outside Kasse opens read-only, naming what was changed: someone with the file
//! drops the journal's triggers and edits or removes rows, or edits a sale's stored row. Kasse
//! (as `App::open` assembles it for both shells) then refuses every write with `journal_broken`
//! (charge, capture, void, refund, cancel, sync, settings) before anything reaches Dintero,
//! while reading, listing and the full check still work. A sale row is repaired from a sound
//! journal; a changed journal is not.

use std::path::Path;

use super::engine_common::order_of;
use super::store_common::*;

use kasse_core::app::{App, AppConfig, Connection};
use kasse_core::settings::Settings;
use kasse_core::staff::Guarded;
use kasse_core::store::{JournalBroken, ListQuery, Store, StoreError};
use kasse_core::{CoreError, ErrorCode, RefundSpec};

async fn open_app(path: &Path) -> App {
    let store = Store::open(path).expect("store");
    App::open(store, AppConfig::new(Connection::Demo, "kasse-test"))
        .await
        .expect("a changed log still opens")
}

/// The reason an action was refused, which must be `journal_broken`.
fn refused<T: std::fmt::Debug>(r: Result<T, CoreError>) -> JournalBroken {
    let e = r.expect_err("refused");
    assert_eq!(e.error_code(), ErrorCode::JournalBroken, "{e}");
    e.journal_broken().cloned().expect("names why")
}

/// Every kind of write, each refused for `why`; nothing new in the log afterwards.
async fn every_write_is_refused(app: &App, why: &JournalBroken) {
    let kasse = &app.kasse;
    let before = kasse.store().journal_head().unwrap();
    assert_eq!(&refused(kasse.charge(&order_of(100)).await), why);
    assert_eq!(&refused(kasse.capture("s0", None).await), why);
    assert_eq!(&refused(kasse.void("s1").await), why);
    assert_eq!(
        &refused(kasse.refund("s0", RefundSpec::Amount(1), None).await),
        why
    );
    assert_eq!(&refused(kasse.cancel("s2").await), why);
    assert_eq!(&refused(kasse.sync(1).await), why);
    let previous = Settings::load(kasse.store()).unwrap();
    let mut settings = previous.clone();
    settings.counter = "Elsewhere".into();
    let now = time::OffsetDateTime::now_utc();
    let saved = kasse_core::access::guard(kasse.store(), Guarded::Settings, None, now)
        .and_then(|allowed| settings.save(kasse.store(), &allowed, &previous, false, now));
    assert_eq!(&refused(saved), why);
    assert!(matches!(
        kasse.store().set_setting("anything", &1),
        Err(StoreError::JournalBroken(w)) if &w == why
    ));
    assert_eq!(
        kasse.store().journal_head().unwrap(),
        before,
        "nothing written"
    );
    // Reading and listing still work, and so does the full check.
    assert_eq!(kasse.find("s0").unwrap().id, "s0");
    assert!(!kasse
        .store()
        .list(&ListQuery::new())
        .unwrap()
        .items
        .is_empty());
    assert!(!kasse.detail("s1").unwrap().events.is_empty());
}

#[tokio::test]
async fn an_edited_journal_row_opens_kasse_read_only_naming_the_row() {
    let (_dir, store, path) = file_store();
    paid_sales(&store, 0, 3);
    assert_eq!(
        store.check_at_start().unwrap(),
        None,
        "checked once: rows 1–9"
    );
    paid_sales(&store, 3, 1);
    drop(store);
    // Row 10 is s3's sale_opened: someone with the file makes it cheaper.
    untriggered(&path)
        .execute(
            "UPDATE journal SET body = pack(replace(unpack(body), '\"amount\":1003', '\"amount\":3'))
             WHERE seq = 10",
            [],
        )
        .unwrap();

    let app = open_app(&path).await;
    let why = app.read_only.clone().expect("read-only");
    assert_eq!(why.seq(), Some(10), "{why}");
    assert!(why.to_string().contains("row 10 was altered"), "{why}");
    let said = CoreError::Store(StoreError::JournalBroken(why.clone())).to_string();
    assert!(
        said.contains("row 10") && said.contains("read-only"),
        "{said}"
    );
    assert!(said.contains("restore"), "the fix: {said}");
    every_write_is_refused(&app, &why).await;
    let full = app.kasse.store().check_all().unwrap();
    assert_eq!(full.broken, Some(why.clone()));

    // Every later start too.
    drop(app);
    assert_eq!(open_app(&path).await.read_only, Some(why));
    // The projection is not rebuilt from a changed journal.
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.repair_projection(),
        Err(StoreError::JournalBroken(JournalBroken::Row {
            seq: 10,
            ..
        }))
    ));
}

#[tokio::test]
async fn rows_removed_at_the_end_open_kasse_read_only() {
    let (_dir, store, path) = file_store();
    paid_sales(&store, 0, 4);
    assert_eq!(store.check_at_start().unwrap(), None);
    paid_sales(&store, 4, 1);
    drop(store);
    // The last two rows removed (the head record left as it was): the row the last check
    // ended at (12) is still there, so the head record tells.
    let conn = untriggered(&path);
    conn.execute("DELETE FROM journal WHERE seq > 13", [])
        .unwrap();
    let app = open_app(&path).await;
    let why = app.read_only.clone().expect("read-only");
    assert_eq!(why.seq(), Some(14), "{why}");
    assert!(why.to_string().contains("rows at the end"), "{why}");
    assert_eq!(refused(app.kasse.charge(&order_of(100)).await), why);
}

#[tokio::test]
async fn an_edited_sale_row_is_refused_naming_the_sale_until_it_is_rebuilt() {
    let (_dir, store, path) = file_store();
    paid_sales(&store, 0, 3);
    captured(&store, "c1", 5000, T0 + 60_000);
    drop(store);
    // Someone raises what the sale says was captured, so that a larger refund would pass.
    raw(&path)
        .execute("UPDATE sales SET captured = 50000 WHERE id = 'c1'", [])
        .unwrap();

    let app = open_app(&path).await;
    assert_eq!(
        app.read_only, None,
        "the start-up check reads the new journal rows, not every sale"
    );
    let why = refused(
        app.kasse
            .refund("c1", RefundSpec::Amount(40_000), None)
            .await,
    );
    assert_eq!(why.sale_id(), Some("c1"), "{why}");
    assert!(
        matches!(&why, JournalBroken::Sale { differences, .. } if differences == &["captured"]),
        "{why}"
    );
    let said = CoreError::Store(StoreError::JournalBroken(why.clone())).to_string();
    assert!(said.contains("journal rebuild"), "the fix: {said}");
    // From then on nothing is written, and the next start knows.
    every_write_is_refused(&app, &why).await;
    drop(app);
    let app = open_app(&path).await;
    assert_eq!(app.read_only, Some(why));

    // The journal is sound: the sales are rebuilt from it and Kasse writes again.
    let (sales, after) = app.kasse.store().repair_projection().unwrap();
    assert_eq!(sales, 4);
    assert_eq!(after.broken, None, "{after:?}");
    assert_eq!(app.kasse.store().read_only(), None);
    assert_eq!(app.kasse.find("c1").unwrap().captured, 5000);
    drop(app);
    assert_eq!(open_app(&path).await.read_only, None);
}

#[tokio::test]
async fn a_sale_row_found_changed_by_the_full_check_makes_the_next_start_read_only() {
    let (_dir, store, path) = file_store();
    paid_sales(&store, 0, 3);
    raw(&path)
        .execute("UPDATE sales SET amount = 1 WHERE id = 's2'", [])
        .unwrap();
    let full = store.check_all().unwrap();
    assert!(full.journal.ok);
    assert_eq!(full.projection.mismatches.len(), 1);
    let why = full.broken.expect("found");
    assert_eq!(why.sale_id(), Some("s2"));
    assert_eq!(store.read_only(), Some(why.clone()));
    // A second connection made from this one is read-only with it.
    let other = store.reopen().unwrap();
    assert_eq!(other.read_only(), Some(why.clone()));
    drop((store, other));
    assert_eq!(open_app(&path).await.read_only, Some(why));
}
