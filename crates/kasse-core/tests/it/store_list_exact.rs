//! Every list strategy is exact: whatever the references look like — Kasse's own, a day that
//! does not match `created_at` (a clock set back or forward), a fifth sequence digit, imported
//! ones of any shape and length sharing prefixes with local ones, equal timestamps — paging
//! through a query returns exactly what a full scan of every sale, filtered and sorted by
//! `created_at` newest first (ties: the sale opened last first), returns. The caps that choose a strategy are varied (down to
//! zero), so every strategy and every fallback runs on logs of a few hundred sales; they decide
//! the speed, never the result.

use super::store_common;

use std::collections::BTreeSet;

use kasse_core::sale::{LogEvent, Sale, SaleStatus};
use kasse_core::store::list::{with_caps, Caps};
use kasse_core::store::{AmountFilter, ListQuery, Store};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::json;
use store_common::*;

// ----- paging (the brute force it is checked against, `full_scan`, is in store_common) ---

// ----- random logs -------------------------------------------------------------------------

const COUNTERS: &[&str] = &["KASSE1", "KASSE2", "K", "KASSE1-2026"];

/// A local reference `COUNTER-YYYYMMDD-NNNN`; its day is independent of the sale's time (as
/// after a clock change) and its number may have five digits.
fn local_reference() -> impl Strategy<Value = String> {
    (
        prop::sample::select(COUNTERS),
        prop::sample::select(vec!["20261124", "20261125", "20261201", "20270101"]),
        prop_oneof![1u32..40, 9_990u32..10_010],
    )
        .prop_map(|(c, day, seq)| format!("{c}-{day}-{seq:04}"))
}

/// An imported sale's reference: anything Dintero may hold.
fn imported_reference() -> impl Strategy<Value = String> {
    prop_oneof![
        local_reference(),
        Just(String::new()),
        "[K12A-]{0,9}",
        "KASSE[12]-2026[0-9]{0,8}",
        "KASSE1-20261124-[0-9]{0,7}",
        "Kø-[0-9]{0,10}",
        "\\PC{0,16}",
    ]
}

#[derive(Debug, Clone)]
struct SaleSpec {
    imported: bool,
    reference: String,
    /// Minutes after T0 (few distinct values: many equal timestamps).
    minute: i64,
    status: u8,
    amount: i64,
}

fn sale_spec() -> impl Strategy<Value = SaleSpec> {
    prop_oneof![
        3 => (local_reference(), 0i64..40, 0u8..4, 1i64..6).prop_map(|(reference, minute, status, a)| SaleSpec {
            imported: false, reference, minute, status, amount: a * 100,
        }),
        2 => (imported_reference(), -5i64..45, 0u8..4, 1i64..6).prop_map(|(reference, minute, status, a)| SaleSpec {
            imported: true, reference, minute, status, amount: a * 100,
        }),
    ]
}

const STATUSES: &[(SaleStatus, &str)] = &[
    (SaleStatus::Authorized, "AUTHORIZED"),
    (SaleStatus::Captured, "CAPTURED"),
    (SaleStatus::Declined, "DECLINED"),
];

/// Writes the sales through the journal (one transaction); returns them as the store has them.
fn build(specs: &[SaleSpec]) -> (Store, Vec<Sale>) {
    let store = Store::open_in_memory().unwrap();
    let mut events = Vec::new();
    let mut local_refs = BTreeSet::new();
    for (i, s) in specs.iter().enumerate() {
        // Ids in an order unrelated to time and to the order of opening.
        let id = format!("s{:04}", (i * 7919) % 10_000);
        let at = t(T0 + s.minute * 60_000);
        if s.imported {
            let mut tx = json!({
                "id": format!("T.{id}"),
                "session_id": format!("S.{id}"),
                "status": STATUSES[usize::from(s.status) % STATUSES.len()].1,
                "amount": s.amount,
                "currency": "NOK",
                "created_at": at.format(&time::format_description::well_known::Rfc3339).unwrap(),
            });
            if s.status != 3 || !s.reference.is_empty() {
                tx["merchant_reference"] = json!(s.reference);
            }
            // Imported at a later time than it was created.
            events.push((id, LogEvent::Imported { snapshot: tx }, t(T0 + 90 * 60_000)));
            continue;
        }
        // Local references are unique.
        if !local_refs.insert(s.reference.clone()) {
            continue;
        }
        let counter = COUNTERS
            .iter()
            .filter(|c| s.reference.starts_with(&format!("{c}-")))
            .max_by_key(|c| c.len())
            .unwrap();
        let opened = sale_opened(&s.reference, counter, "NOK", s.amount, json!({}));
        events.push((id.clone(), opened, at));
        if s.status < 3 {
            events.push((id.clone(), session_created(&id), at));
            let (status, _) = STATUSES[usize::from(s.status)];
            let captured = if status == SaleStatus::Captured {
                s.amount
            } else {
                0
            };
            events.push((id.clone(), seen(&id, status, captured), at));
        }
    }
    let sales = append_all(&store, &events);
    (store, sales)
}

#[derive(Debug, Clone)]
enum SearchSpec {
    /// A prefix of an existing reference, `len` characters of it.
    OfReference(Index, usize),
    /// Any text.
    Text(String),
}

#[derive(Debug, Clone)]
struct QuerySpec {
    search: Option<SearchSpec>,
    statuses: Vec<u8>,
    minutes: Option<(i64, i64)>,
    amount: Option<(bool, i64, i64)>,
    limit: u32,
}

fn query_spec() -> impl Strategy<Value = QuerySpec> {
    let search = prop_oneof![
        6 => (any::<Index>(), 0usize..30).prop_map(|(i, n)| Some(SearchSpec::OfReference(i, n))),
        2 => prop_oneof![
            "KASSE[12]-?2?0?2?6?",
            "K",
            "T\\.s0?",
            "S\\.",
            "[1-5]00",
            " KASSE1-20261124 ",
            "\\PC{0,3}",
        ]
        .prop_map(|t| Some(SearchSpec::Text(t))),
        1 => Just(None),
    ];
    (
        search,
        prop::collection::vec(0u8..5, 0..3),
        prop::option::weighted(0.3, (-5i64..45, -5i64..45)),
        prop::option::weighted(0.25, (any::<bool>(), 0i64..7, 0i64..7)),
        prop::sample::select(vec![1u32, 2, 3, 7, 50]),
    )
        .prop_map(|(search, statuses, minutes, amount, limit)| QuerySpec {
            search,
            statuses,
            minutes,
            amount,
            limit,
        })
}

fn query(spec: &QuerySpec, sales: &[Sale]) -> ListQuery {
    let mut q = ListQuery::new().limit(spec.limit);
    match &spec.search {
        Some(SearchSpec::OfReference(i, n)) if !sales.is_empty() => {
            let r = &sales[i.index(sales.len())].merchant_reference;
            q = q.search(r.chars().take((*n).max(1)).collect::<String>());
        }
        Some(SearchSpec::Text(text)) => q = q.search(text.clone()),
        _ => {}
    }
    for s in &spec.statuses {
        q = q.status(match s {
            0 => SaleStatus::Creating,
            1 => SaleStatus::Authorized,
            2 => SaleStatus::Captured,
            _ => SaleStatus::Declined,
        });
    }
    if let Some((a, b)) = spec.minutes {
        q = q.created(
            Some(t(T0 + a.min(b) * 60_000)),
            Some(t(T0 + a.max(b) * 60_000)),
        );
    }
    if let Some((exact, a, b)) = spec.amount {
        q = q.amount(if exact {
            AmountFilter::Exact(a * 100)
        } else {
            AmountFilter::Range {
                min: Some(a.min(b) * 100),
                max: (a != 0).then_some(a.max(b) * 100),
            }
        });
    }
    q
}

fn caps() -> impl Strategy<Value = Caps> {
    (0i64..8, 0i64..8, 0i64..6, 0usize..6, 0i64..8).prop_map(
        |(candidates, candidates_lookup, sort, stems, short_stems)| Caps {
            candidates,
            candidates_lookup,
            sort,
            stems,
            short_stems,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_strategy_pages_exactly_like_a_full_scan(
        specs in prop::collection::vec(sale_spec(), 0..120),
        queries in prop::collection::vec(query_spec(), 1..8),
        tiny in caps(),
    ) {
        let (store, sales) = build(&specs);
        for spec in &queries {
            let q = query(spec, &sales);
            let want = full_scan(&q, &sales);
            for caps in [Caps::SHIPPED, tiny] {
                let (got, strategies) = with_caps(caps, || page_through(&store, &q));
                prop_assert_eq!(&got, &want, "{:?} with {:?} ({:?})", q, caps, strategies);
            }
        }
    }
}

// ----- every strategy is reached -----------------------------------------------------------

/// A fixed log: three counters over two months, references in creation order except where a
/// clock was set back; imported sales whose references share the prefixes; equal timestamps.
fn fixed_log() -> (Store, Vec<Sale>) {
    let mut specs = Vec::new();
    for i in 0..300i64 {
        let counter = ["KASSE1", "KASSE2", "K"][(i % 3) as usize];
        let month = if i < 150 { "202611" } else { "202612" };
        // Around i = 200 the clock went back an hour: later sales, earlier times.
        let minute = if (200..220).contains(&i) {
            i - 60
        } else {
            i / 2
        };
        specs.push(SaleSpec {
            imported: false,
            reference: format!("{counter}-{month}{:02}-{:04}", 1 + i % 28, i),
            minute,
            status: (i % 4) as u8,
            amount: 100 * (1 + i % 5),
        });
    }
    for (i, r) in [
        "KASSE2-202611",
        "KASSE2-2026119",
        "KASSE2-20261",
        "KASSE2-202611-x",
        "KASSE2-20261101-00001",
        "KASSE2",
        "K",
        "",
    ]
    .iter()
    .enumerate()
    {
        specs.push(SaleSpec {
            imported: true,
            reference: (*r).into(),
            minute: 170 - 20 * i as i64,
            status: 1,
            amount: 300,
        });
    }
    build(&specs)
}

#[test]
fn a_months_prefix_is_walked_by_stem_and_agrees_with_the_full_scan() {
    let (store, sales) = fixed_log();
    // The shipped caps, scaled down to a log of 300 sales.
    let caps = Caps {
        sort: 10,
        short_stems: 10,
        candidates_lookup: 100,
        ..Caps::SHIPPED
    };
    let cases = [
        (
            ListQuery::new().search("KASSE2-202611"),
            "by_reference_stem",
        ),
        (ListQuery::new().search("KASSE2-20261"), "by_reference_stem"),
        (ListQuery::new().search("KASSE2-2026"), "by_reference_stem"),
        (ListQuery::new().search("KASSE2"), "by_reference_stem"),
        (ListQuery::new().search("K"), "by_reference_stem"),
        (
            ListQuery::new()
                .search("KASSE2-202611")
                .status(SaleStatus::Captured),
            "by_reference_stem",
        ),
        (
            ListQuery::new()
                .search("KASSE1-2026")
                .created(Some(t(T0 + 30 * 60_000)), Some(t(T0 + 120 * 60_000)))
                .amount(AmountFilter::Range {
                    min: Some(200),
                    max: Some(400),
                }),
            "by_reference_stem",
        ),
        // Days 01–09 of a month: their short stem is the whole month, so the few matches are
        // sorted instead.
        (ListQuery::new().search("KASSE2-2026110"), "candidates"),
        (
            ListQuery::new().search("KASSE2-20261101-00001"),
            "candidates",
        ),
        (ListQuery::new().search("300"), "candidates"),
        (ListQuery::new().search("S."), "recent"),
    ];
    for (q, strategy) in cases {
        let want = full_scan(&q, &sales);
        assert!(
            want.len() > 1 || q.search.as_deref().is_some_and(|s| s.len() > 15),
            "{q:?} matches {}",
            want.len()
        );
        for limit in [1, 4, 50] {
            let q = q.clone().limit(limit);
            let (got, strategies) = with_caps(caps, || page_through(&store, &q));
            assert_eq!(got, want, "{q:?}");
            assert!(strategies.contains(strategy), "{q:?}: {strategies:?}");
        }
    }
}

/// With the shipped caps: 7,200 sales over two months of three counters (1,200 per counter and
/// month, more than `SORT_LIMIT`), references in creation order except for a stretch written
/// after the clock was set back, plus imported sales whose references share the prefixes and
/// whose times are anywhere. Rows are written directly: only the list is under test.
#[test]
fn with_the_shipped_caps_a_months_prefix_walks_its_stem_in_page_order() {
    let (_dir, store, path) = file_store();
    let conn = raw(&path);
    conn.execute(
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 7199)
         INSERT INTO sales (id, merchant_reference, counter, currency, amount, status, captured,
            refunded, created_at, updated_at, origin, pending_ops, operations, order_json,
            last_seq)
         SELECT printf('b%05d', (i * 7919) % 100000),
            printf('KASSE%d-2026%02d%02d-%04d', i % 3 + 1, 11 + i / 3600, 1 + (i % 3600) / 120,
                   1 + (i % 3600) / 3),
            printf('KASSE%d', i % 3 + 1), 'NOK', 100 * (i % 7),
            CASE i % 4 WHEN 0 THEN 'captured' WHEN 1 THEN 'authorized' WHEN 2 THEN 'declined'
                       ELSE 'refunded' END, 0, 0,
            ?1 + (CASE WHEN i BETWEEN 5000 AND 5100 THEN i - 2000 ELSE i END) * 60000 / 4,
            0, 'local', 0, '[]', 'null', 0
         FROM k",
        [T0],
    )
    .unwrap();
    for (i, r) in [
        "KASSE2-202611",
        "KASSE2-202611-",
        "KASSE2-20261124-00001",
        "KASSE2-2026112",
        "KASSE2-202611xx",
        "KASSE2-20261130-0001",
    ]
    .iter()
    .enumerate()
    {
        conn.execute(
            "INSERT INTO sales (id, merchant_reference, currency, amount, status, captured,
                refunded, created_at, updated_at, origin, pending_ops, operations, order_json,
                last_seq)
             VALUES (?1, ?2, 'NOK', 300, 'captured', 0, 0, ?3, 0, 'imported', 0, '[]', 'null', 0)",
            rusqlite::params![format!("imp{i}"), r, T0 + (i as i64 - 2) * 37_000_000],
        )
        .unwrap();
    }
    let sales: Vec<Sale> = {
        // In the order they were written (full_scan's tie-break).
        let mut stmt = conn.prepare("SELECT id FROM sales ORDER BY rowid").unwrap();
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        ids.iter()
            .map(|id| store.sale(id).unwrap().unwrap())
            .collect()
    };
    for (q, strategy) in [
        (
            ListQuery::new().search("KASSE2-202611"),
            "by_reference_stem",
        ),
        (
            ListQuery::new()
                .search("KASSE2-202611")
                .status(SaleStatus::Refunded),
            "by_reference_stem",
        ),
        (ListQuery::new().search("KASSE2"), "by_reference_stem"),
        (ListQuery::new().search("KASSE"), "by_reference_stem"),
        (ListQuery::new().search("KASSE2-20261124"), "candidates"),
        (ListQuery::new().search("KASSE2-2026112"), "candidates"),
    ] {
        let want = full_scan(&q, &sales);
        assert!(want.len() > 10, "{q:?}");
        let (got, strategies) = page_through(&store, &q.clone().limit(7));
        assert_eq!(got, want, "{q:?}");
        assert_eq!(strategies, BTreeSet::from([strategy.to_owned()]), "{q:?}");
        let first = store.list(&q).unwrap();
        assert_eq!(
            first.items.iter().map(|s| &s.id).collect::<Vec<_>>(),
            want.iter().take(50).collect::<Vec<_>>()
        );
        // The walk of each stem is in page order: no sort right after it. (The one arm that
        // is sorted is the short stems', holding the imported sales above.)
        let plan = store.explain_list(&q).unwrap();
        let sorted: Vec<bool> = plan
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("INDEX sales_reference_stem (<expr>=?"))
            .map(|(i, _)| {
                plan.lines
                    .get(i + 1)
                    .is_some_and(|l| l.contains("TEMP B-TREE"))
            })
            .collect();
        if strategy == "by_reference_stem" {
            assert!(
                sorted.iter().filter(|s| !**s).count() >= 1
                    && sorted.iter().filter(|s| **s).count() <= 1,
                "{q:?}: {:#?}",
                plan.lines
            );
        }
    }
}
