//! Sending: an authenticated call (one new token and one resend after a `401`, where the call
//! allows it), retries of idempotent calls on 5xx, 429 and transport errors, the headers of
//! each attempt, the tracing span of a call, and a transport failure said as the right error.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;
use tokio::time::Instant;
use tracing::{debug, Instrument as _};

use super::call::{Call, RawResponse, APPLICATION_JSON};
use super::inner::Inner;
use crate::error::{error_chain, root_cause, Error, ResponseContext};
use crate::retry::RateLimitWait;

impl Inner {
    /// Sends an authenticated Checkout API call and returns its successful answer.
    /// A `401` invalidates the token, which is refreshed once and the call retried once.
    pub(crate) async fn call(&self, call: Call) -> Result<RawResponse, Error> {
        let span = call_span!("dintero.call", call.method, call.url.path());
        let started = span_clock(&span);
        let mut attempts = 0;
        let result = async {
            let mut refreshed = false;
            loop {
                let bearer = self.bearer().await?;
                let response = self.send(&call, &bearer, true, &mut attempts).await?;
                if response.status == StatusCode::UNAUTHORIZED && !refreshed {
                    self.tokens.invalidate(&bearer);
                    if !call.resend_after_401 {
                        debug!("access token refused (401); not sent again");
                        return Err(Error::Unauthorized {
                            status: 401,
                            message: "the access token was refused, so nothing was done; a new token is fetched when this is asked again".into(),
                        });
                    }
                    debug!("access token refused (401); fetching a new one and retrying once");
                    refreshed = true;
                    continue;
                }
                return Ok(response);
            }
        }
        .instrument(span.clone())
        .await;
        finish_span(&span, started, attempts, &result);
        result?.into_result(ResponseContext::Api)
    }

    /// Sends `call` with the policy's retries (idempotent calls only). Returns the last answer
    /// whatever its status, or a transport error classified for the call's method.
    pub(super) async fn send(
        &self,
        call: &Call,
        auth: &HeaderValue,
        system_headers: bool,
        attempts: &mut u32,
    ) -> Result<RawResponse, Error> {
        let policy = self.config.retry;
        let max_attempts = if call.idempotent {
            policy.max_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            *attempts += 1;
            let started = Instant::now();
            let result = self.send_once(call, auth, system_headers).await;
            // Read the clock again only for a log line that is written.
            let latency_ms = || millis(started.elapsed());
            match result {
                Ok(response) => {
                    let status = response.status.as_u16();
                    debug!(
                        attempt,
                        status,
                        latency_ms = latency_ms(),
                        "dintero answered"
                    );
                    let retryable = response.status.is_server_error() || status == 429;
                    if !(retryable && attempt < max_attempts) {
                        return Ok(response);
                    }
                    let delay = if status == 429 {
                        match policy.rate_limit_wait(response.retry_after) {
                            RateLimitWait::Wait(d) => d,
                            RateLimitWait::GiveUp => return Ok(response),
                        }
                    } else {
                        policy.backoff(attempt)
                    };
                    debug!(
                        attempt,
                        status,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    let message = error_chain(&e);
                    debug!(attempt, latency_ms = latency_ms(), error = %message, "request failed");
                    if attempt < max_attempts {
                        let delay = policy.backoff(attempt);
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Err(classify(&e, call, message));
                }
            }
        }
    }

    /// The headers of one attempt, in one map sized for them (and for the `User-Agent` reqwest
    /// adds): `Accept`, `Authorization`, the system headers, the call's own, `Content-Type`.
    /// Static values and the prebuilt ones are shared, not copied.
    fn headers(&self, call: &Call, auth: &HeaderValue, system_headers: bool) -> HeaderMap {
        let system: &[(HeaderName, HeaderValue)] = if system_headers {
            &self.system_headers
        } else {
            &[]
        };
        let mut headers = HeaderMap::with_capacity(5 + system.len() + call.extra_headers.len());
        headers.insert(header::ACCEPT, APPLICATION_JSON);
        headers.insert(header::AUTHORIZATION, auth.clone());
        for (name, value) in system.iter().chain(&call.extra_headers) {
            headers.insert(name.clone(), value.clone());
        }
        if call.body.is_some() {
            headers.insert(header::CONTENT_TYPE, APPLICATION_JSON);
        }
        headers
    }

    async fn send_once(
        &self,
        call: &Call,
        auth: &HeaderValue,
        system_headers: bool,
    ) -> Result<RawResponse, reqwest::Error> {
        let mut request = reqwest::Request::new(call.method.clone(), call.url.clone());
        *request.headers_mut() = self.headers(call, auth, system_headers);
        if let Some(body) = &call.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        let response = self.http.execute(request).await?;
        RawResponse::read(response).await
    }
}

fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// Records the outcome of a call on its span, once: final status, total latency, attempts.
pub(super) fn finish_span(
    span: &tracing::Span,
    started: Option<Instant>,
    attempts: u32,
    result: &Result<RawResponse, Error>,
) {
    if let Some(started) = started {
        span.record("attempt", attempts);
        span.record("latency_ms", millis(started.elapsed()));
        if let Ok(response) = result {
            span.record("status", response.status.as_u16());
        }
    }
    if let Err(e) = result {
        debug!(parent: span, error = %e, "dintero call failed");
    }
}

/// When a span is recorded (a subscriber wants it), the time it starts; `None` when it is
/// disabled, so a call nobody traces does not read the clock for it.
pub(super) fn span_clock(span: &tracing::Span) -> Option<Instant> {
    (!span.is_disabled()).then(Instant::now)
}

/// Maps a final transport failure: nothing sent → `Transport`; a non-idempotent request that
/// may have been sent → `OutcomeUnknown`; otherwise `Timeout`/`Transport`.
fn classify(e: &reqwest::Error, call: &Call, message: String) -> Error {
    let method = call.method.to_string();
    let path = call.url.path().to_owned();
    if e.is_connect() {
        let host = match (call.url.host_str(), call.url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => call.url.to_string(),
        };
        let cause = if e.is_timeout() {
            "timed out".to_owned()
        } else {
            root_cause(e)
        };
        return Error::Transport {
            message: format!("could not connect to {host} ({cause})"),
        };
    }
    if !call.idempotent {
        let reason = if e.is_timeout() {
            "no answer within the request timeout".to_owned()
        } else {
            format!("connection lost: {}", root_cause(e))
        };
        return Error::OutcomeUnknown {
            method,
            path,
            reason,
        };
    }
    if e.is_timeout() {
        Error::Timeout { method, path }
    } else {
        Error::Transport { message }
    }
}
