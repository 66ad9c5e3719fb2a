//! The app's start-up checks of its log, through Tauri's mock runtime: a journal row changed
//! outside Kasse is found before the engine starts, a sale's stored row by the full check in
//! the background; either makes the app read-only (`app_info.read_only` names the row or sale,
//! selling and saving settings are refused with `journal_broken`, listing still works) and is
//! announced to the UI as a `notice` event of level `error`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kasse_app::state::JournalCheck;
use kasse_core::sale::LogEvent;
use kasse_core::store::testing::{pack_body, unpack_body};
use kasse_core::store::{NewSale, Store};
use serde_json::{json, Value};
use tauri::Listener;

use crate::harness::{open_state, settings_input, MockApp};

/// A log file with three sales (sale_opened + a note each: 6 rows).
fn journal(dir: &std::path::Path) {
    let store = Store::open(dir.join("kasse.sqlite")).unwrap();
    let at = time::OffsetDateTime::now_utc();
    for i in 0..3 {
        let id = format!("s{i}");
        store
            .open_sale(
                &id,
                &NewSale {
                    counter: "KASSE1".into(),
                    currency: "NOK".into(),
                    amount: 1000 + i,
                    vat_amount: 200,
                    order: Value::Null,
                    auto_capture: false,
                },
                at,
            )
            .unwrap();
        store
            .append(
                &id,
                &LogEvent::Note {
                    text: "hello".into(),
                },
                at,
            )
            .unwrap();
    }
}

/// Edits row `seq` behind Kasse's back.
fn tamper(dir: &std::path::Path, seq: i64) {
    let conn = rusqlite::Connection::open(dir.join("kasse.sqlite")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;
         DROP TRIGGER journal_append_at_end;",
    )
    .unwrap();
    let body: Vec<u8> = conn
        .query_row("SELECT body FROM journal WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap();
    let data = unpack_body(&body).unwrap();
    assert!(data.contains("hello"), "row {seq}: {data}");
    let n = conn
        .execute(
            "UPDATE journal SET body = ?1 WHERE seq = ?2",
            rusqlite::params![pack_body(&data.replace("hello", "HELLO")).unwrap(), seq],
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// The coffee order the UI sends.
fn coffee() -> Value {
    json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "1", "unit_price": 3900, "vat": "25", "product_id": null}]}})
}

/// The first `notice` the app announces about the journal.
fn announced(app: &MockApp, state: &Arc<kasse_app::state::AppState>) -> Value {
    let notices: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = notices.clone();
    app.app.listen_any("notice", move |e| {
        seen.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    kasse_app::announce_journal(
        app.app.handle().clone(),
        state.clone(),
        std::future::ready(()),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while notices.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no notice");
        std::thread::sleep(Duration::from_millis(20));
    }
    let notice = notices.lock().unwrap()[0].clone();
    notice
}

/// Waits for the full check and asserts it found the log altered, one problem naming `what`.
fn found_altered(state: &kasse_app::state::AppState, what: &str) {
    let check = tauri::async_runtime::block_on(state.journal_checked());
    let JournalCheck::Altered(problems) = &check else {
        panic!("expected the log to be found altered: {check:?}");
    };
    assert!(problems.iter().any(|p| p.contains(what)), "{problems:?}");
}

/// Selling and saving settings are refused with `journal_broken` naming `what`; listing works
/// (of the demo log these tests run the engine on).
fn writes_are_refused(app: &MockApp, what: &str) {
    let e = app.invoke("charge", coffee()).expect_err("refused");
    assert_eq!(e["code"], "journal_broken", "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(what), "{message}");
    let settings = app.invoke("settings_get", json!({})).unwrap();
    let input = settings_input(&settings, json!({ "counter": "ELSEWHERE" }));
    let e = app
        .invoke("settings_save", json!({ "input": input }))
        .expect_err("refused");
    assert_eq!(e["code"], "journal_broken", "{e}");
    let page = app
        .invoke(
            "list_sales",
            json!({"query": {"search": null, "statuses": [], "from": null, "to": null,
                "amount_min": null, "amount_max": null, "cursor": null, "limit": 10}}),
        )
        .expect("listing still works");
    assert!(page["items"].is_array(), "{page}");
}

#[test]
fn an_altered_journal_opens_the_app_read_only_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path());
    tamper(dir.path(), 4);
    let state = open_state(dir.path(), true);
    let app = MockApp::new(state.clone());
    // Read-only from the start, before the full check is done.
    let info = app.invoke("app_info", json!({})).unwrap();
    assert_eq!(info["read_only"]["seq"], 4, "{info}");
    assert!(
        info["read_only"]["problem"]
            .as_str()
            .unwrap()
            .contains("row 4 was altered"),
        "{info}"
    );
    writes_are_refused(&app, "row 4 was altered");

    found_altered(&state, "row 4 was altered");
    let notice = announced(&app, &state);
    assert_eq!(notice["level"], "error");
    let message = notice["message"].as_str().unwrap();
    assert!(message.contains("row 4 was altered"), "{message}");
    assert!(message.contains("read-only"), "{message}");
}

#[test]
fn a_changed_sale_row_found_by_the_background_check_makes_the_app_read_only() {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path());
    rusqlite::Connection::open(dir.path().join("kasse.sqlite"))
        .unwrap()
        .execute("UPDATE sales SET amount = 1 WHERE id = 's1'", [])
        .unwrap();
    let state = open_state(dir.path(), true);
    found_altered(&state, "sale s1");
    let app = MockApp::new(state.clone());
    let info = app.invoke("app_info", json!({})).unwrap();
    assert_eq!(info["read_only"]["sale_id"], "s1", "{info}");
    assert_eq!(info["read_only"]["seq"], Value::Null, "{info}");
    writes_are_refused(&app, "sale s1");
}

#[test]
fn a_sound_journal_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path());
    let state = open_state(dir.path(), true);
    let check = tauri::async_runtime::block_on(state.journal_checked());
    assert_eq!(check, JournalCheck::Sound { rows: 6 });
    assert_eq!(check.notice(), None);
    let app = MockApp::new(state);
    let info = app.invoke("app_info", json!({})).unwrap();
    assert_eq!(info["read_only"], Value::Null, "{info}");
    app.invoke("charge", coffee()).expect("sells");
}
