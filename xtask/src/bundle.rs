//! `cargo xtask bundle`: Kasse as a Debian package, built by Tauri's bundler (npm's
//! `@tauri-apps/cli`, pinned in `src-tauri/packaging/`), with `kasse-cli` and `dintero-sandbox`
//! on the PATH; and the install check the test suite runs on it: installed with apt, every
//! library the binaries load found among what the package's dependencies pull in (the bundler
//! declares WebKitGTK 4.1 and GTK 3), the app started from its desktop entry and driven
//! through a sale, then removed without a trace.
//!
//! AppImage is not built: Tauri's AppImage step downloads its helper tools from GitHub, which
//! the machines here cannot reach (README says so).

use crate::setup::{self, Purpose};
use crate::steps::{build_ui, cargo, root, sh};
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The e2e test run against the installed app.
const SMOKE_TEST: &str = "declined_card_cancel_and_park";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

/// The bundler's configuration, merged over `tauri.conf.json` (absolute paths: the target
/// directory may be elsewhere).
fn overlay(target: &Path) -> serde_json::Value {
    let release = target.join("release");
    let bin = |name: &str| release.join(name).to_string_lossy().into_owned();
    serde_json::json!({
        "bundle": {
            "active": true,
            "targets": ["deb"],
            "category": "Business",
            "publisher": "Kasse",
            "shortDescription": "Point of sale for Dintero Checkout",
            "longDescription": "Kasse takes payments at a shop counter through Dintero Checkout: the customer scans a QR code or pays in a window on the counter, and staff capture, void and refund from a local log. Without credentials it runs in demo mode against a built-in simulator.",
            "linux": {
                "deb": {
                    "section": "misc",
                    "files": {
                        "/usr/bin/kasse-cli": bin("kasse-cli"),
                        "/usr/bin/dintero-sandbox": bin("dintero-sandbox"),
                    }
                }
            }
        }
    })
}

/// Builds the release binaries and the .deb; returns its path.
pub fn bundle() -> Result<PathBuf> {
    setup::ensure(Purpose::Run)?;
    build_ui(false)?;
    let packaging = root().join("src-tauri/packaging");
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&packaging);
    sh("bundler deps", npm)?;
    let mut bins = cargo();
    bins.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "kasse-cli",
        "-p",
        "dintero-sandbox",
    ]);
    sh("release tools", bins)?;
    let target = target_dir();
    let config = target.join("packaging-overlay.json");
    std::fs::create_dir_all(&target)?;
    std::fs::write(&config, serde_json::to_string_pretty(&overlay(&target))?)?;
    let debs = target.join("release/bundle/deb");
    let _ = std::fs::remove_dir_all(&debs);
    let mut tauri = Command::new(packaging.join("node_modules/.bin/tauri"));
    tauri
        .args(["build", "--bundles", "deb", "--config"])
        .arg(&config)
        .args(["--", "--locked"])
        .current_dir(root().join("src-tauri"))
        .env("CARGO_TARGET_DIR", &target);
    sh("bundle", tauri)?;
    let deb = std::fs::read_dir(&debs)
        .with_context(|| format!("reading {}", debs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .with_context(|| format!("no .deb in {}", debs.display()))?;
    let size = std::fs::metadata(&deb)?.len();
    println!(
        "xtask: bundle: {} ({:.1} MB)",
        deb.display(),
        size as f64 / 1e6
    );
    Ok(deb)
}

fn output(cmd: &mut Command) -> Result<String> {
    let o = cmd
        .output()
        .with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !o.status.success() {
        bail!(
            "{:?} {:?} failed: {}",
            cmd.get_program(),
            cmd.get_args().collect::<Vec<_>>(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

fn apt(args: &[&str]) -> Result<()> {
    let mut cmd = Command::new(if setup::is_root() { "apt-get" } else { "sudo" });
    if !setup::is_root() {
        cmd.arg("apt-get");
    }
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    sh("apt", cmd)
}

/// The package a file belongs to, by `dpkg -S` of the path as the loader found it, or of its
/// real path (with merged /usr, dpkg knows a library under either `/lib` or `/usr/lib`).
fn owner(path: &str) -> Option<String> {
    let real = std::fs::canonicalize(path).ok()?;
    let real = real.to_string_lossy().into_owned();
    let other = match path.strip_prefix("/usr") {
        Some(rest) => rest.to_owned(),
        None => format!("/usr{path}"),
    };
    [path.to_owned(), real, other].iter().find_map(|p| {
        let out = output(Command::new("dpkg").arg("-S").arg(p)).ok()?;
        let pkg = out.lines().next()?.split(':').next()?.trim().to_owned();
        Some(pkg.split(',').next()?.trim().to_owned())
    })
}

/// Every package `package` depends on, recursively (what apt pulls in with it).
fn closure(package: &str) -> Result<BTreeSet<String>> {
    let out = output(Command::new("apt-cache").args([
        "depends",
        "--recurse",
        "--no-recommends",
        "--no-suggests",
        "--no-conflicts",
        "--no-breaks",
        "--no-replaces",
        "--no-enhances",
        package,
    ]))?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let name = l
                .strip_prefix("Depends:")
                .or_else(|| l.strip_prefix("PreDepends:"))
                .unwrap_or(l);
            let name = name.trim().trim_start_matches('|').trim_matches(['<', '>']);
            (!name.is_empty() && !name.contains(' '))
                .then(|| name.split(':').next().unwrap_or(name).to_owned())
        })
        .collect())
}

/// Checks that every shared library `bin` loads comes from a package apt installs with
/// `package` (or from libc, which every system has).
fn libraries_declared(bin: &str, package: &str) -> Result<()> {
    let ldd = output(Command::new("ldd").arg(bin))?;
    if let Some(missing) = ldd.lines().find(|l| l.contains("not found")) {
        bail!("{bin} cannot load {}", missing.trim());
    }
    let pulled = closure(package)?;
    let mut undeclared = BTreeSet::new();
    for path in ldd
        .lines()
        .filter_map(|l| l.split("=>").nth(1)?.split_whitespace().next())
    {
        match owner(path) {
            Some(pkg) if pulled.contains(&pkg) || pkg.starts_with("libc6") => {}
            Some(pkg) => {
                undeclared.insert(format!("{pkg} ({path})"));
            }
            None => {
                undeclared.insert(format!("no package owns {path}"));
            }
        }
    }
    if !undeclared.is_empty() {
        bail!(
            "{bin} loads libraries the package does not depend on: {}",
            undeclared.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

/// The `Exec=` program of the installed desktop entry for Kasse.
fn desktop_exec() -> Result<String> {
    let dir = Path::new("/usr/share/applications");
    for e in std::fs::read_dir(dir)?.filter_map(|e| e.ok()) {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        if text.lines().any(|l| l == "Name=Kasse") {
            let exec = text
                .lines()
                .find_map(|l| l.strip_prefix("Exec="))
                .context("the desktop entry has no Exec line")?;
            let program = exec.split_whitespace().next().unwrap_or_default();
            let path = match program.starts_with('/') {
                true => program.to_owned(),
                false => format!("/usr/bin/{program}"),
            };
            return Ok(path);
        }
    }
    bail!("no desktop entry named Kasse in {}", dir.display())
}

/// Installs `deb` with apt, proves its dependencies, drives the installed app (started as its
/// desktop entry says) through a sale, and removes it again.
pub fn install_check(deb: &Path) -> Result<()> {
    let package = output(
        Command::new("dpkg-deb")
            .args(["-f"])
            .arg(deb)
            .arg("Package"),
    )?
    .trim()
    .to_owned();
    let deb_arg = deb.to_string_lossy().into_owned();
    apt(&["install", "-y", "-q", "--reinstall", &deb_arg])?;
    let result = (|| -> Result<()> {
        for bin in [
            "/usr/bin/kasse",
            "/usr/bin/kasse-cli",
            "/usr/bin/dintero-sandbox",
        ] {
            if !Path::new(bin).exists() {
                bail!("{bin} is not installed by the package");
            }
            libraries_declared(bin, &package)?;
        }
        let version = output(Command::new("/usr/bin/kasse-cli").arg("--version"))?;
        println!("xtask: installed: {}", version.trim());
        let app = desktop_exec()?;
        let mut e2e = cargo();
        e2e.args([
            "test",
            "--locked",
            "-p",
            "kasse-e2e",
            "--test",
            "app_e2e",
            SMOKE_TEST,
        ])
        .env("KASSE_APP_BIN", &app)
        .env_remove("DISPLAY");
        sh("installed app", e2e)
    })();
    apt(&["remove", "-y", "-q", &package])?;
    for left in [
        "/usr/bin/kasse",
        "/usr/bin/kasse-cli",
        "/usr/bin/dintero-sandbox",
    ] {
        if Path::new(left).exists() {
            bail!("{left} is still there after removing the package");
        }
    }
    result
}
