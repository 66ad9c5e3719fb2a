//! The tamper-evident journal from the terminal: `journal verify` passes on a sound log and
//! names the row or sale someone edited (exit 4); every command that opens the log first checks
//! the rows added since the last sound check. A log changed outside Kasse is read-only: the
//! commands that read report it on stderr (a `{"warning":…}` line with `--json`) and still show
//! what they read; those that write are refused with `journal_broken`, naming the row, and send
//! nothing to Dintero. `journal rebuild` rewrites changed sale rows from a sound journal.

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

/// A world with one sale paid and captured; its transaction id.
fn captured_sale() -> (World, String) {
    let w = World::new();
    let (_, tid) = w.paid_sale();
    w.run(&["--json", "capture", &tid]).one();
    (w, tid)
}

#[test]
fn journal_verify_passes_then_names_the_row_someone_edited() {
    let (w, _) = captured_sale();

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
fn an_altered_journal_makes_kasse_read_only_naming_the_row() {
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
    let sessions = w.control.sessions().len();

    // Reading goes on: the listing is complete on stdout, one warning line on stderr names
    // the row and says Kasse is read-only.
    let listed = w.run(&["--json", "transactions"]);
    assert_eq!(listed.json_ok().len(), 2, "reading still works");
    let warnings = json_lines(&listed.stderr);
    assert_eq!(warnings.len(), 1, "{listed:#?}");
    assert_eq!(keys(&warnings[0]), ["warning"]);
    assert_eq!(warnings[0]["warning"]["code"], "journal_broken");
    let message = warnings[0]["warning"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("row {seq} was altered")),
        "{message}"
    );
    assert!(message.contains("read-only"), "{message}");
    assert!(message.contains("journal verify"), "{message}");
    let shown = w.run(&["transactions"]);
    assert!(shown.ok(), "{shown:#?}");
    assert!(
        shown.stderr.starts_with(&format!(
            "warning: the sales log was changed outside Kasse (row {seq} was altered"
        )),
        "{shown:#?}"
    );

    // Writing stops, on every start: charge, capture, sync are refused, naming the row, and
    // nothing reaches Dintero.
    for _ in 0..2 {
        w.run(&["--json", "charge", "--order", order])
            .refused_naming("journal_broken", &format!("row {seq} was altered"));
    }
    w.run(&["--json", "sync"])
        .refused_naming("journal_broken", &format!("row {seq}"));
    let text = w.run(&["charge", "--order", order]);
    assert!(text.text_error().contains("read-only"), "{text:#?}");
    assert_eq!(
        w.control.sessions().len(),
        sessions,
        "no session was created"
    );

    // The full check names it too, and fails: by seq in JSON, in words in text.
    let verify = w.run(&["--json", "journal", "verify"]);
    assert_eq!(verify.code(), Some(4), "{verify:#?}");
    let report = &json_lines(&verify.stdout)[0];
    assert_eq!(report["journal"]["problems"][0]["seq"], seq, "{report}");
    assert_eq!(report["journal"]["problems"][0]["problem"], "hash_mismatch");
    assert_eq!(report["read_only"]["broken"], "row", "{report}");
    assert_eq!(report["read_only"]["seq"], seq, "{report}");
    let verify = w.run(&["journal", "verify"]);
    assert_eq!(verify.code(), Some(4), "{verify:#?}");
    verify.says(&format!("row {seq} was altered"));
    verify.says("READ-ONLY");
    // A changed journal is not rebuilt from.
    w.run(&["--json", "journal", "rebuild"])
        .refused_naming("journal_broken", &format!("row {seq}"));
}

#[test]
fn a_changed_sale_row_is_named_by_verify_and_rebuilt_from_the_journal() {
    let (w, tid) = captured_sale();
    // Someone raises what the sale says was captured.
    let conn = rusqlite::Connection::open(w.db_path()).unwrap();
    let sale_id: String = conn
        .query_row(
            "SELECT id FROM sales WHERE transaction_id = ?1",
            [&tid],
            |r| r.get(0),
        )
        .unwrap();
    let changed = conn
        .execute(
            "UPDATE sales SET captured = captured * 10 WHERE id = ?1",
            [&sale_id],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);

    // A refund decided from that row is refused, naming the sale, and sends nothing.
    w.run(&["--json", "refund", &tid, "--amount", "20000"])
        .refused_naming("journal_broken", &sale_id);
    assert_eq!(
        sandbox_sum(&w.control.transaction(&tid).unwrap(), "REFUND"),
        0
    );

    // `journal verify` names the sale and the field, and the log stays read-only.
    let verify = w.run(&["--json", "journal", "verify"]);
    assert_eq!(verify.code(), Some(4), "{verify:#?}");
    let report = &json_lines(&verify.stdout)[0];
    assert_eq!(report["journal"]["ok"], true, "{report}");
    let mismatches = report["projection"]["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1, "{report}");
    assert_eq!(mismatches[0]["sale_id"], sale_id.as_str());
    assert_eq!(mismatches[0]["differences"][0], "captured");
    assert_eq!(report["read_only"]["sale_id"], sale_id.as_str());
    let text = w.run(&["journal", "verify"]);
    text.says(&format!("sale {sale_id}: captured"));
    text.says("journal rebuild");
    w.run(&[
        "--json",
        "charge",
        "--order",
        path_str(&w.order_file(ORDER)),
    ])
    .refused_naming("journal_broken", &sale_id);

    // Rebuilt from the sound journal, the log checks out and Kasse writes again.
    let rebuilt = w.run(&["--json", "journal", "rebuild"]).one();
    assert_eq!(rebuilt["ok"], true, "{rebuilt}");
    assert_eq!(rebuilt["rebuilt"], 1);
    assert_eq!(rebuilt["read_only"], serde_json::Value::Null);
    let text = w.run(&["journal", "rebuild"]);
    assert!(text.ok(), "{text:#?}");
    text.says("sales: 1 rebuilt from the journal; the log checks out");
    assert!(w.run(&["journal", "verify"]).ok());
    w.run(&["--json", "refund", &tid, "--amount", "100"]).one();
}

#[test]
fn a_printed_chain_head_is_proven_or_refuted() {
    let (w, _) = captured_sale();
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

#[test]
fn a_closed_day_and_an_export_in_the_counters_stream_keep_the_journal_sound() {
    let (w, _) = captured_sale();
    // The app closes the day and exports on the same log (what its commands journal).
    let z_head = {
        let store = kasse_core::store::Store::open(w.db_path()).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let (from, to) = (now - time::Duration::days(1), now + time::Duration::days(1));
        let z = kasse_core::report::day_report(&store, from, to, true, "NOK").unwrap();
        let actor = kasse_core::staff::Actor::Staff {
            name: "Mona".into(),
            role: kasse_core::staff::Role::Manager,
        };
        let closed = kasse_core::sale::LogEvent::DayClosed {
            actor: actor.clone(),
            from,
            to,
            currency: z.currency,
            sales: z.sales,
            net: z.net,
            journal_head: z.journal_head.clone(),
        };
        store.journal_counter_event(&closed, now).unwrap();
        let exported = kasse_core::sale::LogEvent::JournalExported {
            actor,
            from,
            to,
            rows: 1,
        };
        store.journal_counter_event(&exported, now).unwrap();
        z.journal_head.unwrap()
    };
    let db = rusqlite::Connection::open(w.db_path()).unwrap();
    let kinds: Vec<String> = db
        .prepare("SELECT body FROM journal WHERE sale = 0 ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|b| {
            let row: serde_json::Value =
                serde_json::from_str(&unpack_body(&b.unwrap()).unwrap()).unwrap();
            assert_eq!(row["actor"]["name"], "Mona", "{row}");
            row["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(kinds, ["day_closed", "journal_exported"]);

    let ok = w
        .run(&["--json", "journal", "verify", "--head", &z_head])
        .one();
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["journal"]["ok"], true, "{ok}");
    assert_eq!(ok["anchor"]["result"]["anchor"], "holds", "{ok}");
}
