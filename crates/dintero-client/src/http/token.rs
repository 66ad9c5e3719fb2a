//! The access token: cached, refreshed ahead of expiry by one caller at a time (others keep
//! the current token while it is valid, or share the refresh's outcome), and fetched with the
//! client credentials.

use reqwest::header::HeaderValue;
use reqwest::Method;
use tokio::time::Instant;
use tracing::{debug, warn, Instrument as _};

use super::call::Call;
use super::inner::Inner;
use super::send::{finish_span, span_clock};
use crate::auth::{AccessToken, CachedToken, RefreshState, TokenResponse};
use crate::error::{Error, ResponseContext};

impl Inner {
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
    pub(super) async fn bearer(&self) -> Result<HeaderValue, Error> {
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
        let span = call_span!("dintero.token", Method::POST, self.token_url.path());
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
}
