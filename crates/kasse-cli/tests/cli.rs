//! The `kasse-cli` contract (DESIGN.md §4.3), end to end: the real binary as a child process
//! against an in-process `dintero-sandbox`, checking the exact JSON Lines, stderr and exit codes.

mod common;

use common::*;
use serde_json::Value;

/// `--json charge --order FILE`: the one charge line.
fn charge(w: &World) -> Value {
    let order = w.order_file(ORDER);
    w.run(&["--json", "charge", "--order", path_str(&order)])
        .one()
}

/// A sale the customer has paid (authorised), followed to the end with `wait`.
/// Returns (charge line, transaction id).
fn paid_sale(w: &World) -> (Value, String) {
    let c = charge(w);
    let sid = c["session_id"].as_str().unwrap();
    w.control.pay(sid, CARD_OK).expect("pay");
    let lines = w.run(&["--json", "wait", sid]).json_ok();
    let last = lines.last().unwrap();
    assert_eq!(last["status"], "authorized", "{lines:?}");
    (c, last["transaction_id"].as_str().unwrap().to_owned())
}

/// Sums of the successful events named `name` in a sandbox transaction.
fn sandbox_sum(tx: &Value, name: &str) -> i64 {
    tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == name && e["success"] == true)
        .map(|e| e["amount"].as_i64().unwrap_or(0))
        .sum()
}

#[test]
fn charge_prints_the_checkout_line_from_a_file_and_from_stdin() {
    let w = World::new();
    let c = charge(&w);
    assert_eq!(
        keys(&c),
        [
            "amount",
            "currency",
            "merchant_reference",
            "session_id",
            "url",
            "vat_amount"
        ]
    );
    assert_eq!(c["amount"], ORDER_AMOUNT);
    // 7800 × 25/125 = 1560, 2500 × 15/115 = 326.09 → 326.
    assert_eq!(c["vat_amount"], 1886);
    assert_eq!(c["currency"], "NOK");
    assert_eq!(
        c["merchant_reference"],
        "KASSE1-".to_owned() + &today() + "-0001"
    );
    let sid = c["session_id"].as_str().unwrap();
    assert!(c["url"].as_str().unwrap().ends_with(sid), "{c}");
    let session = w
        .control
        .session(sid)
        .expect("the session exists at Dintero");
    assert_eq!(session["order"]["amount"], ORDER_AMOUNT);
    assert_eq!(
        session["order"]["merchant_reference"],
        c["merchant_reference"]
    );

    let from_stdin = w
        .run_with_stdin(&["--json", "charge", "--order", "-"], ORDER)
        .one();
    assert_eq!(keys(&from_stdin), keys(&c));
    assert_eq!(from_stdin["amount"], ORDER_AMOUNT);
    assert_eq!(
        from_stdin["merchant_reference"],
        "KASSE1-".to_owned() + &today() + "-0002"
    );
    assert_ne!(from_stdin["session_id"], c["session_id"]);
    // Line ids are the 1-based positions.
    let s2 = w
        .control
        .session(from_stdin["session_id"].as_str().unwrap())
        .unwrap();
    let ids: Vec<&str> = s2["order"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["line_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);
}

#[test]
fn charge_wait_follows_the_payment_to_authorised_and_exits_0() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut child = w
        .cmd(&["--json", "charge", "--order", path_str(&order), "--wait"])
        .spawn()
        .unwrap();
    let stderr = collect_stderr(&mut child);
    let mut lines = Lines::new(child.stdout.take().unwrap());
    let c = lines.next_json();
    let sid = c["session_id"].as_str().unwrap().to_owned();
    let first = lines.next_json();
    assert_eq!(first["status"], "waiting", "{first}");
    w.control.visit(&sid).unwrap();
    let tx = w.control.pay(&sid, CARD_OK).unwrap();
    let rest: Vec<Value> = lines
        .rest()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status = wait_for(&mut child, PATIENCE);
    let stderr = stderr.join().unwrap();
    assert!(status.success(), "exit {status:?}, stderr {stderr}");
    let last = rest.last().expect("a final line");
    for l in std::iter::once(&first).chain(&rest) {
        assert_eq!(keys(l), ["session_id", "status", "transaction_id"], "{l}");
        assert_eq!(l["session_id"], sid.as_str());
    }
    assert_eq!(last["status"], "authorized");
    assert_eq!(last["transaction_id"], tx["id"]);
    // One line per change: no status repeats back to back.
    let statuses: Vec<&str> = std::iter::once(&first)
        .chain(&rest)
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert!(statuses.windows(2).all(|p| p[0] != p[1]), "{statuses:?}");
}

#[test]
fn charge_wait_exits_non_zero_when_the_card_is_declined() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut child = w
        .cmd(&["--json", "charge", "--order", path_str(&order), "--wait"])
        .spawn()
        .unwrap();
    let stderr = collect_stderr(&mut child);
    let mut lines = Lines::new(child.stdout.take().unwrap());
    let c = lines.next_json();
    let sid = c["session_id"].as_str().unwrap().to_owned();
    w.control.pay(&sid, CARD_DECLINED).unwrap();
    let rest = lines.rest();
    let status = wait_for(&mut child, PATIENCE);
    let _ = stderr.join();
    let last: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(keys(&last), ["session_id", "status", "transaction_id"]);
    assert_eq!(last["status"], "declined", "{rest:?}");
    assert!(last["transaction_id"].is_string());
    assert_eq!(status.code(), Some(3), "{rest:?}");
}

#[test]
fn text_wait_says_paid_or_not_in_words() {
    let w = World::new();
    let declined = charge(&w);
    w.control
        .pay(declined["session_id"].as_str().unwrap(), CARD_DECLINED)
        .unwrap();
    let run = w.run(&["wait", declined["merchant_reference"].as_str().unwrap()]);
    assert_eq!(run.code(), Some(3), "{run:?}");
    assert!(
        run.stdout
            .trim_end()
            .ends_with("NOT PAID: the card was declined"),
        "{}",
        run.stdout
    );

    let paid = charge(&w);
    w.control
        .pay(paid["session_id"].as_str().unwrap(), CARD_OK)
        .unwrap();
    let reference = paid["merchant_reference"].as_str().unwrap();
    let run = w.run(&["wait", reference]);
    assert!(run.ok(), "{run:?}");
    let last = run.stdout.lines().last().unwrap();
    assert!(last.contains("PAID: 103.00 NOK authorised"), "{last}");
    assert!(
        last.contains(&format!("kasse-cli capture {reference}")),
        "{last}"
    );
}

#[test]
fn wait_follows_a_session_and_answers_at_once_when_it_is_settled() {
    let w = World::new();
    let c = charge(&w);
    let sid = c["session_id"].as_str().unwrap().to_owned();
    let mut child = w.cmd(&["--json", "wait", &sid]).spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    let mut lines = Lines::new(child.stdout.take().unwrap());
    let first = lines.next_json();
    assert_eq!(first["status"], "waiting");
    // Customer is paying (INITIATED), then pays.
    w.control
        .pay_with(
            &sid,
            dintero_sandbox::PayOptions {
                card: Some(CARD_OK.into()),
                initiate_only: true,
                ..Default::default()
            },
        )
        .unwrap();
    let paying = lines.next_json();
    assert_eq!(paying["status"], "paying", "{paying}");
    w.control.pay(&sid, CARD_OK).unwrap();
    let rest = lines.rest();
    assert!(wait_for(&mut child, PATIENCE).success(), "{rest:?}");
    let _ = stderr.join();
    let last: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(keys(&last), ["session_id", "status", "transaction_id"]);
    assert_eq!(last["status"], "authorized");

    // Settled already: one line, at once, by merchant reference too.
    let again = w
        .run(&["--json", "wait", c["merchant_reference"].as_str().unwrap()])
        .one();
    assert_eq!(again, last);
}

#[test]
fn cancel_withdraws_the_checkout_and_refuses_twice() {
    let w = World::new();
    let c = charge(&w);
    let sid = c["session_id"].as_str().unwrap();
    let sale = w.run(&["--json", "cancel", sid]).one();
    assert_sale_shape(&sale);
    assert_eq!(sale["status"], "cancelled");
    assert_eq!(sale["session_id"], sid);
    assert!(
        !w.control.session(sid).unwrap()["cancelled_at"].is_null(),
        "cancelled at Dintero"
    );
    let (code, message) = w.run(&["--json", "cancel", sid]).json_error();
    assert_eq!(code, "invalid_state");
    assert!(message.contains("cancelled"), "{message}");
    // The customer can no longer pay it.
    assert!(w.control.pay(sid, CARD_OK).is_err());
}

#[test]
fn capture_void_and_refund_print_the_updated_sale() {
    let w = World::new();
    let (c, tid) = paid_sale(&w);
    let reference = c["merchant_reference"].as_str().unwrap();

    let part = w
        .run(&["--json", "capture", reference, "--amount", "5000"])
        .one();
    assert_sale_shape(&part);
    assert_eq!(part["transaction_id"], tid.as_str());
    assert_eq!(part["status"], "partially_captured");
    assert_eq!(part["captured"], 5000);
    let rest = w.run(&["--json", "capture", &tid]).one();
    assert_eq!(rest["status"], "captured");
    assert_eq!(rest["captured"], ORDER_AMOUNT);
    let (code, _) = w.run(&["--json", "capture", &tid]).json_error();
    assert_eq!(code, "invalid_state");

    let r1 = w
        .run(&["--json", "refund", reference, "--amount", "1000"])
        .one();
    assert_eq!(r1["status"], "partially_refunded");
    assert_eq!(r1["refunded"], 1000);
    // One coffee (39.00) and the bun (25.00), with a reason.
    let r2 = w
        .run(&[
            "--json", "refund", reference, "--line", "1:1", "--line", "2:1", "--reason", "returned",
        ])
        .one();
    assert_eq!(r2["refunded"], 1000 + 3900 + 2500);
    // More of line 2 than is left is refused before any call, naming the line.
    let (code, message) = w
        .run(&["--json", "refund", reference, "--line", "2:1"])
        .json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("lines[2]"), "{message}");
    // More than is left is refused before any call.
    let (code, _) = w
        .run(&["--json", "refund", reference, "--amount", "999999"])
        .json_error();
    assert_eq!(code, "amount_exceeds");

    let tx = w.control.transaction(&tid).unwrap();
    assert_eq!(sandbox_sum(&tx, "CAPTURE"), ORDER_AMOUNT);
    assert_eq!(sandbox_sum(&tx, "REFUND"), 7400);
    let line_refund = tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "REFUND" && e["amount"] == 6400)
        .expect("the line refund");
    let items: Vec<(&str, i64)> = line_refund["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["line_id"].as_str().unwrap(),
                i["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(items, [("1", 3900), ("2", 2500)]);

    // Void: a second, authorised sale.
    let (c2, tid2) = paid_sale(&w);
    let voided = w.run(&["--json", "void", &tid2]).one();
    assert_sale_shape(&voided);
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["merchant_reference"], c2["merchant_reference"]);
    assert_eq!(
        w.control.transaction(&tid2).unwrap()["status"],
        "AUTHORIZATION_VOIDED"
    );
    let (code, message) = w.run(&["--json", "refund", &tid2]).json_error();
    assert_eq!(code, "invalid_state", "{message}");
}

#[test]
fn capture_works_on_a_payment_nobody_was_watching() {
    // `charge` without --wait exits at once; the customer pays afterwards. Capturing by the
    // reference must find the payment, not answer "no payment yet".
    let w = World::new();
    let c = charge(&w);
    let sid = c["session_id"].as_str().unwrap();
    let tx = w.control.pay(sid, CARD_OK).unwrap();
    let captured = w
        .run(&[
            "--json",
            "capture",
            c["merchant_reference"].as_str().unwrap(),
        ])
        .one();
    assert_eq!(captured["status"], "captured");
    assert_eq!(captured["transaction_id"], tx["id"]);
}

#[test]
fn a_capture_killed_before_dintero_acted_is_held_back_until_the_grace_is_over_then_sent_once() {
    let mut w = World::new();
    w.extra_env = vec![
        ("KASSE_TIMEOUT_SECS".into(), "1".into()),
        ("KASSE_RECONCILE_GRACE_SECS".into(), "5".into()),
    ];
    let (_, tid) = paid_sale(&w);
    // The capture request is held 2 s before it takes effect; the counter dies meanwhile.
    w.control.set_faults(vec![dintero_sandbox::FaultRule {
        method: Some("POST".into()),
        path: Some("/v1/transactions/*/capture".into()),
        latency_ms: Some(2000),
        times: Some(1),
        ..Default::default()
    }]);
    let mut child = w.cmd(&["--json", "capture", &tid]).spawn().unwrap();
    w.until("the capture's intent in the log", || {
        let db = rusqlite::Connection::open(w.db_path()).ok()?;
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM events WHERE kind = 'operation_requested'",
                [],
                |r| r.get(0),
            )
            .ok()?;
        (n == 1).then_some(())
    });
    // Let the request reach the sandbox (it is held there), then SIGKILL.
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();

    // Right after the restart nothing new is sent: the first capture may still land.
    let (code, message) = w.run(&["--json", "capture", &tid]).json_error();
    assert_eq!(code, "invalid_state");
    assert!(message.contains("still being checked"), "{message}");
    let shown = w.run(&["show", &tid]);
    assert!(
        shown.stdout.contains("OUTCOME NOT KNOWN YET"),
        "{}",
        shown.stdout
    );

    // Once the grace is over the first capture is settled (found, or known not to have
    // happened), and the money is captured exactly once either way.
    let sale = w.until("the capture settles", || {
        let run = w.run(&["--json", "capture", &tid]);
        if run.ok() {
            return Some(run.one());
        }
        let (code, _) = run.json_error();
        assert_eq!(code, "invalid_state");
        let sale = w.run(&["--json", "show", &tid]).one();
        if sale["captured"] == ORDER_AMOUNT {
            return Some(sale);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        None
    });
    assert_eq!(sale["captured"], ORDER_AMOUNT);
    let tx = w.control.transaction(&tid).unwrap();
    let captures = tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "CAPTURE" && e["success"] == true)
        .count();
    assert_eq!(captures, 1, "{tx}");
    assert_eq!(tx["status"], "CAPTURED");
}

#[test]
fn transactions_lists_and_filters_sales() {
    let w = World::new();
    let (c1, tid1) = paid_sale(&w);
    w.run(&["--json", "capture", &tid1]).one();
    let (c2, _) = paid_sale(&w);
    let c3 = charge(&w);
    w.run(&["--json", "cancel", c3["session_id"].as_str().unwrap()])
        .one();

    let all = w.run(&["--json", "transactions"]).json_ok();
    assert_eq!(all.len(), 3);
    for s in &all {
        assert_sale_shape(s);
    }
    let refs: Vec<&Value> = all.iter().map(|s| &s["merchant_reference"]).collect();
    assert_eq!(
        refs,
        [
            &c3["merchant_reference"],
            &c2["merchant_reference"],
            &c1["merchant_reference"]
        ],
        "newest first"
    );
    assert_eq!(all[2]["status"], "captured");
    assert_eq!(all[2]["captured"], ORDER_AMOUNT);
    assert_eq!(all[2]["transaction_id"], tid1.as_str());

    let captured = w
        .run(&["--json", "transactions", "--status", "captured"])
        .json_ok();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0]["merchant_reference"], c1["merchant_reference"]);
    // Dintero's names work too, and several statuses combine.
    let dintero_name = w
        .run(&["--json", "transactions", "--status", "AUTHORIZED"])
        .json_ok();
    assert_eq!(dintero_name.len(), 1);
    assert_eq!(
        dintero_name[0]["merchant_reference"],
        c2["merchant_reference"]
    );
    let two = w
        .run(&[
            "--json",
            "transactions",
            "--status",
            "authorized",
            "--status",
            "cancelled",
        ])
        .json_ok();
    assert_eq!(two.len(), 2);

    let since_today = w
        .run(&["--json", "transactions", "--since", &today_dashed()])
        .json_ok();
    assert_eq!(since_today.len(), 3);
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let none = w
        .run(&["--json", "transactions", "--since", &tomorrow.to_string()])
        .json_ok();
    assert!(none.is_empty());

    let found = w
        .run(&[
            "--json",
            "transactions",
            "--search",
            c2["merchant_reference"].as_str().unwrap(),
        ])
        .json_ok();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["merchant_reference"], c2["merchant_reference"]);

    let limited = w.run(&["--json", "transactions", "--limit", "2"]).json_ok();
    assert_eq!(limited.len(), 2);

    let (code, message) = w
        .run(&["--json", "transactions", "--status", "bogus"])
        .json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("--status"), "{message}");
    let (code, message) = w
        .run(&["--json", "transactions", "--since", "yesterday"])
        .json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("--since"), "{message}");
}

#[test]
fn show_finds_a_sale_by_any_id_with_its_events() {
    let w = World::new();
    let (c, tid) = paid_sale(&w);
    w.run(&["--json", "capture", &tid]).one();
    w.run(&["--json", "refund", &tid, "--line", "1:1"]).one();
    let sid = c["session_id"].as_str().unwrap();
    let reference = c["merchant_reference"].as_str().unwrap();

    let d = w.run(&["--json", "show", reference]).one();
    for k in SALE_KEYS {
        assert!(d.get(k).is_some(), "show has {k}: {d}");
    }
    assert_eq!(d["transaction_id"], tid.as_str());
    assert_eq!(d["vat_amount"], 1886);
    assert_eq!(d["lines"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for k in [
        "sale_opened",
        "session_created",
        "status_observed",
        "operation_requested",
        "operation_succeeded",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let seqs: Vec<i64> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "oldest first");
    let ops = d["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0]["kind"], "capture");
    assert_eq!(ops[1]["kind"], "refund");
    assert_eq!(ops[1]["reference"], format!("{reference}-R1"));

    for id in [sid, tid.as_str()] {
        let other = w.run(&["--json", "show", id]).one();
        assert_eq!(other["merchant_reference"], reference);
    }

    let text = w.run(&["show", reference]);
    assert!(text.ok());
    assert!(
        text.stdout.contains("line 1: 2 × Coffee"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("refund {reference}-R1")),
        "{}",
        text.stdout
    );
}

#[test]
fn sync_imports_a_sale_made_at_another_counter_which_can_then_be_refunded_here() {
    let w = World::new();
    let here_sync = w.run(&["--json", "sync"]).one();
    assert_eq!(
        keys(&here_sync),
        [
            "imported",
            "open",
            "reconciled",
            "seen",
            "unreadable",
            "updated"
        ]
    );
    assert_eq!(here_sync["unreadable"], 0);

    // Counter 2, its own log.
    let other_dir = w.dir.path().join("counter2");
    let order = w.order_file(ORDER);
    let other = |args: &[&str]| w.run_cmd(w.cmd_at(&other_dir, "KASSE2", args), None);
    let c = other(&["--json", "charge", "--order", path_str(&order)]).one();
    let sid = c["session_id"].as_str().unwrap();
    let tx = w.control.pay(sid, CARD_OK).unwrap();
    let tid = tx["id"].as_str().unwrap();
    other(&["--json", "wait", sid]).json_ok();
    other(&["--json", "capture", tid]).one();

    let (code, _) = w.run(&["--json", "show", tid]).json_error();
    assert_eq!(code, "not_found");
    let report = w.run(&["--json", "sync"]).one();
    assert_eq!(report["imported"], 1, "{report}");
    assert!(report["seen"].as_i64().unwrap() >= 1);

    let imported = w.run(&["--json", "show", tid]).one();
    assert_eq!(imported["merchant_reference"], c["merchant_reference"]);
    assert_eq!(imported["status"], "captured");
    assert_eq!(imported["captured"], ORDER_AMOUNT);
    let listed = w.run(&["--json", "transactions"]).json_ok();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["transaction_id"], tid);

    let refunded = w
        .run(&[
            "--json", "refund", tid, "--amount", "500", "--reason", "goodwill",
        ])
        .one();
    assert_eq!(refunded["refunded"], 500);
    assert_eq!(
        sandbox_sum(&w.control.transaction(tid).unwrap(), "REFUND"),
        500
    );
    // A second sync imports nothing new.
    let again = w.run(&["--json", "sync"]).one();
    assert_eq!(again["imported"], 0, "{again}");
}

#[test]
fn sync_looks_at_open_sales_a_checkout_cancelled_elsewhere_shows_cancelled() {
    let w = World::new();
    let c = charge(&w);
    let sid = c["session_id"].as_str().unwrap().to_owned();
    // Cancelled through Dintero's API by someone else (the backoffice, another tool).
    let client = dintero_client::Client::new(
        dintero_client::Config::new(
            dintero_client::AccountId::parse("T12345678").unwrap(),
            "kasse-demo",
            "kasse-demo-secret",
        )
        .with_base_url(w.url.clone()),
    )
    .unwrap();
    w.block_on(client.cancel_session(&sid)).expect("cancel");
    let before = w.run(&["--json", "transactions"]).one();
    assert_eq!(before["status"], "waiting");

    let report = w.run(&["--json", "sync"]).one();
    assert_eq!(report["open"], 0, "{report}");
    let after = w.run(&["--json", "transactions"]).one();
    assert_eq!(after["status"], "cancelled");

    // One still waiting is counted, and stays waiting.
    let waiting = charge(&w);
    let report = w.run(&["--json", "sync"]).one();
    assert_eq!(report["open"], 1, "{report}");
    let text = w.run(&["sync"]);
    assert!(
        text.stdout.contains("1 sale still waiting for a customer"),
        "{}",
        text.stdout
    );
    let shown = w
        .run(&["--json", "show", waiting["session_id"].as_str().unwrap()])
        .one();
    assert_eq!(shown["status"], "waiting");
}

#[test]
fn journal_verify_passes_then_names_the_row_someone_edited() {
    let w = World::new();
    let (_, tid) = paid_sale(&w);
    w.run(&["--json", "capture", &tid]).one();

    let ok = w.run(&["--json", "journal", "verify"]).one();
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["journal"]["ok"], true);
    let rows = ok["journal"]["rows"].as_i64().unwrap();
    assert!(rows >= 5, "{ok}");
    assert!(ok["journal"]["problems"].as_array().unwrap().is_empty());
    let text = w.run(&["journal", "verify"]);
    assert!(
        text.ok() && text.stdout.contains("chain intact"),
        "{text:?}"
    );

    // Someone with the file: drops the append-only triggers and lowers the captured amount.
    let db = rusqlite::Connection::open(w.db_path()).unwrap();
    for t in ["events_no_update", "events_no_delete"] {
        db.execute_batch(&format!("DROP TRIGGER IF EXISTS {t}"))
            .unwrap();
    }
    let (seq, data): (i64, String) = db
        .query_row(
            "SELECT seq, data FROM events WHERE kind = 'sale_opened' ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(data.contains("10300"), "{data}");
    let changed = db
        .execute(
            "UPDATE events SET data = replace(data, '10300', '1030') WHERE seq = ?1",
            [seq],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);

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
    assert!(
        text.stdout.contains(&format!("row {seq} was altered")),
        "{}",
        text.stdout
    );
}

#[test]
fn a_bad_order_is_refused_naming_the_field_with_nothing_on_stdout() {
    let w = World::new();
    let cases = [
        (
            r#"{"currency":"NOK","lines":[{"description":"Coffee","quantity":"0","unit_price":3900,"vat":"25"}]}"#,
            "lines[1].quantity",
        ),
        (
            r#"{"currency":"NOK","lines":[{"description":"Coffee","quantity":"1","unit_price":3900,"vat":"25"},{"description":"Tea","quantity":"1","unit_price":"abc","vat":"25"}]}"#,
            "lines[2].unit_price",
        ),
        (r#"{"currency":"NOK","lines":[]}"#, "lines"),
        (
            r#"{"currency":"XYZ","lines":[{"description":"Coffee","quantity":"1","unit_price":3900,"vat":"25"}]}"#,
            "currency",
        ),
        ("{nope", "order"),
    ];
    for (order, field) in cases {
        let run = w.run_with_stdin(&["--json", "charge", "--order", "-"], order);
        let (code, message) = run.json_error();
        assert_eq!(code, "invalid_input", "{order}: {message}");
        assert!(
            message.contains(field),
            "{order}: message {message:?} names {field}"
        );
        // Text mode: one line on stderr.
        let text = w.run_with_stdin(&["charge", "--order", "-"], order);
        assert!(!text.ok());
        assert_eq!(text.stdout, "");
        assert_eq!(text.stderr.lines().count(), 1, "{:?}", text.stderr);
        assert!(text.stderr.starts_with("error: "), "{:?}", text.stderr);
    }
    // Nothing reached Dintero, nothing was logged.
    assert!(w.control.sessions().is_empty());
    assert!(w.run(&["--json", "transactions"]).json_ok().is_empty());

    let (code, message) = w
        .run(&["--json", "charge", "--order", "/no/such/order.json"])
        .json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("/no/such/order.json"), "{message}");
}

#[test]
fn missing_credentials_say_which_and_what_to_do() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut cmd = w.cmd(&["--json", "charge", "--order", path_str(&order)]);
    cmd.env_remove("KASSE_CLIENT_SECRET");
    let (code, message) = w.run_cmd(cmd, None).json_error();
    assert_eq!(code, "not_configured");
    assert!(message.contains("KASSE_CLIENT_SECRET"), "{message}");
    assert!(message.contains("--demo"), "{message}");

    let mut cmd = w.cmd(&["sync"]);
    for k in ["KASSE_ACCOUNT_ID", "KASSE_CLIENT_ID", "KASSE_CLIENT_SECRET"] {
        cmd.env_remove(k);
    }
    let run = w.run_cmd(cmd, None);
    assert!(!run.ok());
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    assert!(run.stderr.contains("KASSE_ACCOUNT_ID"), "{}", run.stderr);

    // The log alone needs no credentials.
    let mut cmd = w.cmd(&["--json", "transactions"]);
    cmd.env_remove("KASSE_CLIENT_SECRET");
    assert!(w.run_cmd(cmd, None).json_ok().is_empty());

    let mut cmd = w.cmd(&["--json", "transactions"]);
    cmd.env("KASSE_ACCOUNT_ID", "bogus");
    cmd.args(["--status", "captured"]);
    assert!(w.run_cmd(cmd, None).ok());
    let mut cmd = w.cmd(&["--json", "sync"]);
    cmd.env("KASSE_ACCOUNT_ID", "bogus");
    let (code, message) = w.run_cmd(cmd, None).json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.starts_with("KASSE_ACCOUNT_ID: "), "{message}");
    assert!(!message.contains("account_id:"), "{message}");

    let mut cmd = w.cmd(&["--json", "sync"]);
    cmd.env("KASSE_API_URL", w.url.trim_start_matches("http://"));
    let (code, message) = w.run_cmd(cmd, None).json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.starts_with("KASSE_API_URL: "), "{message}");
    assert!(
        message.contains("http://"),
        "says how to write it: {message}"
    );

    // A wrong secret is Dintero's refusal, said as such.
    let mut cmd = w.cmd(&["--json", "charge", "--order", path_str(&order)]);
    cmd.env("KASSE_CLIENT_SECRET", "wrong");
    let (code, message) = w.run_cmd(cmd, None).json_error();
    assert_eq!(code, "unauthorized");
    assert!(message.contains("client secret"), "{message}");
}

#[test]
fn an_unknown_sale_is_not_found_for_every_command() {
    let w = World::new();
    for args in [
        &["--json", "show", "KASSE1-20000101-0001"][..],
        &["--json", "wait", "nope"],
        &["--json", "cancel", "nope"],
        &["--json", "capture", "nope"],
        &["--json", "void", "nope"],
        &["--json", "refund", "nope", "--amount", "100"],
    ] {
        let (code, message) = w.run(args).json_error();
        assert_eq!(code, "not_found", "{args:?}: {message}");
        assert!(message.contains("sync"), "says what to do: {message}");
    }
    let text = w.run(&["show", "nope"]);
    assert!(!text.ok());
    assert_eq!(text.stderr.lines().count(), 1);
    assert!(text.stderr.contains("\"nope\""), "{}", text.stderr);
}

#[test]
fn usage_errors_are_json_with_json() {
    let w = World::new();
    let run = w.run(&["--json", "refund", "x", "--amount", "1", "--line", "1:1"]);
    let (code, message) = run.json_error();
    assert_eq!(code, "usage");
    assert!(message.contains("--amount"), "{message}");
    let run = w.run(&["--json", "refund", "x", "--line", "1"]);
    let (code, message) = run.json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("--line"), "{message}");
    // Without --json clap's own help-ful text, and a non-zero exit.
    let run = w.run(&["capture"]);
    assert!(!run.ok());
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

#[test]
fn text_charge_draws_a_qr_of_the_url_in_half_blocks() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let run = w.run(&["charge", "--order", path_str(&order)]);
    assert!(run.ok(), "{run:?}");
    let session = &w.control.sessions()[0];
    let url = &format!("{}/v1/view/{}", w.url, session["id"].as_str().unwrap());
    assert!(run.stdout.contains(url.as_str()), "{}", run.stdout);
    assert!(run.stdout.contains("103.00 NOK"), "{}", run.stdout);
    // Not a terminal: no colour escapes, dark modules drawn as blocks.
    assert!(!run.stdout.contains('\x1b'));
    let width = run.stdout.lines().next().unwrap().chars().count();
    let qr: Vec<&str> = run
        .stdout
        .lines()
        .take_while(|l| {
            l.chars().count() == width && l.chars().all(|c| matches!(c, '▀' | '▄' | '█' | ' '))
        })
        .collect();
    assert!(qr.len() > 10, "{}", run.stdout);
    assert!(qr.iter().any(|l| l.contains('▀') || l.contains('▄')));
    assert_eq!(decode_half_blocks(&qr), [url.to_owned()]);
    // The hint says how to follow it (stderr: not part of the result).
    assert!(run.stderr.contains("kasse-cli wait"), "{}", run.stderr);
}

#[test]
fn demo_charges_against_an_in_process_sandbox_without_credentials() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut cmd = w.cmd(&["--demo", "--json", "charge", "--order", path_str(&order)]);
    for k in [
        "KASSE_ACCOUNT_ID",
        "KASSE_CLIENT_ID",
        "KASSE_CLIENT_SECRET",
        "KASSE_API_URL",
        "KASSE_DATA_DIR",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("TMPDIR", w.dir.path());
    let c = w.run_cmd(cmd, None).one();
    assert!(
        c["session_id"].as_str().unwrap().starts_with("T12345678."),
        "{c}"
    );
    assert!(c["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(c["amount"], ORDER_AMOUNT);
    // Not this test's sandbox, and nothing left behind.
    assert!(w.control.sessions().is_empty());
    let left: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("kasse-demo"))
        .collect();
    assert!(left.is_empty(), "demo data dir removed: {left:?}");
}

#[test]
fn demo_charge_wait_is_paid_through_the_printed_checkout_page() {
    // The simulator lives inside the child: the customer pays on the page at the printed URL,
    // as a person would in a browser (the page's form post).
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut cmd = w.cmd(&[
        "--demo",
        "--json",
        "charge",
        "--order",
        path_str(&order),
        "--wait",
    ]);
    for k in [
        "KASSE_ACCOUNT_ID",
        "KASSE_CLIENT_ID",
        "KASSE_CLIENT_SECRET",
        "KASSE_API_URL",
        "KASSE_DATA_DIR",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("TMPDIR", w.dir.path());
    let mut child = cmd.spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    let mut lines = Lines::new(child.stdout.take().unwrap());
    let c = lines.next_json();
    let url = c["url"].as_str().unwrap().to_owned();
    let status = post_form(&format!("{url}/pay"), "card=4000000000000002");
    assert_eq!(status, 303, "the page sends the customer on");
    let rest = lines.rest();
    assert!(wait_for(&mut child, PATIENCE).success(), "{rest:?}");
    let _ = stderr.join();
    let last: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(last["status"], "authorized", "{rest:?}");
    assert_eq!(last["session_id"], c["session_id"]);
}

/// `POST url` with a form body over plain HTTP/1.1; the status code.
fn post_form(url: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"))
}

#[test]
fn output_into_a_closed_pipe_is_not_an_error() {
    let w = World::new();
    for _ in 0..3 {
        charge(&w);
    }
    let mut child = w.cmd(&["transactions"]).spawn().unwrap();
    drop(child.stdout.take());
    let stderr = collect_stderr(&mut child);
    let status = wait_for(&mut child, PATIENCE);
    let stderr = stderr.join().unwrap();
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(status.success(), "{status:?} {stderr}");
}

/// The half-block drawing back into modules (`▀` top dark, `▄` bottom dark, `█` both), then
/// decoded by rqrr.
fn decode_half_blocks(lines: &[&str]) -> Vec<String> {
    let width = lines[0].chars().count();
    let mut grid: Vec<Vec<bool>> = Vec::new();
    for l in lines {
        let chars: Vec<char> = l.chars().collect();
        assert_eq!(chars.len(), width, "every QR line is as wide");
        grid.push(chars.iter().map(|c| matches!(c, '▀' | '█')).collect());
        grid.push(chars.iter().map(|c| matches!(c, '▄' | '█')).collect());
    }
    grid.truncate(width);
    let scale = 4;
    let px = width * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
        if grid[y / scale][x / scale] {
            0
        } else {
            255
        }
    });
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("decodes").1)
        .collect()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn today_dashed() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

/// A grace shorter than the request timeout would let Kasse decide that a refund still on its
/// way did not happen: refused at start, naming the variable, before anything is sent.
#[test]
fn a_grace_shorter_than_the_request_timeout_is_refused() {
    let mut w = World::new();
    w.extra_env = vec![
        ("KASSE_TIMEOUT_SECS".into(), "30".into()),
        ("KASSE_RECONCILE_GRACE_SECS".into(), "10".into()),
    ];
    let run = w.run(&["--json", "sync"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    let (_, message) = run.json_error();
    assert!(
        message
            .starts_with("KASSE_RECONCILE_GRACE_SECS: must be at least the request timeout (30 s)"),
        "{message}"
    );
    w.extra_env = vec![
        ("KASSE_TIMEOUT_SECS".into(), "30".into()),
        ("KASSE_RECONCILE_GRACE_SECS".into(), "30".into()),
    ];
    assert!(w.run(&["--json", "sync"]).ok());
}
