//! The app figures of the report: the medians of the launches against their targets, the
//! diagnosis rounds as context, and the release binary's size.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use super::screen::Launch;
use super::{Measured, Opts};
use crate::common::{fmt_value, median, noise, Goal, Section};

/// The median of `f` over the launches that have it (NaN when none has).
fn med(v: &[Launch], f: &dyn Fn(&Launch) -> Option<f64>) -> f64 {
    let xs: Vec<f64> = v.iter().filter_map(f).collect();
    if xs.is_empty() {
        f64::NAN
    } else {
        median(&xs)
    }
}

/// Every launch's `f`, for the report's "runs:".
fn list(v: &[Launch], f: &dyn Fn(&Launch) -> Option<f64>) -> String {
    v.iter()
        .filter_map(f)
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn usable(l: &Launch) -> Option<f64> {
    Some(l.usable_ms)
}

/// PSS in MB (10^6 bytes; /proc reports kB).
fn pss_mb(l: &Launch) -> Option<f64> {
    l.pss_kb.map(|kb| kb as f64 / 1000.0)
}

/// The last launch's memory by process.
fn breakdown(v: &[Launch]) -> String {
    v.last()
        .map(|l| {
            l.processes
                .iter()
                .map(|(c, kb)| format!("{c} {:.0} MB", *kb as f64 / 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Size of a stripped copy of a binary, MB (10^6 bytes).
fn stripped_mb(bin: &Path, out: &Path) -> Result<(f64, f64)> {
    let raw = std::fs::metadata(bin)?.len() as f64 / 1e6;
    let copy = out.join("tmp").join("stripped-copy");
    std::fs::copy(bin, &copy)?;
    let ok = Command::new("strip")
        .arg("--strip-all")
        .arg(&copy)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let stripped = if ok {
        std::fs::metadata(&copy)?.len() as f64 / 1e6
    } else {
        raw
    };
    let _ = std::fs::remove_file(&copy);
    Ok((raw, stripped))
}

/// A target on Kasse ÷ the blank window (medians): at most 1.2×.
fn kasse_to_blank(s: &mut Section, id: &str, name: &str, (k, b): (f64, f64), notes: String) {
    s.target(id, name, k / b, "×", Goal::at_most(1.2, "≤ 1.2×"), notes);
}

/// The section "5. The app" from what the launches measured.
pub(super) fn section(opts: &Opts, m: &Measured) -> Result<Section> {
    let (kasse, blank) = (m.kasse.as_slice(), m.blank.as_slice());
    let k_usable = med(kasse, &usable);
    let b_usable = med(blank, &usable);
    let k_painted = med(kasse, &|l: &Launch| l.painted_ms);
    let b_painted = med(blank, &|l: &Launch| l.painted_ms);
    let k_mapped = med(kasse, &|l: &Launch| l.mapped_ms);
    let b_mapped = med(blank, &|l: &Launch| l.mapped_ms);
    let k_mem = med(kasse, &pss_mb);
    let b_mem = med(blank, &pss_mb);
    let (k_raw, k_stripped) = stripped_mb(&opts.kasse_bin, &opts.out)?;
    let (_, b_stripped) = stripped_mb(&opts.blank_bin, &opts.out)?;

    let mut s = Section::new("5. The app");
    let gpu = std::fs::read_dir("/dev/dri").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    let how = format!(
        "{} launches each after one warm-up ({} of them also measuring memory), alternating, private Xvfb 1280×800×24, KASSE_DEMO=1 with a fresh KASSE_DATA_DIR, pixels polled every 10 ms from exec; warm page cache (process cold start, not disk cold); each app as shipped: Kasse turns WebKit's accelerated compositing off where there is no GPU render node ({}), the blank window keeps WebKit's default (on); {}",
        m.runs,
        m.memory_runs,
        if gpu { "this machine has one: on" } else { "none here: off" },
        noise()
    );
    s.target(
        "app.start.usable_ms",
        "Cold start to usable UI under Xvfb (median)",
        k_usable,
        "ms",
        Goal::at_most(1000.0, "≤ 1,000 ms"),
        format!(
            "Kasse usable (Sell screen with its quick items) at {} ms; window mapped {}, first frame of the page {} ms (medians). Runs: {}. {how}",
            fmt_value(k_usable),
            fmt_value(k_mapped),
            fmt_value(k_painted),
            list(kasse, &usable)
        ),
    );
    kasse_to_blank(
        &mut s,
        "app.start.ratio",
        "Cold start to usable UI ÷ blank Tauri window (medians)",
        (k_usable, b_usable),
        format!(
            "blank window usable (its static page painted) at {} ms (runs: {}), mapped {} ms. First frame alone: Kasse {} ms vs blank {} ms ({:.2}×)",
            fmt_value(b_usable),
            list(blank, &usable),
            fmt_value(b_mapped),
            fmt_value(k_painted),
            fmt_value(b_painted),
            k_painted / b_painted
        ),
    );
    kasse_to_blank(
        &mut s,
        "app.memory.ratio",
        "Idle memory after a sale (PSS, app + WebKit) ÷ blank window (medians)",
        (k_mem, b_mem),
        format!(
            "Kasse {} MB (runs: {}; last: {}) vs blank {} MB (runs: {}; last: {}); PSS from /proc/PID/smaps_rollup summed over the app and its descendants, {} s idle after the Paid screen (blank: after its page). {}",
            fmt_value(k_mem),
            list(kasse, &pss_mb),
            breakdown(kasse),
            fmt_value(b_mem),
            list(blank, &pss_mb),
            breakdown(blank),
            m.idle.as_secs(),
            kasse.last().and_then(|l| l.sale.clone()).unwrap_or_default()
        ),
    );
    s.context(
        "app.memory.kasse_mb",
        "Idle memory after a sale, Kasse (PSS, median)",
        k_mem,
        "MB",
        "MB = 10^6 bytes (/proc reports kB)",
    );
    for (key, label, rounds) in [
        (
            "no_compositing",
            "with WEBKIT_DISABLE_COMPOSITING_MODE=1 (both apps)",
            &m.flat,
        ),
        (
            "compositing",
            "with compositing on (both apps: KASSE_WEBKIT_COMPOSITING=on)",
            &m.layered,
        ),
    ] {
        let Some((fk, fb)) = rounds else { continue };
        let fk_usable = med(fk, &usable);
        let fb_usable = med(fb, &usable);
        let fk_mem = med(fk, &pss_mb);
        let fb_mem = med(fb, &pss_mb);
        s.context(
            &format!("app.{key}.start_ratio"),
            &format!("Diagnosis: start ratio {label}"),
            fk_usable / fb_usable,
            "×",
            format!(
                "Kasse usable {} ms vs blank {} ms (medians of {} launches each; runs: {} / {})",
                fmt_value(fk_usable),
                fmt_value(fb_usable),
                fk.len(),
                list(fk, &usable),
                list(fb, &usable)
            ),
        );
        s.context(
            &format!("app.{key}.memory_ratio"),
            &format!("Diagnosis: memory ratio {label}"),
            fk_mem / fb_mem,
            "×",
            format!(
                "Kasse {} MB (last: {}) vs blank {} MB (last: {})",
                fmt_value(fk_mem),
                breakdown(fk),
                fmt_value(fb_mem),
                breakdown(fb)
            ),
        );
    }
    s.target(
        "app.binary.stripped_mb",
        "Release binary, stripped",
        k_stripped,
        "MB",
        Goal::at_most(20.0, "≤ 20 MB"),
        format!(
            "target/release/kasse is {k_raw:.1} MB as built (profile release strips it already; `strip --strip-all` of a copy gives {k_stripped:.1} MB); the blank window's binary, same profile: {b_stripped:.1} MB. UI embedded"
        ),
    );
    Ok(s)
}
