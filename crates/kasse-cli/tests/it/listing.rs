//! Reading the log: `transactions` (newest first, filtered by status, date and search, limited)
//! and `show` (a sale by any of its ids, with its lines, events and operations); both read only
//! the local log, and printing into a closed pipe is not an error.

use serde_json::Value;

use crate::common::*;

#[test]
fn transactions_lists_and_filters_sales() {
    let w = World::new();
    let (c1, tid1) = w.paid_sale();
    w.run(&["--json", "capture", &tid1]).one();
    let (c2, _) = w.paid_sale();
    let c3 = w.charge();
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

    let today = time::OffsetDateTime::now_utc().date();
    let since_today = w
        .run(&["--json", "transactions", "--since", &today.to_string()])
        .json_ok();
    assert_eq!(since_today.len(), 3);
    let tomorrow = today.next_day().unwrap();
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

    w.run(&["--json", "transactions", "--status", "bogus"])
        .refused_naming("invalid_input", "--status");
    w.run(&["--json", "transactions", "--since", "yesterday"])
        .refused_naming("invalid_input", "--since");
}

#[test]
fn show_finds_a_sale_by_any_id_with_its_events() {
    let w = World::new();
    let (c, tid) = w.paid_sale();
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
    let kinds = each(&d["events"], |e| e["type"].as_str().unwrap());
    for k in [
        "sale_opened",
        "session_created",
        "status_observed",
        "operation_requested",
        "operation_succeeded",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let seqs = each(&d["events"], |e| e["seq"].as_i64().unwrap());
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
    text.says("line 1: 2 × Coffee");
    text.says(&format!("refund {reference}-R1"));
}

#[test]
fn output_into_a_closed_pipe_is_not_an_error() {
    let w = World::new();
    for _ in 0..3 {
        w.charge();
    }
    let mut child = w.cmd(&["transactions"]).spawn().unwrap();
    drop(child.stdout.take());
    let run = finish(child, PATIENCE);
    assert!(!run.stderr.contains("Broken pipe"), "{run:?}");
    assert!(run.ok(), "{run:?}");
}
