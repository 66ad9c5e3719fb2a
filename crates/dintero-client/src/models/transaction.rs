//! Transactions, their events, cards, and the totals derived from the events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::enums::{
    AcquirerTransactionType, AuthenticationStatus, CardProductPlatform, CardRegion, CardType,
    Channel, EntryMethod, EventErrorType, PaymentOperation, PaymentProduct, PaymentProductType,
    RetryCode, SettlementStatus, TokenizationConsent, TransactionEventName, TransactionStatus,
};
use super::order::{Customer, OrderItem, RequestHeaders, Store, TransactionUrl};
use super::serde_helpers::{lenient_string, one_or_many, timestamp};
use super::session::Session;
use super::Metadata;

/// A transaction (`GET /v1/transactions/{id}`). `amount` is the authorized total and never
/// changes; captured and refunded totals come from the events ([`Transaction::captured`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Transaction id.
    pub id: String,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub updated_at: Option<OffsetDateTime>,
    /// The originating session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The session (with `includes=session`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Box<Session>>,
    /// Status.
    pub status: TransactionStatus,
    /// Authorized total, minor units.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Merchant reference (from the session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference: Option<String>,
    /// Second merchant reference (updatable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference_2: Option<String>,
    /// Payment provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_product: Option<PaymentProduct>,
    /// Payment product type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_product_type: Option<PaymentProductType>,
    /// Sales channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Order lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// Full history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TransactionEvent>,
    /// Store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Store>,
    /// Customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// Card details, for card products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    /// URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<TransactionUrl>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Settlement state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_status: Option<SettlementStatus>,
    /// `dintero-system-*` headers of the creating request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiating_system_request_headers: Option<RequestHeaders>,
    /// Customer IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ip: Option<String>,
    /// Customer user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Statement descriptor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_descriptor: Option<String>,
    /// Payout destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_destination_id: Option<String>,
    /// Payment operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_operation: Option<PaymentOperation>,
    /// Billing address (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<serde_json::Value>,
    /// Shipping address (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<serde_json::Value>,
    /// Shipping option (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_option: Option<serde_json::Value>,
}

impl Transaction {
    /// What has been captured: Σ `amount` of successful `CAPTURE` events, or, where the status
    /// says more was captured than any event shows (a payment captured at authorization, as
    /// Swish or Vipps with auto-capture may be), what the status proves ([`settled_totals`]).
    pub fn captured(&self) -> i64 {
        self.totals().0
    }

    /// What has been refunded: Σ `amount` of successful `REFUND` events, or what the status
    /// proves where no event shows it ([`settled_totals`]).
    pub fn refunded(&self) -> i64 {
        self.totals().1
    }

    fn totals(&self) -> (i64, i64) {
        settled_totals(&self.status, self.amount, &self.events)
    }

    /// Whether a successful `VOID` event exists (the authorization, or its remainder, is gone).
    pub fn voided(&self) -> bool {
        self.status == TransactionStatus::AuthorizationVoided
            || self
                .events
                .iter()
                .any(|e| e.event == Some(TransactionEventName::Void) && e.success == Some(true))
    }

    /// What may still be captured: `amount − captured` while the status allows capture and no
    /// void released the remainder; 0 otherwise (also for unknown statuses).
    pub fn capturable(&self) -> i64 {
        if !self.status.allows_capture() || self.voided() {
            return 0;
        }
        self.amount.saturating_sub(self.captured()).max(0)
    }

    /// What may still be refunded: `captured − refunded` (never negative).
    pub fn refundable(&self) -> i64 {
        self.captured().saturating_sub(self.refunded()).max(0)
    }

    /// Events whose `event_reference` equals `reference`, oldest first.
    pub fn events_with_reference<'a>(
        &'a self,
        reference: &'a str,
    ) -> impl Iterator<Item = &'a TransactionEvent> + 'a {
        self.events
            .iter()
            .filter(move |e| e.event_reference.as_deref() == Some(reference))
    }

    /// The event for a `capture_reference`/`refund_reference`: the latest successful one with
    /// that reference, else the latest one with it (a failed attempt), else `None`.
    pub fn event_by_reference(&self, reference: &str) -> Option<&TransactionEvent> {
        let mut last = None;
        let mut last_success = None;
        let matching = self
            .events
            .iter()
            .filter(|e| e.event_reference.as_deref() == Some(reference));
        for event in matching {
            last = Some(event);
            if event.success == Some(true) {
                last_success = Some(event);
            }
        }
        last_success.or(last)
    }

    /// The event completing a `202 Accepted` operation: `correlation_request_id` equals the
    /// `event-request-id` the operation answered with.
    pub fn event_by_correlation_id(&self, request_id: &str) -> Option<&TransactionEvent> {
        self.events
            .iter()
            .rev()
            .find(|e| e.correlation_request_id.as_deref() == Some(request_id))
    }

    /// The latest event of a kind.
    pub fn last_event(&self, kind: TransactionEventName) -> Option<&TransactionEvent> {
        self.events
            .iter()
            .rev()
            .find(|e| e.event.as_ref() == Some(&kind))
    }
}

/// Σ `amount` of the successful events of `kind`. A negative amount is nonsense from the network,
/// and a sum past i64 must not panic (or wrap): clamp and saturate.
fn successful_sum(events: &[TransactionEvent], kind: TransactionEventName) -> i64 {
    events
        .iter()
        .filter(|e| e.event.as_ref() == Some(&kind) && e.success == Some(true))
        .map(|e| e.amount.unwrap_or(0).max(0))
        .fold(0i64, i64::saturating_add)
}

/// Captured and refunded totals of a transaction in `status` for `amount` with `events`: the
/// sums of successful `CAPTURE` and `REFUND` events, raised to what the status proves where the
/// events say less: a `CAPTURED`, `PARTIALLY_REFUNDED` or `REFUNDED` transaction without any
/// capture event was captured in full at authorization (Swish, Vipps with auto-capture, terminals: dintero-api.md §9.1), and
/// a `REFUNDED` one has had everything captured refunded. Never lowers a sum, never negative.
pub fn settled_totals(
    status: &TransactionStatus,
    amount: i64,
    events: &[TransactionEvent],
) -> (i64, i64) {
    let captured_by_events = successful_sum(events, TransactionEventName::Capture);
    let refunded_by_events = successful_sum(events, TransactionEventName::Refund);
    let amount = amount.max(0);
    let fully_captured_status = matches!(
        status,
        TransactionStatus::Captured
            | TransactionStatus::PartiallyRefunded
            | TransactionStatus::Refunded
    );
    let captured = if fully_captured_status && captured_by_events == 0 {
        amount
    } else {
        captured_by_events.max(0)
    };
    let refunded = if *status == TransactionStatus::Refunded {
        refunded_by_events.max(captured)
    } else {
        refunded_by_events.max(0)
    };
    (captured, refunded)
}

/// A transaction event (`events[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionEvent {
    /// Event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Event name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<TransactionEventName>,
    /// Transaction status after this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<TransactionStatus>,
    /// Whether the operation succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Amount captured or refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Lines captured or refunded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "timestamp::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Client or user that performed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Request id of the `202` operation this event completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_request_id: Option<String>,
    /// `capture_reference` / `refund_reference` (or the order's `event_reference`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_reference: Option<String>,
    /// Event metadata (provider keys, echoed `ext_*`).
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Why it failed, when `success` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EventError>,
    /// Status correction after a failed operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
    /// Best-effort VAT of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculated_vat_amount: Option<i64>,
    /// Request headers (lower-case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<RequestHeaders>,
    /// Settlements (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlements: Option<serde_json::Value>,
}

/// Error of a failed event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventError {
    /// Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Failure classes.
    #[serde(rename = "type", default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_many::deserialize")]
    pub types: Vec<EventErrorType>,
    /// Visa/Mastercard result code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub result_code: Option<String>,
    /// Retry advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<EventRetryPolicy>,
}

/// Retry advice of a failed event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventRetryPolicy {
    /// Codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_many::deserialize")]
    pub retry_codes: Vec<RetryCode>,
    /// Suggested delay (untyped in the spec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<serde_json::Value>,
}

/// Status correction after a failed operation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Correction {
    /// Corrected events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_ids: Vec<String>,
    /// Corrected status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TransactionStatus>,
    /// Remaining capturable amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_capture_amount: Option<i64>,
    /// Remaining refundable amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_refund_amount: Option<i64>,
    /// Remaining voidable amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_void_amount: Option<i64>,
}

/// Card details (`card`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Card {
    /// Brand, e.g. `Visa`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Masked number, e.g. `400000******0002`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_pan: Option<String>,
    /// `MM/YYYY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    /// Card type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub card_type: Option<CardType>,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<CardRegion>,
    /// Issuing country (alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Consumer or commercial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_platform: Option<CardProductPlatform>,
    /// Issuing bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_bank: Option<String>,
    /// `3DSECURE` or `SSL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_transaction_type: Option<AcquirerTransactionType>,
    /// Acquirer STAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub acquirer_stan: Option<String>,
    /// Acquirer terminal id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub acquirer_terminal_id: Option<String>,
    /// Acquirer transaction time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub acquirer_transaction_time: Option<String>,
    /// 3-D Secure status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_status: Option<AuthenticationStatus>,
    /// 3-D Secure version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub three_ds_version: Option<String>,
    /// 3-D Secure server transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub three_ds_server_trans_id: Option<String>,
    /// Electronic commerce indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub eci: Option<String>,
    /// Payment system type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub payment_system_type: Option<String>,
    /// Payment token (only with `includes=card.payment_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token: Option<CardToken>,
    /// Payment token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token_id: Option<String>,
    /// Recurrence token (only with `includes=card.recurrence_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_token: Option<CardToken>,
    /// Recurrence token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_token_id: Option<String>,
    /// Tokenization consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_holder_tokenization_consent: Option<TokenizationConsent>,
    /// How the card was read at a terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_method: Option<EntryMethod>,
}

/// A card token Dintero can charge again (`payment_token`, `recurrence_token`): kept as
/// received, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CardToken(pub String);

impl std::fmt::Debug for CardToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardToken([redacted])")
    }
}
