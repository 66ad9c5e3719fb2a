//! The guard every shell goes through: a guarded action ([`Guarded`]) is asked of the log with
//! the PIN given ([`Store::guard`]: the roster, the manager's policy and the lockout, decided
//! and kept in one transaction), and a refusal is a [`CoreError`] the shells word
//! (`pin_required`, `pin_wrong` with the tries left, `pin_locked` with when it ends,
//! `manager_required`). What a guarded action needs to go ahead is an [`Allowed`], which only
//! [`guard`] makes: so a settings change, a PIN change or a Z report cannot be written without
//! the check, whichever shell asks. Changes to PINs and the refund limit are journaled in the
//! counter's stream, naming who made them.

use time::OffsetDateTime;

use crate::error::CoreError;
use crate::order::PricedOrder;
use crate::staff::{Actor, Guarded, PinHash, Role};
use crate::store::{StaffChange, Store};

/// Proof that a guarded action was allowed, and by whom. Made only by [`guard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    action: Guarded,
    actor: Actor,
}

impl Allowed {
    /// Who is doing it.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// What was allowed.
    pub fn action(&self) -> Guarded {
        self.action
    }

    /// Refuses (as a bug of the caller) an `Allowed` made for another action.
    pub(crate) fn expect(&self, action: Guarded) -> Result<&Actor, CoreError> {
        if self.action == action {
            Ok(&self.actor)
        } else {
            Err(CoreError::InvalidState(format!(
                "allowed for {:?}, not {action:?}",
                self.action
            )))
        }
    }
}

/// Decides `action` with `pin` at `now`, against the roster and lockout kept in `store`.
pub fn guard(
    store: &Store,
    action: Guarded,
    pin: Option<&str>,
    now: OffsetDateTime,
) -> Result<Allowed, CoreError> {
    match store.guard(action, pin, now)? {
        Ok(actor) => Ok(Allowed { action, actor }),
        Err(refusal) => Err(CoreError::refused(refusal, now)),
    }
}

/// Who has a PIN (names and roles; never the hashes).
pub fn staff(store: &Store) -> Result<Vec<(String, Role)>, CoreError> {
    Ok(store
        .staff()?
        .into_iter()
        .map(|m| (m.name, m.role))
        .collect())
}

/// Whether guarded actions are guarded at all: a manager PIN is set (or the old refund PIN).
pub fn manager_pin_set(store: &Store) -> Result<bool, CoreError> {
    Ok(store.staff()?.iter().any(|m| m.role == Role::Manager))
}

/// Gives `name` the `role` and the new `pin` (4 to 8 digits). A cashier PIN needs a manager
/// PIN first: without one nothing is guarded, so a cashier PIN would guard nothing either.
pub fn set_pin(
    store: &Store,
    allowed: &Allowed,
    name: &str,
    role: Role,
    pin: &str,
    now: OffsetDateTime,
) -> Result<(), CoreError> {
    let actor = allowed.expect(Guarded::Settings)?;
    let name = name.trim();
    if role == Role::Cashier && !manager_pin_set(store)? {
        return Err(CoreError::input(
            "role",
            "set the manager PIN first: without it nothing is guarded",
        ));
    }
    let pin = PinHash::new(pin).map_err(|e| CoreError::input("pin", e.to_string()))?;
    let change = StaffChange::SetPin {
        name: name.to_owned(),
        role,
        pin,
    };
    store.change_staff(change, actor, now)?;
    Ok(())
}

/// Removes `name`'s PIN; whether they had one. Removing the last manager PIN leaves nothing
/// guarded (as on a fresh install), so the cashier PINs go with it.
pub fn remove_pin(
    store: &Store,
    allowed: &Allowed,
    name: &str,
    now: OffsetDateTime,
) -> Result<bool, CoreError> {
    let actor = allowed.expect(Guarded::Settings)?;
    let staff = store.staff()?;
    let last_manager = staff
        .iter()
        .filter(|m| m.role == Role::Manager)
        .all(|m| m.name == name)
        && staff.iter().any(|m| m.name == name);
    let removed = store.change_staff(StaffChange::Remove { name: name.into() }, actor, now)?;
    if removed && last_manager {
        for m in staff.iter().filter(|m| m.name != name) {
            let change = StaffChange::Remove {
                name: m.name.clone(),
            };
            store.change_staff(change, actor, now)?;
        }
    }
    Ok(removed)
}

/// Sets the amount (minor units) up to which anyone may refund; above it, or always when 0,
/// a refund needs the manager's PIN.
pub fn set_refund_limit(
    store: &Store,
    allowed: &Allowed,
    limit: i64,
    now: OffsetDateTime,
) -> Result<(), CoreError> {
    let out_of_range = !(0..=i64::from(i32::MAX)).contains(&limit);
    let refusal = out_of_range.then(|| {
        CoreError::input(
            "refund_limit",
            "0 (every refund needs the manager) or an amount in minor units",
        )
    });
    change_limit(
        store,
        allowed,
        StaffChange::RefundLimit(limit),
        refusal,
        now,
    )
}

/// Sets the share (hundredths of a percent: `1000` is 10 %) up to which anyone may give a
/// discount; above it, or always when 0, the sale needs the manager's PIN.
pub fn set_discount_limit(
    store: &Store,
    allowed: &Allowed,
    limit: u32,
    now: OffsetDateTime,
) -> Result<(), CoreError> {
    let refusal = (limit > 10_000).then(|| {
        CoreError::input(
            "discount_limit",
            "0 (every discount needs the manager) or a percentage up to 100",
        )
    });
    change_limit(
        store,
        allowed,
        StaffChange::DiscountLimit(limit),
        refusal,
        now,
    )
}

/// Changes a limit of the manager's policy as `allowed` (a [`Guarded::Settings`] guard), or
/// refuses with `refusal` when the new value is out of range.
fn change_limit(
    store: &Store,
    allowed: &Allowed,
    change: StaffChange,
    refusal: Option<CoreError>,
    now: OffsetDateTime,
) -> Result<(), CoreError> {
    let actor = allowed.expect(Guarded::Settings)?;
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    store.change_staff(change, actor, now)?;
    Ok(())
}

/// The share (hundredths of a percent) up to which anyone may give a discount (0: every
/// discount needs the manager).
pub fn discount_limit(store: &Store) -> Result<u32, CoreError> {
    Ok(store.staff_policy()?.discount_limit)
}

/// Guards the discounts of `order` ([`Guarded::Discount`] with its largest share) and notes who
/// allowed them on the order; an order without discounts needs nothing.
pub fn guard_discounts(
    store: &Store,
    order: &mut PricedOrder,
    pin: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), CoreError> {
    let share = order.largest_discount_share();
    if share == 0 {
        return Ok(());
    }
    let allowed = guard(store, Guarded::Discount { share }, pin, now)?;
    if let Actor::Staff { .. } = allowed.actor() {
        order.discount_approved_by = Some(allowed.actor().clone());
    }
    Ok(())
}

/// Whether charging `order` will need the manager's PIN: a manager PIN is set and a discount
/// is above the limit (for the cart to say so before the cashier charges).
pub fn discount_needs_manager(store: &Store, order: &PricedOrder) -> Result<bool, CoreError> {
    let share = order.largest_discount_share();
    Ok(share > 0
        && manager_pin_set(store)?
        && store
            .staff_policy()?
            .needs(Guarded::Discount { share })
            .is_some())
}

/// The amount up to which anyone may refund (0: every refund needs the manager).
pub fn refund_limit(store: &Store) -> Result<i64, CoreError> {
    Ok(store.staff_policy()?.refund_limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    #[test]
    fn a_fresh_counter_is_unguarded_until_the_manager_pin_is_set() {
        let store = Store::open_in_memory().unwrap();
        let anyone = guard(&store, Guarded::Settings, None, NOW).unwrap();
        assert_eq!(anyone.actor(), &Actor::Unguarded);
        let e = set_pin(&store, &anyone, "Kari", Role::Cashier, "1234", NOW).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("role"));
        let e = set_pin(&store, &anyone, "Mona", Role::Manager, "12", NOW).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("pin"));
        set_pin(&store, &anyone, "Mona", Role::Manager, "4711", NOW).unwrap();
        assert!(manager_pin_set(&store).unwrap());
        let e = guard(&store, Guarded::Settings, None, NOW).unwrap_err();
        assert_eq!(e.code(), "pin_required");
        let e = guard(&store, Guarded::Settings, Some("1111"), NOW).unwrap_err();
        assert!(matches!(e, CoreError::PinWrong { tries_left: 4 }), "{e:?}");
        let mona = guard(&store, Guarded::Settings, Some("4711"), NOW).unwrap();
        set_pin(&store, &mona, "Kari", Role::Cashier, "1234", NOW).unwrap();
        set_refund_limit(&store, &mona, 10_000, NOW).unwrap();
        assert_eq!(refund_limit(&store).unwrap(), 10_000);
        assert!(set_refund_limit(&store, &mona, -5, NOW).is_err());
        let e = guard(&store, Guarded::CloseDay, Some("1234"), NOW).unwrap_err();
        assert_eq!(e.code(), "manager_required");
        // An Allowed is for its own action only.
        let small = guard(&store, Guarded::Refund { amount: 10 }, None, NOW).unwrap();
        assert!(set_refund_limit(&store, &small, 0, NOW).is_err());
    }

    #[test]
    fn five_wrong_pins_lock_for_thirty_seconds_and_say_so() {
        let store = Store::open_in_memory().unwrap();
        let anyone = guard(&store, Guarded::Settings, None, NOW).unwrap();
        set_pin(&store, &anyone, "Mona", Role::Manager, "4711", NOW).unwrap();
        for left in (1..5).rev() {
            let e = guard(&store, Guarded::Void, Some("0000"), NOW).unwrap_err();
            assert!(matches!(e, CoreError::PinWrong { tries_left } if tries_left == left));
        }
        let e = guard(&store, Guarded::Void, Some("0000"), NOW).unwrap_err();
        assert!(
            matches!(e, CoreError::PinLocked { seconds: 30, .. }),
            "{e:?}"
        );
        let later = NOW + time::Duration::seconds(10);
        let e = guard(&store, Guarded::Void, Some("4711"), later).unwrap_err();
        assert!(
            matches!(e, CoreError::PinLocked { seconds: 20, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn removing_the_last_manager_removes_every_pin() {
        let store = Store::open_in_memory().unwrap();
        let anyone = guard(&store, Guarded::Settings, None, NOW).unwrap();
        set_pin(&store, &anyone, "Mona", Role::Manager, "4711", NOW).unwrap();
        let mona = guard(&store, Guarded::Settings, Some("4711"), NOW).unwrap();
        set_pin(&store, &mona, "Kari", Role::Cashier, "1234", NOW).unwrap();
        assert!(remove_pin(&store, &mona, "Mona", NOW).unwrap());
        assert!(staff(&store).unwrap().is_empty());
        assert!(!remove_pin(&store, &mona, "Mona", NOW).unwrap());
    }
}
