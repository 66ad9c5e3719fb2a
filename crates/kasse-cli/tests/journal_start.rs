//! The start-up journal check of `kasse-cli` (issue 6 §4): every command that opens the log
//! first checks the rows added since the last sound check; a journal changed outside Kasse is
//! reported on stderr (naming the row; a `{"warning":…}` line with `--json`) and the command
//! still does its work, so a counter is never stopped from selling by it.

mod common;

use common::*;

fn untriggered(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
         DROP TRIGGER events_append_at_end;",
    )
    .unwrap();
    conn
}

#[test]
fn an_altered_journal_is_named_on_stderr_and_the_command_still_runs() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let order = order.to_str().unwrap();
    w.run(&["--json", "charge", "--order", order]).one();
    // A sound journal: no warning.
    let listed = w.run(&["--json", "transactions"]);
    assert_eq!(listed.json_ok().len(), 1);
    assert_eq!(listed.stderr, "", "{listed:#?}");

    // A second sale, then someone edits its opening row in the file.
    w.run(&["--json", "charge", "--order", order]).one();
    let conn = untriggered(&w.db_path());
    let seq: i64 = conn
        .query_row(
            "SELECT max(seq) FROM events WHERE kind = 'sale_opened'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let edited = conn
        .execute(
            &format!(
                "UPDATE events SET data = replace(data, '\"amount\":{ORDER_AMOUNT}', '\"amount\":100') WHERE seq = {seq}"
            ),
            [],
        )
        .unwrap();
    assert_eq!(edited, 1);
    drop(conn);

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
    assert!(
        verify.stdout.contains(&format!("row {seq} was altered")),
        "{verify:#?}"
    );
}
