//! The steps behind `cargo xtask run` and `cargo xtask test`.

use crate::setup::{self, Purpose};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Packages without Tauri whose tests run together in one `cargo test` (one build).
const CORE_PACKAGES: &[&str] = &[
    "dintero-client",
    "dintero-sandbox",
    "kasse-core",
    "kasse-cli",
    "kasse-build-info",
    "xtask",
];

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn npm(args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.args(args).current_dir(root().join("ui"));
    c
}

/// Runs a command, echoing it first, and fails with its name if it fails.
pub(crate) fn sh(label: &str, mut cmd: Command) -> Result<()> {
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

/// Installs the UI's dependencies (when the lock file changed) and builds `ui/dist`.
pub(crate) fn build_ui(checks: bool) -> Result<()> {
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if !fresh {
        sh("ui deps", npm(&["ci", "--no-audit", "--no-fund"]))?;
    }
    if checks {
        sh("ui check", npm(&["run", "check"]))?;
        sh("ui tests", npm(&["test"]))?;
    }
    sh("ui build", npm(&["run", "build"]))
}

/// `cargo xtask ui`: build the web UI only.
pub fn ui() -> Result<()> {
    setup::ensure(Purpose::Run)?;
    build_ui(false)
}

/// `cargo xtask run`: set up, build, and start Kasse.
pub fn run(args: &[String]) -> Result<()> {
    setup::ensure(Purpose::Run)?;
    build_ui(false)?;
    let mut cmd = cargo();
    cmd.args(["run", "-p", "kasse", "--"]);
    cmd.args(args);
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        println!(
            "xtask: no display found; starting Kasse under xvfb-run (install xvfb if missing)"
        );
        let mut wrapped = Command::new("xvfb-run");
        wrapped
            .args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .current_dir(root());
        return sh("run", wrapped);
    }
    sh("run", cmd)
}

/// `cargo xtask test`: set up, then formatting, lints and every test.
pub fn test(args: &[String]) -> Result<()> {
    let started = Instant::now();
    setup::ensure(Purpose::Test)?;
    build_ui(true)?;

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    sh("fmt", fmt)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    sh("clippy", clippy)?;

    let mut tests = cargo();
    tests.args(["test", "--locked"]);
    for p in CORE_PACKAGES {
        tests.args(["-p", p]);
    }
    tests.args(args);
    sh("tests", tests)?;

    let mut app = cargo();
    app.args(["test", "--locked", "-p", "kasse"]);
    sh("app tests", app)?;

    // `cargo test -p kasse` relinks target/debug/kasse with Tauri's test feature: build the
    // real binary again right before the end-to-end tests launch it.
    let mut app_bin = cargo();
    app_bin.args(["build", "--locked", "-p", "kasse"]);
    sh("app build", app_bin)?;

    let mut e2e = cargo();
    e2e.args(["test", "--locked", "-p", "kasse-e2e"]);
    e2e.env_remove("DISPLAY");
    sh("end-to-end tests", e2e)?;

    println!(
        "xtask: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
