//! Sending callbacks: each in its own task, signed when configured, retried with backoff on
//! 5xx and transport errors, every attempt logged; stops on reset and shutdown.

use std::sync::Arc;
use std::time::Duration;

use crate::callbacks::{CallbackDelivery, CallbackJob, MAX_DELAY};
use crate::clock::format_millis;
use crate::signature;
use crate::state::Shared;

/// Dintero gives up on a delivery after 10 s.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

fn is_loopback_or_http(url: &url::Url) -> bool {
    if url.scheme() != "https" {
        return true;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    }
}

/// Send the jobs in the background (each in its own task).
pub(crate) fn dispatch(shared: &Arc<Shared>, jobs: Vec<CallbackJob>) {
    for job in jobs {
        let shared = shared.clone();
        tokio::spawn(async move { deliver(shared, job).await });
    }
}

fn backoff(base: Duration, retry: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(retry.min(20)))
        .min(MAX_DELAY)
}

async fn deliver(shared: Arc<Shared>, job: CallbackJob) {
    let generation = shared.generation();
    let mut shutdown = shared.shutdown_signal();
    if !job.delay.is_zero() {
        tokio::select! {
            _ = shared.clock.sleep(job.delay) => {}
            _ = shutdown.changed() => return,
        }
    }
    let delivery_id = shared.store().ids.uuid();
    let method = if job.post { "POST" } else { "GET" };
    let base_entry = |attempt: u32| CallbackDelivery {
        delivery_id: delivery_id.clone(),
        attempt,
        kind: job.kind.clone(),
        method: method.to_owned(),
        url: job.url.to_string(),
        session_id: job.session_id.clone(),
        transaction_id: job.transaction_id.clone(),
        signature: None,
        attempted_at: format_millis(shared.clock.now_ms()),
        status: None,
        error: None,
        outcome: String::new(),
    };
    if !shared.config.allow_http_callbacks && is_loopback_or_http(&job.url) {
        let mut e = base_entry(1);
        e.error = Some("not delivered: Dintero only calls https URLs on public hosts (allow_http_callbacks is off)".into());
        e.outcome = "skipped".into();
        shared.log_callback(generation, e);
        return;
    }
    let max_retries = shared.config.callback_max_retries;
    for retry in 0..=max_retries {
        if shared.generation() != generation || *shutdown.borrow() {
            return;
        }
        let mut entry = base_entry(retry + 1);
        let mut req = if job.post {
            shared.http.post(job.url.clone())
        } else {
            shared.http.get(job.url.clone())
        };
        req = req
            .timeout(DELIVERY_TIMEOUT)
            .header("event-delivery", &delivery_id);
        if let Some(secret) = &shared.config.signature_secret {
            let t = shared.clock.now_ms().div_euclid(1000);
            let sig =
                signature::header_value(secret, t, &shared.config.account_id, method, &job.url);
            req = req.header("Dintero-Signature", &sig);
            entry.signature = Some(sig);
        }
        if let Some(body) = &job.body {
            req = req.json(body);
        }
        let result = tokio::select! {
            r = req.send() => r,
            _ = shutdown.changed() => return,
        };
        let retryable = match result {
            Ok(resp) => {
                let code = resp.status().as_u16();
                entry.status = Some(code);
                code <= 101 || code >= 500
            }
            Err(e) => {
                entry.error = Some(if e.is_timeout() {
                    "timed out after 10 s".to_owned()
                } else {
                    format!("connection error: {e}")
                });
                true
            }
        };
        let delivered = entry.status.is_some() && !retryable;
        let success = delivered && entry.status.is_some_and(|c| c < 400);
        entry.outcome = if success {
            "delivered"
        } else if !retryable || retry == max_retries {
            "failed"
        } else {
            "retrying"
        }
        .to_owned();
        shared.log_callback(generation, entry);
        if success {
            if job.kind == "authorized" {
                let name = if job.on_hold {
                    "ON_HOLD_CALLBACK_SENT"
                } else {
                    "AUTH_CALLBACK_SENT"
                };
                let details = job
                    .transaction_event_id
                    .as_ref()
                    .map(|id| serde_json::json!({ "transaction_event_id": id }));
                let now = shared.clock.now_ms();
                shared
                    .store()
                    .add_session_event(&job.session_id, name, now, details);
            }
            return;
        }
        if !retryable || retry == max_retries {
            return;
        }
        tokio::select! {
            _ = shared.clock.sleep(backoff(shared.config.callback_retry_base, retry)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_60s() {
        let b = Duration::from_secs(1);
        assert_eq!(backoff(b, 0), Duration::from_secs(1));
        assert_eq!(backoff(b, 3), Duration::from_secs(8));
        assert_eq!(backoff(b, 6), Duration::from_secs(60));
        assert_eq!(backoff(b, 19), Duration::from_secs(60));
    }

    #[test]
    fn http_and_loopback_are_recognised() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(is_loopback_or_http(&u("http://pos.example/cb")));
        assert!(is_loopback_or_http(&u("https://127.0.0.1/cb")));
        assert!(is_loopback_or_http(&u("https://localhost/cb")));
        assert!(!is_loopback_or_http(&u("https://pos.example/cb")));
    }
}
