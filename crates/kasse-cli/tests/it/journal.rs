//! The tamper-evident journal from the terminal: `journal verify` passes on a sound log and
//! names the row someone edited (exit 4); every command that opens the log first checks the rows
//! added since the last sound check, reports an altered journal on stderr (a `{"warning":…}`
//! line with `--json`) and still does its work, so a counter is never stopped from selling.

use std::path::Path;

use kasse_core::store::testing::{pack_body, unpack_body};

use crate::common::*;

/// What someone with the file does: drops the append-only triggers and, in the data of the row
/// that `pick_seq` (a query for one seq) finds, replaces `from` with `to`. Returns the row's seq.
fn tamper(db: &Path, pick_seq: &str, from: &str, to: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    for t in [
        "journal_no_update",
        "journal_no_delete",
        "journal_append_at_end",
    ] {
        conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {t}"))
            .unwrap();
    }
    let seq: i64 = conn.query_row(pick_seq, [], |r| r.get(0)).unwrap();
    let body: Vec<u8> = conn
        .query_row("SELECT body FROM journal WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap();
    let data = unpack_body(&body).unwrap();
    assert!(data.contains(from), "row {seq}: {data}");
    let changed = conn
        .execute(
            "UPDATE journal SET body = ?2 WHERE seq = ?1",
            rusqlite::params![seq, pack_body(&data.replace(from, to)).unwrap()],
        )
        .unwrap();
    assert_eq!(changed, 1);
    seq
}

#[test]
fn journal_verify_passes_then_names_the_row_someone_edited() {
    let w = World::new();
    let (_, tid) = w.paid_sale();
    w.run(&["--json", "capture", &tid]).one();

    let ok = w.run(&["--json", "journal", "verify"]).one();
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["journal"]["ok"], true);
    let rows = ok["journal"]["rows"].as_i64().unwrap();
    assert!(rows >= 5, "{ok}");
    assert!(ok["journal"]["problems"].as_array().unwrap().is_empty());
    let text = w.run(&["journal", "verify"]);
    assert!(text.ok(), "{text:?}");
    text.says("chain intact");

    // Someone with the file lowers the sale's amount.
    let seq = tamper(
        &w.db_path(),
        "SELECT seq FROM journal WHERE sale_id IS NOT NULL ORDER BY seq LIMIT 1",
        "10300",
        "1030",
    );

    let bad = w.run(&["--json", "journal", "verify"]);
    assert!(!bad.ok(), "{bad:?}");
    assert_eq!(bad.code(), Some(4));
    let report = json_lines(&bad.stdout).remove(0);
    assert_eq!(report["ok"], false);
    let problems = report["journal"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["seq"] == seq && p["problem"] == "hash_mismatch"),
        "row {seq} named: {report}"
    );
    let text = w.run(&["journal", "verify"]);
    assert_eq!(text.code(), Some(4));
    text.says(&format!("row {seq} was altered"));
}

#[test]
fn an_altered_journal_is_named_on_stderr_and_the_command_still_runs() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let order = path_str(&order);
    w.run(&["--json", "charge", "--order", order]).one();
    // A sound journal: no warning.
    let listed = w.run(&["--json", "transactions"]);
    assert_eq!(listed.json_ok().len(), 1);
    assert_eq!(listed.stderr, "", "{listed:#?}");

    // A second sale, then someone edits its opening row in the file.
    w.run(&["--json", "charge", "--order", order]).one();
    let seq = tamper(
        &w.db_path(),
        "SELECT max(seq) FROM journal WHERE sale_id IS NOT NULL",
        &format!("\"amount\":{ORDER_AMOUNT}"),
        "\"amount\":100",
    );

    // JSON: the listing is complete on stdout, one warning line on stderr names the row.
    let listed = w.run(&["--json", "transactions"]);
    assert_eq!(listed.json_ok().len(), 2, "the command still runs");
    let warnings = json_lines(&listed.stderr);
    assert_eq!(warnings.len(), 1, "{listed:#?}");
    assert_eq!(keys(&warnings[0]), ["warning"]);
    assert_eq!(warnings[0]["warning"]["code"], "journal_altered");
    let message = warnings[0]["warning"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("row {seq} was altered")),
        "{message}"
    );
    assert!(message.contains("journal verify"), "{message}");

    // Text, and on every start (the warning does not go away by itself).
    for _ in 0..2 {
        let shown = w.run(&["transactions"]);
        assert!(shown.ok(), "{shown:#?}");
        assert!(
            shown.stderr.starts_with(&format!(
                "warning: the sales journal was changed outside Kasse: row {seq} was altered"
            )),
            "{shown:#?}"
        );
    }

    // Selling goes on (a command that calls Dintero), with the same warning.
    let charged = w.run(&["--json", "charge", "--order", order]);
    assert_eq!(charged.json_ok().len(), 1);
    assert!(charged.stderr.contains("journal_altered"), "{charged:#?}");

    // The full check names it too, and fails: by seq in JSON, in words in text.
    let verify = w.run(&["--json", "journal", "verify"]);
    assert_eq!(verify.code(), Some(4), "{verify:#?}");
    let report = &json_lines(&verify.stdout)[0];
    assert_eq!(report["journal"]["problems"][0]["seq"], seq, "{report}");
    assert_eq!(report["journal"]["problems"][0]["problem"], "hash_mismatch");
    let verify = w.run(&["journal", "verify"]);
    assert_eq!(verify.code(), Some(4), "{verify:#?}");
    verify.says(&format!("row {seq} was altered"));
}

#[test]
fn a_printed_chain_head_is_proven_or_refuted() {
    let w = World::new();
    let (_, tid) = w.paid_sale();
    w.run(&["--json", "capture", &tid]).one();
    let report = w.run(&["--json", "journal", "verify"]).one();
    let head = report["head"].as_str().unwrap().to_owned();
    let (seq, hash) = head.split_once(':').unwrap();
    assert_eq!(hash.len(), 12, "{head}");

    let holds = w.run(&["journal", "verify", "--head", &head]);
    assert!(holds.ok(), "{holds:?}");
    holds.says(&format!("printed head {head}: holds"));

    let other = format!("{seq}:{}", "0".repeat(12));
    let differs = w.run(&["--json", "journal", "verify", "--head", &other]);
    assert_eq!(differs.code(), Some(4), "{differs:?}");
    let report = json_lines(&differs.stdout).remove(0);
    assert_eq!(report["ok"], false);
    assert_eq!(report["journal"]["ok"], true, "the chain itself is sound");
    assert_eq!(report["anchor"]["result"]["anchor"], "differs");

    let missing = w.run(&["journal", "verify", "--head", &format!("99999:{hash}")]);
    assert_eq!(missing.code(), Some(4));
    missing.says("there is no row 99999");

    let typo = w.run(&["journal", "verify", "--head", "12-9f86d081"]);
    assert_eq!(typo.code(), Some(2), "{typo:?}");
    assert!(typo.stderr.contains("SEQ:HASH"), "{typo:?}");
}
