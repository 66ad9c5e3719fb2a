//! `kasse-bench`: measures the targets of DESIGN.md §5, one figure group per subcommand, each
//! in its own process; `report` merges them into `summary.json` and BENCHMARKS.md.
//!
//! Run it through `cargo xtask bench [--quick]`, which installs what is missing, builds
//! everything in release mode and runs the subcommands in order. Benchmarks are not tests:
//! nothing here asserts a timing; a figure that misses its target is reported as such.

mod app;
mod charge;
mod client;
mod common;
mod log;
mod paid;
mod report;
mod sandbox_load;
mod x11;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Kasse's benchmarks (DESIGN.md §5); run through `cargo xtask bench`")]
struct Cli {
    /// The reduced set (`cargo xtask bench --quick`).
    #[arg(long, global = true)]
    quick: bool,
    /// Where results go (default: target/bench).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// 1. dintero-client vs raw keep-alive HTTP vs the Python SDK; connections per 100 calls.
    Client {
        /// Python of a venv with `dintero` installed.
        #[arg(long)]
        python: Option<PathBuf>,
    },
    /// 2. Kasse::charge minus its API call.
    Charge,
    /// 3. Paid → shown (polling, return URL, embedded checkout), API reads per waiting payment.
    Paid,
    /// 4. The log at a million sales: list/search latency, append throughput, size.
    Log,
    /// 5. The desktop app: cold start, idle memory after a sale, binary size, vs a blank window.
    App {
        #[arg(long)]
        kasse_bin: PathBuf,
        #[arg(long)]
        blank_bin: PathBuf,
    },
    /// 6. Sandbox session creations per second from a second process.
    Sandbox,
    /// Diagnosis: prints the start timeline (mapped, painted, usable) of a Tauri binary.
    Probe {
        #[arg(long)]
        bin: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Diagnosis: append throughput alone (what `log` measures last), for profiling.
    Appends {
        /// `full` (what Kasse ships) or `normal`.
        #[arg(long, default_value = "full")]
        durability: String,
        /// Generated sales whose events are appended.
        #[arg(long, default_value_t = 3000)]
        sales: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Concurrent writers, each appending its share of the sales (group commit).
        #[arg(long, default_value_t = 1)]
        writers: usize,
    },
    /// Diagnosis: the catalogue's search-as-you-type figure alone (what `log` measures last).
    Catalog {
        /// Products in the catalogue.
        #[arg(long, default_value_t = 10_000)]
        products: usize,
        /// Products typed in full, a character at a time.
        #[arg(long, default_value_t = 120)]
        typed: usize,
    },
    /// Merges the figures into summary.json and rewrites the tables in BENCHMARKS.md.
    Report {
        /// BENCHMARKS.md to rewrite between its markers.
        #[arg(long)]
        markdown: PathBuf,
        /// Sections in order (file stems in the output directory).
        #[arg(long, value_delimiter = ',')]
        sections: Vec<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let out = cli
        .out
        .clone()
        .unwrap_or_else(|| common::target_dir().join("bench"));
    let quick = cli.quick;
    let started = Instant::now();
    let (file, result) = match cli.command {
        Cmd::Report { markdown, sections } => {
            return match report::write(&out, &markdown, &sections, quick) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kasse-bench report: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Cmd::Probe { bin, runs } => {
            return match app::probe(&bin, runs, &out) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kasse-bench probe: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Cmd::Appends {
            durability,
            sales,
            runs,
            writers,
        } => {
            init_log();
            return match log::appends(&out, &durability, sales, runs, writers) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kasse-bench appends: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Cmd::Client { python } => {
            init_log();
            (
                "client",
                client::run(&client::Opts {
                    quick,
                    python,
                    out: out.clone(),
                }),
            )
        }
        Cmd::Charge => (
            "charge",
            charge::install_recorder().and_then(|spans| {
                charge::run(
                    &charge::Opts {
                        quick,
                        out: out.clone(),
                    },
                    &spans,
                )
            }),
        ),
        Cmd::Paid => {
            init_log();
            (
                "paid",
                paid::run(&paid::Opts {
                    quick,
                    out: out.clone(),
                }),
            )
        }
        Cmd::Catalog { products, typed } => ("catalog", log::catalog(&out, products, typed)),
        Cmd::Log => {
            init_log();
            (
                "log",
                log::run(&log::Opts {
                    quick,
                    out: out.clone(),
                }),
            )
        }
        Cmd::App {
            kasse_bin,
            blank_bin,
        } => (
            "app",
            app::run(&app::Opts {
                quick,
                kasse_bin,
                blank_bin,
                out: out.clone(),
            }),
        ),
        Cmd::Sandbox => {
            init_log();
            ("sandbox", sandbox_load::run(&sandbox_load::Opts { quick }))
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let written = match &result {
        Ok(section) => report::write_section(&out, file, quick, seconds, Ok(&section.figures)),
        Err(e) => report::write_section(&out, file, quick, seconds, Err(&format!("{e:#}"))),
    };
    if let Err(e) = written {
        eprintln!("kasse-bench: could not write the results: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    match result {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kasse-bench {file}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The app's own log set-up: warnings to stderr.
fn init_log() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .try_init();
}
