//! `cargo xtask bench [--quick]`: every target of DESIGN.md §5, measured the same way every time.
//!
//! Installs what is missing, builds in release mode (the UI, the desktop app, a blank Tauri
//! window to compare it with, the sandbox and the bench itself), prepares a Python venv with
//! Dintero's SDK, then runs each figure group of `kasse-bench` in its own process and merges the
//! results into `target/bench/summary.json` and the tables of BENCHMARKS.md. A group that fails is
//! reported as not measured; the others still run. The code that measures is in
//! `crates/kasse-bench` (see its README).

use crate::setup::{self, Purpose};
use crate::steps::{build_ui, cargo, root, sh};
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The figure groups, in DESIGN.md §5's order.
const GROUPS: &[&str] = &["client", "charge", "paid", "log", "app", "sandbox"];

/// The Python SDK version compared with (pinned so runs compare).
const DINTERO_PY: &str = "dintero==0.0.9";

/// Creates `target/bench/venv` with Dintero's SDK; `None` (with a warning) when that fails.
fn python_venv(dir: &Path) -> Option<std::path::PathBuf> {
    let python = dir.join("bin/python");
    let ready = dir.join(".dintero-installed");
    if python.exists() && ready.exists() {
        return Some(python);
    }
    let made = sh("venv", {
        let mut c = Command::new("python3");
        c.arg("-m").arg("venv").arg("--clear").arg(dir);
        c
    })
    .and_then(|()| {
        sh("python sdk", {
            let mut c = Command::new(&python);
            c.args(["-m", "pip", "install", "--quiet", DINTERO_PY]);
            c
        })
    })
    .and_then(|()| Ok(std::fs::write(&ready, DINTERO_PY)?));
    match made {
        Ok(()) => Some(python),
        Err(e) => {
            println!("xtask: WARNING: no Python SDK venv ({e:#}); the SDK comparison is skipped");
            None
        }
    }
}

pub fn bench(args: &[String]) -> Result<()> {
    let mut quick = false;
    for a in args {
        match a.as_str() {
            "--quick" => quick = true,
            other => bail!("cargo xtask bench: unknown argument `{other}` (only --quick)"),
        }
    }
    let started = Instant::now();
    let root = root();
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out)?;
    setup::ensure(Purpose::Bench)?;

    // Builds: release, as Kasse ships.
    build_ui(false)?;
    let release = |what: &str, args: &[&str]| {
        let mut c = cargo();
        c.args(["build", "--release", "--locked"]).args(args);
        sh(what, c)
    };
    release(
        "build bench",
        &["-p", "kasse-bench", "-p", "dintero-sandbox"],
    )?;
    release(
        "build app",
        &["-p", "kasse", "--features", "custom-protocol"],
    )?;
    // The blank window: its own workspace, Kasse's versions and release profile, same target/.
    let blank = root.join("crates/kasse-bench/blank-app");
    std::fs::copy(root.join("Cargo.lock"), blank.join("Cargo.lock"))
        .context("copying Cargo.lock to the blank app")?;
    let mut c = cargo();
    c.args(["build", "--release", "--features", "custom-protocol"])
        .arg("--manifest-path")
        .arg(blank.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target"));
    sh("build blank window", c)?;
    let python = python_venv(&out.join("venv"));
    let built = Instant::now();

    let bin = root.join("target/release/kasse-bench");
    let mut failed = Vec::new();
    for group in GROUPS {
        let mut c = Command::new(&bin);
        c.current_dir(&root);
        if quick {
            c.arg("--quick");
        }
        c.arg("--out").arg(&out).arg(group);
        match *group {
            "client" => {
                if let Some(p) = &python {
                    c.arg("--python").arg(p);
                }
            }
            "app" => {
                c.arg("--kasse-bin")
                    .arg(root.join("target/release/kasse"))
                    .arg("--blank-bin")
                    .arg(root.join("target/release/blank-app"));
            }
            _ => {}
        }
        if let Err(e) = sh(&format!("bench {group}"), c) {
            println!("xtask: {e:#} (continuing with the other groups)");
            failed.push(*group);
        }
    }

    let mut c = Command::new(&bin);
    c.current_dir(&root);
    if quick {
        c.arg("--quick");
    }
    c.arg("--out")
        .arg(&out)
        .arg("report")
        .arg("--markdown")
        .arg(root.join("BENCHMARKS.md"))
        .arg("--sections")
        .arg(GROUPS.join(","));
    sh("bench report", c)?;

    println!(
        "xtask: bench {} in {:.1} min ({:.1} min of set-up and builds, {:.1} min measuring)",
        if quick { "--quick" } else { "(full)" },
        started.elapsed().as_secs_f64() / 60.0,
        (built - started).as_secs_f64() / 60.0,
        built.elapsed().as_secs_f64() / 60.0
    );
    if !failed.is_empty() {
        bail!("not measured: {} (see above)", failed.join(", "));
    }
    Ok(())
}
