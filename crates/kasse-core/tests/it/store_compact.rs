//! The compact stored forms: a sale's order kept once (in the journal, read into the view),
//! and the view an append starts from kept between appends without going stale when another
//! handle on the same file appends to the same sale.

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
