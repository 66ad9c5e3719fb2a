//! One sale of the crash suite: `charge --wait` (the customer paying from the sandbox), then
//! capture or void, then a line refund and sometimes an amount, each SIGKILLed at a random
//! moment and followed by what the cashier would do next.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use dintero_sandbox::FaultRule;
use serde_json::Value;

use super::chaos::{has_pending, pay, read_all, supervise, Chaos, Step};
use super::{ASYNC_DELAY, ASYNC_PRODUCT, HOLD_MS};
use crate::common::*;

impl Chaos {
    /// One sale: charge and follow, then capture or void, then refund a line (and sometimes an
    /// amount). Returns nothing; the end of the day compares.
    pub(super) fn sale(&mut self, known_sessions: &mut BTreeSet<String>) {
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
        let Some((sid, reference)) = self.charge(card, product, known_sessions) else {
            return;
        };
        let tx = self.w.sandbox_transaction_of(&sid).expect("a transaction");
        if tx["status"] != "AUTHORIZED" {
            return;
        }
        self.counts.paid += 1;

        // 2. capture (or, now and then, void).
        let void = self.rng.chance(0.15);
        self.operate_until_done(
            if void { "void" } else { "capture" },
            &reference,
            &[],
            |sale| {
                if void {
                    sale["status"] == "voided"
                } else {
                    sale["captured"] == ORDER_AMOUNT
                }
            },
        );
        if void {
            return;
        }

        // 3. refund one coffee (a line); sometimes an amount too.
        self.operate_until_done("refund", &reference, &["--line", "1:1"], |sale| {
            sale["refunded"].as_i64().unwrap_or(0) >= 3900
        });
        if self.rng.chance(0.3) {
            self.operate_until_done("refund", &reference, &["--amount", "500"], |sale| {
                sale["refunded"].as_i64().unwrap_or(0) >= 3900 + 500
            });
        }
    }

    /// Step 1, `charge --wait`, killed at a random moment, the customer paying (with `card`, or
    /// with `product`) as soon as the checkout exists, whatever happens to the counter. The new
    /// session's id and merchant reference; `None` when the kill came before it existed.
    fn charge(
        &mut self,
        card: &str,
        product: Option<&str>,
        known_sessions: &mut BTreeSet<String>,
    ) -> Option<(String, String)> {
        let charge_fault = self.rng.chance(0.4).then(|| FaultRule {
            after: true,
            latency_ms: Some(HOLD_MS),
            ..post_once("/v1/sessions-profile")
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
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let w = &self.w;
        let new_session = || {
            w.new_session(known_sessions)
                .map(|s| s["id"].as_str().unwrap().to_owned())
        };
        let mut session: Option<(String, Instant)> = None;
        let mut paid = false;
        let status = supervise(&mut child, kill_at, || {
            if session.is_none() {
                session = new_session().map(|id| (id, Instant::now()));
            }
            if let Some((sid, seen)) = &session {
                if !paid && seen.elapsed() >= pay_after {
                    pay(w, sid, card, product);
                    paid = true;
                }
            }
        });
        let killed = status.is_none();
        w.control.clear_faults();
        let (stdout, stderr) = (read_all(stdout), read_all(stderr));
        if killed {
            *self.counts.kills.entry("charge").or_default() += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        // The customer pays whatever happened to the counter.
        let Some(sid) = session.map(|(sid, _)| sid).or_else(new_session) else {
            // Killed before the checkout existed: nothing at Dintero to lose.
            assert!(killed, "charge ended without a checkout: {stdout} {stderr}");
            self.counts.never_reached_dintero += 1;
            self.counts
                .window("charge killed before the checkout existed");
            self.restart();
            return None;
        };
        known_sessions.insert(sid.clone());
        if !paid {
            pay(&self.w, &sid, card, product);
        }
        let reference = reference_of(&self.w.control.session(&sid).unwrap());
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
            self.counts.window(match (logged, seen_paid) {
                (false, _) => "charge killed after the checkout was created, answer lost",
                (true, false) => "charge killed while following the payment",
                (true, true) => "charge killed after the payment was seen",
            });
        } else {
            let expected = if card == CARD_OK { 0 } else { 3 };
            assert_eq!(
                status.and_then(|s| s.code()),
                Some(expected),
                "charge --wait with {card}: {stdout} {stderr}"
            );
        }
        Some((sid, reference))
    }

    /// `--json KIND REFERENCE EXTRA…` (`capture`, `void`, `refund`), killed at a random moment
    /// half of the time, with a random fault ([`Chaos::operate`]), until `done` says the sale
    /// shows it done. For a method Dintero may complete later, an operation the log shows in
    /// flight counts as asked for (pressing again would be a second one); once Dintero has
    /// completed it (sync reads the completion), an operation whose completion failed is not
    /// done, and the cashier asks again, as Kasse shows.
    fn operate_until_done(
        &mut self,
        kind: &'static str,
        reference: &str,
        extra: &[&str],
        done: impl Fn(&Value) -> bool,
    ) {
        let kill_at = self.rng.chance(0.5).then(|| self.rng.ms(0, 500));
        let fault = self.op_fault(kind, kill_at.is_some());
        let args: Vec<&str> = ["--json", kind, reference]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        // What a command printed lists its pending operations; `show`, all of them.
        let in_flight = |sale: &Value| {
            sale["operations"]
                .as_array()
                .or(sale["pending"].as_array())
                .into_iter()
                .flatten()
                .any(|o| o["kind"] == kind && o["state"] == "in_flight")
        };
        self.operate(kind, &args, fault, kill_at, |s| done(s) || in_flight(s));
        for _ in 0..6 {
            let sale = self.show(reference);
            if !in_flight(&sale) {
                if done(&sale) {
                    return;
                }
            } else {
                self.counts.in_flight += 1;
                let sale = self.await_completions(reference, in_flight);
                if done(&sale) {
                    return;
                }
                self.counts.failed_completions += 1;
                self.log(format!(
                    "  {kind}: Dintero's completion failed; asked again"
                ));
            }
            let run = self.w.run(&args);
            if !run.ok() {
                let (code, message) = run.json_error();
                panic!("{kind} asked again: {code}: {message}");
            }
        }
        panic!("{kind} of {reference} never got done");
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
        kind: &'static str,
        args: &[&str],
        fault: Option<FaultRule>,
        kill_at: Option<Duration>,
        done: impl Fn(&Value) -> bool,
    ) {
        let reference = args[2];
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
        let step = self.step(kind, args, fault, kill_at);
        let killed = matches!(step, Step::Killed);
        let mut settled = false;
        match step {
            Step::Exited(run) if run.ok() => {
                let sale = run.one();
                assert!(done(&sale), "{kind} succeeded but the sale shows {sale}");
                return;
            }
            Step::Exited(run) => {
                let (code, message) = run.json_error();
                assert!(
                    ["outcome_unknown", "network", "dintero"].contains(&code.as_str()),
                    "{kind}: {code}: {message}"
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
                        assert!(done(&sale), "{kind} again, the sale shows {sale}");
                        settled = true;
                    } else {
                        run.refused("invalid_state");
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
            self.counts.window(&format!("{kind} killed {window}"));
        }
        if settled {
            return;
        }
        let sale = self.settle_pending(reference, sale);
        assert!(!has_pending(&sale), "an operation was left pending: {sale}");
        if done(&sale) {
            return;
        }
        self.counts.retries += 1;
        self.log(format!(
            "  Kasse shows it not done ({} captured, {} refunded): {args:?} again",
            sale["captured"], sale["refunded"]
        ));
        let sale = self.w.run(args).one();
        assert!(done(&sale), "{kind} retried, the sale shows {sale}");
    }
}
