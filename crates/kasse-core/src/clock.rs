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

/// Random ids, time-ordered: see [`time_ordered_id`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> String {
        let ms = unix_ms(OffsetDateTime::now_utc()).max(0) as u64;
        time_ordered_id(ms, rand::random())
    }
}

/// An id of 26 lower-case Crockford base-32 characters: 48 bits of Unix milliseconds, then 80
/// bits of `random`. Shorter than a hyphenated UUID (36) with as many random bits as a UUID v4
/// has per millisecond, and ordered by time, so a new sale's id lands at the end of the
/// indexes that carry it instead of splitting pages in the middle.
pub fn time_ordered_id(ms: u64, random: u128) -> String {
    const DIGITS: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let n: u128 = (u128::from(ms & ((1 << 48) - 1)) << 80) | (random & ((1 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| char::from(DIGITS[((n >> (5 * i)) & 31) as usize]))
        .collect()
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
    fn time_ordered_ids_sort_by_time_and_keep_their_random_bits() {
        let a = time_ordered_id(1_700_000_000_000, 0);
        let b = time_ordered_id(1_700_000_000_001, u128::MAX);
        assert_eq!((a.len(), b.len()), (26, 26));
        assert!(a < b, "{a} < {b}");
        // The first 10 characters are the time, the last 16 the 80 random bits.
        assert_eq!(a[10..], *"0000000000000000");
        assert_eq!(b[10..], *"zzzzzzzzzzzzzzzz");
        assert_eq!(a[..10], time_ordered_id(1_700_000_000_000, u128::MAX)[..10]);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        let r = RandomIds.new_id();
        assert_eq!(r.len(), 26);
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
