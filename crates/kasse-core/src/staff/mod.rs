//! Who may do what at the counter: a manager PIN and optional cashier PINs, the actions they
//! guard, and the lockout after wrong PINs. The rules live here so the app and `kasse-cli`
//! enforce the same ones; the shells only ask for a PIN and show the refusal.

mod lockout;
mod pin;

pub use lockout::{Lockout, FIRST_LOCK, TRIES};
pub use pin::{PinFormatError, PinHash, PIN_DIGITS};

use time::OffsetDateTime;

/// A staff member's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "StaffRole"))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sells; refunds up to the manager's limit.
    Cashier,
    /// Everything, including what changes where money goes.
    Manager,
}

/// Someone with a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// The name the journal records.
    pub name: String,
    /// What the PIN opens.
    pub role: Role,
    /// The PIN's hash.
    pub pin: PinHash,
}

/// An action that may need a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// A refund of this many minor units.
    Refund {
        /// The amount refunded.
        amount: i64,
    },
    /// Voiding an authorisation.
    Void,
    /// Changing settings (the account, credentials, URLs, PINs, limits).
    Settings,
    /// Exporting the journal.
    JournalExport,
    /// Closing the day (the Z report).
    CloseDay,
    /// Selling with a discount: the order's largest discount as a share of what it was taken
    /// off ([`crate::order::PricedOrder::largest_discount_share`]).
    Discount {
        /// Hundredths of a percent.
        share: u32,
    },
}

/// The manager's choices about what needs the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Refunds above this many minor units need the manager; 0: every refund does.
    pub refund_limit: i64,
    /// Discounts above this share (hundredths of a percent) need the manager; 0: every
    /// discount does.
    pub discount_limit: u32,
}

impl Policy {
    /// The role an action needs; `None`: anyone at the counter may do it.
    pub fn needs(&self, action: Guarded) -> Option<Role> {
        match action {
            Guarded::Refund { amount } if self.refund_limit > 0 && amount <= self.refund_limit => {
                None
            }
            Guarded::Discount { share } if share <= self.discount_limit => None,
            _ => Some(Role::Manager),
        }
    }
}

/// Who did a guarded action, for the journal (`{"kind":"staff","name":…,"role":…}`,
/// `{"kind":"anyone"}`, `{"kind":"unguarded"}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// No manager PIN is set yet, so nothing is guarded (a fresh install).
    Unguarded,
    /// Not guarded by the policy and no PIN given.
    Anyone,
    /// The member whose PIN was given.
    Staff {
        /// Their name.
        name: String,
        /// Their role.
        role: Role,
    },
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Unguarded => f.write_str("anyone (no manager PIN set)"),
            Actor::Anyone => f.write_str("anyone"),
            Actor::Staff { name, role } => write!(f, "{name} ({})", role.as_str()),
        }
    }
}

impl Role {
    /// `manager` or `cashier`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Manager => "manager",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "manager" => Ok(Role::Manager),
            "cashier" => Ok(Role::Cashier),
            _ => Err(format!("unknown role {s:?}: use manager or cashier")),
        }
    }
}

/// Why a guarded action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No PIN was given.
    Required,
    /// The PIN is nobody's; `tries_left` before guarded actions lock.
    Wrong {
        /// Wrong PINs left before the lock.
        tries_left: u32,
    },
    /// The PIN is a cashier's; the action needs the manager.
    NeedsManager,
    /// Too many wrong PINs: locked until then.
    Locked {
        /// When the lock ends.
        until: OffsetDateTime,
    },
}

/// Decides a guarded action: who may do it with `pin` at `now`, and the lockout state to keep
/// afterwards (a wrong PIN counts; a right one clears the count).
pub fn authorize(
    staff: &[StaffMember],
    policy: Policy,
    lockout: Lockout,
    action: Guarded,
    pin: Option<&str>,
    now: OffsetDateTime,
) -> (Lockout, Result<Actor, Refusal>) {
    if !staff.iter().any(|m| m.role == Role::Manager) {
        return (lockout, Ok(Actor::Unguarded));
    }
    let pin = pin.filter(|p| !p.is_empty());
    let needed = policy.needs(action);
    if needed.is_none() && pin.is_none() {
        return (lockout, Ok(Actor::Anyone));
    }
    if let Some(until) = lockout.locked_at(now) {
        return (lockout, Err(Refusal::Locked { until }));
    }
    let Some(pin) = pin else {
        return (lockout, Err(Refusal::Required));
    };
    match staff.iter().find(|m| m.pin.matches(pin)) {
        Some(m) if needed.is_none_or(|role| m.role >= role) => (
            lockout.after_right(),
            Ok(Actor::Staff {
                name: m.name.clone(),
                role: m.role,
            }),
        ),
        Some(_) => (lockout.after_right(), Err(Refusal::NeedsManager)),
        None => {
            let next = lockout.after_wrong(now);
            let refusal = match next.locked_at(now) {
                Some(until) => Refusal::Locked { until },
                None => Refusal::Wrong {
                    tries_left: TRIES - next.failures,
                },
            };
            (next, Err(refusal))
        }
    }
}

#[cfg(test)]
mod tests;
