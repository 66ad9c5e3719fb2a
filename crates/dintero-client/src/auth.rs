//! Access tokens: the token endpoint's answer and the single-flight cache.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::time::Instant;

use crate::config::Secret;
use crate::error::Error;

/// An access token as Dintero issued it. `Debug` never shows the token.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token (a JWT). Never log it.
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime Dintero gave it (`expires_in`).
    pub expires_in: Duration,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The token endpoint's JSON answer.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) token_type: Option<String>,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

/// Lifetime assumed when Dintero omits `expires_in` (it never has in any source).
const FALLBACK_LIFETIME: Duration = Duration::from_secs(300);

impl TokenResponse {
    pub(crate) fn into_access_token(self) -> Result<AccessToken, Error> {
        if self.access_token.is_empty() {
            return Err(Error::Decode {
                what: "access token".to_owned(),
                message: "access_token is empty".to_owned(),
            });
        }
        Ok(AccessToken {
            access_token: Secret::new(self.access_token),
            token_type: self.token_type.unwrap_or_else(|| "Bearer".to_owned()),
            expires_in: self
                .expires_in
                .map(Duration::from_secs)
                .unwrap_or(FALLBACK_LIFETIME),
        })
    }
}

/// A cached token with its ready-made `Authorization` header value (marked sensitive).
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) header: HeaderValue,
    pub(crate) refresh_at: Instant,
    pub(crate) expires_at: Instant,
}

impl CachedToken {
    /// `obtained` is when the token request was sent, so the lifetime is counted conservatively.
    /// Refresh starts when less than `max(60 s, 10 %)` of the lifetime remains, but never
    /// before half of it has passed (tiny test lifetimes would otherwise refresh on every call).
    pub(crate) fn new(token: &AccessToken, obtained: Instant) -> Result<Self, Error> {
        let mut header = HeaderValue::from_str(&format!("Bearer {}", token.access_token.expose()))
            .map_err(|_| Error::Decode {
                what: "access token".to_owned(),
                message: "access_token contains characters not allowed in an HTTP header"
                    .to_owned(),
            })?;
        header.set_sensitive(true);
        let lifetime = token.expires_in;
        let margin = (lifetime / 10)
            .max(Duration::from_secs(60))
            .min(lifetime / 2);
        Ok(Self {
            header,
            refresh_at: obtained + (lifetime - margin),
            expires_at: obtained + lifetime,
        })
    }
}

/// Shared token state. The `refresh` lock makes sure one token request is in flight at a time;
/// `epoch` counts finished fetches so callers that queued behind a failed fetch get its error
/// instead of repeating it.
pub(crate) struct TokenCache {
    current: Mutex<Option<CachedToken>>,
    pub(crate) refresh: tokio::sync::Mutex<RefreshState>,
    epoch: AtomicU64,
}

#[derive(Default)]
pub(crate) struct RefreshState {
    pub(crate) last_failure: Option<(u64, Error)>,
}

impl TokenCache {
    pub(crate) fn new() -> Self {
        Self {
            current: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            epoch: AtomicU64::new(0),
        }
    }

    pub(crate) fn current(&self) -> Option<CachedToken> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records a finished fetch (call with the refresh lock held).
    pub(crate) fn finish(&self, state: &mut RefreshState, result: &Result<CachedToken, Error>) {
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        match result {
            Ok(token) => {
                *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
                state.last_failure = None;
            }
            Err(e) => state.last_failure = Some((epoch, e.clone())),
        }
    }

    /// Drops the cached token if it is still the one that was refused.
    pub(crate) fn invalidate(&self, refused: &HeaderValue) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_some_and(|t| t.header == refused) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secs: u64) -> AccessToken {
        AccessToken {
            access_token: Secret::new("abc"),
            token_type: "Bearer".into(),
            expires_in: Duration::from_secs(secs),
        }
    }

    #[test]
    fn refresh_margins() {
        let now = Instant::now();
        let t = CachedToken::new(&token(14400), now).unwrap();
        assert_eq!(t.expires_at - now, Duration::from_secs(14400));
        assert_eq!(t.refresh_at - now, Duration::from_secs(14400 - 1440));
        let t = CachedToken::new(&token(300), now).unwrap();
        assert_eq!(t.refresh_at - now, Duration::from_secs(240));
        let t = CachedToken::new(&token(2), now).unwrap();
        assert_eq!(t.refresh_at - now, Duration::from_secs(1));
        assert!(t.header.is_sensitive());
        assert!(!format!("{:?}", token(1)).contains("abc"));
    }
}
