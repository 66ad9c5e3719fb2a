//! System set-up: the Debian/Ubuntu packages Kasse needs, installed only when missing.

use anyhow::{bail, Context, Result};
use std::process::Command;

/// What the packages are for; `Test` and `Bench` are supersets of `Run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
    Bench,
}

/// One package and the reason Kasse needs it (printed before installing).
struct Package {
    name: &'static str,
    why: &'static str,
    test_only: bool,
}

const PACKAGES: &[Package] = &[
    Package {
        name: "build-essential",
        why: "C compiler for SQLite (bundled) and ring",
        test_only: false,
    },
    Package {
        name: "pkg-config",
        why: "locates system libraries at build time",
        test_only: false,
    },
    Package {
        name: "libwebkit2gtk-4.1-dev",
        why: "WebKitGTK and GTK for the Tauri desktop window",
        test_only: false,
    },
    Package {
        name: "xvfb",
        why: "a virtual display for running the app without a screen",
        test_only: true,
    },
    Package {
        name: "xauth",
        why: "needed by xvfb-run",
        test_only: true,
    },
    Package {
        name: "webkit2gtk-driver",
        why: "WebKitWebDriver, drives the desktop app in end-to-end tests",
        test_only: true,
    },
    Package {
        name: "chromium",
        why: "a real browser for the sandbox checkout page test",
        test_only: true,
    },
    Package {
        name: "chromium-driver",
        why: "chromedriver, drives Chromium in that test",
        test_only: true,
    },
    Package {
        name: "dbus",
        why: "a session bus for the keyring test",
        test_only: true,
    },
    Package {
        name: "gnome-keyring",
        why: "a real Secret Service for the keyring test",
        test_only: true,
    },
];

/// What `cargo xtask bench` needs besides `Run`'s packages.
const BENCH: &[Package] = &[
    Package {
        name: "xvfb",
        why: "a virtual display to start the app and a blank window in (app figures)",
        test_only: false,
    },
    Package {
        name: "xdotool",
        why: "types a sale on the app's keypad before its memory is measured",
        test_only: false,
    },
    Package {
        name: "python3-venv",
        why: "a venv for Dintero's Python SDK, the client figures' comparison",
        test_only: false,
    },
];

const NODE: &[Package] = &[
    Package {
        name: "nodejs",
        why: "builds the web UI (Vite)",
        test_only: false,
    },
    Package {
        name: "npm",
        why: "installs the web UI's build tools",
        test_only: false,
    },
];

fn installed(name: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", name])
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout).contains("install ok installed")
        })
        .unwrap_or(false)
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs whatever `purpose` needs and is not there yet. Prints what it does.
pub fn ensure(purpose: Purpose) -> Result<()> {
    if std::env::var_os("KASSE_SKIP_APT").is_some() {
        println!("xtask: KASSE_SKIP_APT is set, not checking system packages");
        return Ok(());
    }
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "xtask: this is not a Debian/Ubuntu system (no dpkg-query); install the equivalents of: {}",
            PACKAGES.iter().map(|p| p.name).collect::<Vec<_>>().join(" ")
        );
        return Ok(());
    }
    let mut missing: Vec<&Package> = PACKAGES
        .iter()
        .filter(|p| purpose == Purpose::Test || !p.test_only)
        .chain(BENCH.iter().filter(|_| purpose == Purpose::Bench))
        .filter(|p| !installed(p.name))
        .collect();
    // Node.js builds the UI; any node ≥ 18 on PATH will do, else Debian's.
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("npm")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !has_node {
        missing.extend(NODE.iter());
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing missing system packages with apt:");
    for p in &missing {
        println!("  {:<24} {}", p.name, p.why);
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| -> Result<()> {
        let mut full: Vec<&str> = sudo.to_vec();
        full.push("apt-get");
        full.extend_from_slice(args);
        println!("xtask: $ {}", full.join(" "));
        let status = Command::new(full[0])
            .args(&full[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("could not start `{}`", full[0]))?;
        if !status.success() {
            bail!("`{}` failed ({status})", full.join(" "));
        }
        Ok(())
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(missing.iter().map(|p| p.name));
    apt(&args)?;
    Ok(())
}
