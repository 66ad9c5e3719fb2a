//! Typed client for the Dintero Checkout API.
//!
//! It knows Dintero and nothing else: access tokens (client credentials), sessions
//! (`/v1/sessions-profile`, read, cancel) and transactions (read, list, capture, refund, void,
//! update). The same code talks to Dintero itself (T-accounts = test, P-accounts = production)
//! and to a local simulator that serves both hosts' paths at one origin.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dintero_client::Error> {
//! use dintero_client::{AccountId, Client, Config};
//!
//! let account: AccountId = "T12345678".parse()?;
//! let config = Config::new(account, "client-id", "client-secret")
//!     .with_system("kasse", "1.0.0");
//! let client = Client::new(config)?;
//! let tx = client.get_transaction("T12345678.3YkJXSdSnUBXcmQSzn7uJj").await?;
//! println!("{} {} captured {}", tx.id, tx.status, tx.captured());
//! # Ok(()) }
//! ```
//!
//! Behaviour worth knowing:
//! - One `reqwest` connection pool (keep-alive, rustls) shared by every clone of [`Client`].
//! - The token is cached, refreshed ahead of expiry, fetched by one caller at a time, and a `401`
//!   on a call leads to exactly one refresh and one retry.
//! - `GET`/`PUT` calls and the token request retry on 5xx, 429 and transport errors with bounded
//!   exponential backoff. Other `POST`s are never retried: a `POST` that timed out or lost its
//!   connection after it may have been sent ends in [`Error::OutcomeUnknown`].
//! - Secrets, tokens and the `Authorization` header never reach a log line or a `Debug` output.

#![warn(missing_docs)]

mod auth;
mod client;
mod config;
mod error;
mod http;
pub mod models;
mod retry;

pub use auth::AccessToken;
pub use client::{
    Client, ConnectionCheck, CreateSessionOptions, OperationResponse, TransactionPage,
    UnreadableTransaction,
};
pub use config::{AccountId, Config, Environment, RetryPolicy, Secret, SystemHeaders, Timeouts};
pub use error::Error;
pub use http::MAX_BODY;
pub use models::*;

/// Result alias used by this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
