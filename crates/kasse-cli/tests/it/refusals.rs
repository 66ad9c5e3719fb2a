//! What `kasse-cli` refuses, and how it says so: a bad order naming its field, missing or wrong
//! credentials naming the variable and what to do, an unknown sale, a usage error (one JSON
//! line with `--json`), a reconcile grace shorter than the request timeout. Nothing reaches
//! Dintero and nothing is logged for any of them.

use crate::common::*;

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
        let message = run.refused("invalid_input");
        assert!(
            message.contains(field),
            "{order}: message {message:?} names {field}"
        );
        // Text mode: one line on stderr.
        w.run_with_stdin(&["charge", "--order", "-"], order)
            .text_error();
    }
    // Nothing reached Dintero, nothing was logged.
    assert!(w.control.sessions().is_empty());
    assert!(w.run(&["--json", "transactions"]).json_ok().is_empty());

    w.run(&["--json", "charge", "--order", "/no/such/order.json"])
        .refused_naming("invalid_input", "/no/such/order.json");
}

#[test]
fn missing_credentials_say_which_and_what_to_do() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let mut cmd = w.cmd(&["--json", "charge", "--order", path_str(&order)]);
    cmd.env_remove("KASSE_CLIENT_SECRET");
    let message = w
        .run_cmd(cmd, None)
        .refused_naming("not_configured", "KASSE_CLIENT_SECRET");
    assert!(message.contains("--demo"), "{message}");

    let mut cmd = w.cmd(&["sync"]);
    for k in ["KASSE_ACCOUNT_ID", "KASSE_CLIENT_ID", "KASSE_CLIENT_SECRET"] {
        cmd.env_remove(k);
    }
    let run = w.run_cmd(cmd, None);
    assert!(run.text_error().contains("KASSE_ACCOUNT_ID"), "{run:?}");

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
    let message = w.run_cmd(cmd, None).refused("invalid_input");
    assert!(message.starts_with("KASSE_ACCOUNT_ID: "), "{message}");
    assert!(!message.contains("account_id:"), "{message}");

    let mut cmd = w.cmd(&["--json", "sync"]);
    cmd.env("KASSE_API_URL", w.url.trim_start_matches("http://"));
    let message = w.run_cmd(cmd, None).refused("invalid_input");
    assert!(message.starts_with("KASSE_API_URL: "), "{message}");
    assert!(
        message.contains("http://"),
        "says how to write it: {message}"
    );

    // A wrong secret is Dintero's refusal, said as such.
    let mut cmd = w.cmd(&["--json", "charge", "--order", path_str(&order)]);
    cmd.env("KASSE_CLIENT_SECRET", "wrong");
    w.run_cmd(cmd, None)
        .refused_naming("unauthorized", "client secret");
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
        let message = w.run(args).refused("not_found");
        assert!(message.contains("sync"), "says what to do: {message}");
    }
    let text = w.run(&["show", "nope"]);
    assert!(text.text_error().contains("\"nope\""), "{text:?}");
}

#[test]
fn usage_errors_are_json_with_json() {
    let w = World::new();
    let run = w.run(&["--json", "refund", "x", "--amount", "1", "--line", "1:1"]);
    run.refused_naming("usage", "--amount");
    let run = w.run(&["--json", "refund", "x", "--line", "1"]);
    run.refused_naming("invalid_input", "--line");
    // Without --json clap's own help-ful text, and a non-zero exit.
    let run = w.run(&["capture"]);
    assert!(!run.ok());
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

/// A grace shorter than the request timeout would let Kasse decide that a refund still on its
/// way did not happen: refused at start, naming the variable, before anything is sent.
#[test]
fn a_grace_shorter_than_the_request_timeout_is_refused() {
    let mut w = World::new();
    w.set_env(&[
        ("KASSE_TIMEOUT_SECS", "30"),
        ("KASSE_RECONCILE_GRACE_SECS", "10"),
    ]);
    let run = w.run(&["--json", "sync"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    let (_, message) = run.json_error();
    assert!(
        message
            .starts_with("KASSE_RECONCILE_GRACE_SECS: must be at least the request timeout (30 s)"),
        "{message}"
    );
    w.set_env(&[
        ("KASSE_TIMEOUT_SECS", "30"),
        ("KASSE_RECONCILE_GRACE_SECS", "30"),
    ]);
    assert!(w.run(&["--json", "sync"]).ok());
}
