//! Capture at payment from a terminal: on (the saved setting's default, or
//! `KASSE_CAPTURE_AT_PAYMENT=on`), `charge --wait` follows the sale until Dintero shows the
//! capture; off, the authorisation stays for staff and `report z` names it before closing.

use crate::common::*;

#[test]
fn capture_at_payment_follows_the_sale_to_captured_and_off_report_z_names_what_is_left() {
    let mut w = World::new();
    w.set_env(&[("KASSE_CAPTURE_AT_PAYMENT", "on")]);
    let c = w.charge();
    let sid = c["session_id"].as_str().unwrap();
    let session = w.control.session(sid).unwrap();
    assert_eq!(session["configuration"]["auto_capture"], true);
    w.control.pay(sid, CARD_OK).expect("pay");
    let lines = w.run(&["--json", "wait", sid]).json_ok();
    assert_eq!(lines.last().unwrap()["status"], "captured", "{lines:?}");

    // Off: authorised, left for staff, and named before the day is closed.
    w.set_env(&[("KASSE_CAPTURE_AT_PAYMENT", "off")]);
    let (left, _) = w.paid_sale();
    let z = w.run(&["--json", "report", "z"]);
    assert!(z.ok(), "{}", z.stderr);
    let warning: serde_json::Value = serde_json::from_str(z.stderr.trim()).unwrap();
    assert_eq!(warning["warning"]["code"], "uncaptured");
    assert_eq!(
        warning["warning"]["references"],
        serde_json::json!([left["merchant_reference"]])
    );
    assert!(
        warning["warning"]["message"]
            .as_str()
            .unwrap()
            .starts_with("1 authorised payment(s) not captured"),
        "{warning}"
    );

    w.set_env(&[("KASSE_CAPTURE_AT_PAYMENT", "maybe")]);
    let order = w.order_file(ORDER);
    let bad = w.run(&["--json", "charge", "--order", path_str(&order)]);
    assert!(!bad.ok());
    assert!(
        bad.stderr.contains("KASSE_CAPTURE_AT_PAYMENT"),
        "{}",
        bad.stderr
    );
}
