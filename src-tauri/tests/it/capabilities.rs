//! The main window's capability grants exactly the app's commands (plus listening to events
//! and the dialog plugin's save dialog, for the CSV export), nothing else; the pay window's
//! grants only its own command (telling the engine what the embedded checkout said); the
//! customer display window's only reading its view and listening.

use kasse_app::commands::{COMMANDS, PAY_COMMANDS};
use serde_json::Value;

#[test]
fn capability_grants_exactly_the_commands_the_ui_uses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main.json");
    let cap: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .filter(|p| !p.contains(':'))
        .collect();
    granted.sort();
    let mut expected: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.sort();
    assert_eq!(granted, expected);
    let plugins: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.contains(':'))
        .collect();
    // Only the save dialog of the dialog plugin: no open, message or file-system access.
    assert_eq!(
        plugins,
        [
            "core:event:allow-listen",
            "core:event:allow-unlisten",
            "dialog:allow-save"
        ]
    );
}

#[test]
fn the_pay_window_may_only_pass_on_the_checkouts_events() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/pay.json");
    let cap: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["pay-*"]));
    let expected: Vec<String> = PAY_COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(cap["permissions"], serde_json::json!(expected));
    assert!(PAY_COMMANDS.iter().all(|c| !COMMANDS.contains(c)));
}

#[test]
fn the_customer_display_may_only_read_its_view_and_listen() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/display.json");
    let cap: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        cap["windows"],
        serde_json::json!([kasse_app::display::LABEL])
    );
    assert_eq!(
        cap["permissions"],
        serde_json::json!([
            "core:event:allow-listen",
            "core:event:allow-unlisten",
            "allow-display-view"
        ])
    );
    assert!(COMMANDS.contains(&"display_view"));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["display.json", "main.json", "pay.json"],
        "no window gets another grant"
    );
}
