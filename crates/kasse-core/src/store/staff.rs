//! The staff roster (names, roles, Argon2id PIN hashes), the manager's policy (the refund
//! limit) and the PIN lockout, kept in the log's database so every window and process at the
//! counter sees the same ones and a restart does not lift a lock. A guarded action is decided in
//! one write transaction, so two processes trying PINs at once cannot both use the same
//! remaining try; a change to the roster or the policy is written with its
//! [`LogEvent::SettingsChanged`] in one transaction too (the counter's stream,
//! [`COUNTER_STREAM`]).
//!
//! The refund PIN of Kasse before staff roles (`refund_pin_hash` in the app's settings, salted
//! SHA-256) cannot be converted: it is the manager's PIN (named `manager`) until a manager PIN
//! is set, and the first time it is given it is hashed anew with Argon2id and the old form is
//! removed. So an upgrade never leaves refunds open that a PIN guarded before.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::append::chain_in;
use super::{settings, Result, Store, StoreError};
use crate::sale::{LogEvent, SettingChange, COUNTER_STREAM};
use crate::staff::{
    authorize, Actor, Guarded, Lockout, PinHash, Policy, Refusal, Role, StaffMember,
};

const ROSTER: &str = "staff";
const LOCKOUT: &str = "pin_lockout";
const POLICY: &str = "staff.policy";
/// The field of the app's settings where an older Kasse kept its refund PIN.
const LEGACY_FIELD: &str = "refund_pin_hash";
/// The name the old refund PIN goes by.
pub const LEGACY_MANAGER: &str = "manager";

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

#[derive(Serialize, Deserialize, Default)]
struct StoredPolicy {
    refund_limit: i64,
    #[serde(default)]
    discount_limit: u32,
}

/// A change to who may do what ([`Store::change_staff`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffChange {
    /// Gives `name` the role and PIN (replacing what they had).
    SetPin {
        /// The staff member.
        name: String,
        /// Their role.
        role: Role,
        /// Their new PIN's hash.
        pin: PinHash,
    },
    /// Removes `name`'s PIN.
    Remove {
        /// The staff member.
        name: String,
    },
    /// Refunds above this need the manager (0: all do).
    RefundLimit(i64),
    /// Discounts above this share (hundredths of a percent) need the manager (0: all do).
    DiscountLimit(u32),
}

/// A setting of this module, its default when none is stored.
fn load<T: serde::de::DeserializeOwned + Default>(
    conn: &rusqlite::Connection,
    key: &str,
) -> Result<T> {
    match settings::get(conn, key)? {
        Some(v) => settings::from_value(key, v),
        None => Ok(T::default()),
    }
}

/// The roster as stored (Argon2id only: a hash edited into another form opens nothing).
fn stored_roster(conn: &rusqlite::Connection) -> Result<Vec<StaffMember>> {
    let stored: Vec<StoredMember> = load(conn, ROSTER)?;
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

/// The old refund PIN, when an older Kasse left one.
fn legacy_pin(conn: &rusqlite::Connection) -> Result<Option<PinHash>> {
    Ok(settings::get(conn, settings::keys::APP)?
        .as_ref()
        .and_then(|app| app.get(LEGACY_FIELD))
        .and_then(Value::as_str)
        .and_then(PinHash::from_legacy))
}

fn drop_legacy_pin(conn: &rusqlite::Connection) -> Result<()> {
    if let Some(mut app) = settings::get(conn, settings::keys::APP)? {
        if let Some(o) = app.as_object_mut() {
            if o.remove(LEGACY_FIELD).is_some() {
                settings::set(conn, settings::keys::APP, &app)?;
            }
        }
    }
    Ok(())
}

/// Who has a PIN: the stored roster, and the old refund PIN as the manager's while no manager
/// PIN is set.
fn roster(conn: &rusqlite::Connection) -> Result<Vec<StaffMember>> {
    let mut staff = stored_roster(conn)?;
    if !staff.iter().any(|m| m.role == Role::Manager) {
        if let Some(pin) = legacy_pin(conn)? {
            staff.push(StaffMember {
                name: LEGACY_MANAGER.into(),
                role: Role::Manager,
                pin,
            });
        }
    }
    Ok(staff)
}

fn save_roster(conn: &rusqlite::Connection, staff: &[StaffMember]) -> Result<()> {
    let stored: Vec<StoredMember> = staff
        .iter()
        .filter(|m| !m.pin.is_legacy())
        .map(|m| StoredMember {
            name: m.name.clone(),
            role: m.role,
            pin: m.pin.as_stored().to_string(),
        })
        .collect();
    settings::set(conn, ROSTER, &settings::to_value(&stored)?)
}

fn policy(conn: &rusqlite::Connection) -> Result<Policy> {
    let stored: StoredPolicy = load(conn, POLICY)?;
    Ok(Policy {
        refund_limit: stored.refund_limit,
        discount_limit: stored.discount_limit,
    })
}

fn save_policy(conn: &rusqlite::Connection, refund_limit: i64, discount_limit: u32) -> Result<()> {
    let stored = StoredPolicy {
        refund_limit,
        discount_limit,
    };
    settings::set(conn, POLICY, &settings::to_value(&stored)?)
}

fn lockout(conn: &rusqlite::Connection) -> Result<Lockout> {
    let stored: StoredLockout = load(conn, LOCKOUT)?;
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

/// Journals a change of the counter's settings in its stream (inside the change's transaction).
pub(super) fn journal_change(
    conn: &rusqlite::Connection,
    actor: &Actor,
    changes: Vec<SettingChange>,
    at: OffsetDateTime,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let event = LogEvent::SettingsChanged {
        actor: actor.clone(),
        changes,
    };
    chain_counter(conn, &event, at).map(|_| ())
}

/// Writes one event onto the counter's stream (inside a write transaction); its seq.
fn chain_counter(conn: &rusqlite::Connection, event: &LogEvent, at: OffsetDateTime) -> Result<i64> {
    chain_in(
        conn,
        COUNTER_STREAM,
        Some(super::row::COUNTER_KEY),
        event,
        crate::clock::normalize(at),
        None,
        None,
    )
    .map(|c| c.seq)
}

/// The journal's name of a staff member's PIN setting.
pub fn pin_setting(name: &str) -> String {
    format!("pin:{name}")
}

impl Store {
    /// The staff with a PIN (with the old refund PIN as `manager` while no manager PIN is set).
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        roster(&self.lock())
    }

    /// The manager's policy.
    pub fn staff_policy(&self) -> Result<Policy> {
        policy(&self.lock())
    }

    /// Changes the roster or the policy as `actor` (who was allowed to: the caller guarded
    /// [`Guarded::Settings`]), and journals it, in one transaction. Whether anything changed
    /// (a removed name that had no PIN did not).
    pub fn change_staff(
        &self,
        change: StaffChange,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<bool> {
        self.write(|tx| {
            let mut staff = stored_roster(tx)?;
            let journal = match change {
                StaffChange::SetPin { name, role, pin } => {
                    if name.trim().is_empty() || name.len() > 40 {
                        return Err(StoreError::InvalidInput {
                            field: "name",
                            reason: "1 to 40 characters".into(),
                        });
                    }
                    staff.retain(|m| m.name != name);
                    let setting = pin_setting(&name);
                    staff.push(StaffMember { name, role, pin });
                    if role == Role::Manager {
                        // A manager PIN replaces the old refund PIN.
                        drop_legacy_pin(tx)?;
                    }
                    save_roster(tx, &staff)?;
                    SettingChange::Secret { setting }
                }
                StaffChange::Remove { name } => {
                    let before = staff.len();
                    staff.retain(|m| m.name != name);
                    let legacy = name == LEGACY_MANAGER && legacy_pin(tx)?.is_some();
                    if staff.len() == before && !legacy {
                        return Ok(false);
                    }
                    if legacy {
                        drop_legacy_pin(tx)?;
                    }
                    save_roster(tx, &staff)?;
                    SettingChange::Secret {
                        setting: pin_setting(&name),
                    }
                }
                StaffChange::RefundLimit(limit) => {
                    if limit < 0 {
                        return Err(StoreError::InvalidInput {
                            field: "refund_limit",
                            reason: "0 (every refund needs the manager) or more".into(),
                        });
                    }
                    let old = policy(tx)?;
                    if old.refund_limit == limit {
                        return Ok(false);
                    }
                    save_policy(tx, limit, old.discount_limit)?;
                    SettingChange::Value {
                        setting: "refund_limit".into(),
                        old: old.refund_limit.into(),
                        new: limit.into(),
                    }
                }
                StaffChange::DiscountLimit(limit) => {
                    if limit > 10_000 {
                        return Err(StoreError::InvalidInput {
                            field: "discount_limit",
                            reason: "a percentage from 0 to 100".into(),
                        });
                    }
                    let old = policy(tx)?;
                    if old.discount_limit == limit {
                        return Ok(false);
                    }
                    save_policy(tx, old.refund_limit, limit)?;
                    SettingChange::Value {
                        setting: "discount_limit".into(),
                        old: old.discount_limit.into(),
                        new: limit.into(),
                    }
                }
            };
            journal_change(tx, actor, vec![journal], at)?;
            Ok(true)
        })
    }

    /// Saves a setting changed by `actor` (who was allowed to: the caller guarded
    /// [`Guarded::Settings`]) with the journal's account of what changed, in one transaction.
    pub fn change_setting(
        &self,
        key: &str,
        value: &Value,
        actor: &Actor,
        changes: Vec<SettingChange>,
        at: OffsetDateTime,
    ) -> Result<()> {
        self.write(|tx| {
            settings::set(tx, key, value)?;
            journal_change(tx, actor, changes, at)
        })
    }

    /// Where the wrong-PIN count and lock stand.
    pub fn pin_lockout(&self) -> Result<Lockout> {
        lockout(&self.lock())
    }

    /// Decides a guarded action with the PIN given under the stored policy, and keeps the
    /// lockout that follows. The old refund PIN, once given right, is hashed anew with Argon2id.
    pub fn guard(
        &self,
        action: Guarded,
        pin: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<std::result::Result<Actor, Refusal>> {
        self.write(|tx| {
            let before = lockout(tx)?;
            let staff = roster(tx)?;
            let (after, decision) = authorize(&staff, policy(tx)?, before, action, pin, now);
            if after != before {
                save_lockout(tx, after)?;
            }
            if let (Ok(actor @ Actor::Staff { name, .. }), Some(pin)) = (&decision, pin) {
                let legacy = staff
                    .iter()
                    .any(|m| &m.name == name && m.pin.is_legacy() && m.pin.matches(pin));
                if let (true, Ok(hash)) = (legacy, PinHash::new(pin)) {
                    let mut stored = stored_roster(tx)?;
                    stored.push(StaffMember {
                        name: name.clone(),
                        role: Role::Manager,
                        pin: hash,
                    });
                    save_roster(tx, &stored)?;
                    drop_legacy_pin(tx)?;
                    let setting = pin_setting(name);
                    journal_change(tx, actor, vec![SettingChange::Secret { setting }], now)?;
                }
            }
            Ok(decision)
        })
    }

    /// The counter's stream: its settings changes, closed days and exports, oldest first.
    pub fn counter_events(&self) -> Result<Vec<super::StoredEvent>> {
        self.events(COUNTER_STREAM)
    }

    /// Journals a guarded action done by the event's actor (a closed day, an export) in the
    /// counter's stream; its seq. A sale's event is refused: it goes through [`Store::append`].
    /// (Settings changes are written with the change, by the methods that make it.)
    pub fn journal_counter_event(&self, event: &LogEvent, at: OffsetDateTime) -> Result<i64> {
        if !event.is_counter_event() {
            return Err(StoreError::InvalidInput {
                field: "kind",
                reason: format!("{} belongs to a sale's stream", event.kind()),
            });
        }
        self.write(|tx| chain_counter(tx, event, at))
    }

    /// Journals a Z report's [`LogEvent::DayClosed`] as the counter's Z report number
    /// `z_number`; its seq. Refused ([`StoreError::DayClosedMeanwhile`]) when another Z report
    /// was journaled since the caller read the open period: two counters closing at once never
    /// share a number or a period.
    pub fn journal_day_closed(
        &self,
        event: &LogEvent,
        z_number: u32,
        at: OffsetDateTime,
    ) -> Result<i64> {
        if !matches!(event, LogEvent::DayClosed { .. }) {
            return Err(StoreError::InvalidInput {
                field: "kind",
                reason: format!("{} does not close a day", event.kind()),
            });
        }
        self.write(|tx| {
            let closed = super::read::sale_events(tx, COUNTER_STREAM)?
                .iter()
                .filter(|e| matches!(e.event, LogEvent::DayClosed { .. }))
                .count();
            if u32::try_from(closed).ok().and_then(|c| c.checked_add(1)) != Some(z_number) {
                return Err(StoreError::DayClosedMeanwhile { z_number });
            }
            chain_counter(tx, event, at)
        })
    }
}

#[cfg(test)]
mod tests;
