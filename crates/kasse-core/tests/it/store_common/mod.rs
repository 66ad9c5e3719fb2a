//! Helpers shared by the `store_*` integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kasse_core::clock::from_unix_ms;
use kasse_core::sale::{LogEvent, Sale, SaleStatus};
use kasse_core::store::journal::row_hash;
use kasse_core::store::{AmountFilter, ListQuery, NewSale, Store, GENESIS_HASH};
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
        auto_capture: false,
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
        auto_capture: false,
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
        "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;
         DROP TRIGGER journal_append_at_end;",
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
    let conn = rusqlite::Connection::open(path).expect("raw connection");
    add_codec(&conn);
    conn
}

/// SQL functions `unpack(body)` (a journal row's data as text) and `pack(text)` (the body for
/// it), so tests edit rows in SQL: `UPDATE journal SET body = pack(replace(unpack(body), …))`.
pub fn add_codec(conn: &rusqlite::Connection) {
    use kasse_core::store::testing::{pack_body, unpack_body};
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let fail = |e: kasse_core::store::StoreError| rusqlite::Error::UserFunctionError(e.into());
    conn.create_scalar_function("unpack", 1, flags, move |ctx| {
        unpack_body(&ctx.get::<Vec<u8>>(0)?).map_err(fail)
    })
    .expect("unpack()");
    conn.create_scalar_function("pack", 1, flags, move |ctx| {
        pack_body(&ctx.get::<String>(0)?).map_err(fail)
    })
    .expect("pack()");
}

/// A journal row as its hash sees it (store/journal.rs): the sale id from its sale's opening
/// row, the event's `type` and `op_id` from its data, and the hash of the row before it.
#[derive(Debug, Clone)]
pub struct JournalRow {
    pub seq: i64,
    pub sale_id: String,
    pub at: i64,
    pub kind: String,
    pub op_id: Option<String>,
    /// As stored (`null` in a blob's place), decompressed.
    pub data: String,
    /// The previous row's stored hash (hex), or the genesis value.
    pub prev_hash: String,
    /// The row's stored hash (hex).
    pub hash: String,
}

impl JournalRow {
    /// The hash of this row with `data` in place of its own (a blob-less row).
    pub fn hash_with(&self, data: &str) -> String {
        let op_id = self.op_id.as_deref();
        row_hash(
            &self.prev_hash,
            self.seq,
            &self.sale_id,
            self.at,
            &self.kind,
            op_id,
            data,
        )
    }
}

/// Row `seq` of the journal, read on a connection from [`raw`] or [`untriggered`].
pub fn journal_row(conn: &rusqlite::Connection, seq: i64) -> JournalRow {
    let (sale_id, at, data, hash, prev): (String, i64, String, String, Option<String>) = conn
        .query_row(
            "SELECT o.sale_id, j.at, unpack(j.body), lower(hex(j.hash)),
                (SELECT lower(hex(p.hash)) FROM journal p WHERE p.seq < j.seq
                 ORDER BY p.seq DESC LIMIT 1)
             FROM journal j JOIN journal o ON o.seq = j.sale WHERE j.seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap_or_else(|e| panic!("journal row {seq}: {e}"));
    let json: Value = serde_json::from_str(&data).expect("row data is JSON");
    JournalRow {
        seq,
        sale_id,
        at,
        kind: json["type"].as_str().expect("an event type").to_owned(),
        op_id: json["op_id"].as_str().map(str::to_owned),
        data,
        prev_hash: prev.unwrap_or_else(|| GENESIS_HASH.to_owned()),
        hash,
    }
}

/// Stores `hash` (hex) as row `seq`'s hash (on an [`untriggered`] connection).
pub fn set_hash(conn: &rusqlite::Connection, seq: i64, hash: &str) {
    let bytes = hex::decode(hash).expect("a hex hash");
    let n = conn
        .execute(
            "UPDATE journal SET hash = ?1 WHERE seq = ?2",
            rusqlite::params![bytes, seq],
        )
        .unwrap();
    assert_eq!(n, 1, "row {seq}");
}

/// Gives rows `seqs` (on an [`untriggered`] connection) hashes that chain again from the row
/// before the first, as someone who knows the algorithm would; returns the last one.
pub fn rehash(conn: &rusqlite::Connection, seqs: std::ops::RangeInclusive<i64>) -> String {
    let mut last = String::new();
    for seq in seqs {
        let row = journal_row(conn, seq);
        last = row.hash_with(&row.data);
        set_hash(conn, seq, &last);
    }
    last
}

/// Writes `events` of `sale_id` as rows of a log of schema 3 or 4 (`events` table), the whole
/// JSON in `data`, as Kasse wrote them then.
pub fn old_rows(conn: &rusqlite::Connection, sale_id: &str, events: &[LogEvent], at_ms: i64) {
    for (k, event) in events.iter().enumerate() {
        let (last, prev): (i64, String) = conn
            .query_row(
                "SELECT coalesce(max(seq), 0), coalesce((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), ?1) FROM events",
                [GENESIS_HASH],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let seq = last + 1;
        let at = at_ms + k as i64;
        let data = serde_json::to_string(event).unwrap();
        let hash = row_hash(&prev, seq, sale_id, at, event.kind(), event.op_id(), &data);
        conn.execute(
            "INSERT INTO events (seq, sale_id, at, kind, op_id, data, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                seq,
                sale_id,
                at,
                event.kind(),
                event.op_id(),
                data,
                prev,
                hash
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            rusqlite::params![seq, hash],
        )
        .unwrap();
    }
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
    // In the order the sales were opened (their first event), which breaks the list's ties.
    let mut seen = BTreeSet::new();
    events
        .iter()
        .filter(|(id, ..)| seen.insert(id))
        .map(|(id, ..)| store.sale(id).expect("read").expect("sale"))
        .collect()
}

/// Every matching sale, newest first by `created_at`, ties broken by the order the sales were
/// opened (`sales` is in that order, as [`append_all`] returns them), the later first.
pub fn full_scan(q: &ListQuery, sales: &[Sale]) -> Vec<String> {
    let mut v: Vec<(usize, &Sale)> = sales
        .iter()
        .enumerate()
        .filter(|(_, s)| matches(q, s))
        .collect();
    v.sort_by(|(i, a), (j, b)| (b.created_at, j).cmp(&(a.created_at, i)));
    v.into_iter().map(|(_, s)| s.id.clone()).collect()
}
