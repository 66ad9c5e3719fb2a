//! Sessions: create request, create answer, the session itself, its events and derived state.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::enums::{PaymentOperation, SessionEventName};
use super::order::{Configuration, Customer, Order, Publish, RequestHeaders, SessionUrl};
use super::serde_helpers::timestamp;
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
