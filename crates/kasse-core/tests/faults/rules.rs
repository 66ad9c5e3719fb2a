//! The sandbox's fault rules: a fifth of every path's answers fail, and the async products'
//! completion delays, drawn again and again while the cashiers sell.

use std::sync::Arc;
use std::time::Duration;

use dintero_sandbox::{AsyncOperations, Control, FaultRule};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::task::JoinHandle;

use crate::{ASYNC_FAIL, ASYNC_PRODUCTS, FAULT_RATE, LATENCY_MS};

/// A fault of one kind on one path, firing with probability `p`.
fn fault(method: &str, path: &str, p: f64, kind: &str) -> FaultRule {
    let mut r = FaultRule {
        probability: Some(p),
        ..FaultRule::on(method, path)
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
pub fn fault_rules() -> Vec<FaultRule> {
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

/// One fault on one path, once.
pub fn once(method: &str, path: &str, effect: impl FnOnce(&mut FaultRule)) -> FaultRule {
    let mut r = FaultRule {
        times: Some(1),
        ..FaultRule::on(method, path)
    };
    effect(&mut r);
    r
}

/// How long Dintero takes to complete an accepted operation: mostly a moment of real time
/// (50–800 ms; the sandbox's clock runs in real time), and with a chance of 15% from 5 s up to
/// `longest` of simulated time, which the run reaches only when the clock keeper moves the
/// sandbox's clock on.
pub fn completion_delay(rng: &mut StdRng, longest: Duration) -> Duration {
    let long_from = Duration::from_secs(5).min(longest);
    if rng.gen_bool(0.15) && longest > long_from {
        Duration::from_millis(
            rng.gen_range(long_from.as_millis() as u64..=longest.as_millis() as u64),
        )
    } else {
        Duration::from_millis(rng.gen_range(50..=800))
    }
}

/// Every 100 ms, each async product gets a new completion delay (an operation keeps the delay
/// it was accepted with), failing with probability [`ASYNC_FAIL`]; the built-in rules of each
/// product (items required for Instabank and Collector) are kept.
pub fn roll_delays(control: Control, seed: u64, longest: Duration) -> JoinHandle<()> {
    let control = Arc::new(control);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00de_1a75);
    let set = move |rng: &mut StdRng| {
        for product in ASYNC_PRODUCTS {
            let mut b = control.behaviour(Some(product)).expect("known product");
            b.async_operations = Some(AsyncOperations {
                delay: completion_delay(rng, longest),
                fail_probability: ASYNC_FAIL,
            });
            control.set_behaviour(Some(product), b).expect("behaviour");
        }
    };
    set(&mut rng);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            set(&mut rng);
        }
    })
}
