//! Helpers shared by the `store_*` integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kasse_core::clock::from_unix_ms;
use kasse_core::sale::{LogEvent, OpKind, Sale, SaleStatus};
use kasse_core::store::{AmountFilter, ListQuery, NewSale, Store};
use serde_json::{json, Value};
use time::OffsetDateTime;

/// 2026-11-24 10:00:00 UTC in Unix ms.
pub const T0: i64 = 1_795_514_400_000;

pub fn t(ms: i64) -> OffsetDateTime {
    from_unix_ms(ms).expect("time in range")
}

pub fn new_sale(amount: i64) -> NewSale {
    NewSale {
        counter: "KASSE1".into(),
        currency: "NOK".into(),
        amount,
        vat_amount: amount / 5,
        order: json!({"currency": "NOK", "lines": [{"description": "Coffee", "quantity": "1", "unit_price": amount, "vat": "25"}]}),
    }
}

/// Appends `event` to sale `id` at `at_ms`; returns the sale as logged then.
pub fn log(store: &Store, id: &str, event: &LogEvent, at_ms: i64) -> Sale {
    store.append(id, event, t(at_ms)).expect("append").sale
}

pub fn open(store: &Store, id: &str, amount: i64, at_ms: i64) -> Sale {
    store
        .open_sale(id, &new_sale(amount), t(at_ms))
        .expect("open sale")
        .sale
}

pub fn session(store: &Store, id: &str, at_ms: i64) -> Sale {
    let created = LogEvent::SessionCreated {
        session_id: format!("S.{id}"),
        url: format!("https://checkout.test/v1/view/S.{id}"),
        expires_at: Some(t(at_ms + 15 * 60_000)),
    };
    log(store, id, &created, at_ms)
}

/// The `sale_opened` of a bulk fixture: `amount` with a fifth of it VAT, and `order` as given.
pub fn sale_opened(
    reference: &str,
    counter: &str,
    currency: &str,
    amount: i64,
    order: Value,
) -> LogEvent {
    LogEvent::SaleOpened {
        merchant_reference: reference.into(),
        counter: counter.into(),
        currency: currency.into(),
        amount,
        vat_amount: amount / 5,
        order,
    }
}

/// The `session_created` of a bulk fixture: session `S.{id}`, no expiry.
pub fn session_created(id: &str) -> LogEvent {
    LogEvent::SessionCreated {
        session_id: format!("S.{id}"),
        url: "https://checkout.test".into(),
        expires_at: None,
    }
}

/// A Dintero transaction JSON.
pub fn transaction(id: &str, status: &str, amount: i64, captured: i64, refunded: i64) -> Value {
    let mut events =
        vec![json!({"event": "AUTHORIZE", "success": true, "transaction_status": "AUTHORIZED"})];
    if captured > 0 {
        events.push(json!({"event": "CAPTURE", "success": true, "amount": captured, "event_reference": "cap"}));
    }
    if refunded > 0 {
        events.push(json!({"event": "REFUND", "success": true, "amount": refunded, "event_reference": "ref"}));
    }
    json!({"id": id, "status": status, "amount": amount, "currency": "NOK", "events": events,
           "payment_product_type": "dintero_psp.creditcard"})
}

pub fn observed(status: SaleStatus, tx: &str, captured: i64, refunded: i64) -> LogEvent {
    LogEvent::StatusObserved {
        status,
        transaction_id: Some(tx.into()),
        captured,
        refunded,
        source: "poll".into(),
        snapshot: json!({"id": tx}),
    }
}

/// [`observed`] for a bulk fixture: the sale's transaction `T.{id}`, nothing refunded.
pub fn seen(id: &str, status: SaleStatus, captured: i64) -> LogEvent {
    observed(status, &format!("T.{id}"), captured, 0)
}

pub fn op_requested(op_id: &str, kind: OpKind, amount: Option<i64>, reference: &str) -> LogEvent {
    LogEvent::OperationRequested {
        op_id: op_id.into(),
        kind,
        amount,
        lines: Value::Null,
        reference: reference.into(),
        reason: None,
        key: None,
        basis: None,
        actor: None,
    }
}

/// A paid (authorised) sale with session and transaction `T.{id}`.
pub fn paid(store: &Store, id: &str, amount: i64, at_ms: i64) -> Sale {
    open(store, id, amount, at_ms);
    session(store, id, at_ms + 1);
    let tx = format!("T.{id}");
    log(
        store,
        id,
        &observed(SaleStatus::Authorized, &tx, 0, 0),
        at_ms + 2,
    )
}

/// A size from the environment variable `var` (a measurement's scale), else `default`.
pub fn env_size(var: &str, default: i64) -> i64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A log file in a new temporary directory, which lives as long as the `TempDir`.
pub fn file_store() -> (tempfile::TempDir, Store, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("kasse.sqlite");
    let store = Store::open(&path).expect("store");
    (dir, store, path)
}

/// `n` paid sales `s{from}` … of `1000 + i`, a second apart from [`T0`]: three events each.
pub fn paid_sales(store: &Store, from: i64, n: i64) {
    for i in from..from + n {
        paid(store, &format!("s{i}"), 1000 + i, T0 + i * 1000);
    }
}

/// A raw connection to the store's file with the journal's triggers dropped, to change rows
/// the way only someone going around the store could.
pub fn untriggered(path: &Path) -> rusqlite::Connection {
    let conn = raw(path);
    conn.execute_batch(
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
         DROP TRIGGER events_append_at_end;",
    )
    .expect("triggers dropped");
    conn
}

/// A paid sale (see [`paid`]) that was then captured in full.
pub fn captured(store: &Store, id: &str, amount: i64, at_ms: i64) -> Sale {
    paid(store, id, amount, at_ms);
    let tx = format!("T.{id}");
    log(
        store,
        id,
        &observed(SaleStatus::Captured, &tx, amount, 0),
        at_ms + 3,
    )
}

/// A raw connection to the store's file, for tampering.
pub fn raw(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("raw connection")
}

/// The list's brute force: whether `s` matches `q` by the rules the list documents.
pub fn matches(q: &ListQuery, s: &Sale) -> bool {
    if !q.statuses.is_empty() && !q.statuses.contains(&s.status) {
        return false;
    }
    if q.created_from.is_some_and(|f| s.created_at < f)
        || q.created_to.is_some_and(|to| s.created_at >= to)
    {
        return false;
    }
    match q.amount {
        Some(AmountFilter::Exact(a)) if s.amount != a => return false,
        Some(AmountFilter::Range { min, max })
            if min.is_some_and(|m| s.amount < m) || max.is_some_and(|m| s.amount > m) =>
        {
            return false
        }
        _ => {}
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let prefix = |v: Option<&str>| v.is_some_and(|v| v.starts_with(text));
        let amount = text.bytes().all(|b| b.is_ascii_digit()) && text.parse() == Ok(s.amount);
        if !(prefix(Some(&s.merchant_reference))
            || prefix(s.transaction_id.as_deref())
            || prefix(s.session_id.as_deref())
            || amount)
        {
            return false;
        }
    }
    true
}

/// Pages through `q` with keyset cursors: the sales' ids in page order, and the strategies the
/// pages ran with.
pub fn page_through(store: &Store, q: &ListQuery) -> (Vec<String>, BTreeSet<String>) {
    let mut ids = Vec::new();
    let mut strategies = BTreeSet::new();
    let mut cursor = None;
    for _ in 0..10_000 {
        let q = q.clone().after(cursor);
        strategies.insert(store.explain_list(&q).expect("plan").strategy);
        let page = store.list(&q).expect("page");
        assert!(page.items.len() <= q.limit.unwrap_or(50) as usize);
        ids.extend(page.items.iter().map(|s| s.id.clone()));
        match page.next_cursor {
            None => return (ids, strategies),
            Some(c) => {
                assert!(!page.items.is_empty(), "a page with a cursor has items");
                cursor = Some(c);
            }
        }
    }
    panic!("paging did not end");
}

/// Appends `events` in one transaction; returns the sales they made, by id.
pub fn append_all(store: &Store, events: &[(String, LogEvent, OffsetDateTime)]) -> Vec<Sale> {
    store
        .append_many(events.iter().map(|(id, ev, at)| (id.as_str(), ev, *at)))
        .expect("append");
    let ids: BTreeSet<&String> = events.iter().map(|(id, ..)| id).collect();
    ids.into_iter()
        .map(|id| store.sale(id).expect("read").expect("sale"))
        .collect()
}

/// Every matching sale, newest first by `(created_at, id)`.
pub fn full_scan(q: &ListQuery, sales: &[Sale]) -> Vec<String> {
    let mut v: Vec<&Sale> = sales.iter().filter(|s| matches(q, s)).collect();
    v.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    v.into_iter().map(|s| s.id.clone()).collect()
}
