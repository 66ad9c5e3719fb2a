//! The crash suite's machinery: a seeded random source, the counts, and [`Chaos`], which runs
//! one `kasse-cli` step at a time (SIGKILLing it at a chosen moment, with a sandbox fault set for
//! its duration) and restarts the counter the way a person would after a kill.

use std::collections::BTreeMap;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use dintero_sandbox::FaultRule;
use serde_json::Value;

use super::{GRACE, HOLD_MS};
use crate::common::*;

/// The customer pays: with a card, or with `product`.
pub(super) fn pay(w: &World, sid: &str, card: &str, product: Option<&str>) {
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
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
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
    pub(super) fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub(super) fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

#[derive(Debug, Default)]
pub(super) struct Counts {
    pub(super) sales: u32,
    pub(super) paid: u32,
    pub(super) kills: BTreeMap<&'static str, u32>,
    /// Where the kills landed, from what the log showed after the restart.
    pub(super) windows: BTreeMap<String, u32>,
    pub(super) retries: u32,
    pub(super) never_reached_dintero: u32,
    /// Sales paid with a method whose operations Dintero accepts (202) and completes later.
    pub(super) async_sales: u32,
    /// Operations the log showed in flight (accepted by Dintero, not completed yet).
    pub(super) in_flight: u32,
    /// Accepted operations whose completion failed at Dintero (then asked for again).
    pub(super) failed_completions: u32,
    pub(super) lost: u32,
    pub(super) duplicates: u32,
    pub(super) mismatches: u32,
    pub(super) problems: Vec<String>,
}

impl Counts {
    pub(super) fn kills_total(&self) -> u32 {
        self.kills.values().sum()
    }

    /// A kill that landed in `window` (what the log showed after the restart).
    pub(super) fn window(&mut self, window: &str) {
        *self.windows.entry(window.to_owned()).or_default() += 1;
    }

    pub(super) fn count_lost(&mut self, problem: String) {
        self.lost += 1;
        self.problems.push(problem);
    }

    pub(super) fn count_duplicate(&mut self, problem: String) {
        self.duplicates += 1;
        self.problems.push(problem);
    }

    pub(super) fn count_mismatch(&mut self, problem: String) {
        self.mismatches += 1;
        self.problems.push(problem);
    }
}

/// Whether a sale (`show`) has an operation whose outcome Kasse is still checking.
pub(super) fn has_pending(sale: &Value) -> bool {
    sale["operations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["state"] == "requested" || o["state"] == "unknown")
}

/// Waits for a child while `tick` runs every millisecond; SIGKILLs it at `kill_at` (when it is
/// still running then). The exit status, or `None` when it was killed.
pub(super) fn supervise(
    child: &mut Child,
    kill_at: Option<Duration>,
    mut tick: impl FnMut(),
) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        tick();
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if kill_at.is_some_and(|k| started.elapsed() >= k) {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
            return None;
        }
        assert!(started.elapsed() < PATIENCE, "kasse-cli did not finish");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What is left to read of a child's stdout or stderr.
pub(super) fn read_all(r: Option<impl std::io::Read>) -> String {
    let mut s = String::new();
    if let Some(mut r) = r {
        let _ = r.read_to_string(&mut s);
    }
    s
}

/// How a step ended.
pub(super) enum Step {
    Killed,
    Exited(Run),
}

pub(super) struct Chaos {
    pub(super) w: World,
    pub(super) rng: Rng,
    pub(super) counts: Counts,
    /// What happened, step by step (printed for the sales with a problem).
    pub(super) trace: Vec<String>,
}

impl Chaos {
    pub(super) fn log(&mut self, line: String) {
        if std::env::var_os("KASSE_CHAOS_VERBOSE").is_some() {
            println!("{line}");
        }
        self.trace.push(line);
    }

    /// Runs `kasse-cli ARGS` with `fault` set for its duration, SIGKILLing it at `kill_at`
    /// (when it is still running then). After a kill, waits out `settle` so that a request the
    /// dead process had sent has landed before anyone looks (the reconcile grace, [`GRACE`],
    /// keeps Kasse from deciding earlier; the suite waits it out when Kasse says so).
    pub(super) fn step(
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
        let result = supervise(&mut child, kill_at, || {});
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
    pub(super) fn restart(&mut self) {
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
    pub(super) fn settle_pending(&mut self, id: &str, mut sale: Value) -> Value {
        for _ in 0..5 {
            if !has_pending(&sale) {
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
    pub(super) fn show(&self, id: &str) -> Value {
        self.w.run(&["--json", "show", id]).one()
    }

    /// A random operation fault: most often an answer held back after the operation took
    /// effect (the window a kill aims at); sometimes a lost answer without a kill.
    pub(super) fn op_fault(&mut self, op: &str, killing: bool) -> Option<FaultRule> {
        let path = format!("/v1/transactions/*/{op}");
        let base = FaultRule {
            after: true,
            ..post_once(&path)
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

    pub(super) fn next_percent(&mut self) -> u64 {
        self.rng.next() % 100
    }
}
