//! The fault suite (issue 6 §2, DESIGN.md §6): a few hundred sales against an in-process
//! sandbox where a fifth of all answers fail — 5xx, 429 with `Retry-After`, answers later than
//! the client's timeout, dropped connections, and the same faults *after* a POST took effect
//! (the operation happened, the answer is lost).
//!
//! Several cashiers sell at once on one engine over one SQLite file: charge → the customer pays
//! (through the sandbox's control handle, which is never faulted) → the watcher settles the
//! payment → capture (all, half, or a void) → refund (an amount, one line, or nothing). A cashier
//! retries only as a person would: after an error, look at the sale; if the operation shows as
//! done, stop; otherwise press the button again (the engine must refuse or reconcile safely).
//!
//! What must hold, checked against the sandbox's own record at the end:
//! * every sale ends paid, or with a clear failure (a typed [`CoreError`] whose code is in the
//!   closed set, and a sale in a final, unpaid status); nothing stays open or pending;
//! * zero duplicate operations: each capture/refund reference is applied at most once at
//!   Dintero, every operation Dintero applied is one Kasse logged as applied (and vice versa),
//!   at most one capture and one refund per sale, refunded ≤ captured;
//! * totals in Kasse's log equal the sandbox's, sale by sale and in sum; the journal verifies and
//!   the projection equals a replay;
//! * the API cost stays bounded: the sandbox's request count is below a bound derived from the
//!   watcher's cadence (read budget per followed second) plus a fixed cost per cashier action,
//!   and once everything has settled nothing polls any more.
//!
//! `KASSE_FAULT_SALES` (default 200) sets the number of sales, `KASSE_FAULT_SEED` the seed of
//! the plans and of the sandbox's fault dice, `KASSE_FAULT_CASHIERS` (default 12) the
//! concurrency. The counts are printed (`-- --nocapture`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dintero_client::{AccountId, Client, Config, RetryPolicy};
use dintero_sandbox::{Control, FaultRule, Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::clock::{RandomIds, SystemClock};
use kasse_core::order::OrderInput;
use kasse_core::sale::{OpKind, Sale, SaleStatus};
use kasse_core::store::{ListQuery, Store};
use kasse_core::{CoreError, Kasse, KasseConfig, RefundSpec};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// Share of the sandbox's answers that fail, per path.
const FAULT_RATE: f64 = 0.2;
/// The client's whole-request timeout: the latency faults answer later than this.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
/// Injected latency (before or after the operation), past [`REQUEST_TIMEOUT`].
const LATENCY_MS: u64 = 500;
/// How long an unanswered operation may still land: longer than the injected latency.
const GRACE: Duration = Duration::from_millis(1_000);
/// Checkout lifetime: short, so a charge whose answer was lost is given up within the run.
const SESSION_TTL: Duration = Duration::from_secs(4);
/// The client's attempts per idempotent call (GET, token).
const ATTEMPTS: u32 = 3;
/// Hang guard for one cashier action or one wait (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(30);

const CARD_OK: &str = "4000000000000002";
const CARD_DECLINED: &str = "4100000000000076";

/// The codes [`CoreError::code`] may return.
const CODES: &[&str] = &[
    "invalid_input",
    "not_found",
    "invalid_state",
    "amount_exceeds",
    "unauthorized",
    "network",
    "outcome_unknown",
    "dintero",
    "storage",
    "internal",
];

/// The watcher reads fast (these tests should not wait for a person's cadence) but within a
/// real read budget: 20 reads at once, then 10 per second.
fn cadence() -> Cadence {
    Cadence {
        waiting_ms: 50,
        paying_ms: 20,
        backoff_after_ms: 60_000,
        max_interval_ms: 500,
        burst: 20,
        refill_per_minute: 600,
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// Faults

/// A fault of one kind on one path, firing with probability `p`.
fn fault(method: &str, path: &str, p: f64, kind: &str) -> FaultRule {
    let mut r = FaultRule {
        method: Some(method.into()),
        path: Some(path.into()),
        probability: Some(p),
        ..FaultRule::default()
    };
    match kind {
        "500" => r.status = Some(500),
        "503" => r.status = Some(503),
        "429-0" => {
            r.status = Some(429);
            r.retry_after = Some(0);
        }
        "429-1" => {
            r.status = Some(429);
            r.retry_after = Some(1);
        }
        "slow" => r.latency_ms = Some(LATENCY_MS),
        "drop" => r.drop = true,
        "after-drop" => {
            r.after = true;
            r.drop = true;
        }
        "after-503" => {
            r.after = true;
            r.status = Some(503);
        }
        "after-slow" => {
            r.after = true;
            r.latency_ms = Some(LATENCY_MS);
        }
        other => unreachable!("fault kind {other}"),
    }
    r
}

/// Rules such that every path fails with probability [`FAULT_RATE`] in total: the sandbox takes
/// the first rule that matches *and* fires, so each of a path's `k` rules fires with
/// `1 - (1 - rate)^(1/k)`. POSTs that change something also get the `after` variants.
fn fault_rules() -> Vec<FaultRule> {
    const BEFORE: &[&str] = &["500", "503", "429-0", "429-1", "slow", "drop"];
    const AFTER: &[&str] = &["after-drop", "after-503", "after-slow"];
    let paths: &[(&str, &str, bool)] = &[
        ("POST", "/v1/accounts/*/auth/token", false),
        ("POST", "/v1/sessions-profile", true),
        ("GET", "/v1/sessions/*", false),
        ("POST", "/v1/sessions/*/cancel", true),
        ("GET", "/v1/transactions", false),
        ("GET", "/v1/transactions/*", false),
        ("POST", "/v1/transactions/*/capture", true),
        ("POST", "/v1/transactions/*/refund", true),
        ("POST", "/v1/transactions/*/void", true),
    ];
    let mut rules = Vec::new();
    for (method, path, effects) in paths {
        let kinds: Vec<&str> = if *effects {
            AFTER.iter().chain(BEFORE).copied().collect()
        } else {
            BEFORE.to_vec()
        };
        let p = 1.0 - (1.0 - FAULT_RATE).powf(1.0 / kinds.len() as f64);
        rules.extend(kinds.into_iter().map(|k| fault(method, path, p, k)));
    }
    rules
}

// ---------------------------------------------------------------------------------------------
// Plans and the record of what happened

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pay {
    Ok,
    Declined,
    /// The customer walks away; the cashier cancels.
    WalkAway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    Full,
    Half,
    Void,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Give {
    Nothing,
    /// Refund this share (per mille) of what was captured.
    Amount(i64),
    /// Refund one unit of line 1.
    Line,
}

#[derive(Debug, Clone)]
struct Plan {
    order: String,
    pay: Pay,
    take: Take,
    give: Give,
}

fn plan(rng: &mut StdRng) -> Plan {
    let lines = rng.gen_range(1..=3);
    let vats = ["25", "15", "12", "0"];
    let lines: Vec<String> = (0..lines)
        .map(|i| {
            format!(
                r#"{{"description":"Vare {i}","quantity":"{}","unit_price":{},"vat":"{}"}}"#,
                rng.gen_range(1..=3),
                rng.gen_range(500..20_000),
                vats[rng.gen_range(0..vats.len())]
            )
        })
        .collect();
    let order = format!(r#"{{"currency":"NOK","lines":[{}]}}"#, lines.join(","));
    let pay = match rng.gen_range(0..100) {
        0..=7 => Pay::Declined,
        8..=15 => Pay::WalkAway,
        _ => Pay::Ok,
    };
    let take = match rng.gen_range(0..100) {
        0..=5 => Take::Void,
        6..=25 => Take::Half,
        _ => Take::Full,
    };
    let give = match rng.gen_range(0..100) {
        0..=34 => Give::Nothing,
        35..=69 => Give::Amount(rng.gen_range(100..=1000)),
        _ => Give::Line,
    };
    Plan {
        order,
        pay,
        take,
        give,
    }
}

/// How one sale ended, from the cashier's side.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ended {
    /// Every step the plan asked for was done.
    Done,
    /// The cashier gave up on a step after [`PATIENCE`] (its last error, a typed CoreError).
    GaveUp(&'static str, String),
}

/// What the cashiers saw, shared.
#[derive(Default)]
struct Record {
    /// Errors by action and code.
    errors: BTreeMap<(&'static str, &'static str), u32>,
    /// Errors after which the sale showed the action as done all the same.
    done_despite_error: u32,
    /// Cashier actions (engine calls that may reach Dintero).
    actions: u64,
    /// Charges that failed (each one a sale in the log), by code.
    failed_charges: Vec<String>,
    /// Orders for which no checkout could be shown in three tries.
    no_checkout: u32,
    /// Sale id → (plan, how it ended, expected captured, expected refunded).
    sales: HashMap<String, (Plan, Ended, i64, i64)>,
    /// Milliseconds each sale was followed by the watcher (charge until no longer open).
    followed_ms: Vec<u64>,
}

type Shared = Arc<Mutex<Record>>;

fn note_error(record: &Shared, action: &'static str, e: &CoreError) {
    let code = e.code();
    assert!(
        CODES.contains(&code),
        "{action}: unknown code {code}: {e:?}"
    );
    let message = e.to_string();
    assert!(
        !message.trim().is_empty(),
        "{action}: an error without a message: {e:?}"
    );
    *record
        .lock()
        .unwrap()
        .errors
        .entry((action, code))
        .or_default() += 1;
}

/// Does `act` as a cashier would: on an error, look at the sale; stop when `done` shows it
/// happened after all; otherwise wait a moment (a person reads the message), look again, and
/// press again only if nothing changed on the screen meanwhile. Gives up after [`PATIENCE`],
/// returning the last error.
async fn as_cashier<T, F, Fut>(
    kasse: &Kasse,
    record: &Shared,
    sale_id: &str,
    action: &'static str,
    done: impl Fn(&Sale) -> bool,
    mut act: F,
) -> Result<(), CoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    let deadline = Instant::now() + PATIENCE;
    let look = || kasse.find(sale_id).expect("the sale is in the log");
    loop {
        record.lock().unwrap().actions += 1;
        let e = match act().await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        note_error(record, action, &e);
        loop {
            let before = look();
            if done(&before) {
                record.lock().unwrap().done_despite_error += 1;
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(e);
            }
            let pause = if before.pending_ops > 0 { 250 } else { 100 };
            let jitter = rand::random::<u64>() % 100;
            tokio::time::sleep(Duration::from_millis(pause + jitter)).await;
            if look() == before {
                break;
            }
        }
    }
}

fn applied(sale: &Sale, kind: OpKind) -> bool {
    sale.operations
        .iter()
        .any(|o| o.kind == kind && o.applied == Some(true))
}

/// Waits until the sale is no longer open (the watcher settled it).
async fn settled(kasse: &Kasse, sale_id: &str) -> Sale {
    let deadline = Instant::now() + PATIENCE;
    let mut rx = kasse.subscribe();
    loop {
        let sale = kasse.find(sale_id).expect("sale");
        if !sale.is_open() {
            return sale;
        }
        assert!(
            Instant::now() < deadline,
            "sale {sale_id} never settled: {sale:#?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(50), rx.recv()).await;
    }
}

/// One sale from the cart to its last step. Returns the sale id (of the last charge tried).
async fn sell(kasse: Kasse, control: Control, record: Shared, plan: Plan) {
    let order = OrderInput::from_json_str(&plan.order).expect("plan order");
    let started = Instant::now();
    // Charge: a failed charge is its own (failed) sale; the cashier presses Charge again.
    let mut charge = None;
    for _ in 0..3 {
        record.lock().unwrap().actions += 1;
        match kasse.charge(&order).await {
            Ok(c) => {
                charge = Some(c);
                break;
            }
            Err(e) => {
                note_error(&record, "charge", &e);
                // The failed charge is a sale of its own in the log (checked at the end).
                record
                    .lock()
                    .unwrap()
                    .failed_charges
                    .push(e.code().to_owned());
            }
        }
    }
    let Some(charge) = charge else {
        record.lock().unwrap().no_checkout += 1;
        return;
    };
    let id = charge.sale.id.clone();
    let finish = |ended: Ended, captured: i64, refunded: i64| {
        record
            .lock()
            .unwrap()
            .sales
            .insert(id.clone(), (plan.clone(), ended, captured, refunded));
    };

    match plan.pay {
        Pay::Ok => {
            control.pay(&charge.session_id, CARD_OK).expect("pay");
        }
        Pay::Declined => {
            let _ = control.pay(&charge.session_id, CARD_DECLINED);
        }
        Pay::WalkAway => {
            let r = as_cashier(
                &kasse,
                &record,
                &id,
                "cancel",
                |s| !s.is_open(),
                || kasse.cancel(&id),
            )
            .await;
            if let Err(e) = r {
                finish(Ended::GaveUp("cancel", e.to_string()), 0, 0);
                return;
            }
        }
    }
    let sale = settled(&kasse, &id).await;
    record
        .lock()
        .unwrap()
        .followed_ms
        .push(started.elapsed().as_millis() as u64);
    if plan.pay != Pay::Ok {
        finish(Ended::Done, 0, 0);
        return;
    }
    assert_eq!(
        sale.status,
        SaleStatus::Authorized,
        "a paid sale settles as authorised: {sale:#?}"
    );

    let amount = sale.amount;
    let captured = match plan.take {
        Take::Void => {
            let r = as_cashier(
                &kasse,
                &record,
                &id,
                "void",
                |s| s.status == SaleStatus::Voided,
                || kasse.void(&id),
            )
            .await;
            match r {
                Ok(()) => finish(Ended::Done, 0, 0),
                Err(e) => finish(Ended::GaveUp("void", e.to_string()), 0, 0),
            }
            return;
        }
        Take::Full => amount,
        Take::Half => (amount / 2).max(1),
    };
    let ask = (plan.take == Take::Half).then_some(captured);
    let r = as_cashier(
        &kasse,
        &record,
        &id,
        "capture",
        |s| applied(s, OpKind::Capture),
        || kasse.capture(&id, ask),
    )
    .await;
    if let Err(e) = r {
        finish(Ended::GaveUp("capture", e.to_string()), captured, 0);
        return;
    }

    let (spec, refunded) = match plan.give {
        Give::Nothing => {
            finish(Ended::Done, captured, 0);
            return;
        }
        Give::Amount(per_mille) => {
            let a = (captured * per_mille / 1000).max(1);
            (RefundSpec::Amount(a), a)
        }
        Give::Line => {
            let priced = kasse.price(&order).expect("price");
            let line = &priced.lines[0];
            // One unit of line 1, as the engine prices a part of a line; a half capture may
            // not cover it, then the cashier refunds an amount instead.
            let part = line
                .part(kasse_core::money::Quantity::ZERO, "1".parse().unwrap())
                .expect("part");
            if part.amount <= captured {
                (
                    RefundSpec::Lines(vec![("1".into(), "1".parse().unwrap())]),
                    part.amount,
                )
            } else {
                (RefundSpec::Amount(captured), captured)
            }
        }
    };
    let r = as_cashier(
        &kasse,
        &record,
        &id,
        "refund",
        |s| applied(s, OpKind::Refund),
        || kasse.refund(&id, spec.clone(), Some("fault suite".into())),
    )
    .await;
    match r {
        Ok(()) => finish(Ended::Done, captured, refunded),
        Err(e) => finish(Ended::GaveUp("refund", e.to_string()), captured, 0),
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox's record

fn events(tx: &Value) -> Vec<Value> {
    tx["events"].as_array().cloned().unwrap_or_default()
}

fn successful<'a>(events: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    events
        .iter()
        .filter(move |e| e["event"] == kind && e["success"] == true)
}

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
/// 250 ms, doubling up to 5 s, for twice the grace (engine/ops.rs `settle_later`).
fn settle_later_reads(grace: Duration) -> u64 {
    let limit = grace * 2;
    let (mut elapsed, mut delay, mut reads) = (Duration::ZERO, Duration::from_millis(250), 0);
    while elapsed < limit {
        elapsed += delay;
        reads += 1;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
    reads + 1
}

/// A sandbox, a client with a short timeout and quick retries, and an engine on a log file.
struct Rig {
    sandbox: Sandbox,
    control: Control,
    client: Client,
    kasse: Kasse,
    _dir: tempfile::TempDir,
}

async fn rig(seed: Option<u64>, cadence: Cadence) -> Rig {
    let sandbox = Sandbox::start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let control = sandbox.control();
    let client = Client::new(
        Config::new(
            AccountId::parse("T12345678").unwrap(),
            "kasse-demo",
            "kasse-demo-secret",
        )
        .with_base_url(sandbox.base_url())
        .with_timeouts(Duration::from_secs(1), REQUEST_TIMEOUT)
        .with_retry(RetryPolicy {
            max_attempts: ATTEMPTS,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        }),
    )
    .expect("client");
    let dir = tempfile::tempdir().unwrap();
    let mut config = KasseConfig::new("FAULT1", "https://kasse.test/return");
    config.cadence = cadence;
    config.reconcile_grace = GRACE;
    config.session_ttl = SESSION_TTL;
    let kasse = Kasse::new(
        Store::open(dir.path().join("kasse.sqlite")).expect("store"),
        client.clone(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        config,
    );
    Rig {
        sandbox,
        control,
        client,
        kasse,
        _dir: dir,
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fifth_of_all_answers_failing_loses_nothing_and_does_nothing_twice() {
    let n: usize = env_or("KASSE_FAULT_SALES", 200);
    let cashiers: usize = env_or("KASSE_FAULT_CASHIERS", 12).max(1);
    let seed: u64 = env_or("KASSE_FAULT_SEED", rand::random::<u64>() >> 12);
    println!("fault suite: {n} sales, {cashiers} cashiers, seed {seed} (KASSE_FAULT_SEED)");

    let Rig {
        sandbox: _sandbox,
        control,
        client,
        kasse,
        _dir,
    } = rig(Some(seed), cadence()).await;
    client.fetch_token().await.expect("token");
    let requests_before = control.stats().requests;
    control.set_faults(fault_rules());

    // Sell.
    let record: Shared = Arc::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let plans: Vec<Plan> = (0..n).map(|_| plan(&mut rng)).collect();
    let run_started = Instant::now();
    let queue = Arc::new(Mutex::new(plans.into_iter()));
    let mut tasks = Vec::new();
    for _ in 0..cashiers {
        let (kasse, control, record, queue) = (
            kasse.clone(),
            control.clone(),
            record.clone(),
            queue.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().unwrap().next();
                let Some(plan) = next else { break };
                sell(kasse.clone(), control.clone(), record.clone(), plan).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a cashier panicked");
    }

    // Everything the watcher follows settles under the faults (lost charges are given up when
    // their checkout would have expired).
    let deadline = Instant::now() + PATIENCE;
    loop {
        let open = kasse.store().open_sales().unwrap().len();
        let pending = kasse.store().pending_operations().unwrap().len();
        if open == 0 && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} sales open and {pending} operations pending long after the last sale: {:#?}",
            kasse.store().pending_operations().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let selling_ms = run_started.elapsed().as_millis();
    let requests_under_faults = control.stats().requests - requests_before;

    // The next morning: faults gone, a sync finds nothing left to fix.
    control.clear_faults();
    let sync = kasse.sync(1).await.expect("sync");
    assert_eq!(sync.imported, 0, "every payment was in the log: {sync:?}");
    assert_eq!(sync.updated, 0, "every status was true already: {sync:?}");
    assert_eq!(sync.reconciled, 0, "nothing was left pending: {sync:?}");
    // And nothing polls any more.
    let idle_before = control.stats().requests;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        control.stats().requests,
        idle_before,
        "requests after every sale settled"
    );

    // --- The checks.
    let record = Arc::try_unwrap(record)
        .ok()
        .expect("cashiers are done")
        .into_inner()
        .unwrap();
    let store = kasse.store();
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

    // The cashier's intent, sale by sale.
    let mut gave_up = Vec::new();
    for (id, (plan, ended, captured, refunded)) in &record.sales {
        let sale = sales.iter().find(|s| &s.id == id).expect("sale listed");
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
    let sandbox_txs = control.transactions();
    let (mut sum_captured, mut sum_refunded, mut ops_at_dintero) = (0i64, 0i64, 0u32);
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
    // background re-reader), plus token fetches.
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
    let per_action = 4 + settle_later_reads(GRACE);
    let tokens = 10;
    let bound = u64::from(ATTEMPTS) * (watcher + record.actions * per_action) + tokens;
    let sales_total = sales.len() as u64;

    // --- The counts.
    println!(
        "fault suite: {} sales in {:.1} s under {:.0}% failing answers ({} engine actions, {} sandbox requests)",
        sales.len(),
        selling_ms as f64 / 1000.0,
        FAULT_RATE * 100.0,
        record.actions,
        requests_under_faults
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
    println!(
        "  failed charges (clear failure, no payment): {}; cashier gave up: {}; no checkout in 3 tries: {}",
        record.failed_charges.len(),
        gave_up.len(),
        record.no_checkout
    );
    println!(
        "  API cost: {:.1} requests per sale, bound {:.1} per sale (cadence budget {} + {}/min, ×{ATTEMPTS} attempts)",
        requests_under_faults as f64 / sales_total as f64,
        bound as f64 / sales_total as f64,
        c.burst,
        c.refill_per_minute
    );
    println!(
        "  journal: {} rows verified; projection = replay",
        journal.rows
    );
    assert!(
        requests_under_faults <= bound,
        "{requests_under_faults} requests for {sales_total} sales, above the bound {bound}"
    );
    assert!(gave_up.is_empty(), "the cashier gave up: {gave_up:#?}");
}

// ---------------------------------------------------------------------------------------------
// What the suite found, pinned: each of these failed before its fix in `src/engine/`.

/// One fault on one path, once.
fn once(method: &str, path: &str, effect: impl FnOnce(&mut FaultRule)) -> FaultRule {
    let mut r = FaultRule {
        method: Some(method.into()),
        path: Some(path.into()),
        times: Some(1),
        ..FaultRule::default()
    };
    effect(&mut r);
    r
}

/// The watcher reads once when it starts following and then only when woken.
fn sleepy() -> Cadence {
    Cadence {
        waiting_ms: 60_000,
        paying_ms: 60_000,
        backoff_after_ms: 600_000,
        max_interval_ms: 60_000,
        burst: 1_000,
        refill_per_minute: 1_000,
    }
}

/// A charge whose watcher has made its first read (so that faults set next hit the test's
/// own calls, not the watcher's).
async fn charged(rig: &Rig, order: &str) -> kasse_core::Charge {
    let before = rig.control.stats().requests;
    let charge = rig
        .kasse
        .charge(&OrderInput::from_json_str(order).unwrap())
        .await
        .expect("charge");
    let deadline = Instant::now() + PATIENCE;
    while rig.control.stats().requests < before + 2 {
        assert!(Instant::now() < deadline, "the watcher never read");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    charge
}

/// Waits until `pred` holds for the sale (hang guard only).
async fn until(kasse: &Kasse, id: &str, what: &str, pred: impl Fn(&Sale) -> bool) -> Sale {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let sale = kasse.find(id).unwrap();
        if pred(&sale) {
            return sale;
        }
        assert!(Instant::now() < deadline, "never {what}: {sale:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const ONE_LINE: &str =
    r#"{"lines":[{"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"}]}"#;

/// Found by the suite: a cancel whose answer was lost (503) and which the re-read showed had
/// not happened was reported as a success, while the checkout stayed open for the customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_that_did_not_happen_is_not_reported_as_done() {
    let rig = rig(None, sleepy()).await;
    let charge = charged(&rig, ONE_LINE).await;
    let id = charge.sale.id.clone();
    rig.control
        .set_faults(vec![once("POST", "/v1/sessions/*/cancel", |r| {
            r.status = Some(503)
        })]);
    let err = rig.kasse.cancel(&id).await.expect_err("the cancel failed");
    assert_eq!(err.code(), "dintero", "{err:?}");
    let sale = rig.kasse.find(&id).unwrap();
    assert!(sale.is_open(), "the checkout is still open: {sale:#?}");
    assert_eq!(sale.operations[0].applied, Some(false));
    assert!(rig.control.session(&charge.session_id).unwrap()["cancelled_at"].is_null());
    // Pressing again cancels it.
    let sale = rig.kasse.cancel(&id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Cancelled);
}

/// Found by the suite: a cancel whose answer was lost *and* whose re-read failed stayed pending
/// until the next sync or restart; now it is settled in the background like other operations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_whose_answer_and_re_read_were_lost_settles_by_itself() {
    let rig = rig(None, sleepy()).await;
    let charge = charged(&rig, ONE_LINE).await;
    let id = charge.sale.id.clone();
    rig.control.set_faults(vec![
        once("POST", "/v1/sessions/*/cancel", |r| r.status = Some(503)),
        // Three times: a background read (the watcher, the settler) may take one first, and
        // the cancel's own re-read must still be refused.
        once("GET", "/v1/sessions/*", |r| {
            r.status = Some(429);
            r.retry_after = Some(1);
            r.times = Some(3);
        }),
    ]);
    let err = rig.kasse.cancel(&id).await.expect_err("the cancel failed");
    assert_eq!(err.code(), "network", "{err:?}");
    let sale = until(&rig.kasse, &id, "settled", |s| s.pending_ops == 0).await;
    assert_eq!(sale.operations[0].applied, Some(false), "{sale:#?}");
    assert!(sale.is_open());
    let sale = rig.kasse.cancel(&id).await.expect("cancel");
    assert_eq!(sale.status, SaleStatus::Cancelled);
}

/// Found by the suite: a cashier pressing "refund one coffee" again while the first press's
/// lost answer was still being checked got a second coffee refunded: the engine settled the
/// first (it had happened) and then sent the second. Now the second press is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_again_while_a_lost_answer_is_checked_does_not_refund_twice() {
    let rig = rig(None, sleepy()).await;
    let charge = charged(&rig, ONE_LINE).await;
    let id = charge.sale.id.clone();
    rig.control.pay(&charge.session_id, CARD_OK).unwrap();
    rig.kasse.check_now(&id);
    until(&rig.kasse, &id, "authorised", |s| {
        s.status == SaleStatus::Authorized
    })
    .await;
    let sale = rig.kasse.capture(&id, None).await.expect("capture");
    let tid = sale.transaction_id.clone().unwrap();
    rig.control.set_faults(vec![
        // The refund's own pre-read passes (an empty rule only counts)…
        once("GET", "/v1/transactions/*", |_| {}),
        // …the refund happens and its answer is lost…
        once("POST", "/v1/transactions/*/refund", |r| {
            r.after = true;
            r.drop = true;
        }),
        // …and so is the re-read right after it.
        once("GET", "/v1/transactions/*", |r| {
            r.status = Some(429);
            r.retry_after = Some(1);
        }),
    ]);
    let one = || RefundSpec::Lines(vec![("1".into(), "1".parse().unwrap())]);
    let err = rig.kasse.refund(&id, one(), None).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err:?}");
    assert_eq!(rig.kasse.find(&id).unwrap().pending_ops, 1);

    // The cashier presses again at once.
    let err = rig.kasse.refund(&id, one(), None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err:?}");
    assert!(err.to_string().contains("confirmed"), "{err}");
    let sale = rig.kasse.find(&id).unwrap();
    assert_eq!(sale.refunded, 3_900);
    assert_eq!(sale.pending_ops, 0);
    let tx = rig.control.transaction(&tid).unwrap();
    assert_eq!(successful(&events(&tx), "REFUND").count(), 1, "{tx:#}");

    // Looking at the sale and pressing again is a new refund, done once.
    let sale = rig.kasse.refund(&id, one(), None).await.expect("refund");
    assert_eq!(sale.refunded, 7_800);
    let tx = rig.control.transaction(&tid).unwrap();
    assert_eq!(successful(&events(&tx), "REFUND").count(), 2);
}
