//! The crash suite (DESIGN.md §6, issue "Reliability" §1), short version: a sequence of sales
//! through the real `kasse-cli` binary, each step (charge --wait, capture or void, refund of a
//! line, sync) SIGKILLed at a random moment; sandbox faults with `"after": true` and latency
//! widen the windows so kills land mid-call after Dintero acted. After a kill the counter
//! restarts the way a person would: `sync`, look at the sale, and try again what did not happen.
//! A third of the customers pay with a method whose operations Dintero answers `202` and
//! completes later (a quarter of the completions failing): an operation in flight is not asked
//! for again; one whose completion failed is. At the end Kasse's log is compared with the sandbox's own record:
//!
//! - lost: a Dintero transaction missing from the log;
//! - mismatches: a status, captured or refunded total that differs (or a sale Dintero does not
//!   know);
//! - duplicates: an operation applied twice (a reference seen twice, more captures or line
//!   refunds than were asked for, more refunded than captured).
//!
//! All three must be 0. `KASSE_CHAOS_SEED` replays a run (the seed is printed),
//! `KASSE_CHAOS_SALES` sets the number of sales (10 here; `cargo xtask chaos` runs hundreds),
//! `KASSE_CHAOS_REPORT=FILE` writes the counts as JSON.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use dintero_sandbox::FaultRule;
use kasse_core::sale::SaleStatus;
use serde_json::{json, Value};

/// How long an after-fault holds the answer back (the window a kill aims at).
const HOLD_MS: u64 = 300;
/// The reconcile grace and request timeout of every `kasse-cli` the suite runs.
const GRACE: Duration = Duration::from_secs(1);
/// The payment method whose captures, refunds and voids Dintero answers `202` and completes
/// [`ASYNC_DELAY`] later, a quarter of them failing.
const ASYNC_PRODUCT: &str = "vipps";
const ASYNC_DELAY: Duration = Duration::from_millis(400);

/// The customer pays: with a card, or with `product`.
fn pay(w: &World, sid: &str, card: &str, product: Option<&str>) {
    w.control
        .pay_with(
            sid,
            dintero_sandbox::PayOptions {
                card: Some(card.to_owned()),
                payment_product_type: product.map(str::to_owned),
                ..Default::default()
            },
        )
        .expect("the customer pays");
}

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

#[derive(Debug, Default)]
struct Counts {
    sales: u32,
    paid: u32,
    kills: BTreeMap<&'static str, u32>,
    /// Where the kills landed, from what the log showed after the restart.
    windows: BTreeMap<String, u32>,
    retries: u32,
    never_reached_dintero: u32,
    /// Sales paid with a method whose operations Dintero accepts (202) and completes later.
    async_sales: u32,
    /// Operations the log showed in flight (accepted by Dintero, not completed yet).
    in_flight: u32,
    /// Accepted operations whose completion failed at Dintero (then asked for again).
    failed_completions: u32,
    lost: u32,
    duplicates: u32,
    mismatches: u32,
    problems: Vec<String>,
}

impl Counts {
    fn kills_total(&self) -> u32 {
        self.kills.values().sum()
    }
}

/// How a step ended.
enum Step {
    Killed,
    Exited(Run),
}

struct Chaos {
    w: World,
    rng: Rng,
    counts: Counts,
    /// What happened, step by step (printed for the sales with a problem).
    trace: Vec<String>,
}

impl Chaos {
    fn log(&mut self, line: String) {
        if std::env::var_os("KASSE_CHAOS_VERBOSE").is_some() {
            println!("{line}");
        }
        self.trace.push(line);
    }

    /// Runs `kasse-cli ARGS` with `fault` set for its duration, SIGKILLing it at `kill_at`
    /// (when it is still running then). After a kill, waits out `settle` so that a request the
    /// dead process had sent has landed before anyone looks (the reconcile grace, [`GRACE`],
    /// keeps Kasse from deciding earlier; the suite waits it out when Kasse says so).
    fn step(
        &mut self,
        name: &'static str,
        args: &[&str],
        fault: Option<FaultRule>,
        kill_at: Option<Duration>,
    ) -> Step {
        let settle = Duration::from_millis(
            fault.as_ref().map_or(0, |f| {
                if f.after {
                    0
                } else {
                    f.latency_ms.unwrap_or(0)
                }
            }) + 50,
        );
        let fault_desc = fault.as_ref().map_or("none".to_owned(), |f| {
            format!(
                "{}{}{}",
                if f.after { "after" } else { "before" },
                f.latency_ms
                    .map(|l| format!(" hold {l} ms"))
                    .unwrap_or_default(),
                f.status
                    .map(|s| format!(" {s}"))
                    .unwrap_or_else(|| if f.drop {
                        " drop".into()
                    } else {
                        String::new()
                    })
            )
        });
        if let Some(f) = fault {
            self.w.control.set_faults(vec![f]);
        }
        let mut child = self.w.cmd(args).spawn().expect("kasse-cli starts");
        let started = Instant::now();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let result = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if kill_at.is_some_and(|k| started.elapsed() >= k) {
                child.kill().expect("SIGKILL");
                child.wait().unwrap();
                break None;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "kasse-cli {args:?} did not finish"
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        self.w.control.clear_faults();
        let what = match (&result, &fault_desc) {
            (None, f) => format!("killed at {:?} (fault {f})", started.elapsed()),
            (Some(st), f) => format!("exit {:?} (fault {f})", st.code()),
        };
        self.log(format!("  {args:?}: {what}"));
        match result {
            None => {
                *self.counts.kills.entry(name).or_default() += 1;
                std::thread::sleep(settle);
                Step::Killed
            }
            Some(status) => Step::Exited(Run {
                status,
                stdout: read_all(stdout),
                stderr: read_all(stderr),
            }),
        }
    }

    /// A restart after a crash: `sync`, itself killed now and then, until one completes.
    fn restart(&mut self) {
        loop {
            let kill = self.rng.chance(0.2).then(|| self.rng.ms(0, 250));
            match self.step("sync", &["--json", "sync"], None, kill) {
                Step::Killed => continue,
                Step::Exited(run) => {
                    run.one();
                    return;
                }
            }
        }
    }

    /// While the sale has an operation whose outcome is unknown, does what a person is told
    /// to: waits a moment (the grace: a request may still be on its way) and syncs again.
    fn settle_pending(&mut self, id: &str, mut sale: Value) -> Value {
        for _ in 0..5 {
            let pending = sale["operations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["state"] == "requested" || o["state"] == "unknown");
            if !pending {
                break;
            }
            self.log("  an outcome is still being checked: wait out the grace, sync".into());
            std::thread::sleep(GRACE);
            self.restart();
            sale = self.show(id);
        }
        sale
    }

    /// Kasse's view of a sale.
    fn show(&self, id: &str) -> Value {
        self.w.run(&["--json", "show", id]).one()
    }

    /// A random operation fault: most often an answer held back after the operation took
    /// effect (the window a kill aims at); sometimes a lost answer without a kill.
    fn op_fault(&mut self, op: &str, killing: bool) -> Option<FaultRule> {
        let path = format!("/v1/transactions/*/{op}");
        let base = FaultRule {
            method: Some("POST".into()),
            path: Some(path),
            after: true,
            times: Some(1),
            ..Default::default()
        };
        if killing {
            return match self.next_percent() {
                // The answer held back after the operation took effect.
                0..=54 => Some(FaultRule {
                    latency_ms: Some(HOLD_MS),
                    ..base
                }),
                // The request held back before it takes effect.
                55..=84 => Some(FaultRule {
                    latency_ms: Some(HOLD_MS),
                    after: false,
                    ..base
                }),
                _ => None,
            };
        }
        match self.next_percent() {
            0..=14 => Some(FaultRule {
                status: Some(503),
                ..base
            }),
            15..=29 => Some(FaultRule { drop: true, ..base }),
            _ => None,
        }
    }

    fn next_percent(&mut self) -> u64 {
        self.rng.next() % 100
    }

    /// One sale: charge and follow (the customer pays from the sandbox), then capture or void,
    /// then refund a line (and sometimes an amount). Returns nothing; the end compares.
    fn sale(&mut self, known_sessions: &mut BTreeSet<String>) {
        self.counts.sales += 1;
        let card = if self.rng.chance(0.15) {
            CARD_DECLINED
        } else {
            CARD_OK
        };
        // Some customers pay with a method whose captures and refunds Dintero completes later.
        let product = self.rng.chance(0.3).then_some(ASYNC_PRODUCT);
        if product.is_some() {
            self.counts.async_sales += 1;
        }

        // 1. charge --wait, the customer paying as soon as the checkout exists.
        let charge_fault = self.rng.chance(0.4).then(|| FaultRule {
            method: Some("POST".into()),
            path: Some("/v1/sessions-profile".into()),
            after: true,
            latency_ms: Some(HOLD_MS),
            times: Some(1),
            ..Default::default()
        });
        let kill_at = self.rng.chance(0.5).then(|| self.rng.ms(0, 900));
        let pay_after = self.rng.ms(0, 200);
        if let Some(f) = charge_fault {
            self.w.control.set_faults(vec![f]);
        }
        let mut child = self
            .w
            .cmd(&["--json", "charge", "--order", "-", "--wait"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ORDER.as_bytes())
            .unwrap();
        let started = Instant::now();
        let mut session: Option<(String, Instant)> = None;
        let mut paid = false;
        let mut killed = false;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let status = loop {
            if session.is_none() {
                session = self
                    .w
                    .control
                    .sessions()
                    .iter()
                    .filter_map(|s| s["id"].as_str())
                    .find(|id| !known_sessions.contains(*id))
                    .map(|id| (id.to_owned(), Instant::now()));
            }
            if let Some((sid, seen)) = &session {
                if !paid && seen.elapsed() >= pay_after {
                    pay(&self.w, sid, card, product);
                    paid = true;
                }
            }
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if kill_at.is_some_and(|k| started.elapsed() >= k) {
                child.kill().unwrap();
                child.wait().unwrap();
                killed = true;
                break None;
            }
            assert!(started.elapsed() < PATIENCE, "charge --wait did not finish");
            std::thread::sleep(Duration::from_millis(1));
        };
        self.w.control.clear_faults();
        let (stdout, stderr) = (read_all(stdout), read_all(stderr));
        if killed {
            *self.counts.kills.entry("charge").or_default() += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        // The customer pays whatever happened to the counter.
        if session.is_none() {
            session = self
                .w
                .control
                .sessions()
                .iter()
                .filter_map(|s| s["id"].as_str())
                .find(|id| !known_sessions.contains(*id))
                .map(|id| (id.to_owned(), Instant::now()));
        }
        let Some((sid, _)) = session else {
            // Killed before the checkout existed: nothing at Dintero to lose.
            assert!(killed, "charge ended without a checkout: {stdout} {stderr}");
            self.counts.never_reached_dintero += 1;
            *self
                .counts
                .windows
                .entry("charge killed before the checkout existed".into())
                .or_default() += 1;
            self.restart();
            return;
        };
        known_sessions.insert(sid.clone());
        if !paid {
            pay(&self.w, &sid, card, product);
        }
        let reference = self.w.control.session(&sid).unwrap()["order"]["merchant_reference"]
            .as_str()
            .unwrap()
            .to_owned();
        self.log(format!("sale {reference} ({card}), session {sid}"));
        if killed {
            self.restart();
            let sale = self.show(&reference);
            let events: Vec<&Value> = sale["events"].as_array().unwrap().iter().collect();
            let logged = events.iter().any(|e| e["type"] == "session_created");
            let seen_paid = events.iter().any(|e| {
                e["type"] == "status_observed"
                    && e["source"] == "poll"
                    && !["waiting", "paying"].contains(&e["status"].as_str().unwrap_or(""))
            });
            let window = match (logged, seen_paid) {
                (false, _) => "charge killed after the checkout was created, answer lost",
                (true, false) => "charge killed while following the payment",
                (true, true) => "charge killed after the payment was seen",
            };
            *self.counts.windows.entry(window.to_owned()).or_default() += 1;
        } else {
            let code = status.and_then(|s| s.code());
            let expected = if card == CARD_OK { 0 } else { 3 };
            assert_eq!(
                code,
                Some(expected),
                "charge --wait with {card}: {stdout} {stderr}"
            );
        }
        let tx = self.w.sandbox_transaction_of(&sid).expect("a transaction");
        if tx["status"] != "AUTHORIZED" {
            return;
        }
        self.counts.paid += 1;

        // 2. capture (or, now and then, void), killed at a random moment.
        let void = self.rng.chance(0.15);
        let op = if void { "void" } else { "capture" };
        let kill_at = self.rng.chance(0.5).then(|| self.rng.ms(0, 500));
        let fault = self.op_fault(op, kill_at.is_some());
        self.operate_until_done(op, &["--json", op, &reference], fault, kill_at, |sale| {
            if void {
                sale["status"] == "voided"
            } else {
                sale["captured"] == ORDER_AMOUNT
            }
        });
        if void {
            return;
        }

        // 3. refund one coffee (a line), killed at a random moment; sometimes an amount too.
        let kill_at = self.rng.chance(0.5).then(|| self.rng.ms(0, 500));
        let fault = self.op_fault("refund", kill_at.is_some());
        self.operate_until_done(
            "refund",
            &["--json", "refund", &reference, "--line", "1:1"],
            fault,
            kill_at,
            |sale| sale["refunded"].as_i64().unwrap_or(0) >= 3900,
        );
        if self.rng.chance(0.3) {
            let kill_at = self.rng.chance(0.5).then(|| self.rng.ms(0, 500));
            let fault = self.op_fault("refund", kill_at.is_some());
            self.operate_until_done(
                "refund",
                &["--json", "refund", &reference, "--amount", "500"],
                fault,
                kill_at,
                |sale| sale["refunded"].as_i64().unwrap_or(0) >= 3900 + 500,
            );
        }
    }

    /// [`Chaos::operate`], for a method Dintero may complete later: an operation the log shows
    /// in flight counts as asked for (pressing again would be a second one); once Dintero has
    /// completed it (sync reads the completion), an operation whose completion failed is not
    /// done, and the cashier asks again, as Kasse shows.
    fn operate_until_done(
        &mut self,
        name: &'static str,
        args: &[&str],
        fault: Option<FaultRule>,
        kill_at: Option<Duration>,
        done: impl Fn(&Value) -> bool,
    ) {
        let reference = args[2].to_owned();
        let kind = if name == "refund" { "refund" } else { args[1] };
        // What a command printed lists its pending operations; `show`, all of them.
        let in_flight = |sale: &Value| {
            sale["operations"]
                .as_array()
                .or(sale["pending"].as_array())
                .into_iter()
                .flatten()
                .any(|o| o["kind"] == kind && o["state"] == "in_flight")
        };
        self.operate(name, args, fault, kill_at, |s| done(s) || in_flight(s));
        for _ in 0..6 {
            let sale = self.show(&reference);
            if !in_flight(&sale) {
                if done(&sale) {
                    return;
                }
            } else {
                self.counts.in_flight += 1;
                let sale = self.await_completions(&reference, in_flight);
                if done(&sale) {
                    return;
                }
                self.counts.failed_completions += 1;
                self.log(format!(
                    "  {name}: Dintero's completion failed; asked again"
                ));
            }
            let run = self.w.run(args);
            if !run.ok() {
                let (code, message) = run.json_error();
                panic!("{name} asked again: {code}: {message}");
            }
        }
        panic!("{name} of {reference} never got done");
    }

    /// Syncs until the sale has no operation in flight (Dintero completes them within
    /// [`ASYNC_DELAY`] of its clock, which runs in real time).
    fn await_completions(&mut self, reference: &str, in_flight: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..50 {
            std::thread::sleep(ASYNC_DELAY / 2);
            self.w.run(&["--json", "sync"]).one();
            let sale = self.show(reference);
            if !in_flight(&sale) {
                return sale;
            }
        }
        panic!("{reference}: an operation stayed in flight past Dintero's completion");
    }

    /// Runs an operation. When it was killed, the counter restarts one of two ways: `sync`
    /// and look, or (as an impatient cashier would) press the same button again at once; then
    /// it looks at the sale and tries again only what Kasse shows as not done.
    fn operate(
        &mut self,
        name: &'static str,
        args: &[&str],
        fault: Option<FaultRule>,
        kill_at: Option<Duration>,
        done: impl Fn(&Value) -> bool,
    ) {
        let reference = args[2];
        let kind = if name == "refund" { "refund" } else { args[1] };
        let ops_of = |sale: &Value| -> Vec<Value> {
            sale["operations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["kind"] == kind)
                .cloned()
                .collect()
        };
        let before = if kill_at.is_some() {
            ops_of(&self.show(reference)).len()
        } else {
            0
        };
        let step = self.step(name, args, fault, kill_at);
        let killed = matches!(step, Step::Killed);
        let mut settled = false;
        match step {
            Step::Exited(run) if run.ok() => {
                let sale = run.one();
                assert!(done(&sale), "{name} succeeded but the sale shows {sale}");
                return;
            }
            Step::Exited(run) => {
                let (code, message) = run.json_error();
                assert!(
                    ["outcome_unknown", "network", "dintero"].contains(&code.as_str()),
                    "{name}: {code}: {message}"
                );
                self.restart();
            }
            Step::Killed if self.rng.chance(0.5) => self.restart(),
            Step::Killed => {
                // No sync: the cashier looks at the sale in the log and, unless it shows the
                // operation done, gives the same command again. A refund that the log shows as
                // done is not repeated (that would be a second refund: Kasse cannot tell "again"
                // from "another"); one whose outcome the log does not know yet is settled first
                // by the command itself, which sends nothing when it turns out to have happened.
                let sale = self.show(reference);
                if done(&sale) {
                    self.log("  the log shows it done".into());
                    settled = true;
                } else {
                    self.counts.retries += 1;
                    let run = self.w.run(args);
                    self.log(format!(
                        "  the log shows it not done ({} captured, {} refunded): again: exit {:?} {}{}",
                        sale["captured"],
                        sale["refunded"],
                        run.code(),
                        run.stdout.trim(),
                        run.stderr.trim()
                    ));
                    if run.ok() {
                        let sale = run.one();
                        assert!(done(&sale), "{name} again, the sale shows {sale}");
                        settled = true;
                    } else {
                        let (code, message) = run.json_error();
                        assert_eq!(code, "invalid_state", "{name} again: {message}");
                    }
                }
            }
        }
        let sale = self.show(reference);
        if killed {
            let window = match ops_of(&sale).get(before) {
                None => "before its intent was logged",
                Some(o) if o["state"] == "reconciled" && o["applied"] == true => {
                    "after Dintero acted, answer lost"
                }
                Some(o) if o["state"] == "reconciled" => "after the intent, before Dintero acted",
                Some(_) => "after the outcome was logged",
            };
            *self
                .counts
                .windows
                .entry(format!("{kind} killed {window}"))
                .or_default() += 1;
        }
        if settled {
            return;
        }
        let sale = self.settle_pending(reference, sale);
        let pending = sale["operations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["state"] == "requested" || o["state"] == "unknown");
        assert!(!pending, "an operation was left pending: {sale}");
        if done(&sale) {
            return;
        }
        self.counts.retries += 1;
        self.log(format!(
            "  Kasse shows it not done ({} captured, {} refunded): {args:?} again",
            sale["captured"], sale["refunded"]
        ));
        let sale = self.w.run(args).one();
        assert!(done(&sale), "{name} retried, the sale shows {sale}");
    }
}

fn read_all(r: Option<impl std::io::Read>) -> String {
    let mut s = String::new();
    if let Some(mut r) = r {
        let _ = r.read_to_string(&mut s);
    }
    s
}

#[test]
fn sigkill_at_random_points_loses_no_sale_and_applies_no_operation_twice() {
    let seed = std::env::var("KASSE_CHAOS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let sales: u32 = std::env::var("KASSE_CHAOS_SALES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(10);
    println!("crash suite: seed {seed} (KASSE_CHAOS_SEED={seed} replays it), {sales} sales");

    let mut w = World::new();
    w.extra_env = vec![
        // Kasse refuses a grace shorter than its request timeout: both short, so that an
        // operation whose answer a kill lost is decided a second after it was asked.
        (
            "KASSE_RECONCILE_GRACE_SECS".into(),
            GRACE.as_secs().to_string(),
        ),
        ("KASSE_TIMEOUT_SECS".into(), GRACE.as_secs().to_string()),
    ];
    w.control
        .set_behaviour(
            Some(ASYNC_PRODUCT),
            dintero_sandbox::Behaviour {
                async_operations: Some(dintero_sandbox::AsyncOperations {
                    delay: ASYNC_DELAY,
                    fail_probability: 0.25,
                }),
                ..Default::default()
            },
        )
        .unwrap();
    let mut chaos = Chaos {
        w,
        rng: Rng::new(seed),
        counts: Counts::default(),
        trace: Vec::new(),
    };
    let mut known = BTreeSet::new();
    let started = Instant::now();
    for _ in 0..sales {
        chaos.sale(&mut known);
    }

    // The end of the day: one more sync after the grace (and Dintero's last completions), then
    // Kasse's log against the sandbox's record.
    std::thread::sleep(GRACE.max(ASYNC_DELAY));
    chaos.w.run(&["--json", "sync"]).one();
    let listed = chaos
        .w
        .run(&["--json", "transactions", "--limit", "1000000"])
        .json_ok();
    let (with_tx, without_tx): (Vec<Value>, Vec<Value>) = listed
        .into_iter()
        .partition(|s| s["transaction_id"].is_string());
    let kasse: BTreeMap<String, Value> = with_tx
        .iter()
        .map(|s| (s["transaction_id"].as_str().unwrap().to_owned(), s.clone()))
        .collect();
    let sandbox = chaos.w.control.transactions();
    let c = &mut chaos.counts;
    if kasse.len() != with_tx.len() {
        c.mismatches += 1;
        c.problems.push(format!(
            "{} sales share {} transactions",
            with_tx.len(),
            kasse.len()
        ));
    }
    // A sale left without its payment while Dintero has one for its reference was not linked.
    for s in &without_tx {
        if sandbox
            .iter()
            .any(|t| t["merchant_reference"] == s["merchant_reference"])
        {
            c.mismatches += 1;
            c.problems.push(format!(
                "{} is {} in the log without the payment Dintero has for it",
                s["merchant_reference"], s["status"]
            ));
        }
    }
    for tx in &sandbox {
        let id = tx["id"].as_str().unwrap();
        let captured = sum_of(tx, "CAPTURE");
        let refunded = sum_of(tx, "REFUND");
        // Duplicates: a reference applied twice, more than one capture, the line refunded twice,
        // more refunded than captured.
        let mut references = BTreeSet::new();
        for e in events(tx) {
            if let Some(r) = e["event_reference"].as_str() {
                if !references.insert((e["event"].as_str().unwrap_or("").to_owned(), r)) {
                    c.duplicates += 1;
                    c.problems.push(format!("{id}: {r} applied twice"));
                }
            }
        }
        let captures = events(tx).filter(|e| e["event"] == "CAPTURE").count();
        let line_refunds = events(tx)
            .filter(|e| e["event"] == "REFUND" && e["amount"] == 3900)
            .count();
        let amount_refunds = events(tx)
            .filter(|e| e["event"] == "REFUND" && e["amount"] == 500)
            .count();
        if captures > 1 || line_refunds > 1 || amount_refunds > 1 || refunded > captured {
            c.duplicates += 1;
            c.problems.push(format!(
                "{id}: {captures} captures, {line_refunds} line refunds, {amount_refunds} amount refunds, refunded {refunded} of {captured}\n    Dintero: {}\n    Kasse:   {}",
                events(tx)
                    .map(|e| format!("{} {} {}", e["event"], e["event_reference"], e["amount"]))
                    .collect::<Vec<_>>()
                    .join(", "),
                chaos.w.run(&["--json", "show", id]).json_ok().first().map_or(String::new(), |d| d["operations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| format!("{} {} {} applied={} {}", o["kind"], o["reference"], o["state"], o["applied"], o["error"]))
                    .collect::<Vec<_>>()
                    .join(", "))
            ));
        }
        let Some(sale) = kasse.get(id) else {
            c.lost += 1;
            c.problems
                .push(format!("{id} ({}) is not in the log", tx["status"]));
            continue;
        };
        let status = SaleStatus::from_dintero(tx["status"].as_str().unwrap());
        if sale["status"] != status.as_str()
            || sale["captured"] != captured
            || sale["refunded"] != refunded
        {
            c.mismatches += 1;
            c.problems.push(format!(
                "{id}: Dintero {} captured {captured} refunded {refunded}; Kasse {} captured {} refunded {}",
                tx["status"], sale["status"], sale["captured"], sale["refunded"]
            ));
        }
    }
    let at_dintero: BTreeSet<&str> = sandbox.iter().filter_map(|t| t["id"].as_str()).collect();
    for id in kasse.keys() {
        if !at_dintero.contains(id.as_str()) {
            c.mismatches += 1;
            c.problems
                .push(format!("{id} is in the log but not at Dintero"));
        }
    }
    let verify = chaos.w.run(&["--json", "journal", "verify"]);
    if !verify.ok() {
        c.mismatches += 1;
        c.problems
            .push(format!("journal verify failed: {}", verify.stdout));
    }

    let summary = json!({
        "seed": seed,
        "sales": c.sales,
        "paid": c.paid,
        "transactions_at_dintero": sandbox.len(),
        "kills": c.kills_total(),
        "kills_by_step": c.kills,
        "kills_by_window": c.windows,
        "retries": c.retries,
        "never_reached_dintero": c.never_reached_dintero,
        "async_sales": c.async_sales,
        "operations_seen_in_flight": c.in_flight,
        "failed_completions": c.failed_completions,
        "sales_without_payment_in_log": without_tx.len(),
        "lost": c.lost,
        "duplicates": c.duplicates,
        "mismatches": c.mismatches,
        "seconds": started.elapsed().as_secs_f64(),
    });
    println!("crash suite: {summary}");
    for p in &c.problems {
        println!("  {p}");
        // The steps of the sale it is about.
        let mut inside = false;
        for line in &chaos.trace {
            if let Some(rest) = line.strip_prefix("sale ") {
                let reference = rest.split_whitespace().next().unwrap_or("");
                inside = p.contains(reference);
            }
            if inside {
                println!("      {line}");
            }
        }
    }
    if let Ok(path) = std::env::var("KASSE_CHAOS_REPORT") {
        std::fs::write(&path, format!("{summary}\n")).expect("write the report");
    }
    assert_eq!(
        (c.lost, c.duplicates, c.mismatches),
        (0, 0, 0),
        "seed {seed}: {:#?}",
        c.problems
    );
}

fn events(tx: &Value) -> impl Iterator<Item = &Value> {
    tx["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["success"] == true)
}

fn sum_of(tx: &Value, name: &str) -> i64 {
    events(tx)
        .filter(|e| e["event"] == name)
        .map(|e| e["amount"].as_i64().unwrap_or(0))
        .sum()
}
