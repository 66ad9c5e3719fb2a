//! The simulated clock: real time plus an offset that only moves forward
//! (`/_sim/clock/advance`). Every time decision in the sandbox reads it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use tokio::sync::watch;

/// Milliseconds since the Unix epoch, on the simulated clock.
pub type Millis = i64;

const MAX_OFFSET_MS: i64 = 1_000_000_000_000_000;

/// Real time + offset. Sleepers wake early when the clock is advanced.
#[derive(Debug)]
pub struct SimClock {
    offset_ms: AtomicI64,
    changed: watch::Sender<i64>,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock {
            offset_ms: AtomicI64::new(0),
            changed: watch::Sender::new(0),
        }
    }
}

impl SimClock {
    /// Now on the simulated clock, in Unix milliseconds.
    pub fn now_ms(&self) -> Millis {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Now as a date-time.
    pub fn now(&self) -> OffsetDateTime {
        to_datetime(self.now_ms())
    }

    /// Move the clock forward (the offset is capped at about 30,000 years, so time arithmetic
    /// never overflows).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(MAX_OFFSET_MS);
        let mut new = 0;
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                new = old.saturating_add(ms).min(MAX_OFFSET_MS);
                Some(new)
            });
        self.changed.send_replace(new);
    }

    /// Back to real time (used by reset).
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
        self.changed.send_replace(0);
    }

    /// Sleep until the simulated clock reaches `due`; returns early when advanced past it.
    pub async fn sleep_until(&self, due: Millis) {
        let mut rx = self.changed.subscribe();
        loop {
            rx.mark_unchanged();
            let remaining = due - self.now_ms();
            if remaining <= 0 {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(remaining as u64)) => {}
                r = rx.changed() => if r.is_err() { return },
            }
        }
    }

    /// Sleep for `d` of simulated time.
    pub async fn sleep(&self, d: Duration) {
        let due = self
            .now_ms()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(MAX_OFFSET_MS));
        self.sleep_until(due).await;
    }
}

/// Unix milliseconds → `OffsetDateTime` (UTC).
pub fn to_datetime(ms: Millis) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-05-12T10:15:02.118Z`, the form Dintero answers with.
pub fn format_millis(ms: Millis) -> String {
    let t = to_datetime(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parse an ISO 8601 / RFC 3339 time. Accepts a full RFC 3339 date-time, a date-time without
/// zone (UTC assumed, as Dintero's list filters do) and a bare date (midnight UTC).
pub fn parse_time(s: &str) -> Option<Millis> {
    let to_ms = |t: OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(to_ms(t));
    }
    let fmt_dt = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(t) = PrimitiveDateTime::parse(s, fmt_dt) {
        return Some(to_ms(t.assume_utc()));
    }
    let fmt_d = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, fmt_d) {
        return Some(to_ms(
            PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_utc(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(format_millis(1_778_580_902_118), "2026-05-12T10:15:02.118Z");
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn parses_the_accepted_forms() {
        assert_eq!(
            parse_time("2026-05-12T10:15:02.118Z"),
            Some(1_778_580_902_118)
        );
        assert_eq!(
            parse_time("2026-05-12T12:15:02.118+02:00"),
            Some(1_778_580_902_118)
        );
        assert_eq!(parse_time("2026-05-12T10:15:02"), Some(1_778_580_902_000));
        assert_eq!(parse_time("2026-05-12"), Some(1_778_544_000_000));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn advance_moves_now_forward() {
        let c = SimClock::default();
        let before = c.now_ms();
        c.advance(Duration::from_secs(3600));
        let after = c.now_ms();
        assert!(after - before >= 3_600_000 && after - before < 3_660_000);
        c.reset();
        assert!(c.now_ms() - before < 60_000);
        c.advance(Duration::MAX);
        c.advance(Duration::MAX);
        assert!(c.now_ms() > before);
        let _ = format_millis(c.now_ms());
    }

    #[tokio::test]
    async fn sleeper_wakes_when_clock_is_advanced() {
        let c = std::sync::Arc::new(SimClock::default());
        let due = c.now_ms() + 3_600_000;
        let c2 = c.clone();
        let task = tokio::spawn(async move { c2.sleep_until(due).await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!task.is_finished());
        c.advance(Duration::from_secs(3601));
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("woke up")
            .unwrap();
    }
}
