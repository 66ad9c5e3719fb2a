//! Bodies of capture, refund and update calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::order::OrderItem;

/// Body of `POST /v1/transactions/{id}/capture`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaptureRequest {
    /// Amount to capture now, minor units.
    pub amount: i64,
    /// Your reference for this capture; becomes the event's `event_reference`. Set it: it is
    /// how a capture with an unknown outcome is found again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_reference: Option<String>,
    /// Lines captured (each with `line_id` and `amount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// Metadata; keys start with `ext_`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// `dintero_psp` only: no further captures; the remainder is voided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_capture: Option<bool>,
}

impl CaptureRequest {
    /// A capture of `amount` with a reference.
    pub fn new(amount: i64, capture_reference: impl Into<String>) -> Self {
        Self {
            amount,
            capture_reference: Some(capture_reference.into()),
            ..Self::default()
        }
    }
}

/// Body of `POST /v1/transactions/{id}/refund`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Amount to refund, minor units (≤ captured − refunded).
    pub amount: i64,
    /// Your reference for this refund; becomes the event's `event_reference`. Set it: it is
    /// how a refund with an unknown outcome is found again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reference: Option<String>,
    /// Free-text reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Lines refunded (each with `line_id` and `amount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// Metadata; keys start with `ext_`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl RefundRequest {
    /// A refund of `amount` with a reference.
    pub fn new(amount: i64, refund_reference: impl Into<String>) -> Self {
        Self {
            amount,
            refund_reference: Some(refund_reference.into()),
            ..Self::default()
        }
    }
}

/// Body of `PUT /v1/transactions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UpdateTransactionRequest {
    /// New second merchant reference.
    pub merchant_reference_2: String,
}
