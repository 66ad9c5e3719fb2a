//! Secrets never leak from `kasse-cli`: with a known client secret and `RUST_LOG` at `trace`,
//! every command is run (text and `--json`; charge, wait, capture, refund by line, void, cancel,
//! sync, transactions, show, journal verify) plus the error paths (a wrong secret, a 503, a
//! refused token). Neither the secret (raw, or inside the Basic credentials) nor any access
//! token (every token this sandbox issues starts with the same JWT header; two fetched here are
//! also looked for verbatim) may appear in any stdout or stderr, logs included, or in any byte
//! of any file under the data dir (the SQLite file, WAL and SHM, read while a process runs too).

use std::path::Path;

use base64::Engine as _;
use dintero_sandbox::{FaultRule, SandboxConfig};
use serde_json::Value;

use crate::common::*;

const SECRET: &str = "S3CR3T-cli-9e02c4d1-must-never-show";
const WRONG: &str = "WR0NG-cli-5d1f0a3b-must-never-show";
const TOKEN_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRpbnRlcm8tc2FuZGJveCJ9";

/// A sandbox whose account has [`SECRET`], and children that log at TRACE with `secret`.
fn world(secret: &str) -> World {
    let mut w = World::with_config(SandboxConfig {
        client_secret: SECRET.into(),
        ..SandboxConfig::default()
    });
    w.set_env(&[("KASSE_CLIENT_SECRET", secret), ("RUST_LOG", "trace")]);
    w
}

/// Every run's stdout and stderr, kept to be searched at the end.
#[derive(Default)]
struct Runs(Vec<String>);

impl Runs {
    fn run(&mut self, w: &World, args: &[&str]) -> Run {
        let r = w.run(args);
        self.keep(&format!("{args:?}"), &r);
        r
    }

    fn keep(&mut self, what: &str, r: &Run) {
        self.0.push(format!("{what}\n{}\n{}", r.stdout, r.stderr));
    }

    /// `kasse-cli [--json] ARGS`, which must succeed.
    fn ok(&mut self, w: &World, json: bool, args: &[&str]) -> Run {
        let args: Vec<&str> = json
            .then_some("--json")
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let r = self.run(w, &args);
        assert!(r.ok(), "{args:?}: {r:#?}");
        r
    }

    /// `kasse-cli [--json] charge --order ORDER`; the new checkout session at the sandbox.
    fn charge(&mut self, w: &World, json: bool, order: &str) -> (Run, Value) {
        let r = self.ok(w, json, &["charge", "--order", order]);
        (r, w.control.sessions().last().unwrap().clone())
    }
}

/// What must never show: the client secret, raw and inside the Basic credentials, the header
/// every access token of this sandbox starts with, and `more`.
fn needles<const N: usize>(more: [(&'static str, String); N]) -> Vec<(&'static str, Vec<u8>)> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("kasse-demo:{SECRET}"));
    let mut all: Vec<(&str, Vec<u8>)> = vec![
        ("the client secret", SECRET.into()),
        ("the Basic credentials", basic.into()),
        ("an access token", TOKEN_HEADER.into()),
    ];
    all.extend(more.into_iter().map(|(what, s)| (what, s.into_bytes())));
    all
}

/// Asserts that none of `needles` is in `bytes` (`place` says where they are from).
#[track_caller]
fn assert_clean(bytes: &[u8], needles: &[(&str, Vec<u8>)], place: &str) {
    for (what, needle) in needles {
        let found = !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!found, "{what} in {place}");
    }
}

/// Asserts that no file under `dir` holds a needle; their names and sizes.
fn assert_files_clean(dir: &Path, needles: &[(&str, Vec<u8>)], when: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("a readable entry"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let p = e.path();
            let bytes = std::fs::read(p).unwrap();
            assert_clean(&bytes, needles, &format!("{} {when}", p.display()));
            format!(
                "{} ({} bytes)",
                p.file_name().unwrap().to_string_lossy(),
                bytes.len()
            )
        })
        .collect()
}

#[test]
fn neither_the_secret_nor_a_token_shows_in_output_logs_or_files() {
    let w = world(SECRET);
    let mut runs = Runs::default();
    let order = w.order_file(ORDER);
    let order = path_str(&order);

    for json in [true, false] {
        // Sell, pay, capture, refund a line.
        let (r, session) = runs.charge(&w, json, order);
        let sid = session["id"].as_str().unwrap();
        let reference = reference_of(&session);
        assert!(r.stdout.contains(&reference) || r.stdout.contains(sid));
        w.control.pay(sid, CARD_OK).unwrap();
        runs.ok(&w, json, &["wait", sid]);
        // A capture answered 503 after it happened: settled by reference.
        w.control.set_faults(vec![FaultRule {
            after: true,
            status: Some(503),
            ..post_once("/v1/transactions/*/capture")
        }]);
        runs.ok(&w, json, &["capture", &reference]);
        runs.ok(
            &w,
            json,
            &[
                "refund", "--line", "1:1", "--reason", "returned", &reference,
            ],
        );
        runs.ok(&w, json, &["show", &reference]);
        // Void one, cancel one.
        let (_, s) = runs.charge(&w, json, order);
        w.control.pay(s["id"].as_str().unwrap(), CARD_OK).unwrap();
        let r = reference_of(&s);
        runs.ok(&w, json, &["wait", &r]);
        runs.ok(&w, json, &["void", &r]);
        let (_, s) = runs.charge(&w, json, order);
        runs.ok(&w, json, &["cancel", &reference_of(&s)]);
        for args in [&["sync"][..], &["transactions"], &["journal", "verify"]] {
            runs.ok(&w, json, args);
        }
    }

    // Errors: a wrong secret, a refused token.
    let wrong = world(WRONG);
    let r = runs.run(&wrong, &["--json", "charge", "--order", order]);
    // The error is the one JSON line on stderr among the TRACE log lines.
    let error: Value = r
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v.get("error").is_some())
        .unwrap_or_default();
    assert_eq!(error["error"]["code"], "unauthorized", "{r:#?}");
    assert!(!r.ok());
    let r = runs.run(&wrong, &["charge", "--order", order]);
    assert!(!r.ok());
    w.control.set_faults(vec![FaultRule {
        path: Some("/v1/accounts/*/auth/token".into()),
        status: Some(401),
        ..FaultRule::default()
    }]);
    let r = runs.run(&w, &["--json", "sync"]);
    assert!(!r.ok(), "{r:#?}");
    w.control.clear_faults();

    // What to look for.
    let fetched = w.block_on(w.dintero_client(SECRET).fetch_token()).unwrap();
    let tokens = [
        fetched.access_token.expose().to_owned(),
        w.control.access_token(),
    ];
    assert!(tokens.iter().all(|t| t.starts_with(TOKEN_HEADER)));
    let needles = needles([
        ("a wrong secret", WRONG.to_owned()),
        ("access token #1", tokens[0].clone()),
        ("access token #2", tokens[1].clone()),
    ]);

    // A process still running (charge --wait) holds the WAL and SHM files: read them too.
    let sessions = w.control.sessions().len();
    let waiting = w
        .cmd(&["--json", "charge", "--wait", "--order", order])
        .spawn()
        .unwrap();
    let session = w.until("the waiting charge's session", || {
        let all = w.control.sessions();
        (all.len() > sessions).then(|| all.last().unwrap()["id"].as_str().unwrap().to_owned())
    });
    let live = assert_files_clean(&w.data_dir(), &needles, "(while running)");
    assert!(live.iter().any(|n| n.contains("-wal ")), "{live:?}");
    w.control.pay(&session, CARD_OK).unwrap();
    let r = finish(waiting, PATIENCE);
    assert!(r.ok(), "{r:#?}");
    runs.keep("charge --wait", &r);

    let all = runs.0.join("\n");
    assert!(
        all.contains("TRACE") || all.contains("DEBUG"),
        "logs at the finest level were printed"
    );
    assert!(
        all.contains("dintero.call"),
        "the client's calls were logged"
    );
    assert_clean(all.as_bytes(), &needles, "the output of kasse-cli");
    let mut names = assert_files_clean(&w.data_dir(), &needles, "");
    names.extend(assert_files_clean(&wrong.data_dir(), &needles, ""));
    assert!(
        names.iter().any(|n| n.starts_with("kasse.sqlite ")),
        "{names:?}"
    );
    println!(
        "secrets: {} kasse-cli runs, {} bytes of output and TRACE logs, files {names:?} (and {live:?} while one ran): no secret, no token",
        runs.0.len(),
        all.len()
    );
}

/// `kasse-cli diagnostics` on a data dir that holds the client secret twice (the environment's,
/// and another in the desktop app's fallback secret file), a manager PIN used on a void, sales,
/// and a log line that let a secret and a token slip: the zip holds what support needs (the
/// version and commit, settings, the journal check, counts, today's logs) and no secret, PIN or
/// token in any of its files.
#[test]
fn the_diagnostics_zip_holds_what_support_needs_and_no_secret_pin_or_token() {
    const PIN: &str = "582917";
    const APP_SECRET: &str = "APP-S3CR3T-3b7e41c0-in-the-secret-file";
    let w = world(SECRET);
    let set = w.run_with_stdin(
        &[
            "--json", "pin", "set", "--role", "manager", "--name", "Mona",
        ],
        &format!("{PIN}\n"),
    );
    assert!(set.ok(), "{set:#?}");
    let (c, _) = w.paid_sale();
    let reference = c["merchant_reference"].as_str().unwrap().to_owned();
    let void = w.run_with_stdin(
        &["--json", "void", "--pin-stdin", &reference],
        &format!("{PIN}\n"),
    );
    assert!(void.ok(), "{void:#?}");
    let (c, _) = w.paid_sale();
    let captured = w.run(&[
        "--json",
        "capture",
        c["merchant_reference"].as_str().unwrap(),
    ]);
    assert!(captured.ok(), "{captured:#?}");

    let token = w.control.access_token();
    assert!(token.starts_with(TOKEN_HEADER));
    std::fs::write(w.data_dir().join("secret-T12345678"), APP_SECRET).unwrap();
    let day = time::OffsetDateTime::now_utc().date();
    let leaked = w.data_dir().join(format!("logs/kasse-app.{day}.log"));
    std::fs::write(
        &leaked,
        format!("a line that should never have been: {SECRET} {APP_SECRET} Bearer {token}\n"),
    )
    .unwrap();

    let zip_path = w.dir.path().join("support.zip");
    let r = w.run(&["--json", "diagnostics", "--out", path_str(&zip_path)]);
    let line = r.one();
    assert_eq!(line["diagnostics"]["journal_ok"], true, "{line}");

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        files.insert(f.name().to_owned(), text);
    }
    let needles = needles([
        ("the secret file's secret", APP_SECRET.to_owned()),
        ("the sandbox's token", token.clone()),
        ("the manager's PIN", PIN.to_owned()),
    ]);
    for (name, text) in &files {
        assert_clean(text.as_bytes(), &needles, name);
    }

    let cli_log = format!("logs/kasse-cli.{day}.log");
    let app_log = format!("logs/kasse-app.{day}.log");
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    for expected in [
        "about.json",
        "settings.json",
        "journal-verify.json",
        cli_log.as_str(),
        app_log.as_str(),
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    assert!(
        files[&app_log].contains("[redacted] [redacted] Bearer [token]"),
        "{}",
        files[&app_log]
    );
    assert!(
        files[&cli_log].contains("kasse-cli started"),
        "{}",
        files[&cli_log]
    );
    assert!(
        files[&cli_log].contains("operation requested"),
        "{}",
        files[&cli_log]
    );

    let about: Value = serde_json::from_str(&files["about.json"]).unwrap();
    assert_eq!(about["program"], "kasse-cli");
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert!(!about["commit"].as_str().unwrap().is_empty(), "{about}");
    assert!(!about["os"].as_str().unwrap().is_empty(), "{about}");
    assert_eq!(about["schema_version"], about["schema_version_supported"]);
    assert_eq!(about["counts"]["sales"], 2, "{about}");
    assert_eq!(about["journal_ok"], true);
    let settings: Value = serde_json::from_str(&files["settings.json"]).unwrap();
    assert_eq!(settings["configuration"]["KASSE_CLIENT_SECRET"], "set");
    assert_eq!(settings["configuration"]["KASSE_ACCOUNT_ID"], "T12345678");
    assert_eq!(settings["settings"]["profile_id"], "default");
    let verify: Value = serde_json::from_str(&files["journal-verify.json"]).unwrap();
    assert_eq!(verify["journal"]["ok"], true, "{verify}");
    assert!(verify["journal"]["rows"].as_u64().unwrap() > 5, "{verify}");
}
