//! Typed models of Dintero's JSON, following dintero-api.md.
//!
//! Unknown fields are ignored; optional fields are `Option` (or empty collections) and are not
//! written when absent; amounts are integers in minor units; `vat` and `quantity` are exact
//! decimals; every Dintero enum has an `Other(String)` catch-all.

use std::collections::BTreeMap;

#[macro_use]
pub mod enums;
pub mod order;
pub mod query;
pub mod redirect;
pub mod requests;
pub mod serde_helpers;
pub mod session;
pub mod state;
pub mod transaction;

pub use enums::*;
pub use order::{
    Configuration, Customer, ItemGroup, Order, OrderItem, Publish, RequestHeaders, SessionUrl,
    Store, StoreAddress, TransactionUrl,
};
pub use query::TransactionQuery;
pub use redirect::{CheckoutError, RedirectParams};
pub use requests::{CaptureRequest, RefundRequest, UpdateTransactionRequest};
pub use session::{Session, SessionCreateRequest, SessionCreated, SessionEvent};
pub use state::SessionState;
pub use transaction::{
    settled_totals, Card, CardToken, Correction, EventError, EventRetryPolicy, Transaction,
    TransactionEvent,
};

/// Free-form metadata (`{string: string | number}` and friends).
pub type Metadata = BTreeMap<String, serde_json::Value>;

/// Dintero's error body: `{"error":{"code","message","errors"}}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of Dintero's error body.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorDetail {
    /// Machine code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Nested validation errors (untyped).
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
}
