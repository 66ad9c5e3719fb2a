//! Set-up for the client against an in-process `dintero-sandbox` over real HTTP: a sandbox with
//! known credentials, a client with fast retries pointed at it, orders, paid transactions, and
//! the status derivation of dintero-api.md §9.2 computed from a transaction's events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dintero_client::{
    AccountId, CaptureRequest, Client, Config, Error, OperationResponse, Order, OrderItem,
    RefundRequest, RetryPolicy, SessionCreateRequest, Transaction, TransactionEventName,
    TransactionStatus,
};
use dintero_sandbox::{Control, Sandbox, SandboxConfig, Stats};
use rust_decimal::Decimal;

pub const ACCOUNT: &str = "T12345678";
pub const CLIENT_ID: &str = "kasse-sandbox-client";
pub const SECRET: &str = "sandbox-s3cr3t-never-logged-41c9";
/// The sandbox's default token lifetime.
pub const TOKEN_TTL: Duration = Duration::from_secs(14_400);
/// Visa, 3DS frictionless: authorized.
pub const OK_CARD: &str = "4000000000000002";
pub const RETURN_URL: &str = "https://kasse.example.no/takk";

/// What a capture or refund through the client answers.
pub type Answer = Result<OperationResponse, Error>;

/// A sandbox and a client for it.
pub struct Env {
    pub sandbox: Sandbox,
    pub control: Control,
    pub client: Client,
    pub base: String,
}

/// The sandbox configuration these tests use (known credentials, random ids).
pub fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        client_id: CLIENT_ID.to_owned(),
        client_secret: SECRET.to_owned(),
        ..SandboxConfig::default()
    }
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(sandbox_config()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let base = sandbox.base_url();
        let control = sandbox.control();
        let client = Client::new(client_config(&base)).expect("valid config");
        Env {
            sandbox,
            control,
            client,
            base,
        }
    }

    /// The configuration of [`Env::client`]: fast backoff, but `Retry-After: 1` is honoured.
    pub fn config(&self) -> Config {
        client_config(&self.base)
    }

    /// A new client (own pool, own token cache) for this sandbox.
    pub fn new_client(&self, tweak: impl FnOnce(Config) -> Config) -> Client {
        Client::new(tweak(self.config())).expect("valid config")
    }

    pub fn stats(&self) -> Stats {
        self.control.stats()
    }

    /// HTTP requests the sandbox received since `before`.
    pub fn requests_since(&self, before: Stats) -> u64 {
        self.stats().requests - before.requests
    }

    /// A session of `amount` in three lines, created through the client.
    pub async fn session(&self, amount: i64) -> String {
        let request = session_request(amount);
        self.client
            .create_session(&request)
            .await
            .expect("session created")
            .id
    }

    /// A transaction paid with `card`: (session id, transaction id).
    pub async fn paid(&self, amount: i64, card: &str) -> (String, String) {
        let session_id = self.session(amount).await;
        let tx = self.control.pay(&session_id, card).expect("paid");
        let tid = tx["id"].as_str().expect("transaction id").to_owned();
        (session_id, tid)
    }

    /// An `AUTHORIZED` transaction of `amount`: (session id, transaction id).
    pub async fn authorized(&self, amount: i64) -> (String, String) {
        self.paid(amount, OK_CARD).await
    }

    /// Captures `amount` of transaction `tid` under `reference`, through the client.
    pub async fn capture(&self, tid: &str, amount: i64, reference: impl Into<String>) -> Answer {
        self.client
            .capture(tid, &CaptureRequest::new(amount, reference))
            .await
    }

    /// Refunds `amount` of transaction `tid` under `reference`, through the client.
    pub async fn refund(&self, tid: &str, amount: i64, reference: impl Into<String>) -> Answer {
        self.client
            .refund(tid, &RefundRequest::new(amount, reference))
            .await
    }
}

pub fn client_config(base: &str) -> Config {
    Config::new(AccountId::parse(ACCOUNT).unwrap(), CLIENT_ID, SECRET)
        .with_base_url(base.to_owned())
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(5))
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(2),
        })
}

/// A merchant reference unique within the test binary.
pub fn next_reference(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The three lines of an order of `amount` (amounts sum to `amount`).
pub fn lines(amount: i64) -> Vec<OrderItem> {
    let first = amount / 2;
    let second = amount / 4;
    let third = amount - first - second;
    [
        ("1", "Notatbok A5 linjert", first),
        ("2", "Kulepenn blå", second),
        ("3", "Gavepose", third),
    ]
    .into_iter()
    .map(|(line_id, description, amount)| {
        OrderItem::new(
            line_id,
            description,
            Decimal::ONE,
            amount,
            amount / 5,
            Decimal::from(25),
        )
    })
    .collect()
}

pub fn order(amount: i64) -> Order {
    Order {
        amount,
        currency: "NOK".to_owned(),
        merchant_reference: next_reference("POS1"),
        items: lines(amount),
        ..Order::default()
    }
}

pub fn session_request(amount: i64) -> SessionCreateRequest {
    SessionCreateRequest::new("P12345678.kasse", RETURN_URL, order(amount))
}

/// Sums of a transaction's successful events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sums {
    pub captured: i64,
    pub refunded: i64,
    /// A successful VOID event (a void, a session cancel, or a `final_capture` release).
    pub voided: bool,
}

pub fn sums(tx: &Transaction) -> Sums {
    let mut sums = Sums::default();
    for event in tx.events.iter().filter(|e| e.success == Some(true)) {
        match event.event {
            Some(TransactionEventName::Capture) => sums.captured += event.amount.unwrap_or(0),
            Some(TransactionEventName::Refund) => sums.refunded += event.amount.unwrap_or(0),
            Some(TransactionEventName::Void) => sums.voided = true,
            _ => {}
        }
    }
    sums
}

/// dintero-api.md §9.2, for an authorized transaction, from its events alone.
pub fn derive_status(tx: &Transaction) -> TransactionStatus {
    status_of(tx.amount, sums(tx))
}

/// dintero-api.md §9.2 from the amounts: A = `amount`, C, R, and whether anything was voided.
pub fn status_of(amount: i64, s: Sums) -> TransactionStatus {
    let (a, c, r) = (amount, s.captured, s.refunded);
    if s.voided && c == 0 {
        return TransactionStatus::AuthorizationVoided;
    }
    if c == 0 {
        return TransactionStatus::Authorized;
    }
    // A VOID after a capture released the rest of the authorization.
    let open = c < a && !s.voided;
    match (r == 0, open) {
        (true, true) => TransactionStatus::PartiallyCaptured,
        (true, false) => TransactionStatus::Captured,
        (false, true) => TransactionStatus::PartiallyCapturedRefunded,
        (false, false) if r < c => TransactionStatus::PartiallyRefunded,
        (false, false) => TransactionStatus::Refunded,
    }
}
