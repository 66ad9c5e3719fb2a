//! The commands for support and packaging: `diagnostics` (the zip a shop sends to support,
//! made by `kasse_core::support::diagnostics`), `completions` (shell completion scripts) and
//! `manpage` (the manual pages the package installs). All three are made from the one command
//! definition in `main.rs`, so they never drift from it.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use kasse_core::support::{diagnostics, logs};
use time::OffsetDateTime;

use crate::config;
use crate::output::Out;

#[derive(Debug, Subcommand)]
pub enum SupportCommand {
    /// Write a zip for support: versions, settings (no secrets), the journal check, the schema
    /// version and counts, and the last days of logs.
    Diagnostics {
        /// The zip to write, e.g. kasse-diagnostics.zip.
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// Days of logs to put in (up to today).
        #[arg(long, default_value_t = logs::KEEP_DAYS)]
        days: u16,
    },
    /// Print the completion script for a shell on standard output, e.g.
    /// `kasse-cli completions bash > /etc/bash_completion.d/kasse-cli`.
    Completions {
        /// bash, zsh, fish (also elvish, powershell).
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (kasse-cli.1 and one per command) into a folder.
    Manpage {
        /// The folder (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Runs a support command. `cli` is the whole command definition (for completions and pages).
pub fn run(
    command: SupportCommand,
    cli: clap::Command,
    data_dir: Option<&Path>,
    demo: bool,
    out: &Out,
) -> anyhow::Result<()> {
    match command {
        SupportCommand::Diagnostics { out: zip, days } => {
            let log = config::open_log(data_dir, demo)?;
            let dir = log.dir.clone();
            let env = config::Env::from_process();
            let request = diagnostics::Request {
                program: "kasse-cli",
                version: kasse_build_info::VERSION,
                commit: kasse_build_info::COMMIT,
                os: kasse_build_info::os(),
                data_dir: &dir,
                configuration: env.described(),
                now: OffsetDateTime::now_utc(),
                log_days: days.max(1),
            };
            let written = diagnostics::write(&zip, &log.store, &request, env.secrets())?;
            out.diagnostics(&written)?;
        }
        SupportCommand::Completions { shell } => {
            let mut cli = cli;
            // Into a buffer first: clap_complete panics when stdout is a closed pipe
            // (`| head`); written here, that is an ordinary error, and a quiet one.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli, "kasse-cli", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
        }
        SupportCommand::Manpage { out: folder } => {
            std::fs::create_dir_all(&folder).map_err(|e| config::ConfigError::Invalid {
                name: "--out",
                message: format!("cannot create {}: {e}", folder.display()),
            })?;
            clap_mangen::generate_to(cli, &folder)?;
            out.note(&format!("manual pages written to {}", folder.display()));
        }
    }
    Ok(())
}
