//! Callbacks to `url.callback_url` (dintero-api.md §16): which ones are due, the URL with
//! Dintero's parameters, delivery with signature, retries with backoff, and the delivery log.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::clock::{format_millis, Millis};
use crate::sandbox::Shared;
use crate::signature;

/// Longest `delay_callback` honoured, and longest retry pause.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// Dintero gives up on a delivery after 10 s.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a callback is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger<'a> {
    /// The payment is authorized (or captured with auto-capture, or ON_HOLD).
    Authorized,
    /// The payment failed: `cancelled`, `authorization`, `failed` (or `capture`).
    Error(&'static str),
    /// An event was applied (`report_event`).
    Event {
        name: &'static str,
        event_id: &'a str,
    },
}

/// A callback to deliver, fully prepared.
#[derive(Debug, Clone)]
pub(crate) struct CallbackJob {
    pub kind: String,
    pub url: url::Url,
    pub post: bool,
    pub include_session: bool,
    pub body: Option<Value>,
    pub delay: Duration,
    pub session_id: String,
    pub transaction_id: Option<String>,
    /// The AUTHORIZE/CAPTURE event behind an authorization callback (`AUTH_CALLBACK_SENT`).
    pub transaction_event_id: Option<String>,
    pub on_hold: bool,
}

/// One delivery attempt, as logged and shown by `GET /_sim/callbacks`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallbackDelivery {
    /// The `event-delivery` header: one id for all attempts of a callback.
    pub delivery_id: String,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    /// `authorized`, `error:<code>` or `event:<EVENT>`.
    pub kind: String,
    /// `GET` or `POST`.
    pub method: String,
    /// The full URL called, with Dintero's parameters.
    pub url: String,
    /// Session the callback is about.
    pub session_id: String,
    /// Transaction, when there is one in the callback.
    pub transaction_id: Option<String>,
    /// The `Dintero-Signature` header sent, if any.
    pub signature: Option<String>,
    /// When the attempt was made (simulated clock).
    pub attempted_at: String,
    /// HTTP status answered, if any.
    pub status: Option<u16>,
    /// Transport error or why it was not sent.
    pub error: Option<String>,
    /// `delivered`, `retrying`, `failed` (4xx, or retries exhausted), `skipped`.
    pub outcome: String,
}

/// Which callback (if any) `callback_url` asks for on `trigger`, with Dintero's parameters.
pub(crate) fn plan(
    callback_url: &str,
    trigger: Trigger<'_>,
    session_id: &str,
    transaction_id: Option<&str>,
    merchant_reference: &str,
    created_at: Millis,
) -> Option<CallbackJob> {
    let mut url = url::Url::parse(callback_url).ok()?;
    let mut post = false;
    let mut include_session = false;
    let mut report_error = false;
    let mut report_events: Vec<String> = Vec::new();
    let mut delay = Duration::ZERO;
    let mut sid_name = "session_id";
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "method" => post = v.eq_ignore_ascii_case("POST"),
            "includes" => include_session |= v == "session",
            "report_error" => report_error = v == "true",
            "report_event" => report_events.push(v.into_owned()),
            "delay_callback" => {
                delay = v
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::ZERO)
                    .min(MAX_DELAY)
            }
            "sid_parameter_name" if v == "sid" => sid_name = "sid",
            _ => {}
        }
    }
    let kind = match trigger {
        Trigger::Authorized => "authorized".to_owned(),
        Trigger::Error(code) if report_error => format!("error:{code}"),
        Trigger::Error(_) => return None,
        Trigger::Event { name, .. } if report_events.iter().any(|e| e == name) => {
            format!("event:{name}")
        }
        Trigger::Event { .. } => return None,
    };
    {
        let mut q = url.query_pairs_mut();
        if let Some(t) = transaction_id {
            q.append_pair("transaction_id", t);
        }
        q.append_pair(sid_name, session_id);
        q.append_pair("merchant_reference", merchant_reference);
        q.append_pair("time", &format_millis(created_at));
        match trigger {
            Trigger::Error(code) => {
                q.append_pair("error", code);
            }
            Trigger::Event { name, event_id } => {
                q.append_pair("event", name);
                q.append_pair("event_id", event_id);
            }
            Trigger::Authorized => {}
        }
    }
    Some(CallbackJob {
        kind,
        url,
        post,
        include_session,
        body: None,
        delay,
        session_id: session_id.to_owned(),
        transaction_id: transaction_id.map(str::to_owned),
        transaction_event_id: None,
        on_hold: false,
    })
}

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

    const T: Millis = 1_778_581_000_512;

    #[test]
    fn authorized_callback_appends_the_parameters_in_order() {
        let job = plan(
            "https://pos.example/cb?method=GET&report_error=true",
            Trigger::Authorized,
            "T1.s",
            Some("T1.t"),
            "REF 1",
            T,
        )
        .unwrap();
        assert_eq!(
            job.url.as_str(),
            "https://pos.example/cb?method=GET&report_error=true&transaction_id=T1.t&session_id=T1.s&merchant_reference=REF+1&time=2026-05-12T10%3A16%3A40.512Z"
        );
        assert!(!job.post);
    }

    #[test]
    fn errors_and_events_only_when_asked_for() {
        let plain = "https://pos.example/cb";
        assert!(plan(plain, Trigger::Error("failed"), "s", None, "r", T).is_none());
        let ev = Trigger::Event {
            name: "CAPTURE",
            event_id: "e1",
        };
        assert!(plan(plain, ev, "s", Some("t"), "r", T).is_none());
        let url = "https://pos.example/cb?report_error=true&report_event=CAPTURE&method=POST&includes=session&sid_parameter_name=sid&delay_callback=120";
        let job = plan(url, Trigger::Error("authorization"), "s", None, "r", T).unwrap();
        assert!(job.url.as_str().ends_with(
            "&sid=s&merchant_reference=r&time=2026-05-12T10%3A16%3A40.512Z&error=authorization"
        ));
        assert!(job.post && job.include_session);
        assert_eq!(job.delay, Duration::from_secs(60));
        let job = plan(url, ev, "s", Some("t"), "r", T).unwrap();
        assert_eq!(job.kind, "event:CAPTURE");
        assert!(job.url.as_str().ends_with("&event=CAPTURE&event_id=e1"));
        let refund = Trigger::Event {
            name: "REFUND",
            event_id: "e2",
        };
        assert!(plan(url, refund, "s", Some("t"), "r", T).is_none());
    }

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
