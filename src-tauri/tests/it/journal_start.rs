//! The app's start-up journal check, through Tauri's mock runtime: a sales journal
//! changed outside Kasse is found at start (naming the row), logged, and announced to the UI as
//! a `notice` event of level `error`; the app still starts and sells.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kasse_app::state::JournalCheck;
use kasse_core::sale::LogEvent;
use kasse_core::store::testing::{pack_body, unpack_body};
use kasse_core::store::{NewSale, Store};
use serde_json::{json, Value};
use tauri::Listener;

use crate::harness::{open_state, MockApp};

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

#[test]
fn an_altered_journal_is_announced_and_the_app_still_sells() {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path());
    tamper(dir.path(), 4);
    let state = open_state(dir.path(), true);
    let check = tauri::async_runtime::block_on(state.journal_checked());
    let JournalCheck::Altered(problems) = &check else {
        panic!("expected the journal to be found altered: {check:?}");
    };
    assert!(
        problems.iter().any(|p| p.contains("row 4 was altered")),
        "{problems:?}"
    );

    let app = MockApp::new(state.clone());
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
    assert_eq!(notice["level"], "error");
    let message = notice["message"].as_str().unwrap();
    assert!(message.contains("row 4 was altered"), "{message}");
    assert!(message.contains("Selling goes on"), "{message}");

    // The app sells all the same.
    let order = json!({"order": {"currency": null, "lines": [
        {"description": "Coffee", "quantity": "1", "unit_price": 3900, "vat": "25", "product_id": null}]}});
    let charged = app.invoke("charge", order).expect("charge");
    assert!(charged["url"].as_str().is_some(), "{charged}");
}

#[test]
fn a_sound_journal_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    journal(dir.path());
    let state = open_state(dir.path(), true);
    let check = tauri::async_runtime::block_on(state.journal_checked());
    assert_eq!(check, JournalCheck::Sound { rows: 6 });
    assert_eq!(check.notice(), None);
}
