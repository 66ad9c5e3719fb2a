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

mod behaviour;
mod callbacks;
mod cards;
mod clock;
mod config;
mod control;
mod error;
mod faults;
mod http;
mod ids;
mod listing;
pub mod machine;
mod model;
mod products;
mod sandbox;
mod server;
pub mod signature;
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
pub use products::{DEFAULT_PAYMENT_PRODUCT_TYPE, PAYMENT_PRODUCT_TYPES};
pub use sandbox::{AppState, Sandbox, Stats, ASYNC_COMPLETION_DELAY};
pub use server::{ConnectionKill, PeerAddr};
