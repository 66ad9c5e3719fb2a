//! Settings round-trip; credentials are refused and never reach the file.

use kasse_core::store::settings::keys;
use kasse_core::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct QuickItem {
    description: String,
    unit_price: i64,
    vat: String,
}

#[test]
fn settings_round_trip_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let items = vec![
        QuickItem {
            description: "Kaffe".into(),
            unit_price: 3900,
            vat: "15".into(),
        },
        QuickItem {
            description: "Bolle".into(),
            unit_price: 2500,
            vat: "15".into(),
        },
    ];
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.setting(keys::COUNTER).unwrap(), None);
        store.set_setting(keys::COUNTER, "KASSE1").unwrap();
        store.set_setting(keys::CURRENCY, "NOK").unwrap();
        store
            .set_setting(keys::PROFILE_ID, "T12345678.abc")
            .unwrap();
        store.set_setting(keys::QUICK_ITEMS, &items).unwrap();
        store.set_setting("ui.font_scale", &1.25).unwrap();
        store.set_setting(keys::CURRENCY, "SEK").unwrap(); // overwrite
        assert!(store.delete_setting("ui.font_scale").unwrap());
        assert!(!store.delete_setting("ui.font_scale").unwrap());
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store
            .setting_as::<String>(keys::CURRENCY)
            .unwrap()
            .as_deref(),
        Some("SEK")
    );
    assert_eq!(
        store
            .setting_as::<Vec<QuickItem>>(keys::QUICK_ITEMS)
            .unwrap(),
        Some(items)
    );
    let all: Vec<String> = store
        .settings()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(all, ["counter", "currency", "profile_id", "quick_items"]);
    // A value of the wrong shape is a typed error, not a panic.
    assert!(matches!(
        store.setting_as::<Vec<QuickItem>>(keys::COUNTER),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn credentials_are_refused_and_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let store = Store::open(&path).unwrap();
    const SECRET: &str = "kasse-demo-secret-7f3a9c";
    const TOKEN: &str =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJrYXNzZSJ9.c2lnbmF0dXJlLXNpZw";
    for key in [
        "client_secret",
        "KASSE_CLIENT_SECRET",
        "access_token",
        "dintero.token",
        "password",
        "api_key",
    ] {
        let err = store.set_setting(key, SECRET).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::SecretRefused { .. } | StoreError::InvalidInput { .. }
            ),
            "{key}: {err}"
        );
    }
    assert!(matches!(
        store.set_setting("client_secret", SECRET),
        Err(StoreError::SecretRefused { .. })
    ));
    // A token under an innocent key is refused too.
    for value in [
        json!(TOKEN),
        json!({"auth": format!("Bearer {TOKEN}")}),
        json!([1, TOKEN]),
    ] {
        assert!(matches!(
            store.set_setting("profile_cache", &value),
            Err(StoreError::SecretRefused { .. })
        ));
    }
    assert!(store.settings().unwrap().is_empty());
    store.set_setting("counter", "KASSE1").unwrap();
    drop(store);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET) && !text.contains(TOKEN));
    }
}

/// A counter's id is made when its log is first asked and kept across reopening (and by a
/// second process on the same file); another counter's log gets another one.
#[test]
fn a_counter_gets_an_id_of_its_own_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    let first = Store::open(&path).unwrap();
    let second = Store::open(&path).unwrap();
    let id = first.counter_id().unwrap();
    assert_eq!(id.len(), 6, "{id}");
    assert!(id.starts_with('K'), "{id}");
    assert!(
        id.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{id}"
    );
    assert!(!id[1..].contains(['0', 'O', '1', 'I', 'L']), "{id}");
    assert_eq!(second.counter_id().unwrap(), id);
    drop((first, second));
    assert_eq!(Store::open(&path).unwrap().counter_id().unwrap(), id);
    let other = tempfile::tempdir().unwrap();
    let other = Store::open(other.path().join("kasse.sqlite")).unwrap();
    assert_ne!(other.counter_id().unwrap(), id);
}
