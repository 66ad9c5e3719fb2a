use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

fn manager() -> Actor {
    Actor::Staff {
        name: "Mona".into(),
        role: Role::Manager,
    }
}

fn set(store: &Store, name: &str, role: Role, pin: &str) {
    let change = StaffChange::SetPin {
        name: name.into(),
        role,
        pin: PinHash::new(pin).unwrap(),
    };
    assert!(store.change_staff(change, &Actor::Unguarded, NOW).unwrap());
}

#[test]
fn the_roster_and_the_lock_outlive_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kasse.sqlite");
    {
        let store = Store::open(&path).unwrap();
        set(&store, "Mona", Role::Manager, "4711");
        for _ in 0..crate::staff::TRIES {
            let r = store.guard(Guarded::Void, Some("0000"), NOW);
            assert!(matches!(
                r.unwrap(),
                Err(Refusal::Wrong { .. } | Refusal::Locked { .. })
            ));
        }
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.staff().unwrap().len(), 1);
    let until = NOW + crate::staff::FIRST_LOCK;
    assert_eq!(store.pin_lockout().unwrap().locked_until, Some(until));
    let r = store.guard(Guarded::Void, Some("4711"), NOW);
    assert_eq!(r.unwrap(), Err(Refusal::Locked { until }));
    let r = store.guard(Guarded::Void, Some("4711"), until);
    assert_eq!(r.unwrap(), Ok(manager()));
    assert_eq!(store.pin_lockout().unwrap(), Lockout::default());
    // Nothing of the PIN in the database: only the Argon2id string.
    let raw = store.setting(ROSTER).unwrap().unwrap().to_string();
    assert!(raw.contains("$argon2id$") && !raw.contains("4711"));
}

#[test]
fn a_pin_given_again_replaces_the_old_and_a_removed_member_opens_nothing() {
    let store = Store::open_in_memory().unwrap();
    set(&store, "Mona", Role::Manager, "4711");
    set(&store, "Kari", Role::Cashier, "1234");
    set(&store, "Mona", Role::Manager, "8888");
    let guard = |pin| store.guard(Guarded::Settings, Some(pin), NOW).unwrap();
    assert!(matches!(guard("4711"), Err(Refusal::Wrong { .. })));
    assert!(guard("8888").is_ok());
    assert_eq!(guard("1234"), Err(Refusal::NeedsManager));
    let remove = |name: &str| {
        let change = StaffChange::Remove { name: name.into() };
        store.change_staff(change, &manager(), NOW).unwrap()
    };
    assert!(remove("Kari"));
    assert!(!remove("Kari"));
    assert!(matches!(guard("1234"), Err(Refusal::Wrong { .. })));
}

#[test]
fn the_refund_limit_is_the_managers_and_decides_who_may_refund() {
    let store = Store::open_in_memory().unwrap();
    set(&store, "Mona", Role::Manager, "4711");
    set(&store, "Kari", Role::Cashier, "1234");
    let refund = |amount, pin| store.guard(Guarded::Refund { amount }, pin, NOW).unwrap();
    assert_eq!(refund(100, None), Err(Refusal::Required), "0: every refund");
    let change = StaffChange::RefundLimit(5000);
    assert!(store.change_staff(change.clone(), &manager(), NOW).unwrap());
    assert!(
        !store.change_staff(change, &manager(), NOW).unwrap(),
        "same"
    );
    assert_eq!(store.staff_policy().unwrap().refund_limit, 5000);
    assert_eq!(refund(5000, None), Ok(Actor::Anyone));
    assert_eq!(refund(5001, Some("1234")), Err(Refusal::NeedsManager));
    assert_eq!(refund(5001, Some("4711")), Ok(manager()));
    let negative = StaffChange::RefundLimit(-1);
    assert!(store.change_staff(negative, &manager(), NOW).is_err());
}

#[test]
fn every_change_is_journaled_in_the_counters_stream_without_a_pin() {
    let store = Store::open_in_memory().unwrap();
    set(&store, "Mona", Role::Manager, "4711");
    let change = StaffChange::RefundLimit(2500);
    store.change_staff(change, &manager(), NOW).unwrap();
    let app = serde_json::json!({"account_id": "T12345678"});
    let changes = vec![SettingChange::Secret {
        setting: "client_secret".into(),
    }];
    store
        .change_setting(settings::keys::APP, &app, &manager(), changes, NOW)
        .unwrap();
    let events = store.counter_events().unwrap();
    let text = serde_json::to_string(&events).unwrap();
    assert_eq!(events.len(), 3, "{text}");
    assert!(!text.contains("4711") && !text.contains("argon2"), "{text}");
    match &events[1].event {
        LogEvent::SettingsChanged { actor, changes } => {
            assert_eq!(actor, &manager());
            assert_eq!(
                changes,
                &[SettingChange::Value {
                    setting: "refund_limit".into(),
                    old: 0.into(),
                    new: 2500.into()
                }]
            );
        }
        other => panic!("{other:?}"),
    }
    // The counter's stream is on the chain and is no sale.
    assert!(store.verify_journal().unwrap().ok);
    let projection = store.check_projection().unwrap();
    assert!(projection.ok() && projection.sales == 0, "{projection:?}");
    assert_eq!(store.rebuild_projection().unwrap(), 0);
    let note = LogEvent::Note { text: "x".into() };
    assert!(store.append(COUNTER_STREAM, &note, NOW).is_err());
    assert!(store.journal_counter_event(&note, NOW).is_err());
}

#[test]
fn the_old_refund_pin_is_the_managers_until_given_once_then_argon2id() {
    // What an older Kasse left: salt$hex of SHA-256(salt, 0, "4711").
    let legacy = "salt$04f8b4bcb0e9a8b1ee7c5bfba3c4f2b0ab8e1f2ec9ee4bc1cbb2ac1f77d2b2d9";
    let digest = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"salt\0");
        h.update(b"4711");
        hex::encode(h.finalize())
    };
    let legacy = legacy.replace(&legacy[5..], &digest);
    let store = Store::open_in_memory().unwrap();
    let app = serde_json::json!({"counter": "BAR", "refund_pin_hash": legacy});
    store.set_setting(settings::keys::APP, &app).unwrap();
    let guard = |pin| {
        store
            .guard(Guarded::Refund { amount: 1 }, pin, NOW)
            .unwrap()
    };
    assert_eq!(guard(None), Err(Refusal::Required), "still guarded");
    assert!(matches!(guard(Some("1111")), Err(Refusal::Wrong { .. })));
    let by = Actor::Staff {
        name: LEGACY_MANAGER.into(),
        role: Role::Manager,
    };
    assert_eq!(guard(Some("4711")), Ok(by.clone()));
    // Converted: Argon2id in the roster, the old hash gone, the rest of the settings kept.
    let staff = store.staff().unwrap();
    assert_eq!(staff.len(), 1);
    assert!(!staff[0].pin.is_legacy() && staff[0].pin.matches("4711"));
    let app = store.setting(settings::keys::APP).unwrap().unwrap();
    assert_eq!(app, serde_json::json!({"counter": "BAR"}));
    assert_eq!(guard(Some("4711")), Ok(by));
    assert_eq!(store.counter_events().unwrap().len(), 1);
}

#[test]
fn a_manager_pin_set_replaces_the_old_refund_pin() {
    let store = Store::open_in_memory().unwrap();
    let app = serde_json::json!({"refund_pin_hash": format!("s${}", "a".repeat(64))});
    store.set_setting(settings::keys::APP, &app).unwrap();
    assert_eq!(store.staff().unwrap()[0].name, LEGACY_MANAGER);
    set(&store, "Mona", Role::Manager, "4711");
    assert_eq!(
        store.setting(settings::keys::APP).unwrap().unwrap(),
        serde_json::json!({})
    );
    let names: Vec<_> = store.staff().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["Mona"]);
}
