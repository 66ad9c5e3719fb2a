//! How often the watcher reads a waiting payment: fast while the customer is likely paying,
//! slower while nobody has opened the checkout, backing off after two minutes, and never more
//! than a fixed budget of reads (DESIGN.md §5: ≤ 60 reads per waiting payment per minute).
//!
//! Pure logic: time comes in as milliseconds since the payment started being followed, so the
//! schedule is tested without sleeping.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the watcher knows about the customer, which decides how eagerly to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The QR is shown; nobody has opened the checkout yet.
    Waiting,
    /// The customer opened the checkout or a transaction is INITIATED: payment is near.
    Paying,
}

/// Poll cadence settings (stored in settings; the defaults meet DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cadence {
    /// Interval while waiting for the customer to open the checkout.
    pub waiting_ms: u64,
    /// Interval while the customer is paying.
    pub paying_ms: u64,
    /// After this long, the waiting interval grows by half each poll…
    pub backoff_after_ms: u64,
    /// …up to this.
    pub max_interval_ms: u64,
    /// Read budget: a bucket of this many reads…
    pub burst: u32,
    /// …refilled at this many reads per minute. Over any two minutes a payment costs at most
    /// `burst + 2 × refill_per_minute` reads.
    pub refill_per_minute: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            waiting_ms: 2_000,
            paying_ms: 600,
            backoff_after_ms: 120_000,
            max_interval_ms: 10_000,
            burst: 60,
            refill_per_minute: 30,
        }
    }
}

/// The schedule of one followed payment.
#[derive(Debug, Clone)]
pub struct Schedule {
    cadence: Cadence,
    /// Tokens in the bucket, in thousandths of a read (integer arithmetic, no drift).
    tokens_milli: u64,
    last_refill_ms: u64,
    backoff_ms: u64,
}

impl Schedule {
    /// A new schedule; `now_ms` is the time the payment started being followed.
    pub fn new(cadence: Cadence, now_ms: u64) -> Schedule {
        Schedule {
            cadence,
            tokens_milli: u64::from(cadence.burst) * 1000,
            last_refill_ms: now_ms,
            backoff_ms: cadence.waiting_ms,
        }
    }

    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.last_refill_ms);
        // refill_per_minute reads per 60 000 ms = refill_per_minute milli-reads per 60 ms.
        let add = elapsed.saturating_mul(u64::from(self.cadence.refill_per_minute)) / 60;
        let cap = u64::from(self.cadence.burst) * 1000;
        self.tokens_milli = (self.tokens_milli + add).min(cap);
        self.last_refill_ms = now_ms;
    }

    /// Records one API read made at `now_ms`.
    pub fn spend(&mut self, now_ms: u64) {
        self.refill(now_ms);
        self.tokens_milli = self.tokens_milli.saturating_sub(1000);
    }

    /// How long to wait, from `now_ms`, before the next read. `started_ms` is when following
    /// began; `phase` is what the last read showed.
    pub fn next_delay(&mut self, now_ms: u64, started_ms: u64, phase: Phase) -> Duration {
        self.refill(now_ms);
        let c = self.cadence;
        let wanted = match phase {
            Phase::Paying => c.paying_ms,
            Phase::Waiting if now_ms.saturating_sub(started_ms) < c.backoff_after_ms => {
                c.waiting_ms
            }
            Phase::Waiting => {
                // `max` before `min` (not `clamp`, which panics when a stored cadence has its
                // cap below the waiting interval: the cap then simply does not apply).
                self.backoff_ms = (self.backoff_ms + self.backoff_ms / 2)
                    .min(c.max_interval_ms)
                    .max(c.waiting_ms);
                self.backoff_ms
            }
        };
        // With less than one read in the bucket, wait until the refill gives one back (with no
        // refill at all, read at the slowest interval rather than never again).
        let budget_wait = if self.tokens_milli >= 1000 {
            0
        } else if c.refill_per_minute == 0 {
            c.max_interval_ms.max(c.waiting_ms)
        } else {
            let missing = 1000 - self.tokens_milli;
            (missing * 60).div_ceil(u64::from(c.refill_per_minute))
        };
        Duration::from_millis(wanted.max(budget_wait))
    }

    /// Honours a server's `Retry-After`: the next read waits at least this long.
    pub fn delay_for_retry_after(&self, retry_after: Duration) -> Duration {
        retry_after.max(Duration::from_millis(self.cadence.paying_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates a payment followed for `total_ms`, with the customer paying from `paying_from`.
    fn reads_in(total_ms: u64, paying_from: Option<u64>) -> Vec<u64> {
        let mut s = Schedule::new(Cadence::default(), 0);
        let mut now = 0;
        let mut reads = vec![];
        while now < total_ms {
            s.spend(now);
            reads.push(now);
            let phase = match paying_from {
                Some(p) if now >= p => Phase::Paying,
                _ => Phase::Waiting,
            };
            now += s.next_delay(now, 0, phase).as_millis() as u64;
        }
        reads
    }

    #[test]
    fn waiting_costs_thirty_reads_a_minute() {
        let reads = reads_in(60_000, None);
        assert_eq!(reads.len(), 30);
    }

    #[test]
    fn paying_is_fast_until_the_budget_runs_low() {
        let reads = reads_in(10_000, Some(0));
        // 600 ms apart for the first ten seconds.
        assert_eq!(reads.len(), 17);
        assert!(reads.windows(2).all(|w| w[1] - w[0] == 600));
    }

    #[test]
    fn two_minutes_never_cost_more_than_sixty_reads_a_minute() {
        for paying_from in [None, Some(0), Some(10_000), Some(45_000), Some(100_000)] {
            let reads = reads_in(120_000, paying_from);
            assert!(
                reads.len() <= 120,
                "paying from {paying_from:?}: {} reads in two minutes",
                reads.len()
            );
            // And no rolling minute exceeds burst + refill.
            for (i, &t) in reads.iter().enumerate() {
                let in_minute = reads[i..].iter().take_while(|&&r| r < t + 60_000).count();
                assert!(in_minute <= 90, "{in_minute} reads in the minute from {t}");
            }
        }
    }

    #[test]
    fn waiting_backs_off_after_two_minutes_up_to_the_cap() {
        let mut s = Schedule::new(Cadence::default(), 0);
        let mut now = 120_000;
        let mut last = Duration::ZERO;
        for _ in 0..20 {
            s.spend(now);
            let d = s.next_delay(now, 0, Phase::Waiting);
            assert!(d >= last, "interval shrank from {last:?} to {d:?}");
            last = d;
            now += d.as_millis() as u64;
        }
        assert_eq!(last, Duration::from_millis(10_000));
    }

    #[test]
    fn odd_stored_cadences_neither_panic_nor_run_hot() {
        // A cap below the waiting interval, and a bucket that never refills.
        let c = Cadence {
            waiting_ms: 20_000,
            max_interval_ms: 5_000,
            burst: 2,
            refill_per_minute: 0,
            ..Cadence::default()
        };
        let mut s = Schedule::new(c, 0);
        let mut now = 0;
        let mut delays = vec![];
        for _ in 0..5 {
            s.spend(now);
            let d = s.next_delay(now, 0, Phase::Waiting);
            delays.push(d);
            now += d.as_millis() as u64 + 200_000;
        }
        assert!(
            delays.iter().all(|d| *d >= Duration::from_millis(20_000)),
            "{delays:?}"
        );
        let mut s = Schedule::new(c, 0);
        s.spend(0);
        s.spend(0);
        assert_eq!(
            s.next_delay(0, 0, Phase::Paying),
            Duration::from_millis(20_000)
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let s = Schedule::new(Cadence::default(), 0);
        assert_eq!(
            s.delay_for_retry_after(Duration::from_secs(7)),
            Duration::from_secs(7)
        );
    }
}
