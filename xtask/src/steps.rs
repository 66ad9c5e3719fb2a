//! The steps behind `cargo xtask run` and `cargo xtask test`.

use crate::setup::{self, Purpose};
use anyhow::{bail, Context, Result};
use std::process::Command;
use std::time::Instant;

/// The packages whose tests run together in one `cargo test` (same features, one build).
const CORE_PACKAGES: &[&str] = &[
    "dintero-client",
    "dintero-sandbox",
    "kasse-core",
    "kasse-cli",
    "xtask",
];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a command, echoing it first, and fails with its name if it fails.
fn sh(label: &str, mut cmd: Command) -> Result<()> {
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("xtask: [{label}] $ {shown}");
    let started = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    println!(
        "xtask: [{label}] {} in {:.1} s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if !status.success() {
        bail!("step `{label}` failed: `{shown}` exited with {status}");
    }
    Ok(())
}

/// `cargo xtask run`: set up, build, and start Kasse.
pub fn run(args: &[String]) -> Result<()> {
    setup::ensure(Purpose::Run)?;
    let mut cmd = cargo();
    cmd.args(["run", "--release", "-p", "dintero-sandbox", "--"]);
    if args.is_empty() {
        cmd.args(["--listen", "127.0.0.1:8787", "--demo-session"]);
    } else {
        cmd.args(args);
    }
    sh("run", cmd)
}

/// `cargo xtask test`: set up, then formatting, lints and every test.
pub fn test(args: &[String]) -> Result<()> {
    let started = Instant::now();
    setup::ensure(Purpose::Test)?;

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    sh("fmt", fmt)?;

    let mut clippy = cargo();
    clippy.args(["clippy", "--all-targets", "--locked"]);
    for p in CORE_PACKAGES {
        clippy.args(["-p", p]);
    }
    clippy.args(["--", "-D", "warnings"]);
    sh("clippy", clippy)?;

    let mut tests = cargo();
    tests.args(["test", "--locked"]);
    for p in CORE_PACKAGES {
        tests.args(["-p", p]);
    }
    tests.args(args);
    sh("tests", tests)?;

    println!(
        "xtask: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
