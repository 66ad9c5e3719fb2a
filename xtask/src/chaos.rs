//! `cargo xtask chaos`: the long versions of the reliability suites (DESIGN.md §6).
//!
//! 1. The crash suite (`crates/kasse-cli/tests/it/crash/`: `--test it crash::`):
//!    `KASSE_CHAOS_SALES` sales through the real `kasse-cli`, SIGKILLed at random points,
//!    restarted and synced, then compared with the sandbox's record (its counts also go to
//!    `target/chaos/crash.json`).
//! 2. The fault suite (`crates/kasse-core/tests/faults/`): `KASSE_FAULT_SALES` sales with a
//!    fifth of all sandbox answers failing, two engines on one log, and a share of payments
//!    whose operations Dintero completes later: here up to `KASSE_FAULT_ASYNC_MAX_S` = 120 s of
//!    simulated time (the default run: 30 s).
//!
//! Both print their counts; this prints them again together at the end. A seed given in the
//! environment (`KASSE_CHAOS_SEED`, `KASSE_FAULT_SEED`) replays a run.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const USAGE: &str =
    "usage: cargo xtask chaos [--crash-sales N] [--fault-sales N] [--only crash|faults]";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// One suite: `cargo test -p PACKAGE --test TEST -- --nocapture [FILTER]` with `env`, its
/// output passed through; returns the summary lines (those starting with `prefix`, and the
/// indented lines right after them).
fn suite(
    label: &str,
    package: &str,
    (test, filter): (&str, Option<&str>),
    env: &[(&str, String)],
    prefix: &str,
) -> Result<Vec<String>> {
    println!("\n== {label}");
    let started = Instant::now();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root())
        .args(["test", "-p", package, "--test", test, "--", "--nocapture"])
        .args(filter)
        .stdout(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
        println!("   {k}={v}");
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting cargo test for {label}"))?;
    let mut summary = Vec::new();
    let mut in_summary = false;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if line.starts_with(prefix) {
                in_summary = true;
                summary.push(line);
            } else if in_summary && line.starts_with("  ") {
                summary.push(line);
            } else {
                in_summary = false;
            }
        }
    }
    let status = child.wait()?;
    let took = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{label} failed ({status}) after {took:.0} s");
    }
    summary.push(format!("  ({label}: passed in {took:.0} s)"));
    Ok(summary)
}

pub fn chaos(args: &[String]) -> Result<()> {
    let mut crash_sales = 200u32;
    let mut fault_sales = 300u32;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<String> {
            it.next()
                .cloned()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--crash-sales" => crash_sales = value(a)?.parse().context(USAGE)?,
            "--fault-sales" => fault_sales = value(a)?.parse().context(USAGE)?,
            "--only" => only = Some(value(a)?),
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let mut summary = Vec::new();
    if run("crash") {
        let report = root().join("target/chaos/crash.json");
        if let Some(dir) = report.parent() {
            std::fs::create_dir_all(dir)?;
        }
        summary.extend(suite(
            "crash suite (kasse-cli, SIGKILL at random points)",
            "kasse-cli",
            ("it", Some("crash::")),
            &[
                ("KASSE_CHAOS_SALES", crash_sales.to_string()),
                ("KASSE_CHAOS_REPORT", report.display().to_string()),
            ],
            "crash suite:",
        )?);
    }
    if run("faults") {
        summary.extend(suite(
            "fault suite (kasse-core, a fifth of all answers failing, async operations, two engines)",
            "kasse-core",
            ("faults", None),
            &[
                ("KASSE_FAULT_SALES", fault_sales.to_string()),
                // Completions up to two minutes of Dintero's (simulated) time.
                ("KASSE_FAULT_ASYNC_MAX_S", "120".to_string()),
            ],
            "fault suite:",
        )?);
    }
    println!("\n== chaos: the counts");
    for line in summary {
        println!("{line}");
    }
    Ok(())
}
