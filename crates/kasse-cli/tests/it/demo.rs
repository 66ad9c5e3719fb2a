//! `kasse-cli --demo`: no credentials, an in-process simulator inside the child, a throw-away
//! log that is removed on exit; the customer pays on the printed checkout page.

use crate::common::*;

#[test]
fn demo_charges_against_an_in_process_sandbox_without_credentials() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let cmd = w.demo_cmd(&["--json", "charge", "--order", path_str(&order)]);
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
    let mut child =
        Following::spawn(w.demo_cmd(&["--json", "charge", "--order", path_str(&order), "--wait"]));
    let c = child.next_json();
    let url = c["url"].as_str().unwrap().to_owned();
    let status = post_form(&format!("{url}/pay"), &format!("card={CARD_OK}"));
    assert_eq!(status, 303, "the page sends the customer on");
    let end = child.end();
    assert!(end.ok(), "{end:?}");
    let last = json_lines(&end.stdout).pop().expect("a final line");
    assert_eq!(last["status"], "authorized", "{end:?}");
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

/// `--lan` is demo mode's (the QR of a Dintero account is Dintero's): without `--demo` it is
/// refused before anything opens, naming `--demo`.
#[test]
fn lan_needs_demo() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let r = w.run(&["--lan", "charge", "--order", path_str(&order)]);
    assert_eq!(r.code(), Some(2), "{r:?}");
    assert!(r.stderr.contains("--demo"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}
