//! Secrets never leak (DESIGN.md §6), in the desktop app: with a known client
//! secret, set through Settings and used against an in-process sandbox (`KASSE_API_URL`), every
//! flow is run through the commands — settings, test connection (right and wrong secret),
//! charge, pay, capture, refund by line, void, cancel, sync, list, reports, CSV, and errors
//! (a 503, a refused token) — while every log line is captured at TRACE. Then neither the
//! secret (raw, or inside the Basic credentials) nor any access token (the tokens this sandbox
//! issues all start with the same JWT header; two fetched here are also looked for verbatim)
//! appears in any IPC answer, any log line, or any byte of any file under the data directory
//! (SQLite file, WAL and SHM included), read while the app runs and after it closed.
//!
//! The secret store here is in memory, so the data directory must not hold it at all; the
//! keyring and its 0600-file fallback are tested in `keyring.rs`.

use std::path::{Path, PathBuf};

use dintero_sandbox::{Control, FaultRule, LogCapture, Sandbox, SandboxConfig};
use serde_json::{json, Value};

use crate::harness::{open_state, settings_input, MockApp};

const ACCOUNT: &str = "T12345678";
const CLIENT_ID: &str = "kasse-secrets-test";
const SECRET: &str = "S3CR3T-kasse-4b1e9d07-must-never-show";
const WRONG: &str = "WR0NG-kasse-77aa1c2e-must-never-show";
/// `base64url({"alg":"HS256","typ":"JWT","kid":"dintero-sandbox"})`: how every token this
/// sandbox issues begins.
const TOKEN_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRpbnRlcm8tc2FuZGJveCJ9";

/// Every answer, as the page would have received it.
struct Answers(Vec<String>);

impl Answers {
    fn invoke(&mut self, app: &MockApp, cmd: &str, args: Value) -> Result<Value, Value> {
        let result = app.invoke(cmd, args);
        self.0.push(format!("{cmd}: {result:?}"));
        result
    }
}

/// What must never show, as bytes.
fn needles(tokens: &[String]) -> Vec<(String, Vec<u8>)> {
    let basic = base64(format!("{CLIENT_ID}:{SECRET}").as_bytes());
    let mut out = vec![
        ("the client secret".to_owned(), SECRET.as_bytes().to_vec()),
        (
            "a wrong secret typed in".to_owned(),
            WRONG.as_bytes().to_vec(),
        ),
        ("the Basic credentials".to_owned(), basic.into_bytes()),
        (
            "an access token (sandbox JWT header)".to_owned(),
            TOKEN_HEADER.as_bytes().to_vec(),
        ),
    ];
    for (i, t) in tokens.iter().enumerate() {
        out.push((format!("access token #{i}"), t.as_bytes().to_vec()));
    }
    out
}

/// Standard base64 with padding (what HTTP Basic credentials use).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_is_standard() {
    assert_eq!(base64(b"ab:c"), "YWI6Yw==");
    assert_eq!(base64(b"abcd"), "YWJjZA==");
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Reads every byte of every file under `dir`; returns the names of the files read.
fn assert_dir_clean(dir: &Path, needles: &[(String, Vec<u8>)], when: &str) -> Vec<String> {
    let mut all = Vec::new();
    files(dir, &mut all);
    let mut names = Vec::new();
    for path in all {
        let bytes = std::fs::read(&path).unwrap();
        for (what, needle) in needles {
            assert!(
                !find(&bytes, needle),
                "{what} found in {} ({when})",
                path.display()
            );
        }
        names.push(format!(
            "{} ({} bytes)",
            path.file_name().unwrap().to_string_lossy(),
            bytes.len()
        ));
    }
    names
}

fn wait_status(answers: &mut Answers, app: &MockApp, sale_id: &str, status: &str) -> Value {
    let d = app.wait_status(sale_id, status);
    answers.0.push(format!("sale_detail: {d}"));
    d
}

/// Charges `order` through the commands, pays it with an approved card and waits until it is
/// authorised; its sale id.
fn paid(answers: &mut Answers, app: &MockApp, control: &Control, order: &Value) -> String {
    let c = answers.invoke(app, "charge", order.clone()).unwrap();
    let sale = c["sale_id"].as_str().unwrap().to_owned();
    control
        .pay(c["session_id"].as_str().unwrap(), "4000000000000002")
        .unwrap();
    wait_status(answers, app, &sale, "authorized");
    sale
}

#[test]
fn neither_the_secret_nor_a_token_shows_in_answers_logs_or_files() {
    let logs = LogCapture::install();

    let sandbox = tauri::async_runtime::block_on(Sandbox::start(SandboxConfig {
        account_id: ACCOUNT.into(),
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        ..SandboxConfig::default()
    }))
    .unwrap();
    let control = sandbox.control();
    // The one test that points the app at a simulator this way (std serialises env access).
    std::env::set_var("KASSE_API_URL", sandbox.base_url());

    let dir = tempfile::tempdir().unwrap();
    let app = MockApp::new(open_state(dir.path(), false));
    let mut a = Answers(Vec::new());

    // Settings: the account and its secret.
    let s = a.invoke(&app, "settings_get", json!({})).unwrap();
    let mut input = settings_input(&s, json!({ "account_id": ACCOUNT, "client_id": CLIENT_ID }));
    // Testing a wrong secret first: refused, without repeating it.
    let mut wrong = input.clone();
    wrong["client_secret"] = json!(WRONG);
    let report = a
        .invoke(&app, "test_connection", json!({ "input": wrong }))
        .unwrap();
    assert_eq!(report["ok"], false, "{report}");
    input["client_secret"] = json!(SECRET);
    let report = a
        .invoke(&app, "test_connection", json!({ "input": input }))
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let saved = a
        .invoke(&app, "settings_save", json!({ "input": input }))
        .unwrap();
    assert_eq!(saved["has_secret"], true);
    let info = a.invoke(&app, "app_info", json!({})).unwrap();
    assert_eq!(info["mode"], "test", "{info}");
    // Testing with the stored secret (none typed).
    input["client_secret"] = Value::Null;
    let report = a
        .invoke(&app, "test_connection", json!({ "input": input }))
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");

    // Sell: pay, capture, refund a line.
    let order = json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "2", "unit_price": 3900, "vat": "25", "product_id": null},
        {"description": "Bun", "quantity": "1", "unit_price": 2500, "vat": "15", "product_id": null}]}});
    a.invoke(&app, "price_order", order.clone()).unwrap();
    let sale = paid(&mut a, &app, &control, &order);
    a.invoke(&app, "parked", json!({})).unwrap();
    // A capture whose answer is lost after it happened: settled by reference at once.
    control.set_faults(vec![FaultRule::answer_lost_once(
        "POST",
        "/v1/transactions/*/capture",
    )]);
    let captured = a
        .invoke(
            &app,
            "capture",
            json!({"saleId": sale, "input": {"amount": null, "key": "capture-1"}}),
        )
        .unwrap();
    assert_eq!(captured["sale"]["status"], "captured", "{captured}");
    // A refund refused with 429: a clear error; then done.
    control.set_faults(vec![FaultRule {
        status: Some(429),
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/refund")
    }]);
    let refused = a
        .invoke(
            &app,
            "refund",
            json!({"saleId": sale, "input": {"amount": null, "lines": [{"line_id": "1", "quantity": "1"}], "reason": "returned", "pin": null, "key": "refund-1"}}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], "network", "{refused}");
    a.invoke(
        &app,
        "refund",
        json!({"saleId": sale, "input": {"amount": null, "lines": [{"line_id": "1", "quantity": "1"}], "reason": "returned", "pin": null, "key": "refund-2"}}),
    )
    .unwrap();
    // Void one, cancel one.
    let voided = paid(&mut a, &app, &control, &order);
    a.invoke(
        &app,
        "void_sale",
        json!({ "saleId": voided, "key": "void-1" }),
    )
    .unwrap();
    let c = a.invoke(&app, "charge", order.clone()).unwrap();
    a.invoke(&app, "cancel_charge", json!({"saleId": c["sale_id"]}))
        .unwrap();
    // Look around.
    a.invoke(&app, "sync", json!({})).unwrap();
    a.invoke(&app, "list_sales", json!({"query": {"search": null, "statuses": [], "from": null, "to": null, "amount_min": null, "amount_max": null, "cursor": null, "limit": 50}})).unwrap();
    a.invoke(
        &app,
        "day_report",
        json!({"from": "2000-01-01", "to": "2100-01-01", "closing": false}),
    )
    .unwrap();
    let export = tempfile::tempdir().unwrap();
    let csv = export.path().join("day.csv");
    a.invoke(
        &app,
        "export_csv",
        json!({"from": "2000-01-01", "to": "2100-01-01", "path": csv}),
    )
    .unwrap();
    // The file is said to the person too.
    a.0.push(std::fs::read_to_string(&csv).unwrap());
    a.invoke(&app, "sale_detail", json!({ "saleId": sale }))
        .unwrap();
    a.invoke(&app, "settings_get", json!({})).unwrap();
    // What the page is handed before it loads (the first screen's data) is an answer too.
    let boot = kasse_app::boot_script(&app.state).expect("the boot script");
    assert!(
        boot.contains(CLIENT_ID),
        "the boot script has the settings: {boot}"
    );
    a.0.push(format!("boot script: {boot}"));
    // The token endpoint refuses (as after a revoked secret): a clear error, no secret.
    control.set_faults(vec![FaultRule {
        path: Some(format!("/v1/accounts/{ACCOUNT}/auth/token")),
        status: Some(401),
        ..FaultRule::default()
    }]);
    let report = a
        .invoke(&app, "test_connection", json!({ "input": input }))
        .unwrap();
    assert_eq!(report["ok"], false, "{report}");
    control.clear_faults();

    // Tokens, fetched the way Kasse fetches them, to look for verbatim too.
    let client = kasse_core::app::account_client(&kasse_app::state::app_config(
        &kasse_core::settings::Settings::default(),
        kasse_app::state::account(ACCOUNT, CLIENT_ID, SECRET),
    ))
    .unwrap();
    let fetched = tauri::async_runtime::block_on(client.fetch_token()).unwrap();
    let tokens = vec![
        fetched.access_token.expose().to_owned(),
        control.access_token(),
    ];
    for t in &tokens {
        assert!(
            t.starts_with(TOKEN_HEADER),
            "the header prefix covers every token"
        );
    }
    let needles = needles(&tokens);

    // IPC answers.
    let answers = a.0.join("\n");
    for (what, needle) in &needles {
        assert!(!find(answers.as_bytes(), needle), "{what} in an IPC answer");
    }
    // Files, while the app runs (WAL and SHM are there).
    let names = assert_dir_clean(dir.path(), &needles, "while running");
    assert!(
        names.iter().any(|n| n.starts_with("kasse.sqlite-wal")),
        "{names:?}"
    );
    // Logs at every level.
    let log = logs.bytes();
    assert!(
        find(&log, b"TRACE") || find(&log, b"DEBUG"),
        "the capture sees the finest levels"
    );
    assert!(
        find(&log, b"dintero.call"),
        "the client's calls were logged"
    );
    for (what, needle) in &needles {
        assert!(!find(&log, needle), "{what} in the logs");
    }
    println!(
        "secrets: {} IPC answers, {} log bytes, files {:?}: no secret, no token",
        a.0.len(),
        log.len(),
        names
    );

    // And after the app closed.
    drop(app);
    assert_dir_clean(dir.path(), &needles, "after closing");
}
