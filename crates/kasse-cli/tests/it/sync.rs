//! `sync`: sales made at another counter are imported (and can then be operated on here), and
//! every sale still open is looked at once, since no watcher outlives a `kasse-cli` process.

use crate::common::*;

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

    w.run(&["--json", "show", tid]).refused("not_found");
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
    let c = w.charge();
    let sid = c["session_id"].as_str().unwrap().to_owned();
    // Cancelled through Dintero's API by someone else (the backoffice, another tool).
    let client = w.dintero_client(CLIENT_SECRET);
    w.block_on(client.cancel_session(&sid)).expect("cancel");
    let before = w.run(&["--json", "transactions"]).one();
    assert_eq!(before["status"], "waiting");

    let report = w.run(&["--json", "sync"]).one();
    assert_eq!(report["open"], 0, "{report}");
    let after = w.run(&["--json", "transactions"]).one();
    assert_eq!(after["status"], "cancelled");

    // One still waiting is counted, and stays waiting.
    let waiting = w.charge();
    let report = w.run(&["--json", "sync"]).one();
    assert_eq!(report["open"], 1, "{report}");
    let text = w.run(&["sync"]);
    text.says("1 sale still waiting for a customer");
    let shown = w
        .run(&["--json", "show", waiting["session_id"].as_str().unwrap()])
        .one();
    assert_eq!(shown["status"], "waiting");
}
