//! Backoff delays and `Retry-After` parsing for retried idempotent calls.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::RetryPolicy;

/// What to do after a `429`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateLimitWait {
    /// Wait this long, then retry.
    Wait(Duration),
    /// The server asks for more than the policy allows: give up now.
    GiveUp,
}

impl RetryPolicy {
    /// Delay before retry number `retry` (1-based): exponential, capped, jittered into
    /// `[d/2, d]` so many clients do not retry in lock-step.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let nanos = (full - half).as_nanos() as u64;
        let jitter = if nanos == 0 {
            0
        } else {
            random_u64() % (nanos + 1)
        };
        half + Duration::from_nanos(jitter)
    }

    /// How long to wait after a `429` carrying `retry_after` (1 s when absent).
    pub(crate) fn rate_limit_wait(&self, retry_after: Option<Duration>) -> RateLimitWait {
        match retry_after {
            Some(d) if d > self.max_delay => RateLimitWait::GiveUp,
            Some(d) => RateLimitWait::Wait(d),
            None => RateLimitWait::Wait(Duration::from_secs(1).min(self.max_delay)),
        }
    }
}

/// Parses `Retry-After`: delay seconds (`120`, also `1.5`) or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let delta = at - OffsetDateTime::now_utc();
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

fn random_u64() -> u64 {
    // RandomState is seeded randomly per instance: enough for jitter, no extra dependency.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let d1 = policy.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = policy.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d20 = policy.backoff(20);
            assert!(d20 >= Duration::from_millis(500) && d20 <= Duration::from_secs(1));
        }
        assert!(policy.backoff(u32::MAX) <= Duration::from_secs(1));
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.rate_limit_wait(None),
            RateLimitWait::Wait(Duration::from_secs(1))
        );
        assert_eq!(
            policy.rate_limit_wait(Some(Duration::from_secs(600))),
            RateLimitWait::GiveUp
        );
    }
}
