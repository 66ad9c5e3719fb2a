//! What must hold at the end, against the sandbox's own record, and the counts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use kasse_core::sale::{OpKind, Sale, SaleStatus};
use kasse_core::store::{ListQuery, Store};
use serde_json::Value;

use crate::cashier::{Ended, Record};
use crate::counter::Counter;
use crate::plan::{Pay, Take};
use crate::{cadence, events, successful, ATTEMPTS, FAULT_RATE, GRACE, SESSION_TTL};

fn all_sales(store: &Store) -> Vec<Sale> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list(&ListQuery::new().limit(500).after(cursor))
            .expect("list");
        out.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() {
            return out;
        }
    }
}

/// Reads the background re-reader of one unsettled operation may make: it re-reads after
/// 250 ms, doubling up to 5 s, and every 30 s after two minutes (engine/ops.rs `settle_later`),
/// for twice the grace when the answer was lost, for as long as it is in flight otherwise.
fn settle_later_reads(limit: Duration) -> u64 {
    let (mut elapsed, mut delay, mut reads) = (Duration::ZERO, Duration::from_millis(250), 0);
    while elapsed < limit {
        elapsed += delay;
        reads += 1;
        delay = if elapsed >= Duration::from_secs(120) {
            Duration::from_secs(30)
        } else {
            (delay * 2).min(Duration::from_secs(5))
        };
    }
    reads + 1
}

/// The sandbox's async operations, as it recorded them.
#[derive(Default)]
struct Accepted {
    /// By kind (`CAPTURE`, `REFUND`, `VOID`): accepted, completed, failed.
    by_kind: BTreeMap<String, [u32; 3]>,
    /// Voids whose `202` was lost, settled by the transaction's status (no request id logged).
    voids_by_status: u32,
}

/// Every operation Dintero accepted (`INITIATE_*`) has completed, and the log's operation for
/// it says what the completion says: an operation in flight was never settled "not applied"
/// unless its completion failed, nor "applied" unless it succeeded.
fn check_accepted(tx: &Value, sale: &Sale, counts: &mut Accepted) {
    let evs = events(tx);
    // Each operation Kasse sent was accepted at most once.
    let mut initiated = HashSet::new();
    for e in evs.iter().filter(|e| {
        e["event"]
            .as_str()
            .is_some_and(|n| n.starts_with("INITIATE_"))
    }) {
        if let Some(r) = e["event_reference"].as_str() {
            assert!(initiated.insert(r), "{r} accepted twice: {tx:#}");
        }
    }
    for init in &evs {
        let Some(kind) = init["event"]
            .as_str()
            .and_then(|n| n.strip_prefix("INITIATE_"))
        else {
            continue;
        };
        let rid = init["request_id"].as_str().expect("request_id");
        let completion = evs
            .iter()
            .find(|e| e["correlation_request_id"] == rid)
            .unwrap_or_else(|| panic!("accepted {rid} never completed: {tx:#}"));
        assert_eq!(completion["event"], kind, "{rid}: {tx:#}");
        let ok = completion["success"] == true;
        let entry = counts.by_kind.entry(kind.to_owned()).or_default();
        entry[0] += 1;
        entry[if ok { 1 } else { 2 }] += 1;
        let reference = init["event_reference"].as_str();
        let claimed = sale
            .operations
            .iter()
            .find(|o| o.request_id.as_deref() == Some(rid))
            .or_else(|| reference.and_then(|r| sale.operations.iter().find(|o| o.reference == r)));
        match claimed {
            Some(op) => assert_eq!(
                op.applied,
                Some(ok),
                "Dintero accepted {} ({rid}) and its completion says {ok}; the log says {:?}: {sale:#?}\n{tx:#}",
                op.reference,
                op.applied
            ),
            None => {
                // A void carries no reference: one whose 202 was lost is known by the status.
                assert_eq!(
                    kind, "VOID",
                    "Dintero accepted {reference:?} ({rid}), which Kasse never sent: {sale:#?}"
                );
                assert!(
                    sale.operations
                        .iter()
                        .any(|o| o.kind == OpKind::Void && o.applied == Some(ok)),
                    "a void Dintero accepted ({rid}, success {ok}) has no void in the log with that outcome: {sale:#?}"
                );
                counts.voids_by_status += 1;
            }
        }
    }
    // And every operation the log says Dintero accepted is one of these, with its outcome.
    for op in sale.operations.iter().filter(|o| o.request_id.is_some()) {
        let rid = op.request_id.as_deref().unwrap();
        let completion = evs
            .iter()
            .find(|e| e["correlation_request_id"] == rid)
            .unwrap_or_else(|| {
                panic!(
                    "the log's {} ({rid}) is not at Dintero: {tx:#}",
                    op.reference
                )
            });
        assert_eq!(
            op.applied,
            Some(completion["success"] == true),
            "{} in flight, settled against its completion: {sale:#?}",
            op.reference
        );
    }
}

/// How the run went, besides the record.
pub struct Run {
    /// From the first charge until everything settled.
    pub selling_ms: u128,
    /// Until the last cashier was done.
    pub sold_ms: u128,
    pub requests: u64,
    pub tokens_per_client: u64,
}

pub fn check(counter: &Counter, record: Record, run: &Run) {
    let store = counter.store();
    let sales = all_sales(store);
    let by_tx: HashMap<String, &Sale> = sales
        .iter()
        .filter_map(|s| s.transaction_id.clone().map(|t| (t, s)))
        .collect();

    // Every sale is final; paid, or a clear failure.
    let mut statuses: BTreeMap<String, u32> = BTreeMap::new();
    for sale in &sales {
        *statuses.entry(sale.status.to_string()).or_default() += 1;
        assert!(!sale.is_open(), "open: {sale:#?}");
        assert_eq!(sale.pending_ops, 0, "pending: {sale:#?}");
        let clear_failure = match sale.status {
            SaleStatus::ChargeFailed => sale.last_error.is_some(),
            s => matches!(
                s,
                SaleStatus::Declined
                    | SaleStatus::Failed
                    | SaleStatus::Cancelled
                    | SaleStatus::Expired
            ),
        };
        assert!(
            sale.status.is_paid() || sale.status == SaleStatus::Voided || clear_failure,
            "neither paid nor a clear failure: {sale:#?}"
        );
        if sale.transaction_id.is_none() {
            assert!(!sale.status.is_paid(), "paid without a payment: {sale:#?}");
        }
    }
    let charge_failed = sales
        .iter()
        .filter(|s| s.status == SaleStatus::ChargeFailed)
        .count();
    assert_eq!(
        charge_failed,
        record.failed_charges.len(),
        "each failed charge is one charge_failed sale"
    );
    assert_eq!(sales.len(), record.sales.len() + charge_failed);

    // Each idempotency key led to at most one operation, across both windows and all sales.
    let mut keys: HashMap<&str, u32> = HashMap::new();
    for op in sales.iter().flat_map(|s| &s.operations) {
        if let Some(k) = op.key.as_deref() {
            *keys.entry(k).or_default() += 1;
        }
    }
    let reused: Vec<_> = keys.iter().filter(|(_, &n)| n > 1).collect();
    assert!(
        reused.is_empty(),
        "keys with more than one operation: {reused:?}"
    );

    // The cashier's intent, sale by sale.
    let mut gave_up = Vec::new();
    let mut async_sales = 0;
    for (id, (plan, ended, captured, refunded)) in &record.sales {
        let sale = sales.iter().find(|s| &s.id == id).expect("sale listed");
        if plan.product.is_some() {
            async_sales += 1;
        }
        match ended {
            Ended::GaveUp(step, why) => {
                gave_up.push(format!("{step}: {why}"));
                continue;
            }
            Ended::Done => {}
        }
        let expected = match (plan.pay, plan.take) {
            (Pay::Declined, _) => SaleStatus::Declined,
            (Pay::WalkAway, _) => SaleStatus::Cancelled,
            (Pay::Ok, Take::Void) => SaleStatus::Voided,
            (Pay::Ok, _) => sale.status,
        };
        assert_eq!(sale.status, expected, "{plan:?}: {sale:#?}");
        assert_eq!(sale.captured, *captured, "captured, {plan:?}: {sale:#?}");
        assert_eq!(sale.refunded, *refunded, "refunded, {plan:?}: {sale:#?}");
    }

    // The sandbox's own record against the log.
    let sandbox_txs = counter.control.transactions();
    let (mut sum_captured, mut sum_refunded, mut ops_at_dintero) = (0i64, 0i64, 0u32);
    let mut accepted = Accepted::default();
    for tx in &sandbox_txs {
        let tid = tx["id"].as_str().unwrap();
        let sale = by_tx
            .get(tid)
            .unwrap_or_else(|| panic!("a payment missing from the log: {tx:#}"));
        let evs = events(tx);
        let status = SaleStatus::from_dintero(tx["status"].as_str().unwrap_or_default());
        assert_eq!(sale.status, status, "status of {tid}: log vs sandbox");
        let mut captured = 0;
        let mut refunded = 0;
        let mut seen = HashSet::new();
        for (kind, op_kind, total) in [
            ("CAPTURE", OpKind::Capture, &mut captured),
            ("REFUND", OpKind::Refund, &mut refunded),
        ] {
            let applied: Vec<&Value> = successful(&evs, kind).collect();
            assert!(
                applied.len() <= 1,
                "{kind} applied {} times on {tid}: {tx:#}",
                applied.len()
            );
            for e in applied {
                let reference = e["event_reference"].as_str().unwrap_or_default();
                assert!(seen.insert(reference.to_owned()), "{reference} twice");
                let op = sale
                    .operations
                    .iter()
                    .find(|o| o.reference == reference)
                    .unwrap_or_else(|| {
                        panic!("Dintero applied {reference}, which Kasse never sent: {sale:#?}")
                    });
                assert_eq!(op.kind, op_kind);
                assert_eq!(
                    op.applied,
                    Some(true),
                    "{reference} happened but the log says otherwise: {sale:#?}"
                );
                assert_eq!(op.amount, e["amount"].as_i64(), "{reference} amount");
                *total += e["amount"].as_i64().unwrap();
                ops_at_dintero += 1;
            }
        }
        // Every operation Kasse logged as applied is at Dintero, exactly once.
        for op in &sale.operations {
            if op.applied == Some(true) && matches!(op.kind, OpKind::Capture | OpKind::Refund) {
                assert!(
                    seen.contains(&op.reference),
                    "the log says {} happened, Dintero has no trace: {sale:#?}",
                    op.reference
                );
            }
        }
        check_accepted(tx, sale, &mut accepted);
        assert!(refunded <= captured, "refunded more than captured: {tx:#}");
        assert_eq!(sale.captured, captured, "captured of {tid}: log vs sandbox");
        assert_eq!(sale.refunded, refunded, "refunded of {tid}: log vs sandbox");
        sum_captured += captured;
        sum_refunded += refunded;
    }
    assert_eq!(
        sales.iter().filter(|s| s.transaction_id.is_some()).count(),
        sandbox_txs.len(),
        "a sale with a payment the sandbox does not have"
    );
    let totals = (
        sales.iter().map(|s| s.captured).sum::<i64>(),
        sales.iter().map(|s| s.refunded).sum::<i64>(),
    );
    assert_eq!(
        totals,
        (sum_captured, sum_refunded),
        "totals: log vs sandbox"
    );

    let journal = store.verify_journal().unwrap();
    assert!(journal.ok, "journal: {journal:?}");
    let projection = store.check_projection().unwrap();
    assert!(projection.ok(), "projection: {projection:?}");

    // API cost: the watcher's read budget over the time each sale was followed, every read
    // possibly retried by the client, plus a fixed cost per cashier action (the pre-read, a
    // pending operation's re-read, the call, the re-read after a lost answer, and the
    // background re-reader), plus, for each operation Dintero accepted, the background
    // re-reader's reads while it is in flight (at most the whole run), plus token fetches.
    let c = cadence();
    let watcher: u64 = record
        .followed_ms
        .iter()
        .chain(std::iter::repeat_n(
            &((SESSION_TTL + GRACE).as_millis() as u64 + 1_000),
            record.failed_charges.len(),
        ))
        .map(|&ms| {
            // A look costs at most two reads (session, then transaction); looks come no more
            // often than the shortest interval, and never beyond the read budget.
            let by_interval = 1 + ms / c.paying_ms;
            let by_budget = u64::from(c.burst) + u64::from(c.refill_per_minute) * ms / 60_000 + 1;
            2 * by_interval.min(by_budget)
        })
        .sum();
    let per_action = 4 + settle_later_reads(GRACE * 2);
    let accepted_total: u32 = accepted.by_kind.values().map(|k| k[0]).sum();
    let in_flight = u64::from(accepted_total)
        * settle_later_reads(Duration::from_millis(run.selling_ms as u64));
    let tokens = 2 * run.tokens_per_client;
    let bound = u64::from(ATTEMPTS) * (watcher + record.actions * per_action + in_flight) + tokens;
    let sales_total = sales.len() as u64;

    // --- The counts.
    println!(
        "fault suite: {} sales in {:.1} s under {:.0}% failing answers, two windows on one log ({} engine actions, {} sandbox requests)",
        sales.len(),
        run.selling_ms as f64 / 1000.0,
        FAULT_RATE * 100.0,
        record.actions,
        run.requests
    );
    println!(
        "  time: every sale past its checkout at {:.1} s, last cashier done at {:.1} s, everything settled at {:.1} s",
        record.checked_out_at,
        run.sold_ms as f64 / 1000.0,
        run.selling_ms as f64 / 1000.0
    );
    println!("  final statuses: {statuses:?}");
    println!(
        "  cashier errors (action, code): {:?}; {} times the sale showed the action done after an error",
        record.errors, record.done_despite_error
    );
    println!(
        "  operations applied at Dintero: {ops_at_dintero}, each exactly once; captured {} / refunded {} (minor units), log = sandbox",
        sum_captured, sum_refunded
    );
    let [acc, done, failed] = accepted
        .by_kind
        .values()
        .fold([0; 3], |t, k| [t[0] + k[0], t[1] + k[1], t[2] + k[2]]);
    println!(
        "  async (202): {async_sales} paid sales with async products; {acc} operations accepted, {done} completed, {failed} failed at Dintero ({:?} [accepted, completed, failed]); every one settled as its completion says ({} voids by status)",
        accepted.by_kind, accepted.voids_by_status
    );
    println!(
        "  cashiers and in-flight: {} seen in flight, {} left in the back office, {} pressed again after Dintero failed them; Dintero's clock moved on {} times (at {:.1?} s)",
        record.in_flight_seen,
        record.parked,
        record.failed_completions,
        record.advances.len(),
        record.advances
    );
    println!(
        "  two windows: {} presses from the other window; same key at once {:?}; different keys at once {:?}; {} keys, each one operation",
        record.other_window,
        record.same_key,
        record.diff_keys,
        keys.len()
    );
    println!(
        "  failed charges (clear failure, no payment): {}; cashier gave up: {}; no checkout in 3 tries: {}",
        record.failed_charges.len(),
        gave_up.len(),
        record.no_checkout
    );
    println!(
        "  API cost: {:.1} requests per sale, bound {:.1} per sale (cadence budget {} + {}/min, ×{ATTEMPTS} attempts)",
        run.requests as f64 / sales_total as f64,
        bound as f64 / sales_total as f64,
        c.burst,
        c.refill_per_minute
    );
    println!(
        "  journal: {} rows verified; projection = replay",
        journal.rows
    );
    assert!(
        run.requests <= bound,
        "{} requests for {sales_total} sales, above the bound {bound}",
        run.requests
    );
    assert!(gave_up.is_empty(), "the cashier gave up: {gave_up:#?}");
}
