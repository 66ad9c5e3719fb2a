use super::*;
use time::macros::datetime;
use time::Duration;

const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

fn member(name: &str, role: Role, pin: &str) -> StaffMember {
    StaffMember {
        name: name.into(),
        role,
        pin: PinHash::new(pin).unwrap(),
    }
}

fn shop() -> Vec<StaffMember> {
    vec![
        member("Mona", Role::Manager, "4711"),
        member("Kari", Role::Cashier, "1234"),
    ]
}

#[test]
fn a_pin_hash_is_argon2id_salted_and_checks_only_its_pin() {
    let a = PinHash::new("4711").unwrap();
    let b = PinHash::new("4711").unwrap();
    assert!(a.as_stored().starts_with("$argon2id$"));
    assert!(a.as_stored().contains("m=19456,t=2,p=1"));
    assert_ne!(a, b, "each hash has its own salt");
    assert!(a.matches("4711") && b.matches("4711"));
    assert!(!a.matches("4712") && !a.matches("") && !a.matches("47110"));
    assert!(!format!("{a:?}").contains(a.as_stored()));
    let again = PinHash::from_stored(a.as_stored()).unwrap();
    assert!(again.matches("4711"));
    assert_eq!(
        PinHash::from_stored("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA"),
        None
    );
    assert_eq!(PinHash::from_stored("salt$sha256hex"), None);
}

#[test]
fn a_pin_is_four_to_eight_digits() {
    for bad in ["", "123", "123456789", "12a4", "１２３４", "12 34"] {
        assert_eq!(PinHash::new(bad), Err(PinFormatError::NotDigits), "{bad:?}");
    }
    assert!(PinHash::new("0000").is_ok() && PinHash::new("12345678").is_ok());
}

#[test]
fn without_a_manager_pin_nothing_is_guarded() {
    let cashier_only = vec![member("Kari", Role::Cashier, "1234")];
    let (_, r) = authorize(
        &cashier_only,
        Policy::default(),
        Lockout::default(),
        Guarded::Settings,
        None,
        NOW,
    );
    assert_eq!(r, Ok(Actor::Unguarded));
}

#[test]
fn the_manager_guards_voids_settings_export_and_closing_and_refunds_over_the_limit() {
    let staff = shop();
    let policy = Policy {
        refund_limit: 50_00,
        discount_limit: 10_00,
    };
    for action in [
        Guarded::Void,
        Guarded::Settings,
        Guarded::JournalExport,
        Guarded::CloseDay,
        Guarded::Refund { amount: 50_01 },
        Guarded::Discount { share: 10_01 },
    ] {
        let with = |pin| authorize(&staff, policy, Lockout::default(), action, pin, NOW).1;
        assert_eq!(with(None), Err(Refusal::Required), "{action:?}");
        assert_eq!(with(Some("1234")), Err(Refusal::NeedsManager), "{action:?}");
        assert_eq!(
            with(Some("4711")),
            Ok(Actor::Staff {
                name: "Mona".into(),
                role: Role::Manager
            })
        );
    }
    let small = Guarded::Refund { amount: 50_00 };
    assert_eq!(
        authorize(&staff, policy, Lockout::default(), small, None, NOW).1,
        Ok(Actor::Anyone)
    );
    assert_eq!(
        authorize(&staff, policy, Lockout::default(), small, Some("1234"), NOW).1,
        Ok(Actor::Staff {
            name: "Kari".into(),
            role: Role::Cashier
        }),
        "a PIN given under the limit still names who refunded"
    );
    let small_discount = Guarded::Discount { share: 10_00 };
    assert_eq!(
        authorize(
            &staff,
            policy,
            Lockout::default(),
            small_discount,
            None,
            NOW
        )
        .1,
        Ok(Actor::Anyone),
        "a discount up to the limit is anyone's"
    );
    let every_refund = Policy::default();
    assert_eq!(
        authorize(
            &staff,
            every_refund,
            Lockout::default(),
            Guarded::Discount { share: 1 },
            None,
            NOW
        )
        .1,
        Err(Refusal::Required),
        "limit 0: every discount needs the manager"
    );
    assert_eq!(
        authorize(
            &staff,
            every_refund,
            Lockout::default(),
            Guarded::Refund { amount: 1 },
            None,
            NOW
        )
        .1,
        Err(Refusal::Required)
    );
}

#[test]
fn five_wrong_pins_lock_for_thirty_seconds_then_doubling_and_a_right_pin_clears() {
    let staff = shop();
    let policy = Policy::default();
    let mut state = Lockout::default();
    let mut now = NOW;
    for lock in 0..3 {
        for left in (1..TRIES).rev() {
            let (next, r) = authorize(&staff, policy, state, Guarded::Void, Some("9999"), now);
            assert_eq!(r, Err(Refusal::Wrong { tries_left: left }));
            state = next;
        }
        let (next, r) = authorize(&staff, policy, state, Guarded::Void, Some("9999"), now);
        let length = FIRST_LOCK * (1 << lock);
        assert_eq!(
            r,
            Err(Refusal::Locked {
                until: now + length
            })
        );
        state = next;
        // While locked even the right PIN is refused, and does not reset anything.
        let (same, r) = authorize(
            &staff,
            policy,
            state,
            Guarded::Void,
            Some("4711"),
            now + length - Duration::seconds(1),
        );
        assert_eq!(
            r,
            Err(Refusal::Locked {
                until: now + length
            })
        );
        assert_eq!(same, state);
        now += length;
    }
    let (cleared, r) = authorize(&staff, policy, state, Guarded::Void, Some("4711"), now);
    assert!(r.is_ok());
    assert_eq!(cleared, Lockout::default());
}

#[test]
fn a_lock_never_exceeds_a_day() {
    let mut state = Lockout {
        failures: 0,
        locks: 40,
        locked_until: None,
    };
    for _ in 0..TRIES {
        state = state.after_wrong(NOW);
    }
    assert_eq!(state.locked_until, Some(NOW + Duration::days(1)));
}

#[test]
fn the_old_sha256_refund_pin_is_read_and_checked_but_never_shown() {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"salt\0");
    h.update(b"4711");
    let stored = format!("salt${}", hex::encode(h.finalize()));
    let old = PinHash::from_legacy(&stored).unwrap();
    assert!(old.is_legacy() && old.matches("4711"));
    assert!(!old.matches("4712") && !old.matches(""));
    assert_eq!(old.as_stored(), stored);
    assert!(!format!("{old:?}").contains("salt"));
    // Only `salt$<64 hex>`; an Argon2id string is not the old form, nor the old form Argon2id.
    assert_eq!(PinHash::from_legacy("salt$abc"), None);
    assert_eq!(
        PinHash::from_legacy(PinHash::new("4711").unwrap().as_stored()),
        None
    );
    assert_eq!(PinHash::from_stored(&stored), None);
    assert!(!PinHash::new("4711").unwrap().is_legacy());
}

#[test]
fn who_did_it_is_written_as_tagged_json() {
    let mona = Actor::Staff {
        name: "Mona".into(),
        role: Role::Manager,
    };
    assert_eq!(
        serde_json::to_value(&mona).unwrap(),
        serde_json::json!({"kind": "staff", "name": "Mona", "role": "manager"})
    );
    assert_eq!(
        serde_json::to_value(Actor::Anyone).unwrap(),
        serde_json::json!({"kind": "anyone"})
    );
    assert_eq!(mona.to_string(), "Mona (manager)");
    assert_eq!("cashier".parse::<Role>(), Ok(Role::Cashier));
    assert!("boss".parse::<Role>().is_err());
}
