//! `dintero-sandbox`: a faithful, stateful simulator of the Dintero Checkout API, with a
//! hosted test checkout page, callbacks, an injectable clock and fault injection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dintero_sandbox::SandboxError> {
//! use dintero_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! println!("API and checkout at {}", sandbox.base_url());
//! let control = sandbox.control();
//! control.advance_clock(std::time::Duration::from_secs(900));
//! # Ok(()) }
//! ```
//!
//! What is Dintero's behaviour and what is a simulator convention is listed in the crate's
//! README.md; the reference is `dintero-api.md`.
//!
//! # Control endpoints (`/_sim/*`, never faulted)
//!
//! They pay, fault and reset the simulator, so each asks for what the API asks for: an
//! `Authorization: Bearer` access token of the account from `POST /v1/accounts/{aid}/auth/token`
//! (401, or 403 for another account's token, in Dintero's error shape), and a body, if any, of
//! `Content-Type: application/json` (415). A web page on the same machine can send neither, so it
//! cannot pay or fault a demo. The customer's pages take no token: the checkout
//! (`/v1/view/{id}` and its form posts), the same page in Dintero's Web SDK iframe (`GET /?sid=…`
//! and `GET /embedResult/`, posting the SDK's messages to the embedding page) and the return
//! landing page `GET /_sim/return`.
//! In-process callers use [`Sandbox::control`] instead.
//!
//! | Endpoint | Body / effect | [`Control`] method |
//! |---|---|---|
//! | `POST /_sim/sessions/{id}/visit` | the customer opened the checkout | [`Control::visit`] |
//! | `POST /_sim/sessions/{id}/pay` | `{"card", "initiate_only", "on_hold", "payment_product_type"}` | [`Control::pay_with`] ([`PayOptions`]) |
//! | `POST /v1/view/{id}/cancel` (the page's form) | the customer cancels: the session is cancelled, back to `return_url` | [`Control::customer_cancel`] |
//! | `POST /_sim/transactions/{id}/resolve` | `{"outcome": "AUTHORIZED" \| "FAILED"}` | [`Control::resolve_on_hold`] |
//! | `POST`, `DELETE /_sim/transactions/{id}/corrupt` | unreadable in `GET /v1/transactions` answers, or whole again | [`Control::corrupt_in_lists`] |
//! | `POST /_sim/behaviour` | `{"payment_product_type"?, "async_operations": {"delay_seconds", "fail_probability"} \| null, "requires_items", "captured_at_authorization"}` (fields not sent are kept) | [`Control::set_behaviour`] ([`Behaviour`]) |
//! | `GET /_sim/behaviour` | the default and every product type that differs (`?payment_product_type=` for one) | [`Control::behaviour`] |
//! | `DELETE /_sim/behaviour` | back to the defaults and built-in product rules | [`Control::reset_behaviour`] |
//! | `POST`, `DELETE /_sim/faults` | `{"rules": [FaultRule]}` (incl. `cut_body`, `garbage_body`), or none | [`Control::set_faults`], [`Control::clear_faults`] |
//! | `POST /_sim/clock/advance`, `GET /_sim/clock` | `{"seconds": N}` | [`Control::advance_clock`], [`Control::now`] |
//! | `POST /_sim/reset` | forget everything, behaviours included | [`Control::reset`] |
//! | `GET /_sim/sessions`, `/_sim/transactions`, `/_sim/callbacks`, `/_sim/stats` | the sandbox's own record | [`Control::sessions`], [`Control::transactions`], [`Control::callbacks`], [`Control::stats`] |
//!
//! The per-product behaviours and the dintero-api.md passages they follow are documented in
//! `src/behaviour.rs` (and the README's "Behaviours per payment product").

mod actions;
mod behaviour;
mod callbacks;
mod cards;
mod clock;
mod config;
mod control;
mod delivery;
mod embed;
mod error;
mod faults;
mod http;
mod ids;
mod listing;
#[cfg(any(test, feature = "testing"))]
mod log_capture;
pub mod machine;
mod model;
mod products;
mod publish;
mod sandbox;
mod server;
pub mod signature;
mod state;
mod store;
mod token;
mod validate;
mod view;

pub use behaviour::{AsyncOperations, Behaviour};
pub use callbacks::CallbackDelivery;
pub use cards::{Authorization, TestCard, TimesOut, TEST_CARDS};
pub use clock::{format_millis, SimClock};
pub use config::SandboxConfig;
pub use control::{Control, PayOptions};
pub use error::{ApiError, SandboxError, SimError};
pub use faults::FaultRule;
pub use http::app;
#[cfg(any(test, feature = "testing"))]
pub use log_capture::LogCapture;
pub use products::{DEFAULT_PAYMENT_PRODUCT_TYPE, PAYMENT_PRODUCT_TYPES};
pub use publish::Publication;
pub use sandbox::Sandbox;
pub use server::{ConnectionKill, PeerAddr};
pub use state::{AppState, Stats, ASYNC_COMPLETION_DELAY};
