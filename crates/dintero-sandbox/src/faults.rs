//! Fault injection rules (`POST /_sim/faults`); the middleware applying them is
//! `http/faults.rs`. A rule may answer with an error status, add latency, drop the
//! connection unanswered, or do any of these after the operation took effect; or let the
//! operation take effect and spoil the answer: `cut_body` (the real status and headers, with
//! the full body's `Content-Length`, then part of the body and the connection closes) or
//! `garbage_body` (the real status with a complete body that is not JSON: a proxy's HTML page).
//!
//! A transaction that is unreadable in list answers is not a rule here but a mark on the
//! transaction ([`crate::Control::corrupt_in_lists`], `POST /_sim/transactions/{id}/corrupt`):
//! it concerns one record wherever it appears, not a request.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// One fault rule. Every field is optional (absent means its default): an empty rule matches
/// every Dintero request and does nothing but count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    pub method: Option<String>,
    /// Path to match; `*` matches one segment (any path when absent).
    pub path: Option<String>,
    /// Answer with this status and Dintero's error body.
    pub status: Option<u16>,
    /// Wait this long before answering (or before the operation, unless `after`).
    pub latency_ms: Option<u64>,
    /// Close the connection without any answer.
    pub drop: bool,
    /// Apply the fault after the operation took effect.
    pub after: bool,
    /// Chance that a matching request is faulted (default 1.0).
    pub probability: Option<f64>,
    /// How many faults the rule makes before it is spent (unlimited when absent).
    pub times: Option<u32>,
    /// `Retry-After` seconds on 429 answers (default 1).
    pub retry_after: Option<u32>,
    /// The operation takes effect; the answer has its real status and headers (with the full
    /// body's `Content-Length`), but only part of the body is sent before the connection is
    /// closed, so the client fails while reading the body.
    pub cut_body: bool,
    /// The operation takes effect; the answer has its real status and a complete body that is
    /// not JSON (a proxy's HTML page, `Content-Type: text/html`).
    pub garbage_body: bool,
}

impl FaultRule {
    /// A rule for `method path` (`path` may hold `*` for one segment, as in
    /// `/v1/transactions/*/refund`) that does nothing yet: set what it does with struct update
    /// syntax, `FaultRule { status: Some(503), ..FaultRule::on("POST", path) }`.
    pub fn on(method: &str, path: &str) -> FaultRule {
        FaultRule {
            method: Some(method.into()),
            path: Some(path.into()),
            ..FaultRule::default()
        }
    }

    /// The next answer to `method path` is lost after the operation took effect (the
    /// connection is dropped): the request happened and the caller cannot know it.
    pub fn answer_lost_once(method: &str, path: &str) -> FaultRule {
        FaultRule {
            after: true,
            drop: true,
            times: Some(1),
            ..FaultRule::on(method, path)
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        match &self.path {
            None => true,
            Some(p) => path_matches(p, path),
        }
    }
}

/// `*` matches exactly one path segment.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pat = pattern.trim_end_matches('/').split('/');
    let mut segs = path.trim_end_matches('/').split('/');
    loop {
        match (pat.next(), segs.next()) {
            (None, None) => return true,
            (Some("*"), Some(s)) if !s.is_empty() => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

#[derive(Debug)]
struct Active {
    rule: FaultRule,
    remaining: Option<u32>,
}

/// The rules in force.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<(Vec<Active>, StdRng)>,
}

impl Faults {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s ^ 0x5EED_FA17),
            None => StdRng::from_entropy(),
        };
        Faults {
            inner: Mutex::new((Vec::new(), rng)),
        }
    }

    pub fn set(&self, rules: Vec<FaultRule>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 = rules
            .into_iter()
            .map(|rule| Active {
                remaining: rule.times,
                rule,
            })
            .collect();
    }

    pub fn clear(&self) {
        self.set(Vec::new());
    }

    /// True with chance `p`, from the same seeded generator as the rules' `probability`.
    pub fn roll(&self, p: f64) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.1.gen_bool(p.clamp(0.0, 1.0))
    }

    /// The first live rule matching the request that fires (probability), consuming one use.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultRule> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (rules, rng) = &mut *g;
        for a in rules.iter_mut() {
            if a.remaining == Some(0) || !a.rule.matches(method, path) {
                continue;
            }
            let p = a.rule.probability.unwrap_or(1.0);
            if p < 1.0 && !rng.gen_bool(p.clamp(0.0, 1.0)) {
                continue;
            }
            if let Some(n) = &mut a.remaining {
                *n -= 1;
            }
            return Some(a.rule.clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_one_segment() {
        assert!(path_matches(
            "/v1/transactions/*/refund",
            "/v1/transactions/T1.abc/refund"
        ));
        assert!(!path_matches(
            "/v1/transactions/*/refund",
            "/v1/transactions/T1.abc/capture"
        ));
        assert!(!path_matches(
            "/v1/transactions/*",
            "/v1/transactions/a/refund"
        ));
        assert!(!path_matches("/v1/transactions/*", "/v1/transactions/"));
        assert!(path_matches("/v1/sessions-profile", "/v1/sessions-profile"));
    }

    #[test]
    fn times_and_probability() {
        let f = Faults::new(Some(1));
        f.set(vec![FaultRule {
            path: Some("/a".into()),
            times: Some(2),
            status: Some(503),
            ..Default::default()
        }]);
        assert!(f.take("GET", "/a").is_some());
        assert!(f.take("POST", "/a").is_some());
        assert!(f.take("GET", "/a").is_none());
        f.set(vec![FaultRule {
            probability: Some(0.0),
            ..Default::default()
        }]);
        assert!((0..100).all(|_| f.take("GET", "/x").is_none()));
        f.set(vec![FaultRule {
            method: Some("post".into()),
            probability: Some(1.0),
            ..Default::default()
        }]);
        assert!(f.take("GET", "/x").is_none());
        assert!(f.take("POST", "/x").is_some());
        f.set(vec![FaultRule {
            probability: Some(0.5),
            ..Default::default()
        }]);
        let hits = (0..1000).filter(|_| f.take("GET", "/x").is_some()).count();
        assert!((350..650).contains(&hits), "{hits}");
    }
}
