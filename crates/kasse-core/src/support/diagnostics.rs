//! The diagnostics zip a shop sends to support (`kasse-cli diagnostics --out FILE.zip`): which
//! build runs where, the settings (which hold no secret), the full journal check (what
//! `kasse-cli journal verify` runs), the schema version and counts, and the last days of log
//! files. Nothing else from the data directory goes in: not the database, not a secret file.
//!
//! Secrets are kept out twice: nothing read here holds one by design, and every text put in the
//! zip is scrubbed on the way of the secrets the caller knows (the client secret from the
//! environment, the ones in the data directory's secret files) and of anything shaped like an
//! access token (a JWT), so a secret that reached a log line by some mistake still stays home.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::settings::Settings;
use crate::store::{Integrity, Store, LATEST_VERSION};

use super::logs;

/// The start of the name of a file in the data directory that holds a client secret (the
/// desktop app's fallback when no keyring runs: `secret-<account>`).
pub const SECRET_FILE_PREFIX: &str = "secret-";

/// What a diagnostics zip is made of, besides the log.
#[derive(Debug)]
pub struct Request<'a> {
    /// The program making it (`kasse-cli`).
    pub program: &'a str,
    /// Its version.
    pub version: &'a str,
    /// The commit it was built from.
    pub commit: &'a str,
    /// The operating system.
    pub os: String,
    /// The data directory.
    pub data_dir: &'a Path,
    /// The shell's own configuration, without secrets (e.g. which `KASSE_*` variables are set).
    pub configuration: Value,
    /// When (the day picks the log files).
    pub now: OffsetDateTime,
    /// How many days of logs, up to today.
    pub log_days: u16,
}

/// What went into a zip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Written {
    /// The zip.
    pub path: PathBuf,
    /// The names of its files.
    pub files: Vec<String>,
    /// The journal check found nothing wrong.
    pub journal_ok: bool,
}

/// A text to put in the zip, as a secret-free string.
struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    fn new(known: Vec<String>) -> Scrubber {
        let mut secrets: Vec<String> = known
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Scrubber { secrets }
    }

    fn scrub(&self, text: &str) -> String {
        let mut text = scrub_tokens(text);
        for s in &self.secrets {
            if text.contains(s.as_str()) {
                text = text.replace(s.as_str(), "[redacted]");
            }
        }
        text
    }
}

/// Replaces anything shaped like a JWT (`eyJ…` in base64url, with its dots) by `[token]`.
pub fn scrub_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        out.push_str(&rest[..at]);
        let token = &rest[at..];
        let end = token
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(token.len());
        out.push_str("[token]");
        rest = &token[end..];
    }
    out.push_str(rest);
    out
}

/// The secrets kept in the data directory's secret files, to scrub from what the zip holds.
pub fn secrets_in(data_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(SECRET_FILE_PREFIX))
        })
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

/// Writes the diagnostics zip to `out`. `known_secrets` are scrubbed from every file in it
/// (with those of [`secrets_in`] the data directory). The journal check is the full one, which
/// like `journal verify` leaves a log found changed read-only.
pub fn write(
    out: &Path,
    store: &Store,
    request: &Request<'_>,
    known_secrets: Vec<String>,
) -> Result<Written, crate::CoreError> {
    let mut secrets = known_secrets;
    secrets.extend(secrets_in(request.data_dir));
    let scrubber = Scrubber::new(secrets);

    let integrity: Integrity = store.check_all()?;
    let journal_ok = integrity.journal.ok && integrity.projection.ok();
    let settings = Settings::load(store)?;
    let made_at = request
        .now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let about = json!({
        "program": request.program,
        "version": request.version,
        "commit": request.commit,
        "os": request.os,
        "made_at": made_at,
        "data_dir": request.data_dir.display().to_string(),
        "schema_version": store.schema_version()?,
        "schema_version_supported": LATEST_VERSION,
        "counts": {
            "sales": store.count_sales()?,
            "journal_rows": integrity.journal.rows,
            "open_sales": store.open_sales()?.len(),
            "pending_operations": store.pending_operations()?.len(),
        },
        "journal_ok": journal_ok,
        "read_only": store.read_only(),
    });
    let settings = json!({
        "settings": settings,
        "configuration": request.configuration,
    });

    let mut files: Vec<(String, String)> = vec![
        ("about.json".into(), pretty(&about)),
        ("settings.json".into(), pretty(&settings)),
        ("journal-verify.json".into(), pretty(&integrity)),
    ];
    let today = request.now.date();
    for path in logs::recent(&logs::dir(request.data_dir), today, request.log_days) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
        files.push((
            format!("logs/{name}"),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }

    let file = create_private(out).map_err(|e| io_error(out, e))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, text) in &files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| zip_error(out, e))?;
        zip.write_all(scrubber.scrub(text).as_bytes())
            .map_err(|e| io_error(out, e))?;
    }
    zip.finish().map_err(|e| zip_error(out, e))?;
    Ok(Written {
        path: out.to_path_buf(),
        files: files.into_iter().map(|(n, _)| n).collect(),
        journal_ok,
    })
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The zip, readable by its owner only (it is the shop's to send, not everyone's on the PC).
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn io_error(path: &Path, e: std::io::Error) -> crate::CoreError {
    crate::CoreError::input("out", format!("{}: {e}", path.display()))
}

fn zip_error(path: &Path, e: zip::result::ZipError) -> crate::CoreError {
    crate::CoreError::input("out", format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_known_secrets_are_scrubbed_and_other_text_is_left() {
        let s = Scrubber::new(vec!["hunter2-secret".into(), "  ".into()]);
        let line =
            "token eyJhbGci.eyJzdWIi.c2ln-_x, then hunter2-secret and eyJ; keys: amount=4200";
        assert_eq!(
            s.scrub(line),
            "token [token], then [redacted] and [token]; keys: amount=4200"
        );
        assert_eq!(s.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn the_secret_files_of_a_data_dir_are_read_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret-T12345678"), "abc-secret\n").unwrap();
        std::fs::write(dir.path().join("kasse.sqlite"), "not one").unwrap();
        assert_eq!(secrets_in(dir.path()), ["abc-secret\n"]);
    }
}
