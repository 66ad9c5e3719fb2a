//! The log's storage: a sale's order kept once (in the journal, read into the view), the view
//! an append starts from kept between appends without going stale when another handle on the
//! same file appends to the same sale, small pages, checkpoints off the writer's path.

use super::store_common;

use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::{NewSale, Store};
use serde_json::json;
use store_common::*;

fn big_order() -> serde_json::Value {
    json!({"currency": "NOK", "lines": (1..=4).map(|i| json!({
        "description": format!("Kaffe latte stor {i}"), "line_id": i.to_string(),
        "quantity": "1", "unit_price": 3390, "vat": "15"})).collect::<Vec<_>>()})
}

fn order_json_len(path: &std::path::Path, id: &str) -> i64 {
    raw(path)
        .query_row(
            "SELECT length(order_json) FROM sales WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn an_order_kept_in_the_journal_is_not_copied_into_the_sale_row_and_reads_back_whole() {
    let (_dir, store, path) = file_store();
    let order = big_order();
    let new = NewSale {
        order: order.clone(),
        ..new_sale(13560)
    };
    store.open_sale("big", &new, t(T0)).unwrap();
    open(&store, "small", 100, T0 + 1);
    // The big order is the opening row's blob: the row holds an empty marker, the view the
    // order; a small order (no blob) stays in the row.
    assert_eq!(order_json_len(&path, "big"), 0);
    assert!(order_json_len(&path, "small") > 0);
    assert_eq!(store.sale("big").unwrap().unwrap().order, order);
    // Rebuilt from the journal, the projection is the same, and still keeps no copy.
    assert!(store.check_projection().unwrap().ok());
    store.rebuild_projection().unwrap();
    assert_eq!(order_json_len(&path, "big"), 0);
    assert_eq!(store.sale("big").unwrap().unwrap().order, order);
    let reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.sale("big").unwrap().unwrap().order, order);
}

#[test]
fn a_sale_appended_to_by_another_handle_is_read_again_not_taken_from_the_kept_view() {
    let (_dir, a, path) = file_store();
    let b = Store::open(&path).unwrap();
    open(&a, "s1", 1000, T0);
    session(&a, "s1", T0 + 1);
    // b moves the sale on; a's kept view is of the row before.
    log(&b, "s1", &seen("s1", SaleStatus::Authorized, 0), T0 + 2);
    // a's next append must start from b's state: a note leaves the sale authorised (from
    // the view a kept, it would say "waiting" and have no transaction).
    let note = LogEvent::Note { text: "x".into() };
    let after = log(&a, "s1", &note, T0 + 3);
    assert_eq!(after.status, SaleStatus::Authorized);
    assert_eq!(after.transaction_id, Some("T.s1".into()));
    assert_eq!(a.sale("s1").unwrap().unwrap(), after);
    assert!(a.check_projection().unwrap().ok());
    // The same the other way round.
    let captured = log(&a, "s1", &seen("s1", SaleStatus::Captured, 1000), T0 + 4);
    assert_eq!(log(&b, "s1", &note, T0 + 5).captured, captured.captured);
    assert_eq!(a.events("s1").unwrap().len(), 6);
    assert!(a.verify_journal().unwrap().ok);
}

#[test]
fn a_new_log_has_small_pages_and_an_old_one_keeps_its_own() {
    let (_dir, _store, path) = file_store();
    let size: i64 = raw(&path)
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(size, 1024);
    // A log created by an older Kasse (4 KiB pages) opens with its pages as they are.
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&old).unwrap();
        conn.pragma_update(None, "page_size", 4096).unwrap();
        kasse_core::store::migrate::migrate_to(&mut conn, 4).unwrap();
    }
    let store = Store::open(&old).unwrap();
    open(&store, "s1", 100, T0);
    let size: i64 = raw(&old)
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(size, 4096);
}

#[test]
fn the_wal_is_checkpointed_by_the_store_while_it_stays_open() {
    let (_dir, store, path) = file_store();
    let before = std::fs::metadata(&path).unwrap().len();
    // Fewer pages than SQLite's own checkpoint threshold (1,000): without the store's
    // checkpoints they would stay in the WAL until the log closes.
    paid_sales(&store, 0, 20);
    // The store's checkpoints copy them into the file (its connection does not checkpoint:
    // it would make an append wait for that). Waiting for a background thread, with a
    // deadline far above its interval.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&path).unwrap().len() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing checkpointed into the file"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let auto: i64 = raw(&path)
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auto, 1000, "a raw connection keeps SQLite's default");
    assert_eq!(store.count_sales().unwrap(), 20);
}
