//! Injected time and id sources.
//!
//! Kasse's logic never reads the system clock or generates ids on its own: it is handed a
//! [`Clock`] and an [`IdSource`] (DESIGN.md §3, invariants), so tests and the sandbox can move
//! time and get predictable ids.
//!
//! * [`SystemClock`] / [`RandomIds`] are the production sources.
//! * [`ManualClock`] / [`SequentialIds`] are for tests; both are cheap to clone and clones share
//!   state, so a test can keep a handle and move time while the code under test reads it.
//!
//! The journal stores times as integer Unix **milliseconds** in UTC; [`unix_ms`],
//! [`from_unix_ms`] and [`normalize`] are the one place that conversion is written.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime, UtcOffset};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// A source of fresh unique ids (sale ids, operation ids).
pub trait IdSource: Send + Sync {
    /// A new id, never returned before by this source.
    fn new_id(&self) -> String;
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}

impl<T: IdSource + ?Sized> IdSource for Arc<T> {
    fn new_id(&self) -> String {
        (**self).new_id()
    }
}

/// The real clock (UTC).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A clock standing at the given Unix time in milliseconds (handy in tests).
    ///
    /// Out-of-range values are clamped to the Unix epoch.
    pub fn at_unix_ms(ms: i64) -> Self {
        Self::new(from_unix_ms(ms).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    /// Moves the clock to `t` (backwards too: tests may simulate a clock step).
    pub fn set(&self, t: OffsetDateTime) {
        *self.lock() = t;
    }

    /// Moves the clock forward (or backward, for a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now = now.saturating_add(by);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OffsetDateTime> {
        // A poisoned lock still holds a valid time.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.lock()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &*self.lock())
            .finish()
    }
}

/// Random ids: UUID v4, hyphenated lower-case.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Deterministic ids for tests: `{prefix}-000001`, `{prefix}-000002`, …
/// Clones share the counter.
#[derive(Debug, Clone)]
pub struct SequentialIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl SequentialIds {
    /// A source whose first id is `{prefix}-000001`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: Arc::from(prefix.into()),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl Default for SequentialIds {
    fn default() -> Self {
        Self::new("id")
    }
}

impl IdSource for SequentialIds {
    fn new_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n:06}", self.prefix)
    }
}

/// `t` as integer Unix milliseconds (floor).
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    // i128 nanoseconds → i64 milliseconds: every OffsetDateTime fits (±9999 years ≈ ±3.2e14 ms).
    let ms = t.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

/// Unix milliseconds back to a UTC time; `None` if out of `time`'s range.
pub fn from_unix_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// `t` in UTC, truncated to whole milliseconds: the precision the journal keeps. Applying this
/// before a time enters a [`crate::sale::Sale`] makes the in-memory view equal to the one read
/// back from disk.
pub fn normalize(t: OffsetDateTime) -> OffsetDateTime {
    from_unix_ms(unix_ms(t)).unwrap_or_else(|| t.to_offset(UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share() {
        let c = ManualClock::new(datetime!(2026-11-24 10:00 UTC));
        let c2 = c.clone();
        c.advance(Duration::seconds(90));
        assert_eq!(c2.now(), datetime!(2026-11-24 10:01:30 UTC));
        c2.set(datetime!(2026-01-01 0:00 UTC));
        assert_eq!(c.now(), datetime!(2026-01-01 0:00 UTC));
    }

    #[test]
    fn sequential_ids_are_predictable_and_shared() {
        let ids = SequentialIds::new("sale");
        let ids2 = ids.clone();
        assert_eq!(ids.new_id(), "sale-000001");
        assert_eq!(ids2.new_id(), "sale-000002");
        let r = RandomIds;
        assert_ne!(r.new_id(), r.new_id());
    }

    #[test]
    fn unix_ms_round_trips_and_truncates() {
        let t = datetime!(2026-11-24 10:00:00.123456789 +01:00);
        let ms = unix_ms(t);
        assert_eq!(ms % 1000, 123);
        let back = from_unix_ms(ms).unwrap();
        assert_eq!(back, normalize(t));
        assert_eq!(back.offset(), UtcOffset::UTC);
        assert_eq!(unix_ms(datetime!(1969-12-31 23:59:59.9995 UTC)), -1);
    }
}
