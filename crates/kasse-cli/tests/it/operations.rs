//! Capture, void, refund and cancel through `kasse-cli`: each prints the updated sale; what is
//! not allowed is refused before any call; an operation whose process died is held back until
//! its outcome is known, then done exactly once.

use crate::common::*;

#[test]
fn cancel_withdraws_the_checkout_and_refuses_twice() {
    let w = World::new();
    let c = w.charge();
    let sid = c["session_id"].as_str().unwrap();
    let sale = w.run(&["--json", "cancel", sid]).one();
    assert_sale_shape(&sale);
    assert_eq!(sale["status"], "cancelled");
    assert_eq!(sale["session_id"], sid);
    assert!(
        !w.control.session(sid).unwrap()["cancelled_at"].is_null(),
        "cancelled at Dintero"
    );
    w.run(&["--json", "cancel", sid])
        .refused_naming("invalid_state", "cancelled");
    // The customer can no longer pay it.
    assert!(w.control.pay(sid, CARD_OK).is_err());
}

#[test]
fn capture_void_and_refund_print_the_updated_sale() {
    let w = World::new();
    let (c, tid) = w.paid_sale();
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
    w.run(&["--json", "capture", &tid]).refused("invalid_state");

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
    w.run(&["--json", "refund", reference, "--line", "2:1"])
        .refused_naming("invalid_input", "lines[2]");
    // More than is left is refused before any call.
    w.run(&["--json", "refund", reference, "--amount", "999999"])
        .refused("amount_exceeds");

    let tx = w.control.transaction(&tid).unwrap();
    assert_eq!(sandbox_sum(&tx, "CAPTURE"), ORDER_AMOUNT);
    assert_eq!(sandbox_sum(&tx, "REFUND"), 7400);
    let line_refund = sandbox_events(&tx)
        .find(|e| e["event"] == "REFUND" && e["amount"] == 6400)
        .expect("the line refund");
    let items = each(&line_refund["items"], |i| {
        (
            i["line_id"].as_str().unwrap(),
            i["amount"].as_i64().unwrap(),
        )
    });
    assert_eq!(items, [("1", 3900), ("2", 2500)]);

    // Void: a second, authorised sale.
    let (c2, tid2) = w.paid_sale();
    let voided = w.run(&["--json", "void", &tid2]).one();
    assert_sale_shape(&voided);
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["merchant_reference"], c2["merchant_reference"]);
    assert_eq!(
        w.control.transaction(&tid2).unwrap()["status"],
        "AUTHORIZATION_VOIDED"
    );
    w.run(&["--json", "refund", &tid2]).refused("invalid_state");
}

#[test]
fn capture_works_on_a_payment_nobody_was_watching() {
    // `charge` without --wait exits at once; the customer pays afterwards. Capturing by the
    // reference must find the payment, not answer "no payment yet".
    let w = World::new();
    let c = w.charge();
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
    w.set_env(&[
        ("KASSE_TIMEOUT_SECS", "1"),
        ("KASSE_RECONCILE_GRACE_SECS", "5"),
    ]);
    let (_, tid) = w.paid_sale();
    // The capture request is held 2 s before it takes effect; the counter dies meanwhile.
    w.control.set_faults(vec![dintero_sandbox::FaultRule {
        latency_ms: Some(2000),
        ..post_once("/v1/transactions/*/capture")
    }]);
    let mut child = w.cmd(&["--json", "capture", &tid]).spawn().unwrap();
    w.until("the capture's intent in the log", || {
        let db = rusqlite::Connection::open(w.db_path()).ok()?;
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM journal WHERE intent IS NOT NULL",
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
    w.run(&["--json", "capture", &tid])
        .refused_naming("invalid_state", "still being checked");
    let shown = w.run(&["show", &tid]);
    shown.says("OUTCOME NOT KNOWN YET");

    // Once the grace is over the first capture is settled (found, or known not to have
    // happened), and the money is captured exactly once either way.
    let sale = w.until("the capture settles", || {
        let run = w.run(&["--json", "capture", &tid]);
        if run.ok() {
            return Some(run.one());
        }
        run.refused("invalid_state");
        let sale = w.run(&["--json", "show", &tid]).one();
        if sale["captured"] == ORDER_AMOUNT {
            return Some(sale);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        None
    });
    assert_eq!(sale["captured"], ORDER_AMOUNT);
    let tx = w.control.transaction(&tid).unwrap();
    let captures = sandbox_events(&tx)
        .filter(|e| e["event"] == "CAPTURE")
        .count();
    assert_eq!(captures, 1, "{tx}");
    assert_eq!(tx["status"], "CAPTURED");
}
