//! Client configuration: account, credentials, base URLs, headers, timeouts and retries.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Dintero's API host (token endpoint).
pub const DEFAULT_AUTH_BASE_URL: &str = "https://api.dintero.com";
/// Dintero's Checkout host (sessions and transactions).
pub const DEFAULT_CHECKOUT_BASE_URL: &str = "https://checkout.dintero.com";

const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A Dintero account id: `T` (test) or `P` (production) followed by 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Validates `^[PT]\d{8}$` (surrounding whitespace is ignored).
    pub fn parse(value: &str) -> Result<Self, Error> {
        let value = value.trim();
        let bytes = value.as_bytes();
        let valid = bytes.len() == 9
            && matches!(bytes[0], b'P' | b'T')
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::InvalidConfig {
                field: "account_id",
                message: format!(
                    "{value:?} is not a Dintero account id (expected T or P followed by 8 digits, e.g. T12345678)"
                ),
            })
        }
    }

    /// The id as Dintero writes it, e.g. `T12345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Test for `T…` accounts, production for `P…` accounts.
    pub fn environment(&self) -> Environment {
        if self.0.starts_with('P') {
            Environment::Production
        } else {
            Environment::Test
        }
    }
}

impl FromStr for AccountId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Which Dintero environment an account lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `T…` account: sandbox, no real money.
    Test,
    /// `P…` account: real payments.
    Production,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Test => "Test",
            Environment::Production => "Production",
        })
    }
}

/// A secret string (client secret, access token). `Debug` and `Display` print `[redacted]`;
/// it cannot be serialized. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// The `Dintero-System-*` headers sent on every Checkout API call (Dintero echoes them back in
/// `initiating_system_request_headers` and `events[].request_headers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemHeaders {
    /// `Dintero-System-Name`, e.g. `kasse`.
    pub name: String,
    /// `Dintero-System-Version`.
    pub version: String,
    /// `Dintero-System-Plugin-Name`, e.g. `dintero-client-rs`.
    pub plugin_name: String,
    /// `Dintero-System-Plugin-Version`.
    pub plugin_version: String,
}

impl Default for SystemHeaders {
    fn default() -> Self {
        Self {
            name: "kasse".to_owned(),
            version: CRATE_VERSION.to_owned(),
            plugin_name: "dintero-client-rs".to_owned(),
            plugin_version: CRATE_VERSION.to_owned(),
        }
    }
}

/// Network timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open a TCP (and TLS) connection.
    pub connect: Duration,
    /// Time allowed for one whole request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}

/// Retry policy for idempotent calls (GET, PUT and the token request).
///
/// The delay before retry `n` (1-based) is `min(max_delay, base_delay * 2^(n-1))`, jittered
/// into its upper half. A `429` waits `Retry-After` seconds instead (1 s when absent, capped at
/// `max_delay`); when `Retry-After` asks for more than `max_delay` the client gives up at once
/// with [`Error::RateLimited`] so the caller can schedule the retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first one (1 = no retries).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub base_delay: Duration,
    /// Upper bound for any single delay.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// Everything the client needs. Build with [`Config::new`] and the `with_*` setters;
/// [`Client::new`](crate::Client::new) validates it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Dintero account (`T…` or `P…`).
    pub account_id: AccountId,
    /// API client id.
    pub client_id: String,
    /// API client secret.
    pub client_secret: Secret,
    /// Base URL of the token endpoint host (the audience is always Dintero's, see
    /// [`Client::audience`](crate::Client::audience)).
    pub auth_base_url: String,
    /// Base URL of the Checkout API host.
    pub checkout_base_url: String,
    /// `Dintero-System-*` headers.
    pub system: SystemHeaders,
    /// Network timeouts.
    pub timeouts: Timeouts,
    /// Retries of idempotent calls.
    pub retry: RetryPolicy,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Config {
    /// A configuration for Dintero's hosts with default headers, timeouts and retries.
    pub fn new(
        account_id: AccountId,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Self {
            account_id,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            auth_base_url: DEFAULT_AUTH_BASE_URL.to_owned(),
            checkout_base_url: DEFAULT_CHECKOUT_BASE_URL.to_owned(),
            system: SystemHeaders::default(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            user_agent: format!("dintero-client-rs/{CRATE_VERSION}"),
        }
    }

    /// Overrides the token host (default `https://api.dintero.com`).
    pub fn with_auth_base_url(mut self, url: impl Into<String>) -> Self {
        self.auth_base_url = url.into();
        self
    }

    /// Overrides the Checkout API host (default `https://checkout.dintero.com`).
    pub fn with_checkout_base_url(mut self, url: impl Into<String>) -> Self {
        self.checkout_base_url = url.into();
        self
    }

    /// Points both hosts at one origin, as a simulator serves them.
    pub fn with_base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.with_auth_base_url(url.clone())
            .with_checkout_base_url(url)
    }

    /// Sets `Dintero-System-Name` and `Dintero-System-Version`.
    pub fn with_system(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.system.name = name.into();
        self.system.version = version.into();
        self
    }

    /// Sets `Dintero-System-Plugin-Name` and `Dintero-System-Plugin-Version`.
    pub fn with_plugin(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.system.plugin_name = name.into();
        self.system.plugin_version = version.into();
        self
    }

    /// Sets the connect and whole-request timeouts.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.timeouts = Timeouts { connect, request };
        self
    }

    /// Sets the retry policy of idempotent calls.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The environment the account id selects.
    pub fn environment(&self) -> Environment {
        self.account_id.environment()
    }

    /// Checks every field; the error names the field at fault.
    pub fn validate(&self) -> Result<(), Error> {
        if self.client_id.trim().is_empty() {
            return Err(invalid("client_id", "must not be empty"));
        }
        if self.client_secret.is_empty() {
            return Err(invalid("client_secret", "must not be empty"));
        }
        if self.client_id.contains(':') {
            return Err(invalid(
                "client_id",
                "must not contain ':' (it is sent with HTTP Basic authentication)",
            ));
        }
        let auth = parse_base_url("auth_base_url", &self.auth_base_url)?;
        let checkout = parse_base_url("checkout_base_url", &self.checkout_base_url)?;
        // A production account moves real money: its secret and its payments never travel in
        // clear, whatever a settings screen was made to say.
        if self.environment() == Environment::Production {
            for (field, url) in [("auth_base_url", &auth), ("checkout_base_url", &checkout)] {
                if url.scheme() != "https" {
                    return Err(invalid(
                        field,
                        "must start with https:// for a production account (P…); http:// is only for a test account's local simulator",
                    ));
                }
            }
        }
        for (field, value) in [
            ("system.name", &self.system.name),
            ("system.version", &self.system.version),
            ("system.plugin_name", &self.system.plugin_name),
            ("system.plugin_version", &self.system.plugin_version),
            ("user_agent", &self.user_agent),
        ] {
            if reqwest::header::HeaderValue::from_str(value).is_err() {
                return Err(invalid(
                    field,
                    "must be printable ASCII (it is sent as an HTTP header)",
                ));
            }
        }
        if self.timeouts.connect.is_zero() {
            return Err(invalid("timeouts.connect", "must be greater than zero"));
        }
        if self.timeouts.request.is_zero() {
            return Err(invalid("timeouts.request", "must be greater than zero"));
        }
        if self.retry.max_attempts == 0 {
            return Err(invalid(
                "retry.max_attempts",
                "must be at least 1 (1 = no retries)",
            ));
        }
        Ok(())
    }
}

fn invalid(field: &'static str, message: &str) -> Error {
    Error::InvalidConfig {
        field,
        message: message.to_owned(),
    }
}

/// Parses and checks a base URL: absolute http(s), no query or fragment.
pub(crate) fn parse_base_url(field: &'static str, raw: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(raw.trim()).map_err(|e| Error::InvalidConfig {
        field,
        message: format!("{raw:?} is not a valid URL: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidConfig {
            field,
            message: format!("{raw:?} must start with https:// (or http:// for a local simulator)"),
        });
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::InvalidConfig {
            field,
            message: format!("{raw:?} has no host"),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidConfig {
            field,
            message: format!("{raw:?} must not have a query or fragment"),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        let t = AccountId::parse("T12345678").unwrap();
        assert_eq!(t.environment(), Environment::Test);
        assert_eq!(t.environment().to_string(), "Test");
        let p: AccountId = " P00000000 ".parse().unwrap();
        assert_eq!(p.as_str(), "P00000000");
        assert_eq!(p.environment().to_string(), "Production");
        for bad in [
            "",
            "T1234567",
            "T123456789",
            "X12345678",
            "t12345678",
            "T1234567a",
            "T1234",
        ] {
            match AccountId::parse(bad) {
                Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, "account_id"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let err = AccountId::parse("X1").unwrap_err().to_string();
        assert!(err.contains("account_id"), "{err}");
    }

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        let config = Config::new(AccountId::parse("T12345678").unwrap(), "id", "hunter2");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn validation_names_fields() {
        let base = Config::new(AccountId::parse("T12345678").unwrap(), "id", "secret");
        assert!(base.validate().is_ok());
        // A test account may use a local simulator over http; production's defaults are https.
        assert!(base
            .clone()
            .with_base_url("http://127.0.0.1:8787")
            .validate()
            .is_ok());
        let production = Config::new(AccountId::parse("P12345678").unwrap(), "id", "secret");
        assert!(production.validate().is_ok());
        let cases = [
            (base.clone().with_auth_base_url("ftp://x"), "auth_base_url"),
            (
                base.clone().with_checkout_base_url("nope"),
                "checkout_base_url",
            ),
            (
                Config::new(AccountId::parse("T12345678").unwrap(), "", "s"),
                "client_id",
            ),
            (
                Config::new(AccountId::parse("T12345678").unwrap(), "id", ""),
                "client_secret",
            ),
            (base.clone().with_system("bad\nname", "1"), "system.name"),
            (
                Config::new(AccountId::parse("P12345678").unwrap(), "id", "s")
                    .with_auth_base_url("http://127.0.0.1:8787"),
                "auth_base_url",
            ),
            (
                Config::new(AccountId::parse("P12345678").unwrap(), "id", "s")
                    .with_checkout_base_url("http://checkout.example"),
                "checkout_base_url",
            ),
            (
                base.clone().with_retry(RetryPolicy {
                    max_attempts: 0,
                    ..RetryPolicy::default()
                }),
                "retry.max_attempts",
            ),
        ];
        for (config, expected) in cases {
            match config.validate() {
                Err(Error::InvalidConfig { field, .. }) => assert_eq!(field, expected),
                other => panic!("expected {expected}, got {other:?}"),
            }
        }
    }
}
