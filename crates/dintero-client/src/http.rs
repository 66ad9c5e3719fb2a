//! Transport: one `reqwest` pool, request execution, retries, token handling and tracing.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::{debug, field, warn, Instrument as _};
use url::Url;

use crate::auth::{AccessToken, CachedToken, RefreshState, TokenCache, TokenResponse};
use crate::config::{parse_base_url, Config};
use crate::error::{Error, ResponseContext};
use crate::retry::{parse_retry_after, RateLimitWait};

/// One request to send, possibly several times. The body is `Bytes`, so every attempt sends
/// the same buffer (a reference count, not a copy).
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<Bytes>,
    /// Headers of this call only (e.g. `dintero-feature-toggles`), sent after the common ones.
    pub(crate) extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether repeating the request is harmless (GET, PUT, token POST).
    pub(crate) idempotent: bool,
    /// Whether a `401` is answered by fetching a new token and sending the call once more.
    /// Not for capture, refund and void: their request must leave right after the caller
    /// logged its intent, or not at all, so that the time it can still be on its way is
    /// bounded by the request timeout (a 401 proves it was not carried out; the caller asks
    /// again, with the token the refused call has invalidated already refreshed).
    pub(crate) resend_after_401: bool,
}

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The room a JSON body starts with: a session request is about 0.5–2 kB, so it is written
/// without the buffer growing (and being copied) several times from `to_vec`'s 128 bytes.
const BODY_CAPACITY: usize = 1024;

impl Call {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        let idempotent = method == Method::GET || method == Method::PUT;
        Self {
            method,
            url,
            body: None,
            extra_headers: Vec::new(),
            idempotent,
            resend_after_401: true,
        }
    }

    /// See [`Call::resend_after_401`].
    pub(crate) fn no_resend_after_401(mut self) -> Self {
        self.resend_after_401 = false;
        self
    }

    pub(crate) fn json_body<T: serde::Serialize>(mut self, body: &T) -> Result<Self, Error> {
        let mut bytes = Vec::with_capacity(BODY_CAPACITY);
        serde_json::to_writer(&mut bytes, body).map_err(|e| Error::InvalidArgument {
            field: "body",
            message: format!("could not be written as JSON: {e}"),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn header(mut self, name: &'static str, value: &'static str) -> Self {
        let name = HeaderName::from_static(name);
        let value = HeaderValue::from_static(value);
        match self.extra_headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.extra_headers.push((name, value)),
        }
        self
    }
}

/// A complete answer: status, the whole body (as received, not copied), and the only two
/// headers the client reads.
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    /// `Retry-After` of a `429`, parsed (`None` for any other status).
    retry_after: Option<Duration>,
    /// The `event-request-id` header (capture/refund/void answered `202`).
    pub(crate) event_request_id: Option<String>,
    pub(crate) body: Bytes,
}

impl RawResponse {
    /// Reads the answer's status and the headers the client uses, then its whole body.
    async fn read(response: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = response.status();
        let headers = response.headers();
        let retry_after = if status == StatusCode::TOO_MANY_REQUESTS {
            headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
        } else {
            None
        };
        let event_request_id = headers
            .get("event-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await?;
        Ok(Self {
            status,
            retry_after,
            event_request_id,
            body,
        })
    }

    fn into_result(self, context: ResponseContext) -> Result<Self, Error> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(Error::from_response(
                self.status.as_u16(),
                self.retry_after,
                &self.body,
                context,
            ))
        }
    }

    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        decode_json(&self.body).map_err(|e| Error::Decode {
            what: what.to_owned(),
            message: e.to_string(),
        })
    }

    /// [`RawResponse::json`] for the answer to a `POST` that is not idempotent: a success
    /// status whose body cannot be read (a proxy's page, a body cut short) says the request
    /// arrived and took effect, but not what it did, so it is an unknown outcome, never a
    /// refusal. The caller settles it by reading the resource.
    pub(crate) fn json_after_post<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
    ) -> Result<T, Error> {
        self.json(what).map_err(|e| Error::OutcomeUnknown {
            method: Method::POST.to_string(),
            path: path.to_owned(),
            reason: format!(
                "Dintero answered HTTP {} but the answer could not be read ({e})",
                self.status.as_u16()
            ),
        })
    }
}

/// A collection of the Checkout API; its URL is built once per client, so a call appends only
/// its own segments (an id, an operation) instead of percent-encoding the whole path again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `/v1/sessions-profile`
    SessionsProfile,
    /// `/v1/sessions`
    Sessions,
    /// `/v1/transactions`
    Transactions,
}

impl Collection {
    #[cfg(test)]
    const ALL: [Collection; 3] = [
        Collection::SessionsProfile,
        Collection::Sessions,
        Collection::Transactions,
    ];

    fn segments(self) -> [&'static str; 2] {
        match self {
            Collection::SessionsProfile => ["v1", "sessions-profile"],
            Collection::Sessions => ["v1", "sessions"],
            Collection::Transactions => ["v1", "transactions"],
        }
    }
}

/// `serde_json::from_slice`, with the body's UTF-8 checked once up front: a valid body is read
/// as `&str`, so serde_json does not check every string in it again (about a fifth of the
/// work of reading a transaction). A body that is not UTF-8 goes through `from_slice`, which
/// reports it exactly as before. Same values, same errors: the two readers differ only in that
/// check.
fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Shared state behind every clone of the public client.
pub(crate) struct Inner {
    pub(crate) config: Config,
    http: reqwest::Client,
    /// The URL of each [`Collection`].
    sessions_profile_url: Url,
    sessions_url: Url,
    transactions_url: Url,
    token_url: Url,
    audience: String,
    basic_auth: HeaderValue,
    /// The `Dintero-System-*` headers, validated and built once (sent on every API call, not
    /// on the token request).
    system_headers: Vec<(HeaderName, HeaderValue)>,
    tokens: TokenCache,
}

fn header_value(field: &'static str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidConfig {
        field,
        message: "must be printable ASCII (it is sent as an HTTP header)".to_owned(),
    })
}

/// Appends path segments (percent-encoded) to a base URL that may carry a path prefix.
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

impl Inner {
    pub(crate) fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let auth_base = parse_base_url("auth_base_url", &config.auth_base_url)?;
        let checkout_base = parse_base_url("checkout_base_url", &config.checkout_base_url)?;
        let aid = config.account_id.as_str();
        let token_url = join(&auth_base, &["v1", "accounts", aid, "auth", "token"]);
        // The audience names the account's grant, not the host asked: it is Dintero's literal
        // `https://api.dintero.com/v1/accounts/{aid}` whichever host serves the token (the
        // checkout host, a proxy, a simulator), dintero-api.md §3.1.
        let audience = format!("{}/v1/accounts/{aid}", crate::config::DEFAULT_AUTH_BASE_URL);

        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.client_id,
            config.client_secret.expose()
        ));
        let mut basic_auth = header_value("client_secret", &format!("Basic {credentials}"))?;
        basic_auth.set_sensitive(true);

        let mut system_headers = Vec::with_capacity(4);
        for (name, field, value) in [
            ("dintero-system-name", "system.name", &config.system.name),
            (
                "dintero-system-version",
                "system.version",
                &config.system.version,
            ),
            (
                "dintero-system-plugin-name",
                "system.plugin_name",
                &config.system.plugin_name,
            ),
            (
                "dintero-system-plugin-version",
                "system.plugin_version",
                &config.system.plugin_version,
            ),
        ] {
            system_headers.push((HeaderName::from_static(name), header_value(field, value)?));
        }

        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(header_value("user_agent", &config.user_agent)?)
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidConfig {
                field: "http",
                message: format!("could not set up the HTTP client: {}", error_chain(&e)),
            })?;

        let collection = |c: Collection| join(&checkout_base, &c.segments());
        Ok(Self {
            config,
            http,
            sessions_profile_url: collection(Collection::SessionsProfile),
            sessions_url: collection(Collection::Sessions),
            transactions_url: collection(Collection::Transactions),
            token_url,
            audience,
            basic_auth,
            system_headers,
            tokens: TokenCache::new(),
        })
    }

    /// The URL of `collection` followed by `segments` (percent-encoded): the same URL as
    /// joining the collection's path and `segments` to the Checkout base URL.
    pub(crate) fn checkout_url(&self, collection: Collection, segments: &[&str]) -> Url {
        let base = match collection {
            Collection::SessionsProfile => &self.sessions_profile_url,
            Collection::Sessions => &self.sessions_url,
            Collection::Transactions => &self.transactions_url,
        };
        if segments.is_empty() {
            base.clone()
        } else {
            join(base, segments)
        }
    }

    pub(crate) fn token_url(&self) -> &Url {
        &self.token_url
    }

    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    /// Sends an authenticated Checkout API call and returns its successful answer.
    /// A `401` invalidates the token, which is refreshed once and the call retried once.
    pub(crate) async fn call(&self, call: Call) -> Result<RawResponse, Error> {
        let span = tracing::info_span!(
            "dintero.call",
            method = %call.method,
            path = %call.url.path(),
            status = field::Empty,
            latency_ms = field::Empty,
            attempt = field::Empty,
        );
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

    /// See [`crate::Client::ready_token`].
    pub(crate) async fn ready_token(&self) -> Result<(), Error> {
        if self
            .tokens
            .current()
            .is_some_and(|t| Instant::now() < t.refresh_at)
        {
            return Ok(());
        }
        self.bearer().await.map(drop)
    }

    /// A valid bearer header: cached, or fetched by exactly one caller at a time.
    async fn bearer(&self) -> Result<HeaderValue, Error> {
        let observed_epoch = self.tokens.epoch();
        if let Some(token) = self.tokens.current() {
            let now = Instant::now();
            if now < token.refresh_at {
                return Ok(token.header);
            }
            if now < token.expires_at {
                // Due for refresh but still valid: refresh unless someone else already is.
                let Ok(mut state) = self.tokens.refresh.try_lock() else {
                    return Ok(token.header);
                };
                if let Some(fresh) = self.tokens.current() {
                    if Instant::now() < fresh.refresh_at {
                        return Ok(fresh.header);
                    }
                }
                return match self.fetch_and_store(&mut state).await {
                    Ok(fresh) => Ok(fresh.header),
                    Err(e) if Instant::now() < token.expires_at => {
                        warn!(error = %e, "token refresh failed; using the current token until it expires");
                        Ok(token.header)
                    }
                    Err(e) => Err(e),
                };
            }
        }
        let mut state = self.tokens.refresh.lock().await;
        if let Some(token) = self.tokens.current() {
            if Instant::now() < token.refresh_at {
                return Ok(token.header);
            }
        }
        if let Some((epoch, error)) = &state.last_failure {
            if *epoch > observed_epoch {
                // The fetch we queued behind failed just now: share its error.
                return Err(error.clone());
            }
        }
        Ok(self.fetch_and_store(&mut state).await?.header)
    }

    async fn fetch_and_store(&self, state: &mut RefreshState) -> Result<CachedToken, Error> {
        let obtained = Instant::now();
        let result = self
            .request_token()
            .await
            .and_then(|token| CachedToken::new(&token, obtained));
        self.tokens.finish(state, &result);
        result
    }

    /// Fetches a new token now (holding the refresh lock) and caches it.
    pub(crate) async fn force_token(&self) -> Result<AccessToken, Error> {
        let mut state = self.tokens.refresh.lock().await;
        let obtained = Instant::now();
        let result = self.request_token().await;
        let cached = match &result {
            Ok(token) => CachedToken::new(token, obtained),
            Err(e) => Err(e.clone()),
        };
        self.tokens.finish(&mut state, &cached);
        cached?;
        result
    }

    /// `POST {auth}/v1/accounts/{aid}/auth/token` with Basic auth (retried like a GET).
    async fn request_token(&self) -> Result<AccessToken, Error> {
        let span = tracing::info_span!(
            "dintero.token",
            method = %Method::POST,
            path = %self.token_url.path(),
            status = field::Empty,
            latency_ms = field::Empty,
            attempt = field::Empty,
        );
        let started = span_clock(&span);
        let mut attempts = 0;
        let sent = async {
            let body = serde_json::json!({
                "grant_type": "client_credentials",
                "audience": self.audience,
            });
            let mut call = Call::new(Method::POST, self.token_url.clone()).json_body(&body)?;
            call.idempotent = true;
            self.send(&call, &self.basic_auth, false, &mut attempts)
                .await
        }
        .instrument(span.clone())
        .await;
        finish_span(&span, started, attempts, &sent);
        async {
            let response = sent?.into_result(ResponseContext::Token)?;
            let token: TokenResponse = response.json("access token")?;
            let token = token.into_access_token()?;
            debug!(
                expires_in_s = token.expires_in.as_secs(),
                "access token obtained"
            );
            Ok(token)
        }
        .instrument(span)
        .await
    }

    /// Sends `call` with the policy's retries (idempotent calls only). Returns the last answer
    /// whatever its status, or a transport error classified for the call's method.
    async fn send(
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
fn finish_span(
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
fn span_clock(span: &tracing::Span) -> Option<Instant> {
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

/// The innermost error message (e.g. `Connection refused (os error 111)`).
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut current = e;
    while let Some(inner) = current.source() {
        current = inner;
    }
    current.to_string()
}

/// An error with its sources, one line (`a: b: c`).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_from_checked_text_equals_from_slice() {
        use crate::models::{Session, SessionCreated, Transaction};

        fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(body: &[u8]) {
            let now = decode_json::<T>(body).map_err(|e| e.to_string());
            let before = serde_json::from_slice::<T>(body).map_err(|e| e.to_string());
            assert_eq!(now, before, "{}", String::from_utf8_lossy(body));
        }
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        for entry in std::fs::read_dir(fixtures).unwrap() {
            let body = std::fs::read(entry.unwrap().path()).unwrap();
            // Each fixture, cut short, with trailing bytes, and with bytes that are no UTF-8
            // inside a string and outside one.
            bodies.push(body[..body.len() / 2].to_vec());
            let mut trailing = body.clone();
            trailing.extend_from_slice(b" x");
            bodies.push(trailing);
            if let Some(quote) = body.iter().position(|&b| b == b'"') {
                let mut invalid = body.clone();
                invalid.insert(quote + 1, 0xff);
                bodies.push(invalid);
                let mut split = body.clone();
                split.insert(quote + 1, 0xc3);
                bodies.push(split);
            }
            let mut outside = body.clone();
            outside.insert(0, 0xfe);
            bodies.push(outside);
            bodies.push(body);
        }
        for text in [
            &br#"{"id":"T1.a","status":"AUTHORIZED","amount":1,"currency":"NOK"}"#[..],
            br#"{"id":"T1.\u00e5\ud83d\ude00","status":"X","amount":1,"currency":"NOK"}"#,
            br#"{"id":"T1.\ud800","status":"X","amount":1,"currency":"NOK"}"#,
            b"{\"id\":\"T1.\xc3\xa5\",\"status\":\"X\",\"amount\":1,\"currency\":\"NOK\"}",
            b"{\"id\":\"T1.\xed\xa0\x80\",\"status\":\"X\",\"amount\":1,\"currency\":\"NOK\"}",
            b"\xef\xbb\xbf{}",
            b"",
            b"[]",
            b"null",
        ] {
            bodies.push(text.to_vec());
        }
        for body in &bodies {
            same::<Transaction>(body);
            same::<Vec<Transaction>>(body);
            same::<Session>(body);
            same::<SessionCreated>(body);
            same::<serde_json::Value>(body);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(512))]

        /// A fixture with a few bytes replaced by anything (invalid UTF-8, quotes, escapes,
        /// control characters): both readers agree on the value or on the error message.
        #[test]
        fn mangled_bodies_decode_as_from_slice(
            fixture in 0usize..64,
            changes in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 1..4),
        ) {
            let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
            let mut paths: Vec<_> = std::fs::read_dir(fixtures)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            paths.sort();
            let mut body = std::fs::read(&paths[fixture % paths.len()]).unwrap();
            for (at, byte) in changes {
                let at = at % body.len();
                body[at] = byte;
            }
            let now = decode_json::<crate::models::Transaction>(&body).map_err(|e| e.to_string());
            let before =
                serde_json::from_slice::<crate::models::Transaction>(&body).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(now, before);
            let now = decode_json::<serde_json::Value>(&body).map_err(|e| e.to_string());
            let before = serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(now, before);
        }
    }

    #[test]
    fn collection_urls_equal_the_whole_path_joined_to_the_base() {
        for base in [
            "http://127.0.0.1:8787",
            "https://checkout.dintero.com/",
            "https://example.com/prefix/",
            "https://example.com/prefix",
        ] {
            let config = Config::new("T12345678".parse().unwrap(), "id", "secret")
                .with_checkout_base_url(base);
            let inner = Inner::new(config).unwrap();
            let base = parse_base_url("checkout_base_url", base).unwrap();
            for collection in Collection::ALL {
                for rest in [
                    &[][..],
                    &["T12345678.3YkJXSdSnUBXcmQSzn7uJj"],
                    &["T1.a/b", "cancel"],
                    &["id with space", "capture"],
                    &["ø%?#", "refund"],
                    &["..", "void"],
                    &[".", "x"],
                    &["", "y"],
                ] {
                    let whole: Vec<&str> = collection
                        .segments()
                        .into_iter()
                        .chain(rest.iter().copied())
                        .collect();
                    assert_eq!(
                        inner.checkout_url(collection, rest),
                        join(&base, &whole),
                        "{collection:?} {rest:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn join_keeps_prefix_and_encodes() {
        let base = Url::parse("http://127.0.0.1:8787").unwrap();
        assert_eq!(
            join(&base, &["v1", "transactions", "T1.a/b"]).as_str(),
            "http://127.0.0.1:8787/v1/transactions/T1.a%2Fb"
        );
        let base = Url::parse("https://example.com/prefix/").unwrap();
        assert_eq!(
            join(&base, &["v1", "sessions-profile"]).as_str(),
            "https://example.com/prefix/v1/sessions-profile"
        );
    }
}
