//! A quick measurement of append throughput (printed, not asserted: timing is the benchmark
//! suite's job). Scale with `KASSE_STORE_BENCH_N=20000 cargo test --release -p kasse-core --test
//! it store_perf -- --nocapture`. Correctness of what was written is asserted.

use super::store_common;

use std::time::Instant;

use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::{Durability, Store, StoreOptions};
use store_common::*;

fn n() -> i64 {
    env_size("KASSE_STORE_BENCH_N", 600)
}

/// Appends `n` events over `n / 4` sales: open, session, authorized, note. One commit each, or
/// batches of `batch` events (`append_many`), or from `threads` threads at once (group commit).
fn run(durability: Durability, batch: usize, threads: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(
        dir.path().join("kasse.sqlite"),
        StoreOptions {
            durability,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let sales = n() / 4;
    let mut events = Vec::new();
    for i in 0..sales {
        let id = format!("s{i}");
        events.push((
            id.clone(),
            LogEvent::SaleOpened {
                merchant_reference: format!("KASSE1-20261124-{i:05}"),
                counter: "KASSE1".into(),
                currency: "NOK".into(),
                amount: 10_000,
                vat_amount: 2_000,
                order: serde_json::json!({"currency": "NOK", "lines": [
                {"description": "Coffee", "quantity": "2", "unit_price": 3900, "vat": "15"},
                {"description": "Bun", "quantity": "1", "unit_price": 2200, "vat": "15"}]}),
                auto_capture: false,
            },
        ));
        events.push((
            id.clone(),
            LogEvent::SessionCreated {
                session_id: format!("S.{i}"),
                url: format!("https://checkout.test/v1/view/S.{i}"),
                expires_at: Some(t(T0 + 900_000)),
            },
        ));
        events.push((
            id.clone(),
            observed(SaleStatus::Authorized, &format!("T.{i}"), 0, 0),
        ));
        events.push((
            id,
            LogEvent::Note {
                text: "receipt printed".into(),
            },
        ));
    }
    let started = Instant::now();
    if threads > 1 {
        // Each thread appends whole sales, in order.
        let per = events.len().div_ceil(threads).next_multiple_of(4);
        std::thread::scope(|scope| {
            for part in events.chunks(per) {
                let store = &store;
                scope.spawn(move || {
                    for (id, ev) in part {
                        store.append(id, ev, t(T0)).unwrap();
                    }
                });
            }
        });
    }
    for chunk in events.chunks(batch).filter(|_| threads <= 1) {
        if batch == 1 {
            let (id, ev) = &chunk[0];
            store.append(id, ev, t(T0)).unwrap();
        } else {
            store
                .append_many(chunk.iter().map(|(id, ev)| (id.as_str(), ev, t(T0))))
                .unwrap();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let report = store.verify_journal().unwrap();
    assert!(report.ok);
    assert_eq!(report.rows, events.len() as u64);
    assert_eq!(store.count_sales().unwrap(), sales);
    events.len() as f64 / secs
}

#[test]
fn append_throughput() {
    for (durability, batch, threads) in [
        (Durability::Full, 1, 1),
        (Durability::Normal, 1, 1),
        (Durability::Full, 4, 1),
        (Durability::Full, 100, 1),
        (Durability::Full, 1, 4),
    ] {
        let rate = run(durability, batch, threads);
        eprintln!(
            "append: {durability:?}, {batch} event(s) per call, {threads} thread(s): {rate:.0} events/s"
        );
    }
}

/// `n` synthetic sales straight into the projection (the list reads only `sales`): a year of
/// trade over 3 counters, realistic status mix, ~400-byte orders.
fn bulk_sales(path: &std::path::Path, n: i64) {
    let conn = raw(path);
    conn.execute_batch("PRAGMA synchronous = OFF").unwrap();
    conn.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO sales (id, merchant_reference, counter, session_id, transaction_id,
            currency, amount, vat_amount, status, captured, refunded, created_at, updated_at,
            origin, payment_product, pending_ops, operations, order_json, last_seq)
         SELECT printf('%08x-%04x-4%03x-8%03x-%012x', abs(random()) % 4294967296, i % 65536,
                       i % 4096, (i * 7) % 4096, abs(random()) % 281474976710656),
            printf('KASSE%d-%s-%05d', i % 3 + 1,
                   strftime('%Y%m%d', (?2 + i * ?3) / 1000, 'unixepoch'), i % 100000),
            'KASSE' || (i % 3 + 1),
            printf('T11223344.S%012d', i), printf('T11223344.T%012d', i), 'NOK',
            100 * (1 + i * 7919 % 5000), 20 * (1 + i * 7919 % 5000),
            CASE WHEN i % 50 = 0 THEN 'refunded' WHEN i % 20 = 0 THEN 'declined'
                 WHEN i % 10 = 0 THEN 'authorized' WHEN i % 97 = 0 THEN 'partially_refunded'
                 ELSE 'captured' END,
            0, 0, ?2 + i * ?3, ?2 + i * ?3, 'local', 'dintero_psp.creditcard', 0, '[]',
            printf('{\"currency\":\"NOK\",\"lines\":[{\"line_id\":\"1\",\"description\":\"Kaffe latte stor\",\"quantity\":\"2\",\"unit_price\":%d,\"vat\":\"15\",\"amount\":%d,\"vat_amount\":%d},{\"line_id\":\"2\",\"description\":\"Kanelbolle\",\"quantity\":\"1\",\"unit_price\":3900,\"vat\":\"15\",\"amount\":3900,\"vat_amount\":509}],\"amount\":%d,\"vat_amount\":%d}',
                   i % 90 * 100, i % 90 * 200, i % 90 * 26, i % 90 * 200 + 3900, i % 90 * 26 + 509),
            0
         FROM k",
        rusqlite::params![n, T0 - 365 * 86_400_000i64, 365 * 86_400_000i64 / n],
    )
    .unwrap();
    conn.execute_batch("ANALYZE").unwrap();
}

fn timed<T>(
    runs: usize,
    mut f: impl FnMut() -> T,
) -> (std::time::Duration, std::time::Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(f());
        times.push(started.elapsed());
    }
    times.sort();
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (p(0.5), p(0.95), last.expect("runs > 0"))
}

/// List latency over a synthetic journal-less projection. `KASSE_STORE_BENCH_SALES=1000000`
/// for the DESIGN.md §5 scale (release build).
#[test]
fn list_latency() {
    use kasse_core::store::{AmountFilter, ListQuery};
    let n = env_size("KASSE_STORE_BENCH_SALES", 20_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    drop(Store::open(&path).unwrap());
    let started = Instant::now();
    bulk_sales(&path, n);
    eprintln!("list: {n} sales inserted in {:?}", started.elapsed());
    let store = Store::open(&path).unwrap();
    let first = store.list(&ListQuery::new()).unwrap();
    let some = &first.items[7];
    let day = |d: i64| t(T0 - d * 86_400_000);
    let queries: Vec<(&str, ListQuery)> = vec![
        ("first page", ListQuery::new()),
        (
            "page after a cursor",
            ListQuery::new().after(first.next_cursor.clone()),
        ),
        (
            "search full reference",
            ListQuery::new().search(some.merchant_reference.clone()),
        ),
        (
            "search reference day",
            ListQuery::new().search(&some.merchant_reference[..15]),
        ),
        ("search counter (broad)", ListQuery::new().search("KASSE2")),
        (
            "search old month (worst)",
            ListQuery::new().search(some.merchant_reference[..12].replace("-2026", "-2025")),
        ),
        (
            "search transaction id",
            ListQuery::new().search(some.transaction_id.clone().unwrap()),
        ),
        (
            "search amount",
            ListQuery::new().search(some.amount.to_string()),
        ),
        (
            "status common",
            ListQuery::new().status(SaleStatus::Captured),
        ),
        (
            "status rare",
            ListQuery::new().status(SaleStatus::PartiallyRefunded),
        ),
        ("status none", ListQuery::new().status(SaleStatus::Waiting)),
        (
            "statuses paid",
            ListQuery::new()
                .status(SaleStatus::Authorized)
                .status(SaleStatus::Captured)
                .status(SaleStatus::PartiallyRefunded)
                .status(SaleStatus::Refunded),
        ),
        (
            "one day",
            ListQuery::new().created(Some(day(100)), Some(day(99))),
        ),
        (
            "status + one day",
            ListQuery::new()
                .status(SaleStatus::Refunded)
                .created(Some(day(100)), Some(day(99))),
        ),
        (
            "amount exact",
            ListQuery::new().amount(AmountFilter::Exact(some.amount)),
        ),
        (
            "amount range",
            ListQuery::new().amount(AmountFilter::Range {
                min: Some(10_000),
                max: Some(10_500),
            }),
        ),
    ];
    for (name, q) in &queries {
        let (p50, p95, page) = timed(20, || store.list(q).unwrap());
        let strategy = store.explain_list(q).unwrap().strategy;
        eprintln!(
            "list: {name:<24} {:>3} rows  p50 {p50:>10.2?}  p95 {p95:>10.2?}  ({strategy})",
            page.items.len()
        );
        if *name != "status none" {
            assert!(!page.items.is_empty(), "{name}");
        }
    }
    let (p50, p95, totals) = timed(5, || store.totals(day(100), day(99)).unwrap());
    eprintln!(
        "list: totals of one day ({} groups) p50 {p50:.2?} p95 {p95:.2?}",
        totals.by_status.len()
    );
}
