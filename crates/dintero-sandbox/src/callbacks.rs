//! Callbacks to `url.callback_url` (dintero-api.md §16): which ones are due and the URL with
//! Dintero's parameters; what one delivery attempt logs. Sending them is `delivery.rs`.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::clock::{format_millis, Millis};

/// Longest `delay_callback` honoured, and longest retry pause.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(60);

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
}
