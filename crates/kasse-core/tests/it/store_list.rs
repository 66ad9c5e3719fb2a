//! The transaction list: keyset paging returns every sale once and in order, with every filter;
//! search by prefix and amount; query plans use indexes; totals.

use super::store_common;

use kasse_core::sale::{LogEvent, Sale, SaleStatus};
use kasse_core::store::{AmountFilter, ListQuery, QueryPlan, Store, StoreError};
use serde_json::json;
use store_common::*;
use time::OffsetDateTime;

/// 600 sales: created in groups of 3 with equal `created_at` (ties broken by the order they were
/// opened), five kinds of
/// status, 50 amounts, two counters. Built through the journal in one transaction.
fn fixture() -> (Store, Vec<Sale>) {
    let store = Store::open_in_memory().unwrap();
    let mut events: Vec<(String, LogEvent, OffsetDateTime)> = Vec::new();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for i in 0..600i64 {
        // Ids in random order relative to time, so ordering ties by id would be caught.
        let id = format!("s{:05}", next() % 100_000);
        if events.iter().any(|(s, ..)| *s == id) {
            continue;
        }
        let at = t(T0 + (i / 3) * 60_000);
        let counter = if i % 7 == 0 { "KASSE2" } else { "KASSE1" };
        let amount = 100 + (i * 37 % 50) * 100;
        let reference = format!("{counter}-20261124-{i:04}");
        let currency = if i % 11 == 0 { "EUR" } else { "NOK" };
        let opened = sale_opened(&reference, counter, currency, amount, json!({"i": i}));
        events.push((id.clone(), opened, at));
        if i % 5 >= 1 {
            events.push((id.clone(), session_created(&id), at));
        }
        let status = match i % 5 {
            2 => Some((SaleStatus::Authorized, 0)),
            3 => Some((SaleStatus::Captured, amount)),
            4 => Some((SaleStatus::Declined, 0)),
            _ => None,
        };
        if let Some((st, captured)) = status {
            events.push((id.clone(), seen(&id, st, captured), at));
        }
    }
    let sales = append_all(&store, &events);
    (store, sales)
}

fn queries() -> Vec<(&'static str, ListQuery)> {
    let at = |min: i64| Some(t(T0 + min * 60_000));
    vec![
        ("everything", ListQuery::new()),
        (
            "one status",
            ListQuery::new().status(SaleStatus::Authorized),
        ),
        (
            "several statuses",
            ListQuery::new()
                .status(SaleStatus::Captured)
                .status(SaleStatus::Declined)
                .status(SaleStatus::Creating)
                .status(SaleStatus::Captured),
        ),
        ("date range", ListQuery::new().created(at(20), at(80))),
        ("from only", ListQuery::new().created(at(150), None)),
        (
            "exact amount",
            ListQuery::new().amount(AmountFilter::Exact(1500)),
        ),
        (
            "amount range",
            ListQuery::new().amount(AmountFilter::Range {
                min: Some(1000),
                max: Some(2000),
            }),
        ),
        (
            "open amount range",
            ListQuery::new().amount(AmountFilter::Range {
                min: None,
                max: Some(700),
            }),
        ),
        ("search counter", ListQuery::new().search("KASSE2")),
        (
            "search reference prefix",
            ListQuery::new().search("KASSE1-20261124-01"),
        ),
        (
            "search full reference",
            ListQuery::new().search("KASSE1-20261124-0101"),
        ),
        ("search transaction", ListQuery::new().search("T.s1")),
        ("search session", ListQuery::new().search(" S.s2 ")),
        ("search amount", ListQuery::new().search("1500")),
        ("search nothing", ListQuery::new().search("nope")),
        ("empty search", ListQuery::new().search("  ")),
        (
            "search + status",
            ListQuery::new()
                .search("KASSE1")
                .status(SaleStatus::Captured),
        ),
        (
            "status + date + amount",
            ListQuery::new()
                .status(SaleStatus::Authorized)
                .status(SaleStatus::Waiting)
                .created(at(10), at(150))
                .amount(AmountFilter::Range {
                    min: Some(500),
                    max: None,
                }),
        ),
        (
            "search + amount + date",
            ListQuery::new()
                .search("S.s")
                .amount(AmountFilter::Exact(2300))
                .created(at(0), at(190)),
        ),
    ]
}

#[test]
fn keyset_paging_returns_every_sale_once_in_order_with_every_filter() {
    let (store, sales) = fixture();
    assert!(sales.len() > 550);
    for (name, q) in queries() {
        let want = full_scan(&q, &sales);
        for limit in [7, 50, 500] {
            let (got, _) = page_through(&store, &q.clone().limit(limit));
            assert_eq!(got, want, "{name}, limit {limit}");
        }
    }
    // Sanity: the fixture makes the interesting queries non-trivial.
    let sizes: Vec<(&str, usize)> = queries()
        .into_iter()
        .map(|(n, q)| (n, full_scan(&q, &sales).len()))
        .collect();
    for (name, n) in &sizes {
        if !name.contains("nothing") && !name.contains("full") {
            assert!(*n > 1, "{name} matches {n}");
        }
    }
}

#[test]
fn new_sales_during_paging_never_repeat_or_shift_pages() {
    let (store, sales) = fixture();
    let q = ListQuery::new().limit(25);
    let first = store.list(&q).unwrap();
    // Sales made meanwhile are newer than the cursor.
    for i in 0..30 {
        open(&store, &format!("late{i}"), 999, T0 + 100_000_000 + i);
    }
    let mut ids: Vec<String> = first.items.iter().map(|s| s.id.clone()).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = store.list(&q.clone().after(Some(c))).unwrap();
        ids.extend(page.items.iter().map(|s| s.id.clone()));
        cursor = page.next_cursor;
    }
    assert_eq!(ids, full_scan(&ListQuery::new(), &sales));
}

#[test]
fn search_by_reference_prefix_and_by_amount() {
    let store = Store::open_in_memory().unwrap();
    let a = paid(&store, "a", 24800, T0);
    let b = paid(&store, "b", 9900, T0 + 1000);
    let c = paid(&store, "c", 24800, T0 + 2000);
    assert_eq!(a.merchant_reference, "KASSE1-20261124-0001");
    let ids = |text: &str| -> Vec<String> {
        store
            .list(&ListQuery::new().search(text))
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids("KASSE1-20261124-0002"), ["b"]);
    assert_eq!(ids("KASSE1-2026"), ["c", "b", "a"]);
    assert_eq!(ids("24800"), ["c", "a"], "a number matches the amount");
    assert_eq!(ids("9900"), ["b"]);
    assert_eq!(ids("T.b"), ["b"]);
    assert_eq!(ids(&c.session_id.clone().unwrap()), ["c"]);
    assert!(ids("kasse1").is_empty(), "case-sensitive, like the ids");
    assert!(ids("20261124").is_empty(), "prefix, not substring");
    assert!(ids("ASSE1").is_empty());
    let _ = b;
}

/// References are found through the unique index of local ones and the index of imported
/// ones (there is no index of every reference): a whole reference finds its one sale, local or
/// imported, a prefix finds every sale of either kind, and the plan reads those indexes.
#[test]
fn a_whole_reference_finds_exactly_its_sale_and_a_prefix_every_one() {
    let (_dir, store, _path) = file_store();
    for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
        paid(&store, id, 1000, T0 + i as i64 * 1000);
    }
    // An imported sale whose reference shares the local ones' prefix.
    let tx = json!({
        "id": "T.imp", "session_id": "S.imp", "status": "CAPTURED", "amount": 500,
        "currency": "NOK", "merchant_reference": "KASSE1-20261124-0003-x",
        "created_at": "2026-11-24T12:00:00Z",
    });
    store
        .append("imp", &LogEvent::Imported { snapshot: tx }, t(T0 + 9000))
        .unwrap();
    let search = |text: &str| {
        let q = ListQuery::new().search(text);
        let ids: Vec<String> = store
            .list(&q)
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.id)
            .collect();
        (ids, store.explain_list(&q).unwrap())
    };
    let (ids, plan) = search("KASSE1-20261124-0002");
    assert_eq!(ids, ["b"], "exactly the one sale");
    assert!(
        plan.lines
            .iter()
            .any(|l| l.contains("sales_reference_local")),
        "{plan:#?}"
    );
    assert!(
        plan.lines
            .iter()
            .any(|l| l.contains("sales_reference_imported")),
        "{plan:#?}"
    );
    assert_eq!(search("KASSE1-20261124-0003-x").0, ["imp"]);
    assert_eq!(search("KASSE1-20261124-0003").0, ["imp", "c"]);
    assert_eq!(search("KASSE1-20261124-000").0, ["imp", "d", "c", "b", "a"]);
    assert!(search("KASSE1-20261124-0005").0.is_empty());
}

#[test]
fn a_bad_cursor_is_a_typed_error() {
    let store = Store::open_in_memory().unwrap();
    for bad in ["not hex", "00ff", "31323a"] {
        assert!(matches!(
            store.list(&ListQuery::new().after(Some(bad.into()))),
            Err(StoreError::InvalidCursor)
        ));
    }
}

fn assert_indexed(name: &str, plan: &QueryPlan, sorted_by_index: bool) {
    for line in &plan.lines {
        // `SCAN (subquery-N)` reads a co-routine's few rows, not a table.
        let bare_scan = line.starts_with("SCAN sales") && !line.contains("USING");
        assert!(!bare_scan, "{name}: full table scan `{line}` in {plan:#?}");
    }
    assert!(
        plan.lines.iter().any(|l| l.contains("USING")),
        "{name}: no index in {plan:#?}"
    );
    if sorted_by_index {
        assert!(
            !plan.lines.iter().any(|l| l.contains("TEMP B-TREE")),
            "{name}: sorts instead of walking the index: {plan:#?}"
        );
    }
}

/// Inserts `n` synthetic sale rows directly (no journal: only the list is under test).
fn bulk_rows(store_path: &std::path::Path, n: i64) {
    let conn = raw(store_path);
    conn.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO sales (id, merchant_reference, counter, session_id, transaction_id,
            currency, amount, vat_amount, status, captured, refunded, created_at, updated_at,
            origin, pending_ops, operations, order_json, last_seq)
         SELECT printf('b%07d', i), printf('KASSE1-2026%04d-%04d', i / 1000, i % 1000), 'KASSE1',
            printf('S.b%07d', i), printf('T.b%07d', i), 'NOK', 100 * (i % 997), 0,
            CASE i % 4 WHEN 0 THEN 'captured' WHEN 1 THEN 'authorized' WHEN 2 THEN 'declined'
                       ELSE 'refunded' END,
            0, 0, ?2 + i * 1000, ?2 + i * 1000, 'local', 0, '[]', 'null', 0
         FROM k",
        rusqlite::params![n, T0],
    )
    .unwrap();
    conn.execute_batch("ANALYZE").unwrap();
}

#[test]
fn list_queries_use_indexes_whatever_the_data() {
    let (_dir, store, path) = file_store();
    let cursor = {
        paid(&store, "x", 100, T0);
        paid(&store, "y", 100, T0 + 1);
        store.list(&ListQuery::new().limit(1)).unwrap().next_cursor
    };
    let check_all = |label: &str| {
        for (name, q) in queries() {
            for c in [None, cursor.clone()] {
                let q = q.clone().after(c);
                let plan = store.explain_list(&q).unwrap();
                let ordered = matches!(plan.strategy.as_str(), "recent" | "by_amount")
                    || (plan.strategy == "by_status" && q.statuses.len() == 1);
                assert_indexed(&format!("{label}/{name}/{}", plan.strategy), &plan, ordered);
            }
        }
    };
    check_all("small");
    // With many rows matching, searches turn into filtered index walks; still no table scan.
    bulk_rows(&path, 20_000);
    check_all("20k");
    let strategy = |q: ListQuery| store.explain_list(&q).unwrap().strategy;
    assert_eq!(strategy(ListQuery::new()), "recent");
    assert_eq!(
        strategy(ListQuery::new().status(SaleStatus::Captured)),
        "by_status"
    );
    assert_eq!(
        strategy(ListQuery::new().amount(AmountFilter::Exact(500))),
        "by_amount"
    );
    assert_eq!(
        strategy(ListQuery::new().search("KASSE1-20260019")),
        "candidates"
    );
    for (text, walked, why) in [
        (
            "KASSE1",
            "by_reference_stem",
            "20k references: walked by stem, in page order",
        ),
        (
            "KASSE1-20260010",
            "candidates",
            "a thousand references are sorted (a table lookup each for the time)",
        ),
        (
            "KASSE1-2026001",
            "recent",
            "10,000 references in short stems: more lookups than the cap, a walk instead",
        ),
        ("T.b", "recent", "20k transaction ids: walk"),
    ] {
        assert_eq!(
            strategy(ListQuery::new().search(text)),
            walked,
            "{text}: {why}"
        );
    }
    assert_eq!(
        strategy(ListQuery::new().search("S.b").status(SaleStatus::Declined)),
        "by_status"
    );
    assert_eq!(
        strategy(ListQuery::new().amount(AmountFilter::Range {
            min: Some(100),
            max: Some(300)
        })),
        "candidates"
    );
    assert_eq!(
        strategy(ListQuery::new().amount(AmountFilter::Range {
            min: Some(0),
            max: None
        })),
        "candidates"
    );
}

#[test]
fn broad_and_narrow_searches_agree_with_a_brute_force_scan() {
    let (_dir, store, path) = file_store();
    bulk_rows(&path, 20_000);
    let conn = raw(&path);
    let brute = |text: &str, status: Option<&str>| -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT id FROM sales NOT INDEXED
                 WHERE (substr(merchant_reference, 1, length(?1)) = ?1
                     OR substr(transaction_id, 1, length(?1)) = ?1
                     OR substr(session_id, 1, length(?1)) = ?1
                     OR (?1 GLOB '[0-9]*' AND ?1 NOT GLOB '*[^0-9]*' AND amount = CAST(?1 AS INTEGER)))
                   AND (?2 IS NULL OR status = ?2)
                 ORDER BY created_at DESC, rowid DESC LIMIT 50",
            )
            .unwrap();
        stmt.query_map(rusqlite::params![text, status], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for (text, status) in [
        ("KASSE1", None),
        ("KASSE1-2026001", None),
        ("KASSE1-20260007-09", None),
        ("T.b00001", Some("declined")),
        ("S.b0019999", None),
        ("9900", None),
        ("9900", Some("captured")),
        ("KASSE1-2026", Some("refunded")),
        ("T.b", None),
        ("S.b000", Some("declined")),
        ("S.b001", Some("declined")),
    ] {
        let mut q = ListQuery::new().search(text);
        if let Some(s) = status {
            q = q.status(s.parse().unwrap());
        }
        let started = std::time::Instant::now();
        let page = store.list(&q).unwrap();
        let took = started.elapsed();
        let got: Vec<String> = page.items.into_iter().map(|s| s.id).collect();
        assert_eq!(
            got,
            brute(text, status),
            "search {text:?} status {status:?}"
        );
        eprintln!(
            "search {text:?} {status:?}: {} rows in {took:?} ({})",
            got.len(),
            store.explain_list(&q).unwrap().strategy
        );
    }
}

#[test]
fn day_totals_by_status_currency_and_product() {
    let store = Store::open_in_memory().unwrap();
    paid(&store, "a", 1000, T0);
    captured(&store, "b", 2000, T0 + 1000);
    open(&store, "c", 500, T0 + 2000);
    paid(&store, "late", 7000, T0 + 86_400_000);
    let totals = store.totals(t(T0), t(T0 + 86_400_000)).unwrap();
    let rows: Vec<(SaleStatus, &str, i64, i64, i64, i64)> = totals
        .by_status
        .iter()
        .map(|r| {
            (
                r.status,
                r.currency.as_str(),
                r.count,
                r.amount,
                r.vat_amount,
                r.captured,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (SaleStatus::Authorized, "NOK", 1, 1000, 200, 0),
            (SaleStatus::Captured, "NOK", 1, 2000, 400, 2000),
            (SaleStatus::Creating, "NOK", 1, 500, 100, 0),
        ]
    );
    assert_eq!(totals.by_product.len(), 1, "{:?}", totals.by_product);
    assert_eq!(totals.by_product[0].count, 2);
    assert_eq!(totals.by_product[0].captured, 2000);
    assert_eq!(totals.by_product[0].payment_product, None);
}
