//! What every handler shares: the configuration, clock, store, fault rules, callback log and
//! counters behind one `Arc`. A leaf of the routes: the handlers, the control handle and the
//! server use it; it uses none of them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::behaviour::{AsyncOperations, Behaviour};
use crate::callbacks::CallbackDelivery;
use crate::clock::SimClock;
use crate::config::{is_valid_account_id, SandboxConfig};
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::store::Store;
use crate::token::{Claims, TokenKeys};

/// How long an operation accepted with 202 takes to complete (simulated time).
pub const ASYNC_COMPLETION_DELAY: Duration = Duration::from_millis(200);

/// Counters for `GET /_sim/stats`.
#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    pub accepted_connections: AtomicU64,
    pub requests: AtomicU64,
}

/// What `GET /_sim/stats` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// TCP connections accepted since start.
    pub accepted_connections: u64,
    /// HTTP requests received since start (all paths).
    pub requests: u64,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) base_url: String,
    /// `config.public_host` with the port of `base_url`: where customers open the checkout.
    pub(crate) public_url: Option<String>,
    pub(crate) clock: SimClock,
    store: Mutex<Store>,
    pub(crate) faults: Faults,
    pub(crate) callback_log: Mutex<Vec<CallbackDelivery>>,
    pub(crate) http: reqwest::Client,
    pub(crate) tokens: TokenKeys,
    pub(crate) stats: StatsCounters,
    pub(crate) generation: AtomicU64,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Shared {
    /// The state lock. Never held across an `.await`.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bumped by every reset, so stale background work stops.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn log_callback(&self, generation: u64, entry: CallbackDelivery) {
        if generation == self.generation() {
            tracing::info!(url = %entry.url, attempt = entry.attempt, status = ?entry.status, outcome = %entry.outcome, "callback attempt");
            self.callback_log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(entry);
        }
    }
}

/// The default for all payment products: `SandboxConfig::async_operations` makes operations
/// asynchronous with [`ASYNC_COMPLETION_DELAY`].
fn initial_behaviour(config: &SandboxConfig) -> Behaviour {
    Behaviour {
        async_operations: config
            .async_operations
            .then(|| AsyncOperations::after(ASYNC_COMPLETION_DELAY)),
        ..Behaviour::default()
    }
}

/// The state behind the router: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) shared: Arc<Shared>,
}

impl AppState {
    /// State for a sandbox whose public address is `base_url` (e.g. `http://127.0.0.1:8787`).
    /// Use with [`crate::app`] to drive the handlers without a socket.
    pub fn new(config: SandboxConfig, base_url: impl Into<String>) -> Result<Self, SandboxError> {
        if !is_valid_account_id(&config.account_id) {
            return Err(SandboxError::InvalidAccountId(config.account_id));
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("dintero-sandbox callback")
            .build()
            .map_err(|e| SandboxError::Startup(e.to_string()))?;
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let public_url = config.public_host.map(|host| {
            let port = url::Url::parse(&base_url)
                .ok()
                .and_then(|u| u.port_or_known_default())
                .unwrap_or(80);
            format!("http://{}", std::net::SocketAddr::new(host, port))
        });
        let shared = Shared {
            base_url,
            public_url,
            clock: SimClock::default(),
            store: Mutex::new(Store::new(
                &config.account_id,
                config.seed,
                initial_behaviour(&config),
            )),
            faults: Faults::new(config.seed),
            callback_log: Mutex::new(Vec::new()),
            http,
            tokens: TokenKeys::new(&config.client_secret),
            stats: StatsCounters::default(),
            generation: AtomicU64::new(0),
            shutdown: watch::Sender::new(false),
            config,
        };
        Ok(AppState {
            shared: Arc::new(shared),
        })
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Where customers open the checkout: [`SandboxConfig::public_host`] with the port, when
    /// set, else [`AppState::base_url`].
    pub fn customer_url(&self) -> &str {
        self.shared
            .public_url
            .as_deref()
            .unwrap_or(&self.shared.base_url)
    }

    /// Issue an access token (what the token endpoint does after its checks).
    pub(crate) fn issue_token(&self, audience: String) -> (String, u64) {
        let cfg = &self.shared.config;
        let now_s = self.shared.clock.now_ms().div_euclid(1000);
        let ttl = cfg.token_ttl.as_secs();
        let jti = self.shared.store().ids.uuid();
        let claims = Claims {
            aud: audience,
            sub: cfg.client_id.clone(),
            aid: cfg.account_id.clone(),
            iat: now_s,
            exp: now_s.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)),
            jti,
        };
        (self.shared.tokens.issue(&claims), ttl)
    }
}
