//! `kasse-cli report x|z`: the core's day report from a terminal (DESIGN.md §4.3). The JSON
//! keys of the contract; `report x` covers the open period (since the last Z); `report z` is
//! guarded like `void` and closes the period, so what follows belongs to the next one.

use serde_json::Value;

use crate::common::*;

const X_KEYS: [&str; 8] = [
    "captured",
    "failed_attempts",
    "net",
    "open_authorisations",
    "period",
    "refunded",
    "sales",
    "vat",
];

fn x(w: &World) -> Value {
    w.run(&["--json", "report", "x"]).one()
}

#[test]
fn report_x_shows_the_open_period_and_report_z_closes_it() {
    let w = World::new();
    let (c, _) = w.paid_sale();
    let reference = c["merchant_reference"].as_str().unwrap();
    let captured = w.run(&["--json", "capture", reference]).one()["captured"]
        .as_i64()
        .unwrap();
    assert!(captured > 0);
    w.paid_sale();
    let held = ORDER_AMOUNT;

    let r = x(&w);
    assert_eq!(keys(&r), X_KEYS);
    assert_eq!(
        (r["sales"].as_i64(), r["failed_attempts"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (r["captured"].as_i64(), r["net"].as_i64()),
        (Some(captured), Some(captured))
    );
    assert_eq!(r["open_authorisations"].as_i64(), Some(held));
    let vat_gross: i64 = each(&r["vat"], |l| l["gross"].as_i64().unwrap())
        .iter()
        .sum();
    assert_eq!(vat_gross, captured, "{r}");
    assert!(each(&r["vat"], keys)
        .iter()
        .all(|k| k == &["gross", "rate", "vat"]));
    let text = w.run(&["report", "x"]);
    assert!(text.ok(), "{text:#?}");
    assert!(
        text.stdout.starts_with("X report") && text.stdout.contains("Net"),
        "{text:#?}"
    );

    // Once a manager PIN is set, a Z needs it, like a void.
    w.run_with_stdin(&["--json", "pin", "set", "--role", "manager"], "4711\n")
        .one();
    w.run(&["--json", "report", "z"]).refused("pin_required");
    let wrong = w.run_with_stdin(&["--json", "report", "z", "--pin-stdin"], "9999\n");
    assert_eq!(wrong.code(), Some(1), "{wrong:#?}");
    assert_eq!(json_lines(&wrong.stderr)[0]["error"]["code"], "pin_wrong");
    let z = w
        .run_with_stdin(&["--json", "report", "z", "--pin-stdin"], "4711\n")
        .one();
    let mut z_keys: Vec<&str> = X_KEYS.into();
    z_keys.extend(["journal_head", "z_number"]);
    z_keys.sort();
    assert_eq!(keys(&z), z_keys);
    assert_eq!(z["z_number"], 1);
    assert_eq!(
        (z["sales"].as_i64(), z["net"].as_i64()),
        (Some(1), Some(captured))
    );
    assert!(z["journal_head"].as_str().unwrap().contains(':'), "{z}");

    // The next X starts where the Z ended: nothing moved since; the authorisation is open.
    let after = x(&w);
    assert_eq!(after["period"]["from"], z["period"]["to"]);
    assert_eq!(
        (after["sales"].as_i64(), after["net"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(after["open_authorisations"].as_i64(), Some(held));
    let z2 = w
        .run_with_stdin(&["--json", "report", "z", "--pin-stdin"], "4711\n")
        .one();
    assert_eq!(
        (z2["z_number"].as_i64(), z2["sales"].as_i64()),
        (Some(2), Some(0))
    );
}
