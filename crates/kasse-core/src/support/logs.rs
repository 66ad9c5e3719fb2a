//! Log files: one per program and day in `<data dir>/logs/` (`kasse-app.2026-12-07.log`,
//! `kasse-cli.2026-12-07.log`), written by `tracing-appender` with daily rotation, a week kept.
//! Kasse prunes by the date in the name at every start ([`prune`]); the appender's own pruning
//! (by count, at each rollover) keeps a long-running app to a week too.
//!
//! What goes into the file is fixed, not `RUST_LOG`'s: Kasse's own crates from `info`, the rest
//! (Tauri, WebKit, HTTP libraries) from `warn`, so no library's debug output of an IPC call or
//! a request can carry a PIN or a secret into a file a shop mails to support. Kasse's own events
//! never format a secret (its secret types redact themselves). Standard error keeps `RUST_LOG`
//! (default `warn`).

use std::path::{Path, PathBuf};

use time::{Date, Duration};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Days of logs kept: today and the six before it.
pub const KEEP_DAYS: u16 = 7;

/// The folder of the log files inside a data directory.
pub const DIR: &str = "logs";

/// Which events the files get (not `RUST_LOG`: see the module comment).
const FILE_FILTER: &str =
    "warn,kasse_core=info,kasse_cli=info,kasse_app=info,kasse=info,dintero_client=info";

/// A program that writes logs, and so the first part of its files' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The desktop app (`kasse`).
    App,
    /// `kasse-cli`.
    Cli,
}

impl Program {
    /// The first part of its files' names (neither is the start of the other, so the appender's
    /// pruning of one never counts the other's files).
    pub fn prefix(self) -> &'static str {
        match self {
            Program::App => "kasse-app",
            Program::Cli => "kasse-cli",
        }
    }
}

/// The log folder of a data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR)
}

/// The program and day of a log file's name (`kasse-cli.2026-12-07.log`), or `None` for any
/// other file.
pub fn dated(name: &str) -> Option<(Program, Date)> {
    let stem = name.strip_suffix(".log")?;
    let (prefix, day) = stem.split_once('.')?;
    let program = [Program::App, Program::Cli]
        .into_iter()
        .find(|p| p.prefix() == prefix)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Some((program, Date::parse(day, &format).ok()?))
}

/// Whether a log of `day` is still kept on `today` (the last [`KEEP_DAYS`] days).
pub fn kept(day: Date, today: Date) -> bool {
    day > today - Duration::days(i64::from(KEEP_DAYS))
}

/// The log files in `dir` from the last `days` days up to `today`, oldest first (for the
/// diagnostics zip).
pub fn recent(dir: &Path, today: Date, days: u16) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(Date, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let (_, day) = dated(e.file_name().to_str()?)?;
            let recent = day > today - Duration::days(i64::from(days)) && day <= today;
            recent.then(|| (day, e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Removes the log files of `dir` older than a week before `today`; other files are left
/// alone. Returns how many went.
pub fn prune(dir: &Path, today: Date) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let Some((_, day)) = name.to_str().and_then(dated) else {
            continue;
        };
        if !kept(day, today) && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Installs the process's logging: standard error as `RUST_LOG` says (default `warn`), and,
/// with a data directory, that directory's daily log file for `program`, after pruning what is
/// older than a week before `today` (UTC, as the appender names its files). Without a data
/// directory (a throw-away demo), or when the folder cannot be made, standard error only: a
/// counter still works without its log file, and says why once. Returns the log folder in use.
pub fn init(program: Program, data_dir: Option<&Path>, today: Date) -> Option<PathBuf> {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")));
    let (file, folder, problem) = match data_dir.map(|d| open_file(program, &dir(d), today)) {
        Some(Ok((appender, folder))) => {
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(appender)
                .with_filter(EnvFilter::new(FILE_FILTER));
            (Some(layer), Some(folder), None)
        }
        Some(Err(e)) => (None, None, Some(e)),
        None => (None, None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    if let Some(e) = problem {
        tracing::warn!("no log file: {e}");
    }
    folder
}

/// The appender for `program`'s files in `folder` (made private, pruned first).
fn open_file(
    program: Program,
    folder: &Path,
    today: Date,
) -> Result<(tracing_appender::rolling::RollingFileAppender, PathBuf), String> {
    crate::store::private_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    prune(folder, today).map_err(|e| format!("{}: {e}", folder.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(program.prefix())
        .filename_suffix("log")
        .max_log_files(usize::from(KEEP_DAYS))
        .build(folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?;
    Ok((appender, folder.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_log_file_is_named_by_its_program_and_day_and_nothing_else_is_one() {
        assert_eq!(
            dated("kasse-cli.2026-12-07.log"),
            Some((Program::Cli, date!(2026 - 12 - 07)))
        );
        assert_eq!(
            dated("kasse-app.2026-01-31.log"),
            Some((Program::App, date!(2026 - 01 - 31)))
        );
        for other in [
            "kasse.sqlite",
            "kasse-app.log",
            "kasse-app.2026-13-01.log",
            "notes.2026-12-07.log",
            "kasse-cli.2026-12-07.txt",
        ] {
            assert_eq!(dated(other), None, "{other}");
        }
    }

    #[test]
    fn a_week_is_kept_and_pruning_removes_only_older_log_files() {
        let dir = tempfile::tempdir().unwrap();
        let today = date!(2026 - 12 - 07);
        let names = [
            "kasse-app.2026-11-29.log", // 8 days ago
            "kasse-cli.2026-11-30.log", // 7 days ago: out
            "kasse-app.2026-12-01.log", // 6 days ago: the oldest kept
            "kasse-cli.2026-12-07.log", // today
            "kasse.sqlite",
            "readme.txt",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), "x").unwrap();
        }
        assert_eq!(prune(dir.path(), today).unwrap(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "kasse-app.2026-12-01.log",
                "kasse-cli.2026-12-07.log",
                "kasse.sqlite",
                "readme.txt"
            ]
        );
        // The last two days' files, oldest first.
        let recent = recent(dir.path(), today, 2);
        let names: Vec<_> = recent.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["kasse-cli.2026-12-07.log"]);
        let all = super::recent(dir.path(), today, KEEP_DAYS);
        let names: Vec<_> = all.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(
            names,
            ["kasse-app.2026-12-01.log", "kasse-cli.2026-12-07.log"]
        );
    }
}
