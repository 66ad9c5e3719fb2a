//! The staff roster (names, roles, Argon2id PIN hashes) and the PIN lockout, kept in the log's
//! database so every window and process at the counter sees the same ones and a restart does
//! not lift a lock. A guarded action is decided in one write transaction, so two processes
//! trying PINs at once cannot both use the same remaining try.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{settings, Result, Store};
use crate::staff::{
    authorize, Actor, Guarded, Lockout, PinHash, Policy, Refusal, Role, StaffMember,
};

const ROSTER: &str = "staff";
const LOCKOUT: &str = "pin_lockout";

#[derive(Serialize, Deserialize)]
struct StoredMember {
    name: String,
    role: Role,
    pin: String,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredLockout {
    failures: u32,
    locks: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    locked_until: Option<OffsetDateTime>,
}

fn roster(conn: &rusqlite::Connection) -> Result<Vec<StaffMember>> {
    let stored: Vec<StoredMember> = match settings::get(conn, ROSTER)? {
        Some(v) => settings::from_value(ROSTER, v)?,
        None => Vec::new(),
    };
    // A hash that is not Argon2id (edited by hand) opens nothing.
    Ok(stored
        .into_iter()
        .filter_map(|m| {
            Some(StaffMember {
                pin: PinHash::from_stored(&m.pin)?,
                name: m.name,
                role: m.role,
            })
        })
        .collect())
}

fn save_roster(conn: &rusqlite::Connection, staff: &[StaffMember]) -> Result<()> {
    let stored: Vec<StoredMember> = staff
        .iter()
        .map(|m| StoredMember {
            name: m.name.clone(),
            role: m.role,
            pin: m.pin.as_stored().to_string(),
        })
        .collect();
    settings::set(conn, ROSTER, &settings::to_value(&stored)?)
}

fn lockout(conn: &rusqlite::Connection) -> Result<Lockout> {
    let stored: StoredLockout = match settings::get(conn, LOCKOUT)? {
        Some(v) => settings::from_value(LOCKOUT, v)?,
        None => StoredLockout::default(),
    };
    Ok(Lockout {
        failures: stored.failures,
        locks: stored.locks,
        locked_until: stored.locked_until,
    })
}

fn save_lockout(conn: &rusqlite::Connection, l: Lockout) -> Result<()> {
    let stored = StoredLockout {
        failures: l.failures,
        locks: l.locks,
        locked_until: l.locked_until,
    };
    settings::set(conn, LOCKOUT, &settings::to_value(&stored)?)
}

impl Store {
    /// The staff with a PIN.
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        roster(&self.lock())
    }

    /// Gives `name` the role and PIN (replacing what they had).
    pub fn set_staff_pin(&self, name: &str, role: Role, pin: PinHash) -> Result<()> {
        self.write(|tx| {
            let mut staff = roster(tx)?;
            staff.retain(|m| m.name != name);
            staff.push(StaffMember {
                name: name.to_string(),
                role,
                pin,
            });
            save_roster(tx, &staff)
        })
    }

    /// Removes `name`'s PIN; whether they had one.
    pub fn remove_staff(&self, name: &str) -> Result<bool> {
        self.write(|tx| {
            let mut staff = roster(tx)?;
            let before = staff.len();
            staff.retain(|m| m.name != name);
            save_roster(tx, &staff)?;
            Ok(staff.len() < before)
        })
    }

    /// Where the wrong-PIN count and lock stand.
    pub fn pin_lockout(&self) -> Result<Lockout> {
        lockout(&self.lock())
    }

    /// Decides a guarded action with the PIN given, and keeps the lockout that follows.
    pub fn guard(
        &self,
        policy: Policy,
        action: Guarded,
        pin: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<std::result::Result<Actor, Refusal>> {
        self.write(|tx| {
            let before = lockout(tx)?;
            let (after, decision) = authorize(&roster(tx)?, policy, before, action, pin, now);
            if after != before {
                save_lockout(tx, after)?;
            }
            Ok(decision)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_roster_and_the_lock_outlive_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kasse.sqlite");
        let now = datetime!(2026-12-06 12:00 UTC);
        {
            let store = Store::open(&path).unwrap();
            store
                .set_staff_pin("Mona", Role::Manager, PinHash::new("4711").unwrap())
                .unwrap();
            for _ in 0..crate::staff::TRIES {
                let r = store.guard(Policy::default(), Guarded::Void, Some("0000"), now);
                assert!(matches!(
                    r.unwrap(),
                    Err(Refusal::Wrong { .. } | Refusal::Locked { .. })
                ));
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.staff().unwrap().len(), 1);
        let until = now + crate::staff::FIRST_LOCK;
        assert_eq!(store.pin_lockout().unwrap().locked_until, Some(until));
        let r = store.guard(Policy::default(), Guarded::Void, Some("4711"), now);
        assert_eq!(r.unwrap(), Err(Refusal::Locked { until }));
        let r = store.guard(Policy::default(), Guarded::Void, Some("4711"), until);
        assert_eq!(
            r.unwrap(),
            Ok(Actor::Staff {
                name: "Mona".into(),
                role: Role::Manager
            })
        );
        assert_eq!(store.pin_lockout().unwrap(), Lockout::default());
        // Nothing of the PIN in the database: only the Argon2id string.
        let raw = store.setting(ROSTER).unwrap().unwrap().to_string();
        assert!(raw.contains("$argon2id$") && !raw.contains("4711"));
    }

    #[test]
    fn a_pin_given_again_replaces_the_old_and_a_removed_member_opens_nothing() {
        let store = Store::open_in_memory().unwrap();
        let now = datetime!(2026-12-06 12:00 UTC);
        store
            .set_staff_pin("Mona", Role::Manager, PinHash::new("4711").unwrap())
            .unwrap();
        store
            .set_staff_pin("Kari", Role::Cashier, PinHash::new("1234").unwrap())
            .unwrap();
        store
            .set_staff_pin("Mona", Role::Manager, PinHash::new("8888").unwrap())
            .unwrap();
        let guard = |pin| {
            store
                .guard(Policy::default(), Guarded::Settings, Some(pin), now)
                .unwrap()
        };
        assert!(matches!(guard("4711"), Err(Refusal::Wrong { .. })));
        assert!(guard("8888").is_ok());
        assert!(store.remove_staff("Kari").unwrap());
        assert!(!store.remove_staff("Kari").unwrap());
        assert!(matches!(guard("1234"), Err(Refusal::Wrong { .. })));
    }
}
