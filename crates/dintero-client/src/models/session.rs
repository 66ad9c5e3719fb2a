//! Sessions: create request, create answer, the session itself, its events and derived state.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::enums::{PaymentOperation, SessionEventName, TransactionStatus};
use super::order::{Configuration, Customer, Order, Publish, RequestHeaders, SessionUrl};
use super::serde_helpers::timestamp;
use super::transaction::Transaction;
use super::Metadata;

/// Body of `POST /v1/sessions-profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCreateRequest {
    /// Payment profile id, e.g. `default`.
    pub profile_id: String,
    /// Return and callback URLs.
    pub url: SessionUrl,
    /// The order.
    pub order: Order,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// When the checkout page stops being available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Overrides of the profile's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Configuration>,
    /// Free metadata (keys prefixed `ext_`).
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl SessionCreateRequest {
    /// A request with the required fields.
    pub fn new(profile_id: impl Into<String>, return_url: impl Into<String>, order: Order) -> Self {
        Self {
            profile_id: profile_id.into(),
            url: SessionUrl {
                return_url: return_url.into(),
                ..SessionUrl::default()
            },
            order,
            customer: None,
            expires_at: None,
            configuration: None,
            metadata: Metadata::new(),
        }
    }
}

/// Answer of `POST /v1/sessions-profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCreated {
    /// Session id.
    pub id: String,
    /// Hosted checkout URL; use it verbatim.
    pub url: String,
    /// Publish results, when publishing was requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<Publish>,
    /// The whole session, with `include_session=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Box<Session>>,
}

/// A checkout session (`GET /v1/sessions/{id}`). It has no status field: see
/// [`Session::state`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// When the checkout page stops being available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// URLs as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<SessionUrl>,
    /// The order.
    pub order: Order,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// Resolved configuration (profile + overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Configuration>,
    /// Metadata, plus `session:profile_id`.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Set once the customer's payment created a transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Checkout events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<SessionEvent>,
    /// Set when the session was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// Who cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    /// Last visitor's IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ip: Option<String>,
    /// Last visitor's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// `dintero-system-*` headers from creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiating_system_request_headers: Option<RequestHeaders>,
    /// Payment operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_operation: Option<PaymentOperation>,
    /// Express checkout data (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub express: Option<serde_json::Value>,
    /// Checkboxes (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkboxes: Option<serde_json::Value>,
}

/// A session event (`events[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// Event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Event name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SessionEventName>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Request headers (with `includes=events.request_headers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<RequestHeaders>,
    /// Details: `error`, `payment_product_type`, `amount`, `transaction_event_id`, ….
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub details: Metadata,
}

/// The state of a session derived per dintero-api.md §6.2 (Dintero has no such field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Waiting for the customer.
    Open,
    /// The customer is paying (transaction `INITIATED`), or a transaction exists that has not
    /// been read yet.
    InProgress,
    /// `ON_HOLD` (becomes authorized or failed later), or a transaction status this client does
    /// not know: keep watching, do not book it.
    Pending,
    /// Money reserved or taken (AUTHORIZED, CAPTURED, PARTIALLY_*, REFUNDED).
    Paid,
    /// The payment failed (FAILED, DECLINED, UNKNOWN, AUTHORIZATION_VOIDED): start a new session.
    NotPaid,
    /// The session was cancelled (an initiated/authorized transaction was voided by it).
    Cancelled,
    /// `expires_at` passed without a transaction.
    Expired,
}

impl SessionState {
    /// Whether the session will not change any more by itself.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Paid | Self::NotPaid | Self::Cancelled | Self::Expired
        )
    }
}

impl Session {
    /// Derives the state (§6.2) from the session, its transaction when read, and `now`.
    ///
    /// The transaction counts when `transaction_id` names it, or when it points back to this
    /// session (`session_id`). A `transaction_id` without its transaction gives `InProgress`:
    /// read the transaction to know more.
    pub fn state(&self, transaction: Option<&Transaction>, now: OffsetDateTime) -> SessionState {
        if self.cancelled_at.is_some() {
            return SessionState::Cancelled;
        }
        let transaction = transaction.filter(|t| match &self.transaction_id {
            Some(id) => &t.id == id,
            None => t.session_id.as_deref() == Some(self.id.as_str()),
        });
        if let Some(tx) = transaction {
            return match &tx.status {
                status if status.is_paid() => SessionState::Paid,
                status if status.is_not_paid() => SessionState::NotPaid,
                TransactionStatus::Initiated => SessionState::InProgress,
                _ => SessionState::Pending,
            };
        }
        if self.transaction_id.is_some() {
            return SessionState::InProgress;
        }
        match self.expires_at {
            Some(expires_at) if now >= expires_at => SessionState::Expired,
            _ => SessionState::Open,
        }
    }

    /// Whether the customer has opened the checkout (a `VISITED` event).
    pub fn visited(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.name == Some(SessionEventName::Visited))
    }
}
