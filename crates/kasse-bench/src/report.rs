//! Results: one JSON file per figure group (written by each subcommand), merged into
//! `summary.json` and into the tables of BENCHMARKS.md between its markers.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::common::{fmt_value, Figure};

/// The marker lines in BENCHMARKS.md; everything between them is rewritten.
pub const BEGIN: &str =
    "<!-- bench:begin — written by `cargo xtask bench`; edit outside the markers -->";
pub const END: &str = "<!-- bench:end -->";

/// What one subcommand leaves in `target/bench/<name>.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SectionFile {
    pub name: String,
    pub quick: bool,
    pub seconds: f64,
    pub error: Option<String>,
    pub figures: Vec<Figure>,
}

fn title(stem: &str) -> &'static str {
    match stem {
        "client" => "1. Client overhead",
        "charge" => "2. Charge → QR",
        "paid" => "3. Paid → shown",
        "log" => "4. The log at scale",
        "app" => "5. The app",
        "sandbox" => "6. Sandbox",
        _ => "other",
    }
}

pub fn write_section(
    out: &Path,
    name: &str,
    quick: bool,
    seconds: f64,
    result: Result<&Vec<Figure>, &String>,
) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let file = SectionFile {
        name: name.to_owned(),
        quick,
        seconds,
        error: result.err().cloned(),
        figures: result.ok().cloned().unwrap_or_default(),
    };
    println!("{} ({seconds:.0} s)", title(name));
    if let Some(e) = &file.error {
        println!("  NOT MEASURED: {e}");
    }
    for f in &file.figures {
        let verdict = match (&f.target, f.meets) {
            (None, _) => "context".to_owned(),
            (Some(t), true) => format!("meets {t}"),
            (Some(t), false) => format!("MISSES {t}"),
        };
        println!(
            "  {:<76} {:>16}  {verdict}",
            f.name,
            with_unit(f.value, &f.unit)
        );
    }
    let path = out.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&file)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|s| s.trim_matches('"').to_owned())
        .unwrap_or_default();
    format!(
        "{nproc} × {model} (nproc {nproc}), {:.1} GiB memory, Linux {kernel}, {os}, {}",
        mem_kb as f64 / 1024.0 / 1024.0,
        sh("rustc", &["--version"])
    )
}

/// `1.18×`, `7.76 ms`, `n/a`.
pub fn with_unit(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return "n/a".into();
    }
    match unit {
        "" => fmt_value(value),
        "×" => format!("{}×", fmt_value(value)),
        u => format!("{} {u}", fmt_value(value)),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn write(out: &Path, markdown: &Path, sections: &[String], quick: bool) -> Result<()> {
    let mut files = Vec::new();
    // When the measuring ended: the newest section file.
    let mut measured: Option<std::time::SystemTime> = None;
    for stem in sections {
        let path = out.join(format!("{stem}.json"));
        if let Ok(t) = std::fs::metadata(&path).and_then(|m| m.modified()) {
            measured = Some(measured.map_or(t, |m| m.max(t)));
        }
        let file: SectionFile = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", path.display()))?,
            Err(_) => SectionFile {
                name: stem.clone(),
                quick,
                seconds: 0.0,
                error: Some("not run".into()),
                figures: Vec::new(),
            },
        };
        files.push(file);
    }

    // summary.json: every figure; a group that failed is one figure that does not meet.
    let mut summary: Vec<Figure> = Vec::new();
    for f in &files {
        if let Some(e) = &f.error {
            summary.push(Figure {
                section: title(&f.name).to_owned(),
                id: format!("{}.error", f.name),
                name: format!("{}: not measured", title(&f.name)),
                value: 0.0,
                unit: String::new(),
                target: Some("measured".into()),
                meets: false,
                notes: e.clone(),
            });
        }
        summary.extend(f.figures.iter().cloned());
    }
    std::fs::write(
        out.join("summary.json"),
        serde_json::to_vec_pretty(&summary)?,
    )?;

    let targets: Vec<&Figure> = summary.iter().filter(|f| f.target.is_some()).collect();
    let met = targets.iter().filter(|f| f.meets).count();
    let commit = sh("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !sh("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let total: f64 = files.iter().map(|f| f.seconds).sum();
    let now = measured
        .map(time::OffsetDateTime::from)
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    let mut md = String::new();
    md.push_str(BEGIN);
    md.push('\n');
    md.push_str(&format!(
        "\n**Run:** {} UTC, {} at commit `{commit}`{}; the figure groups took {:.1} min (builds not counted).\n\n",
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
            .get(..16)
            .unwrap_or_default()
            .replace('T', " "),
        if quick {
            "`cargo xtask bench --quick` (reduced set)"
        } else {
            "`cargo xtask bench` (full set)"
        },
        if dirty { " with uncommitted changes" } else { "" },
        total / 60.0
    ));
    md.push_str(&format!("**Machine:** {}.\n\n", machine()));
    md.push_str(&format!(
        "**Reproduce:** `cargo xtask bench` (full, release builds), or `cargo xtask bench --quick`. Raw figures: `target/bench/summary.json`.\n\n**Targets met: {met} of {}.**{}\n",
        targets.len(),
        {
            let missed: Vec<String> = targets
                .iter()
                .filter(|f| !f.meets)
                .map(|f| {
                    format!(
                        "{} ({}, target {})",
                        f.name,
                        with_unit(f.value, &f.unit),
                        f.target.clone().unwrap_or_default()
                    )
                })
                .collect();
            if missed.is_empty() {
                String::new()
            } else {
                format!(" Missed: {}.", missed.join("; "))
            }
        }
    ));
    for f in &files {
        md.push_str(&format!("\n### {}\n\n", title(&f.name)));
        if let Some(e) = &f.error {
            md.push_str(&format!("**Not measured:** {}\n", cell(e)));
            if f.figures.is_empty() {
                continue;
            }
        }
        md.push_str(
            "| figure | target | result | | how, spread, limits |\n|---|---|---|---|---|\n",
        );
        for fig in &f.figures {
            let verdict = match (&fig.target, fig.meets) {
                (None, _) => "",
                (Some(_), true) => "✅",
                (Some(_), false) => "❌",
            };
            md.push_str(&format!(
                "| {} | {} | {} | {verdict} | {} |\n",
                cell(&fig.name),
                fig.target
                    .as_deref()
                    .map(cell)
                    .unwrap_or_else(|| "—".into()),
                with_unit(fig.value, &fig.unit),
                cell(&fig.notes)
            ));
        }
        md.push_str(&format!("\n_{:.0} s._\n", f.seconds));
    }
    md.push('\n');
    md.push_str(END);

    let current = std::fs::read_to_string(markdown)
        .with_context(|| format!("reading {}", markdown.display()))?;
    let (Some(b), Some(e)) = (current.find(BEGIN), current.find(END)) else {
        bail!(
            "{} has no bench markers; add the lines\n{BEGIN}\n{END}",
            markdown.display()
        );
    };
    if e < b {
        bail!(
            "the bench markers in {} are out of order",
            markdown.display()
        );
    }
    let rewritten = format!("{}{md}{}", &current[..b], &current[e + END.len()..]);
    std::fs::write(markdown, rewritten)?;
    println!(
        "kasse-bench: {met} of {} targets met; wrote {} and {}",
        targets.len(),
        out.join("summary.json").display(),
        markdown.display()
    );
    Ok(())
}
