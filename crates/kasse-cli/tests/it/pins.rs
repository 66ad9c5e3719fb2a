//! Staff PINs through `kasse-cli`: `pin set|remove|list`, and the contract of a guarded command
//! (void, refund above the manager's limit): without `--pin-stdin`, or with a wrong PIN, exit 1
//! with `{"error":{"code":"pin_required"|"pin_wrong"|"pin_locked",…}}` and nothing sent to
//! Dintero; with the manager's PIN the journal names who did it.

use kasse_core::store::testing::unpack_body;
use serde_json::Value;

use crate::common::*;

/// The one JSON error line of a refused run: its `error` object.
#[track_caller]
fn pin_error(run: &Run, code: &str) -> Value {
    assert_eq!(run.code(), Some(1), "{run:#?}");
    assert_eq!(run.stdout, "", "{run:#?}");
    let lines = json_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{run:#?}");
    let e = lines[0]["error"].clone();
    assert_eq!(e["code"], code, "{run:#?}");
    assert!(e["message"].is_string(), "{e}");
    e
}

/// Mona the manager (4711) and Kari the cashier (1234).
/// A log with the staff of [`staff`] and one sale paid and captured: its reference and
/// transaction id.
fn staffed_and_captured() -> (World, String, String) {
    let w = World::new();
    staff(&w);
    let (c, tid) = w.paid_sale();
    let reference = c["merchant_reference"].as_str().unwrap().to_owned();
    w.run(&["--json", "capture", &reference]).one();
    (w, reference, tid)
}

fn staff(w: &World) {
    let set = w.run_with_stdin(
        &[
            "--json", "pin", "set", "--role", "manager", "--name", "Mona",
        ],
        "4711\n",
    );
    assert_eq!(
        set.one(),
        serde_json::json!({"pin": {"name": "Mona", "done": "set"}})
    );
    // Now PINs are the manager's to change.
    let no_pin = w.run_with_stdin(
        &[
            "--json", "pin", "set", "--role", "cashier", "--name", "Kari",
        ],
        "1234\n",
    );
    pin_error(&no_pin, "pin_required");
    w.run_with_stdin(
        &[
            "--json",
            "pin",
            "set",
            "--role",
            "cashier",
            "--name",
            "Kari",
            "--pin-stdin",
        ],
        "4711\n1234\n",
    )
    .one();
}

#[test]
fn pins_are_set_listed_and_removed_by_the_manager() {
    let w = World::new();
    let list = w.run(&["--json", "pin", "list"]).one();
    assert_eq!(list, serde_json::json!({"staff": [], "refund_limit": 0}));
    staff(&w);
    let list = w.run(&["--json", "pin", "list"]).one();
    assert_eq!(
        list["staff"],
        serde_json::json!([{"name": "Mona", "role": "manager"}, {"name": "Kari", "role": "cashier"}])
    );
    let bad = w.run_with_stdin(
        &[
            "--json",
            "pin",
            "set",
            "--role",
            "manager",
            "--name",
            "Mona",
            "--pin-stdin",
        ],
        "4711\n12\n",
    );
    let (code, message) = bad.json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.contains("4 to 8 digits"), "{message}");
    let wrong = w.run_with_stdin(
        &["--json", "pin", "remove", "Kari", "--pin-stdin"],
        "1234\n",
    );
    pin_error(&wrong, "manager_required");
    w.run_with_stdin(
        &["--json", "pin", "remove", "Kari", "--pin-stdin"],
        "4711\n",
    )
    .one();
    let list = w.run(&["--json", "pin", "list"]).one();
    assert_eq!(list["staff"].as_array().unwrap().len(), 1);
    // Nothing of a PIN in the log file.
    let bytes = std::fs::read(w.db_path()).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("$argon2id$") && !text.contains("4711"));
}

#[test]
fn a_guarded_command_without_the_right_pin_sends_nothing_and_locks_after_five() {
    let (w, reference, tid) = staffed_and_captured();
    let reference = reference.as_str();
    let (_, authorised) = w.paid_sale();
    pin_error(&w.run(&["--json", "void", &authorised]), "pin_required");
    let refund = |input: Option<&str>| {
        let mut args = vec!["--json", "refund", reference, "--amount", "1000"];
        match input {
            Some(pin) => {
                args.push("--pin-stdin");
                w.run_with_stdin(&args, pin)
            }
            None => w.run(&args),
        }
    };
    pin_error(&refund(None), "pin_required");
    let e = pin_error(&refund(Some("9999\n")), "pin_wrong");
    assert_eq!(e["tries_left"], 4);
    // A cashier's PIN is a right PIN: it forgives the wrong one before.
    pin_error(&refund(Some("1234\n")), "manager_required");
    for left in [4, 3, 2, 1] {
        let e = pin_error(&refund(Some("0000\n")), "pin_wrong");
        assert_eq!(e["tries_left"], left);
    }
    let e = pin_error(&refund(Some("0000\n")), "pin_locked");
    assert_eq!(e["seconds"], 30);
    assert!(e["locked_until"].as_str().unwrap().ends_with('Z'), "{e}");
    // Locked: even the right PIN is refused, by another process.
    let e = pin_error(&refund(Some("4711\n")), "pin_locked");
    assert!(e["seconds"].as_u64().unwrap() <= 30, "{e}");
    let void = w.run_with_stdin(&["--json", "void", &authorised, "--pin-stdin"], "4711\n");
    pin_error(&void, "pin_locked");
    let voided = w.control.transaction(&authorised).unwrap();
    assert!(sandbox_events(&voided).all(|e| e["event"] != "VOID"));

    let tx = w.control.transaction(&tid).unwrap();
    assert_eq!(sandbox_sum(&tx, "REFUND"), 0, "no refund reached Dintero");
    assert!(sandbox_events(&tx).all(|e| e["event"] != "VOID"));
    let shown = w.run(&["--json", "show", reference]).one();
    assert_eq!(
        shown["operations"].as_array().unwrap().len(),
        1,
        "the capture only"
    );
}

#[test]
fn the_managers_pin_refunds_and_the_journal_names_her() {
    let (w, reference, tid) = staffed_and_captured();
    let reference = reference.as_str();
    let r = w
        .run_with_stdin(
            &[
                "--json",
                "refund",
                reference,
                "--amount",
                "1000",
                "--pin-stdin",
            ],
            "4711\r\n",
        )
        .one();
    assert_eq!(r["refunded"], 1000);
    assert_eq!(
        sandbox_sum(&w.control.transaction(&tid).unwrap(), "REFUND"),
        1000
    );
    let db = rusqlite::Connection::open(w.db_path()).unwrap();
    let body: Vec<u8> = db
        .query_row(
            "SELECT body FROM journal WHERE intent IS NOT NULL ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let intent: Value = serde_json::from_str(&unpack_body(&body).unwrap()).unwrap();
    assert_eq!(
        intent["actor"],
        serde_json::json!({"kind": "staff", "name": "Mona", "role": "manager"})
    );
    // The PIN changes are in the counter's stream (journal key 0), without the PINs.
    let changes: Vec<String> = db
        .prepare("SELECT body FROM journal WHERE sale = 0 ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|b| unpack_body(&b.unwrap()).unwrap())
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes[1].contains(r#""setting":"pin:Kari""#) && !changes[1].contains("1234"));
}

#[test]
fn a_discount_above_the_managers_limit_needs_her_pin_and_the_checkout_gets_the_discounted_lines() {
    let w = World::new();
    staff(&w);
    let limit = w.run_with_stdin(
        &["--json", "pin", "discount-limit", "10", "--pin-stdin"],
        "4711\n",
    );
    assert!(limit.ok(), "{limit:#?}");
    let order = w.order_file(
        r#"{"currency":"NOK","lines":[
            {"description":"Kaffe","quantity":"3","unit_price":3333,"vat":"25","discount":{"percent":"15"}},
            {"description":"Bolle","quantity":"1","unit_price":2500,"vat":"15"}],
          "discount":{"amount":100}}"#,
    );
    let args = ["--json", "charge", "--order", path_str(&order)];
    pin_error(&w.run(&args), "pin_required");
    pin_error(
        &w.run_with_stdin(&[&args[..], &["--pin-stdin"]].concat(), "1234\n"),
        "manager_required",
    );
    let c = w
        .run_with_stdin(&[&args[..], &["--pin-stdin"]].concat(), "4711\n")
        .one();
    // 99.99 − 15.00 = 84.99; + 25.00 = 109.99; − 1.00 = 108.99.
    assert_eq!(c["amount"], 10899);
    let session = w
        .control
        .session(c["session_id"].as_str().unwrap())
        .unwrap();
    let items = session["order"]["items"].as_array().unwrap();
    let amounts: Vec<i64> = items
        .iter()
        .map(|i| i["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [8499 - 77, 2500 - 23]);
    assert_eq!(amounts.iter().sum::<i64>(), 10899);
    // Within the limit no PIN is asked.
    let small = w.order_file(
        r#"{"lines":[{"description":"Kaffe","quantity":"1","unit_price":3900,"vat":"25","discount":{"amount":390}}]}"#,
    );
    assert_eq!(
        w.run(&["--json", "charge", "--order", path_str(&small)])
            .one()["amount"],
        3510
    );
}
