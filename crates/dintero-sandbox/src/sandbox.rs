//! The sandbox as a library: shared state, start/stop, and the [`Control`] handle that tests
//! and the demo mode use to move the clock, inject faults and play the customer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::callbacks::{self, CallbackDelivery};
use crate::clock::SimClock;
use crate::config::{is_valid_account_id, SandboxConfig};
use crate::error::{ApiError, SandboxError, SimError};
use crate::faults::{FaultRule, Faults};
use crate::store::{Caller, Operated, OperationRequest, Paid, PayRequest, Store};
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
    pub(crate) clock: SimClock,
    store: Mutex<Store>,
    pub(crate) faults: Faults,
    callback_log: Mutex<Vec<CallbackDelivery>>,
    pub(crate) http: reqwest::Client,
    pub(crate) tokens: TokenKeys,
    pub(crate) stats: StatsCounters,
    generation: AtomicU64,
    shutdown: watch::Sender<bool>,
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
        let shared = Shared {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            clock: SimClock::default(),
            store: Mutex::new(Store::new(&config.account_id, config.seed)),
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

    /// The control handle.
    pub fn control(&self) -> Control {
        Control {
            state: self.clone(),
        }
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub(crate) fn dispatch(&self, jobs: Vec<callbacks::CallbackJob>) {
        if !jobs.is_empty() {
            callbacks::dispatch(&self.shared, jobs);
        }
    }

    /// Pay (or start paying) a session, then send the callbacks it causes.
    pub(crate) fn pay(&self, session_id: &str, req: &PayRequest<'_>) -> Result<Paid, ApiError> {
        let now = self.shared.clock.now_ms();
        let mut paid = self.shared.store().pay(session_id, now, req)?;
        self.dispatch(std::mem::take(&mut paid.callbacks));
        Ok(paid)
    }

    /// Capture, refund or void; in async mode schedules the completion.
    pub(crate) fn operate(
        &self,
        transaction_id: &str,
        req: OperationRequest,
        caller: Caller<'_>,
    ) -> Result<Operated, ApiError> {
        let now = self.shared.clock.now_ms();
        let accept_async = self.shared.config.async_operations;
        let mut result =
            self.shared
                .store()
                .operate(transaction_id, now, req, caller, accept_async)?;
        match &mut result {
            Operated::Done { callbacks, .. } => self.dispatch(std::mem::take(callbacks)),
            Operated::Accepted { request_id, .. } => {
                let state = self.clone();
                let (tid, rid) = (transaction_id.to_owned(), request_id.clone());
                let generation = self.shared.generation();
                tokio::spawn(async move {
                    state.shared.clock.sleep(ASYNC_COMPLETION_DELAY).await;
                    if state.shared.generation() != generation {
                        return;
                    }
                    let now = state.shared.clock.now_ms();
                    let jobs = state.shared.store().complete_pending(&tid, &rid, now);
                    state.dispatch(jobs);
                });
            }
        }
        Ok(result)
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

/// Options of a simulated payment (`POST /_sim/sessions/{id}/pay`).
#[derive(Debug, Clone, Default)]
pub struct PayOptions {
    /// A test card of dintero-api.md §19 (required unless `initiate_only`).
    pub card: Option<String>,
    /// Only create the `INITIATED` transaction ("customer is paying"); a later pay completes it.
    pub initiate_only: bool,
    /// Put an approved payment `ON_HOLD` (resolve with [`Control::resolve_on_hold`]).
    pub on_hold: bool,
}

/// Handle for tests and demos: clock, faults, customer actions, and the sandbox's own record.
#[derive(Debug, Clone)]
pub struct Control {
    state: AppState,
}

impl Control {
    fn shared(&self) -> &Shared {
        &self.state.shared
    }

    /// Move the simulated clock forward.
    pub fn advance_clock(&self, by: Duration) {
        self.shared().clock.advance(by);
    }

    /// Now on the simulated clock.
    pub fn now(&self) -> OffsetDateTime {
        self.shared().clock.now()
    }

    /// Replace the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared().faults.set(rules);
    }

    /// Remove all fault rules.
    pub fn clear_faults(&self) {
        self.shared().faults.clear();
    }

    /// The customer opened the checkout page (adds a `VISITED` session event).
    pub fn visit(&self, session_id: &str) -> Result<(), SimError> {
        let now = self.shared().clock.now_ms();
        self.shared().store().visit(session_id, now, None, None)
    }

    /// The customer pays with a test card; returns the transaction JSON.
    pub fn pay(&self, session_id: &str, card: &str) -> Result<Value, SimError> {
        self.pay_with(
            session_id,
            PayOptions {
                card: Some(card.to_owned()),
                ..PayOptions::default()
            },
        )
    }

    /// [`Control::pay`] with all options.
    pub fn pay_with(&self, session_id: &str, options: PayOptions) -> Result<Value, SimError> {
        let req = PayRequest {
            card: options.card.as_deref(),
            initiate_only: options.initiate_only,
            on_hold: options.on_hold,
        };
        Ok(self.state.pay(session_id, &req)?.transaction)
    }

    /// Resolve an `ON_HOLD` transaction: approved → `AUTHORIZED`, else `FAILED`.
    pub fn resolve_on_hold(&self, transaction_id: &str, approve: bool) -> Result<Value, SimError> {
        let now = self.shared().clock.now_ms();
        let (tx, jobs) = self
            .shared()
            .store()
            .resolve_on_hold(transaction_id, now, approve)?;
        self.state.dispatch(jobs);
        Ok(tx)
    }

    /// Create a session as `POST /v1/sessions-profile` would (amounts checked strictly);
    /// returns `{"id","url"}`.
    pub fn create_session(&self, body: Value) -> Result<Value, SimError> {
        let new = crate::validate::new_session(body, true)?;
        let now = self.shared().clock.now_ms();
        let id = self
            .shared()
            .store()
            .create_session(new, now, serde_json::Map::new());
        let url = format!("{}/v1/view/{id}", self.shared().base_url);
        Ok(serde_json::json!({ "id": id, "url": url }))
    }

    /// A valid access token, as the token endpoint would issue it.
    pub fn access_token(&self) -> String {
        let aud = format!(
            "https://api.dintero.com/v1/accounts/{}",
            self.shared().config.account_id
        );
        self.state.issue_token(aud).0
    }

    /// Forget all sessions, transactions, callbacks and faults; the clock goes back to real
    /// time. Issued tokens stay valid; stats keep counting.
    pub fn reset(&self) {
        let s = self.shared();
        s.generation.fetch_add(1, Ordering::Relaxed);
        s.store().clear();
        s.faults.clear();
        s.callback_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        s.clock.reset();
    }

    /// Every callback delivery attempt so far.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.shared()
            .callback_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Connection and request counters.
    pub fn stats(&self) -> Stats {
        let c = &self.shared().stats;
        Stats {
            accepted_connections: c.accepted_connections.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
        }
    }

    /// All transactions, newest first, as `GET /v1/transactions/{id}` shows them.
    pub fn transactions(&self) -> Vec<Value> {
        self.shared().store().all_transactions()
    }

    /// All sessions, oldest first, as `GET /v1/sessions/{id}` shows them.
    pub fn sessions(&self) -> Vec<Value> {
        self.shared().store().all_sessions()
    }

    /// One session, if it exists.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.shared().store().session_json(id).ok()
    }

    /// One transaction, if it exists.
    pub fn transaction(&self, id: &str) -> Option<Value> {
        self.shared()
            .store()
            .transaction_json(id, crate::store::TxView::default())
            .ok()
    }
}

/// A running sandbox. Stops when dropped (or with [`Sandbox::shutdown`]).
#[derive(Debug)]
pub struct Sandbox {
    state: AppState,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Bind `config.listen` and serve on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let listen = config.listen;
        if !is_valid_account_id(&config.account_id) {
            return Err(SandboxError::InvalidAccountId(config.account_id));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| SandboxError::Startup(e.to_string()))?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::new([127, 0, 0, 1].into(), addr.port())
        } else {
            addr
        };
        let state = AppState::new(config, format!("http://{host}"))?;
        let router = crate::http::app(state.clone());
        let shutdown = state.shared.shutdown_signal();
        let task = tokio::spawn(crate::server::serve(
            listener,
            router,
            state.shared.clone(),
            shutdown,
        ));
        Ok(Sandbox {
            state,
            addr,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to all interfaces).
    pub fn base_url(&self) -> String {
        self.state.base_url().to_owned()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control handle.
    pub fn control(&self) -> Control {
        self.state.control()
    }

    /// The configuration in force.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.shared.config
    }

    /// Stop accepting, close all connections and stop callback deliveries.
    pub async fn shutdown(mut self) {
        self.state.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.state.shared.shutdown.send_replace(true);
    }
}
