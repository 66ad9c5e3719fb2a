//! Attempts on guarded actions: five wrong PINs in a row lock them for 30 s, and each lock after
//! that lasts twice as long as the one before, until a right PIN is given. Pure: the caller keeps
//! the state (in the log's database, so a restart does not unlock) and passes the time.

use time::{Duration, OffsetDateTime};

/// Wrong PINs in a row that lock guarded actions.
pub const TRIES: u32 = 5;
/// The first lock's length.
pub const FIRST_LOCK: Duration = Duration::seconds(30);
/// No lock lasts longer than a day, however often it doubles.
const LONGEST_LOCK: Duration = Duration::days(1);

/// Where the attempts stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lockout {
    /// Wrong PINs since the last right one or the last lock.
    pub failures: u32,
    /// Locks since the last right PIN (each doubles the next).
    pub locks: u32,
    /// Guarded actions are refused until then.
    pub locked_until: Option<OffsetDateTime>,
}

impl Lockout {
    /// Until when guarded actions are locked at `now`, if they are.
    pub fn locked_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.locked_until.filter(|until| *until > now)
    }

    /// The state after a wrong PIN at `now`.
    pub fn after_wrong(self, now: OffsetDateTime) -> Lockout {
        let failures = self.failures + 1;
        if failures < TRIES {
            return Lockout { failures, ..self };
        }
        let factor = 1i32.checked_shl(self.locks.min(30)).unwrap_or(i32::MAX);
        let length = FIRST_LOCK
            .checked_mul(factor)
            .unwrap_or(LONGEST_LOCK)
            .min(LONGEST_LOCK);
        Lockout {
            failures: 0,
            locks: self.locks + 1,
            locked_until: Some(now + length),
        }
    }

    /// The state after a right PIN: everything forgiven.
    pub fn after_right(self) -> Lockout {
        Lockout::default()
    }
}
