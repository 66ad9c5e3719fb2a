//! The commands driven through Tauri's mock runtime, without a window or WebKit: each answer is
//! checked as the UI receives it, and errors cross as `{code, message}` with a code from the
//! closed set (pinned here).

use serde_json::{json, Value};

use crate::harness::{assert_typed_error, open_state, settings_input, MockApp};

/// A demo-mode app on a data directory of its own (kept as long as the app).
fn app() -> (MockApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (MockApp::new(open_state(dir.path(), true)), dir)
}

fn invoke(app: &(MockApp, tempfile::TempDir), cmd: &str, args: Value) -> Result<Value, Value> {
    app.0.invoke(cmd, args)
}

fn order() -> Value {
    json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "2", "unit_price": 3900, "vat": "25", "product_id": null},
        {"description": "Apples", "quantity": "0.375", "unit_price": 12990, "vat": "15", "product_id": "apples"}
    ]}})
}

fn assert_ui_error(e: &Value, code: &str) {
    assert_eq!(e["code"], code, "{e}");
    assert_typed_error(code, e);
    assert!(e["message"].as_str().is_some_and(|m| m.len() > 10), "{e}");
}

#[test]
fn app_info_says_demo_without_credentials() {
    let app = app();
    let info = invoke(&app, "app_info", json!({})).unwrap();
    assert_eq!(info["mode"], "demo");
    assert_eq!(info["account_id"], Value::Null);
    assert_eq!(info["counter"], "KASSE1");
    // The receipt prefix is the counter's own id, not its (editable, shareable) name.
    let id = info["counter_id"].as_str().unwrap();
    assert!(id.len() == 6 && id.starts_with('K'), "{id}");
    assert_eq!(info["secret_storage"], "none");
}

#[test]
fn the_boot_script_hands_the_page_what_the_start_up_commands_answer() {
    let app = app();
    // An open sale, so that the parked list has something in it.
    let c = invoke(&app, "charge", order()).unwrap();
    let state = &*app.0.state;
    let json = kasse_app::boot_json(state).expect("the start-up data");
    let script = kasse_app::boot_script(state).expect("a boot script");
    assert_eq!(script, format!("window.__KASSE_BOOT__ = {json};"));
    let boot: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(boot["info"], invoke(&app, "app_info", json!({})).unwrap());
    assert_eq!(
        boot["settings"],
        invoke(&app, "settings_get", json!({})).unwrap()
    );
    assert_eq!(boot["parked"], invoke(&app, "parked", json!({})).unwrap());
    assert_eq!(boot["parked"][0]["sale_id"], c["sale_id"]);
    assert!(
        !boot["settings"]["quick_items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{boot}"
    );
}

#[test]
fn price_order_uses_the_core_rules_and_names_bad_fields() {
    let app = app();
    let p = invoke(&app, "price_order", order()).unwrap();
    assert_eq!(p["amount"], 7800 + 4871);
    assert_eq!(p["lines"][1]["quantity"], "0.375");
    let bad = json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "0", "unit_price": 3900, "vat": "25", "product_id": null}]}});
    let e = invoke(&app, "price_order", bad).unwrap_err();
    assert_ui_error(&e, "invalid_input");
    assert!(
        e["message"].as_str().unwrap().contains("lines[1].quantity"),
        "{e}"
    );
}

#[test]
fn charge_pay_capture_refund_a_line_through_the_commands() {
    let app = app();
    let c = invoke(&app, "charge", order()).unwrap();
    assert!(c["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let sale_id = c["sale_id"].as_str().unwrap().to_owned();
    let session = c["session_id"].as_str().unwrap().to_owned();

    // The customer pays in the demo simulator.
    app.0.control().pay(&session, "4000000000000002").unwrap();

    // The watcher sees it.
    app.0.wait_status(&sale_id, "authorized");

    let d = invoke(
        &app,
        "capture",
        json!({"saleId": sale_id, "input": {"amount": null, "key": "capture-press-1"}}),
    )
    .unwrap();
    assert_eq!(d["sale"]["status"], "captured");
    assert_eq!(d["refundable"], 12671);

    let d = invoke(
        &app,
        "refund",
        json!({"saleId": sale_id, "input": {"amount": null, "lines": [{"line_id": "1", "quantity": "1"}], "reason": "returned", "pin": null, "key": "refund-press-1"}}),
    )
    .unwrap();
    assert_eq!(d["sale"]["status"], "partially_refunded");
    assert_eq!(d["sale"]["refunded"], 3900);
    assert_eq!(d["refunded_quantities"]["1"], "1");

    // Confirm pressed twice (or the same dialog's request from a second window): the first
    // request's result, and no second refund.
    let again = invoke(
        &app,
        "refund",
        json!({"saleId": sale_id, "input": {"amount": null, "lines": [{"line_id": "1", "quantity": "1"}], "reason": "returned", "pin": null, "key": "refund-press-1"}}),
    )
    .unwrap();
    assert_eq!(again["sale"]["refunded"], 3900);
    assert_eq!(again["refunded_quantities"]["1"], "1");
    // A request without the dialog's key is refused before anything is sent.
    let e = invoke(
        &app,
        "refund",
        json!({"saleId": sale_id, "input": {"amount": 100, "lines": [], "reason": null, "pin": null}}),
    )
    .unwrap_err();
    assert_ui_error(&e, "invalid_input");

    // More than is left is refused before Dintero is asked.
    let e = invoke(
        &app,
        "refund",
        json!({"saleId": sale_id, "input": {"amount": 999999, "lines": [], "reason": null, "pin": null, "key": "refund-press-2"}}),
    )
    .unwrap_err();
    assert_ui_error(&e, "amount_exceeds");

    let page = invoke(&app, "list_sales", json!({"query": {"search": null, "statuses": ["partially_refunded"], "from": null, "to": null, "amount_min": null, "amount_max": null, "cursor": null, "limit": 10}})).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[test]
fn errors_cross_as_code_and_message() {
    let app = app();
    let e = invoke(&app, "sale_detail", json!({"saleId": "no-such-sale"})).unwrap_err();
    assert_ui_error(&e, "not_found");
    let e = invoke(
        &app,
        "void_sale",
        json!({"saleId": "no-such-sale", "key": "void-press-1"}),
    )
    .unwrap_err();
    assert_ui_error(&e, "not_found");
    let e = invoke(
        &app,
        "day_report",
        json!({"from": "yesterday", "to": "2026-11-25", "closing": false}),
    )
    .unwrap_err();
    assert_ui_error(&e, "invalid_input");
}

#[test]
fn settings_validate_and_never_return_the_secret() {
    let app = app();
    let s = invoke(&app, "settings_get", json!({})).unwrap();
    let mut input = settings_input(&s, json!({ "account_id": "X1" }));
    let e = invoke(&app, "settings_save", json!({"input": input})).unwrap_err();
    assert_ui_error(&e, "invalid_input");
    assert!(e["message"].as_str().unwrap().contains("account_id"));

    input["account_id"] = json!("");
    input["counter"] = json!("BAR2");
    let s = invoke(&app, "settings_save", json!({"input": input})).unwrap();
    assert_eq!(s["counter"], "BAR2");
    assert_eq!(s["staff"], json!([]), "no PIN: nothing guarded");
}

#[test]
fn once_a_manager_pin_is_set_settings_ask_for_it_and_five_wrong_lock() {
    let app = app();
    let set = |name: &str, role: &str, new_pin: &str, pin: Value| {
        let input = json!({"name": name, "role": role, "new_pin": new_pin, "pin": pin});
        invoke(&app, "staff_set_pin", json!({ "input": input }))
    };
    let e = set("Kari", "cashier", "1234", Value::Null).unwrap_err();
    assert_ui_error(&e, "invalid_input");
    let s = set("Mona", "manager", "4711", Value::Null).unwrap();
    assert_eq!(s["staff"], json!([{"name": "Mona", "role": "manager"}]));
    assert!(!s.to_string().contains("4711"));
    let e = set("Kari", "cashier", "1234", Value::Null).unwrap_err();
    assert_ui_error(&e, "pin_required");
    let s = set("Kari", "cashier", "1234", json!("4711")).unwrap();
    assert_eq!(s["staff"].as_array().unwrap().len(), 2);

    let current = invoke(&app, "settings_get", json!({})).unwrap();
    let mut input = settings_input(&current, json!({ "counter": "BAR3", "refund_limit": 5000 }));
    let save = |input: &Value| invoke(&app, "settings_save", json!({ "input": input }));
    assert_ui_error(&save(&input).unwrap_err(), "pin_required");
    // Pointing the counter at another account is refused before its secret is stored.
    let mut elsewhere = input.clone();
    elsewhere["account_id"] = json!("T87654321");
    elsewhere["client_id"] = json!("theirs");
    elsewhere["client_secret"] = json!("their-secret");
    assert_ui_error(&save(&elsewhere).unwrap_err(), "pin_required");
    assert!(app.0.state.secrets.get("T87654321").is_none());
    input["pin"] = json!("1234");
    assert_ui_error(&save(&input).unwrap_err(), "manager_required");
    input["pin"] = json!("4711");
    let s = save(&input).unwrap();
    assert_eq!(
        (s["counter"].clone(), s["refund_limit"].clone()),
        (json!("BAR3"), json!(5000))
    );
    // The changes are journaled in the counter's stream, naming Mona.
    let events = app.0.state.settings_store.counter_events().unwrap();
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        text.contains(r#""name":"Mona""#) && text.contains("BAR3"),
        "{text}"
    );
    assert!(!text.contains("4711") && !text.contains("1234"), "{text}");

    input["pin"] = json!("0000");
    for left in [4, 3, 2, 1] {
        let e = save(&input).unwrap_err();
        assert_ui_error(&e, "pin_wrong");
        assert_eq!(e["tries_left"], left);
    }
    let e = save(&input).unwrap_err();
    assert_ui_error(&e, "pin_locked");
    assert_eq!(e["locked_seconds"], 30);
    input["pin"] = json!("4711");
    assert_ui_error(&save(&input).unwrap_err(), "pin_locked");
    // The Z report and the export are the manager's too (and locked now).
    let day = json!({"from": "2026-11-24", "to": "2026-11-25", "closing": true, "pin": "4711"});
    assert_ui_error(&invoke(&app, "day_report", day).unwrap_err(), "pin_locked");
    let x = json!({"from": "2026-11-24", "to": "2026-11-25", "closing": false});
    assert!(
        invoke(&app, "day_report", x).is_ok(),
        "the X report is anyone's"
    );
}

/// The command list (`commands::COMMANDS`, from which the capability, the permissions and the
/// UI's `Command` type are made) and the handlers registered in `lib.rs` are the same set: every
/// listed name reaches a handler (at worst its arguments are refused), and a name that is not
/// listed reaches none.
#[test]
fn every_listed_command_is_registered_and_no_other() {
    let app = app();
    let all = kasse_app::commands::COMMANDS
        .iter()
        .chain(kasse_app::commands::PAY_COMMANDS);
    for cmd in all {
        if *cmd == "pay_here" {
            // Opens a window; its handler is reached by the end-to-end tests.
            continue;
        }
        if let Err(e) = invoke(&app, cmd, json!({})) {
            let text = e.to_string();
            assert!(
                !text.contains("not found"),
                "{cmd} is listed but not registered: {text}"
            );
        }
    }
    let e = invoke(&app, "no_such_command", json!({})).unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");
}

#[test]
fn a_configured_account_without_its_secret_is_not_demo_mode() {
    let dir = tempfile::tempdir().unwrap();
    // An account saved earlier, whose secret the (empty) secret store no longer has.
    {
        let store = kasse_core::store::Store::open(dir.path().join("kasse.sqlite")).unwrap();
        let before = kasse_core::settings::Settings::load(&store).unwrap();
        let mut settings = before.clone();
        settings.account_id = "T12345678".into();
        settings.client_id = "kasse-client".into();
        let now = time::OffsetDateTime::now_utc();
        let guarded = kasse_core::staff::Guarded::Settings;
        let allowed = kasse_core::access::guard(&store, guarded, None, now).unwrap();
        settings
            .save(&store, &allowed, &before, false, now)
            .unwrap();
    }
    let app = MockApp::new(open_state(dir.path(), false));
    let info = app.invoke("app_info", json!({})).unwrap();
    assert_eq!(info["mode"], "secret_missing", "{info}");
    assert_eq!(info["account_id"], "T12345678");
    assert_eq!(info["secret_storage"], "none");
}

/// Issue 16, defect 6: the export writes the file the save dialog chose, in full, and says
/// where; a folder that cannot be written is `file_write` naming the file; the folder the app
/// runs in gets nothing. The dialog starts in Documents, else home, never elsewhere.
#[test]
fn export_csv_writes_the_chosen_file_and_says_where() {
    let app = app();
    let cwd = std::env::current_dir().unwrap();
    let listing = || {
        let mut l: Vec<_> = std::fs::read_dir(&cwd)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        l.sort();
        l
    };
    let before = listing();
    let out = tempfile::tempdir().unwrap();
    let chosen = out.path().join("kasse-KASSE1-2026-12-07.csv");
    let range = json!({"from": "2000-01-01", "to": "2100-01-01"});
    let mut args = range.clone();
    args["path"] = json!(chosen);
    let done = invoke(&app, "export_csv", args).unwrap();
    assert_eq!(done["path"], json!(chosen.display().to_string()));
    assert_eq!(done["rows"], 0);
    let text = std::fs::read_to_string(&chosen).unwrap();
    assert!(text.starts_with("created_at,merchant_reference,"), "{text}");

    for path in [
        out.path()
            .join("missing")
            .join("day.csv")
            .display()
            .to_string(),
        "day.csv".to_owned(),
    ] {
        let mut args = range.clone();
        args["path"] = json!(path);
        let e = invoke(&app, "export_csv", args).unwrap_err();
        assert_ui_error(&e, "file_write");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(&path), "{message}");
    }
    assert_eq!(listing(), before, "nothing lands where the app runs");

    let docs = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let gone = docs.path().join("gone");
    let pick = kasse_app::commands::export_dir;
    assert_eq!(
        pick(Some(docs.path().into()), Some(home.path().into())).as_deref(),
        Some(docs.path())
    );
    assert_eq!(
        pick(Some(gone), Some(home.path().into())).as_deref(),
        Some(home.path())
    );
    assert_eq!(pick(None, None), None);
}

/// Capture at payment through the commands: saved in Settings without a restart, the next
/// charge asks Dintero to capture and lands captured, flagged by nothing; off again, a paid
/// sale stays authorised and `uncaptured` (and the list's filter) name it.
#[test]
fn capture_at_payment_is_a_setting_the_next_charge_follows() {
    let app = app();
    let settings = invoke(&app, "settings_get", json!({})).unwrap();
    assert_eq!(
        settings["capture_at_payment"], false,
        "the harness captures by hand"
    );
    let on = settings_input(&settings, json!({"capture_at_payment": true}));
    let saved = invoke(&app, "settings_save", json!({ "input": on })).unwrap();
    assert_eq!(saved["capture_at_payment"], true);

    let c = invoke(&app, "charge", order()).unwrap();
    let (sale, session) = (
        c["sale_id"].as_str().unwrap().to_owned(),
        c["session_id"].as_str().unwrap().to_owned(),
    );
    let control = app.0.control();
    assert_eq!(
        control.session(&session).unwrap()["configuration"]["auto_capture"],
        true
    );
    control.pay(&session, "4000000000000002").unwrap();
    app.0.wait_status(&sale, "captured");
    assert_eq!(invoke(&app, "uncaptured", json!({})).unwrap(), json!([]));

    let off = settings_input(&saved, json!({"capture_at_payment": false}));
    invoke(&app, "settings_save", json!({ "input": off })).unwrap();
    let c = invoke(&app, "charge", order()).unwrap();
    let (sale, session) = (
        c["sale_id"].as_str().unwrap().to_owned(),
        c["session_id"].as_str().unwrap().to_owned(),
    );
    control.pay(&session, "4000000000000002").unwrap();
    app.0.wait_status(&sale, "authorized");
    let left = invoke(&app, "uncaptured", json!({})).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    assert_eq!(left[0]["sale_id"], json!(sale));
    assert_eq!(left[0]["uncaptured"], "not_requested");
    let query = json!({"query": {"search": null, "statuses": [], "from": null, "to": null, "amount_min": null, "amount_max": null, "cursor": null, "limit": 50, "uncaptured": true}});
    let page = invoke(&app, "list_sales", query).unwrap();
    assert_eq!(page["items"], left);
}
