//! Figure group 6, the sandbox: session creations per second, the load coming from a second process.
//!
//! The release `dintero-sandbox` binary runs as its own process; this process sends
//! `POST /v1/sessions-profile` (the realistic three-line order) over several keep-alive
//! connections as fast as the answers come. Both share the machine's cores, as they would on a
//! developer's laptop.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::common::{self, fmt_value, median, noise, Goal, SandboxProcess, Section};

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
}

pub fn run(opts: &Opts) -> Result<Section> {
    common::runtime()?.block_on(measure(opts))
}

async fn one_run(secs: f64, connections: usize) -> Result<(f64, u64)> {
    // A fresh sandbox per run: it keeps every session in memory.
    let sandbox = SandboxProcess::start()?;
    let base = sandbox.base_url.clone();
    let token = common::access_token(&reqwest::Client::new(), &base).await?;
    let body = serde_json::to_vec(&common::session_request()?)?;
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    // Warm-up: open the connections.
    let start_at = Instant::now() + Duration::from_millis(300);
    let deadline = start_at + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (base, token, body, done, failed) = (
            base.clone(),
            token.clone(),
            body.clone(),
            done.clone(),
            failed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .no_proxy()
                .tcp_nodelay(true)
                .build()?;
            let url = format!("{base}/v1/sessions-profile");
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .header("dintero-feature-toggles", "strict-session-amounts")
                    .body(body.clone())
                    .send()
                    .await?;
                let ok = r.status() == 200;
                r.bytes().await?;
                if now >= start_at {
                    if ok {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let failed = failed.load(Ordering::Relaxed);
    if failed > 0 {
        bail!("{failed} session creations failed");
    }
    drop(sandbox);
    Ok((
        done.load(Ordering::Relaxed) as f64 / secs,
        done.load(Ordering::Relaxed),
    ))
}

async fn measure(opts: &Opts) -> Result<Section> {
    let (runs, secs) = if opts.quick { (3, 2.0) } else { (5, 5.0) };
    let connections = 8;
    let mut rates = Vec::new();
    for _ in 0..runs {
        rates.push(one_run(secs, connections).await?.0);
    }
    let mut s = Section::new("6. Sandbox");
    let m = median(&rates);
    s.target(
        "sandbox.sessions_per_s",
        "Sandbox: session creations per second, load from a second process (median)",
        m,
        "sessions/s",
        Goal::at_least(5000.0, "≥ 5,000"),
        format!(
            "{runs} runs × {secs} s, {connections} keep-alive connections from this process (reqwest, 2 worker threads) to the release dintero-sandbox binary (a fresh process per run); runs: {}; both processes share the cores; {}",
            rates
                .iter()
                .map(|r| fmt_value(*r))
                .collect::<Vec<_>>()
                .join(", "),
            noise()
        ),
    );
    Ok(s)
}
