//! Configuration of one sandbox instance.

use std::net::SocketAddr;
use std::time::Duration;

/// The merchant every sandbox account belongs to.
pub(crate) const MERCHANT_NAME: &str = "Kasse Sandbox Merchant";

/// How a sandbox behaves. `SandboxConfig::default()` is what tests and the demo mode want:
/// a free loopback port, the demo credentials, strict amounts, fast-enough callback retries.
/// `Debug` leaves out the two secrets.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The one account this sandbox serves (`^[PT]\d{8}$`).
    pub account_id: String,
    /// The API client id accepted by the token endpoint.
    pub client_id: String,
    /// The API client secret accepted by the token endpoint.
    pub client_secret: String,
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Enforce `order.amount == Σ items.amount (+ shipping)` even without the
    /// `Dintero-Feature-Toggles: strict-session-amounts` header.
    pub strict_amounts_default: bool,
    /// First callback retry delay; doubles per attempt, capped at 60 s.
    pub callback_retry_base: Duration,
    /// Retries after the first failed callback delivery (Dintero: 20).
    pub callback_max_retries: u32,
    /// When set, callbacks carry `Dintero-Signature` computed with this secret.
    pub signature_secret: Option<String>,
    /// SIM relaxation: deliver callbacks to `http://` and loopback URLs (Dintero does not).
    pub allow_http_callbacks: bool,
    /// Answer capture/refund/void with `202` and complete them shortly after.
    pub async_operations: bool,
    /// Seed for the id source (session, transaction and event ids); `None` = random.
    pub seed: Option<u64>,
    /// The host customers reach the checkout at: created sessions' `url`s carry it (with the
    /// port bound) instead of the host the API was called at, e.g. the machine's LAN address
    /// with `listen` on all interfaces, so a phone on the same network can open them. `None`:
    /// the host of the request.
    pub public_host: Option<std::net::IpAddr>,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("token_ttl", &self.token_ttl)
            .field("async_operations", &self.async_operations)
            .field("seed", &self.seed)
            .field("public_host", &self.public_host)
            .finish_non_exhaustive()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account_id: "T12345678".to_owned(),
            client_id: "kasse-demo".to_owned(),
            client_secret: "kasse-demo-secret".to_owned(),
            token_ttl: Duration::from_secs(14_400),
            strict_amounts_default: true,
            callback_retry_base: Duration::from_secs(1),
            callback_max_retries: 20,
            signature_secret: None,
            allow_http_callbacks: true,
            async_operations: false,
            seed: None,
            public_host: None,
        }
    }
}

/// `^[PT]\d{8}$`
pub(crate) fn is_valid_account_id(aid: &str) -> bool {
    let b = aid.as_bytes();
    b.len() == 9 && (b[0] == b'P' || b[0] == b'T') && b[1..].iter().all(u8::is_ascii_digit)
}
