//! The records the sandbox keeps (sessions, transactions, their events) and their wire shapes.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::cards::TimesOut;
use crate::clock::{format_millis, Millis};
use crate::machine::{Ledger, Status};

pub(crate) fn ser_ms<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_millis(*ms))
}

pub(crate) fn ser_opt_ms<S: Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&format_millis(*ms)),
        None => s.serialize_none(),
    }
}

/// A checkout session event (`INITIATED`, `VISITED`, `AUTHORIZED`, `CANCELLED`, …).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SessionEvent {
    pub id: String,
    pub name: &'static str,
    #[serde(serialize_with = "ser_ms")]
    pub created_at: Millis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// A session as stored; serializes to the shape of `GET /v1/sessions/{id}`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Session {
    pub id: String,
    #[serde(serialize_with = "ser_ms")]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_ms")]
    pub updated_at: Millis,
    #[serde(serialize_with = "ser_ms")]
    pub expires_at: Millis,
    pub url: Value,
    pub order: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Value>,
    pub configuration: Value,
    pub metadata: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    pub events: Vec<SessionEvent>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_opt_ms")]
    pub cancelled_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub initiating_system_request_headers: Map<String, Value>,

    // Extracted for quick use; not part of the wire shape.
    #[serde(skip)]
    pub amount: i64,
    #[serde(skip)]
    pub currency: String,
    #[serde(skip)]
    pub merchant_reference: String,
    #[serde(skip)]
    pub return_url: String,
    #[serde(skip)]
    pub callback_url: Option<String>,
    #[serde(skip)]
    pub auto_capture: bool,
    #[serde(skip)]
    pub channel: String,
}

impl Session {
    pub fn is_expired(&self, now: Millis) -> bool {
        now >= self.expires_at
    }
}

/// The card a transaction was paid with.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Card {
    pub brand: &'static str,
    pub masked_pan: String,
    pub expiry_date: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A transaction event (`INITIALIZE`, `AUTHORIZE`, `CAPTURE`, `REFUND`, `VOID`, `INITIATE_*`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TxEvent {
    pub id: String,
    pub event: &'static str,
    pub transaction_status: Status,
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(serialize_with = "ser_ms")]
    pub created_at: Millis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<Value>,
}

impl TxEvent {
    /// A successful event with only the fields every event has.
    pub fn new(
        id: String,
        event: &'static str,
        transaction_status: Status,
        request_id: String,
        created_at: Millis,
    ) -> Self {
        TxEvent {
            id,
            event,
            transaction_status,
            success: true,
            amount: None,
            items: None,
            event_reference: None,
            metadata: None,
            created_at,
            created_by: None,
            request_id,
            correlation_request_id: None,
            request_headers: None,
            error: None,
            correction: None,
        }
    }
}

/// A capture/refund/void accepted with 202 and not yet completed (async mode).
#[derive(Debug, Clone)]
pub(crate) struct PendingOperation {
    pub request_id: String,
    pub operation: crate::machine::Operation,
    pub event: TxEvent,
    /// Decided when accepted (`fail_probability`): the completion is a failed event.
    pub fails: bool,
}

/// A transaction as stored; serializes to the shape of `GET /v1/transactions/{id}`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Transaction {
    pub id: String,
    #[serde(serialize_with = "ser_ms")]
    pub created_at: Millis,
    #[serde(serialize_with = "ser_ms")]
    pub updated_at: Millis,
    pub session_id: String,
    pub status: Status,
    pub amount: i64,
    pub currency: String,
    pub merchant_reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_reference_2: Option<String>,
    pub payment_product: &'static str,
    pub payment_product_type: &'static str,
    pub channel: String,
    pub settlement_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<Value>,
    pub items: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    pub url: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Value>,
    pub metadata: Map<String, Value>,
    pub initiating_system_request_headers: Map<String, Value>,
    pub events: Vec<TxEvent>,
    /// The simulator's own bookkeeping: never part of Dintero's JSON.
    #[serde(skip)]
    pub sim: TxSim,
}

/// What the simulator keeps of a transaction beside Dintero's JSON.
#[derive(Debug, Clone)]
pub(crate) struct TxSim {
    pub ledger: Ledger,
    /// The test card's timeout, if it has one.
    pub times_out: Option<TimesOut>,
    pub callback_url: Option<String>,
    pub return_url: String,
    /// The `error` the checkout's return URL carried when authorising failed (`authorization`
    /// or `failed`), so the checkout page and the SDK's messages say the same.
    pub payment_error: Option<&'static str>,
    /// The order's `event_reference`, for operations sent without their own.
    pub default_event_reference: Option<String>,
    pub pending: Vec<PendingOperation>,
    /// SIM fault: shown in `GET /v1/transactions` answers as an element that is not a
    /// transaction ([`crate::Control::corrupt_in_lists`]).
    pub corrupt_in_lists: bool,
}

impl Transaction {
    /// Status and amounts as they will be once every accepted (202) operation has completed
    /// successfully, in the order they were accepted.
    pub fn projected(&self) -> (Status, Ledger) {
        let vapc = crate::machine::allows_void_after_partial_capture(self.payment_product_type);
        let mut status = self.status;
        let mut ledger = self.sim.ledger;
        for p in &self.sim.pending {
            if let Ok(o) = crate::machine::apply(status, &ledger, p.operation, vapc) {
                status = o.status;
                ledger = o.ledger;
            }
        }
        (status, ledger)
    }
}
