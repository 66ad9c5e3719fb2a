//! `charge` and `wait`: the checkout line (JSON, and the QR in text), then following the payment
//! with one line per change to its end, and the exit code that says whether it was paid.

use kasse_core::qr::{qr_terminal_with, TerminalStyle};

use crate::common::*;

#[test]
fn charge_prints_the_checkout_line_from_a_file_and_from_stdin() {
    let w = World::new();
    let c = w.charge();
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
    let ids = each(&s2["order"]["items"], |i| i["line_id"].as_str().unwrap());
    assert_eq!(ids, ["1", "2"]);
}

/// `--json charge --order FILE --wait`, running; its first line (the checkout) read.
fn charge_wait(w: &World) -> (Following, String) {
    let order = w.order_file(ORDER);
    let mut child =
        Following::spawn(w.cmd(&["--json", "charge", "--order", path_str(&order), "--wait"]));
    let c = child.next_json();
    let sid = c["session_id"].as_str().unwrap().to_owned();
    (child, sid)
}

#[test]
fn charge_wait_follows_the_payment_to_authorised_and_exits_0() {
    let w = World::new();
    let (mut child, sid) = charge_wait(&w);
    let first = child.next_json();
    assert_eq!(first["status"], "waiting", "{first}");
    w.control.visit(&sid).unwrap();
    let tx = w.control.pay(&sid, CARD_OK).unwrap();
    let end = child.end();
    assert!(end.ok(), "{end:?}");
    let rest = json_lines(&end.stdout);
    let last = rest.last().expect("a final line");
    for l in std::iter::once(&first).chain(&rest) {
        assert_eq!(keys(l), PROGRESS_KEYS, "{l}");
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
    let (child, sid) = charge_wait(&w);
    w.control.pay(&sid, CARD_DECLINED).unwrap();
    let end = child.end();
    let last = json_lines(&end.stdout).pop().expect("a final line");
    assert_eq!(keys(&last), PROGRESS_KEYS);
    assert_eq!(last["status"], "declined", "{end:?}");
    assert!(last["transaction_id"].is_string());
    assert_eq!(end.code(), Some(3), "{end:?}");
}

#[test]
fn text_wait_says_paid_or_not_in_words() {
    let w = World::new();
    let declined = w.charge();
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

    let paid = w.charge();
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
    let c = w.charge();
    let sid = c["session_id"].as_str().unwrap().to_owned();
    let mut child = Following::spawn(w.cmd(&["--json", "wait", &sid]));
    let first = child.next_json();
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
    let paying = child.next_json();
    assert_eq!(paying["status"], "paying", "{paying}");
    w.control.pay(&sid, CARD_OK).unwrap();
    let end = child.end();
    assert!(end.ok(), "{end:?}");
    let last = json_lines(&end.stdout).pop().expect("a final line");
    assert_eq!(keys(&last), PROGRESS_KEYS);
    assert_eq!(last["status"], "authorized");

    // Settled already: one line, at once, by merchant reference too.
    let again = w
        .run(&["--json", "wait", c["merchant_reference"].as_str().unwrap()])
        .one();
    assert_eq!(again, last);
}

/// The drawing is kasse-core's plain half blocks of the URL (which its own tests decode back).
#[test]
fn text_charge_draws_a_qr_of_the_url_in_half_blocks() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let run = w.run(&["charge", "--order", path_str(&order)]);
    assert!(run.ok(), "{run:?}");
    let session = &w.control.sessions()[0];
    let url = &format!("{}/v1/view/{}", w.url, session["id"].as_str().unwrap());
    run.says(url);
    run.says("103.00 NOK");
    // Not a terminal: no colour escapes, dark modules drawn as blocks.
    assert!(!run.stdout.contains('\x1b'));
    let qr = qr_terminal_with(url, TerminalStyle::LightBackground).unwrap();
    assert!(qr.contains('▀') || qr.contains('▄'));
    assert!(run.stdout.starts_with(&qr), "{run:?}");
    // The hint says how to follow it (stderr: not part of the result).
    assert!(run.stderr.contains("kasse-cli wait"), "{}", run.stderr);
}

#[test]
fn charge_sms_sends_the_link_and_the_sale_waits_parked_until_paid() {
    let w = World::new();
    let order = w.order_file(ORDER);
    let sms = |number: &str| {
        w.run(&[
            "--json",
            "charge",
            "--order",
            path_str(&order),
            "--sms",
            number,
        ])
    };
    let c = sms("412 34 987").one();
    assert_eq!(
        c["link"],
        serde_json::json!({"channel": "sms", "to": "+47 ••• •• 987", "status": "sent"})
    );
    let reference = c["merchant_reference"].as_str().unwrap();
    assert_eq!(reference, "KASSE1-".to_owned() + &today() + "-0001");
    let sid = c["session_id"].as_str().unwrap();
    let published = w.control.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].to.as_deref(), Some("+4741234987"));
    assert_eq!(published[0].session_id, sid);

    // In text: that the link was sent, to whom (masked), and the reference.
    let text = w.run(&[
        "charge",
        "--order",
        path_str(&order),
        "--sms",
        "+46 70 123 45 67",
    ]);
    assert!(text.ok(), "{text:#?}");
    assert!(
        text.stdout
            .contains("Payment link sent by SMS to +46 •••••• 567"),
        "{}",
        text.stdout
    );
    assert!(text
        .stdout
        .contains(&("KASSE1-".to_owned() + &today() + "-0002")));
    assert!(!text.stdout.contains("701234567"), "{}", text.stdout);

    // The customer pays through the link; `wait` by reference sees it paid.
    w.control.pay(sid, CARD_OK).expect("pay");
    let lines = w.run(&["--json", "wait", reference]).json_ok();
    assert_eq!(lines.last().unwrap()["status"], "authorized", "{lines:?}");

    // A number that is not one is refused before anything is sent.
    let (code, message) = sms("4123").json_error();
    assert_eq!(code, "invalid_input");
    assert!(message.starts_with("phone_number:"), "{message}");
    assert_eq!(w.control.published().len(), 2);
}
