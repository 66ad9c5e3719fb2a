//! An operation (capture, refund, void, session cancel) as a sale's view shows it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::{OpKind, OpState};

/// An operation's derived state within a [`Sale`](super::Sale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SaleOperation"))]
pub struct Operation {
    /// Kasse's id of the operation.
    pub op_id: String,
    /// What was asked.
    pub kind: OpKind,
    /// Amount asked, minor units.
    pub amount: Option<i64>,
    /// Lines asked (opaque JSON).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub lines: Value,
    /// The reference sent to Dintero.
    pub reference: String,
    /// Reason given.
    pub reason: Option<String>,
    /// Where it is.
    pub state: OpState,
    /// Whether it took effect: `Some(true)` succeeded / reconciled as applied, `Some(false)`
    /// failed / reconciled as not applied, `None` while pending.
    pub applied: Option<bool>,
    /// The last error or uncertainty message.
    pub error: Option<String>,
    /// When the intent was written.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub requested_at: OffsetDateTime,
    /// When the state last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub updated_at: OffsetDateTime,
    /// The idempotency key it was asked with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub key: Option<String>,
    /// Dintero's `request_id` for it once accepted (`202`): its completion event carries it as
    /// `correlation_request_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub request_id: Option<String>,
}

impl Operation {
    /// No final outcome yet.
    pub fn is_pending(&self) -> bool {
        self.state.is_pending()
    }

    /// Accepted by Dintero and not completed yet.
    pub fn is_in_flight(&self) -> bool {
        self.state == OpState::InFlight
    }
}
