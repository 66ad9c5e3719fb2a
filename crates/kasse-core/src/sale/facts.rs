//! What the reducer reads from a Dintero transaction kept in the journal (an operation's
//! proof, an imported sale), through dintero-client's models: the same types and the same
//! captured/refunded rule ([`dintero_client::settled_totals`]) as the engine reads live answers
//! with. Fields the reducer does not need may be missing; only `id` and `status` must be there.

use dintero_client::{
    settled_totals, OrderItem, PaymentProduct, PaymentProductType, TransactionEvent,
    TransactionEventName, TransactionStatus,
};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::SaleStatus;
use crate::clock::normalize;
use crate::payment::CardSeen;

/// The facts Kasse reads from a Dintero transaction JSON (dintero-api.md §8).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionFacts {
    /// Transaction id.
    pub id: String,
    /// Status, mapped with [`SaleStatus::from_dintero`].
    pub status: SaleStatus,
    /// Originating session.
    pub session_id: Option<String>,
    /// Merchant reference.
    pub merchant_reference: Option<String>,
    /// Authorised amount.
    pub amount: Option<i64>,
    /// Currency.
    pub currency: Option<String>,
    /// `created_at`, normalized to UTC milliseconds.
    pub created_at: Option<OffsetDateTime>,
    /// Captured total (events, or what the status proves); `None` without an `events` array.
    pub captured: Option<i64>,
    /// Refunded total, likewise.
    pub refunded: Option<i64>,
    /// Σ `items[].vat_amount` when every item has one.
    pub vat_amount: Option<i64>,
    /// `payment_product_type`, else `payment_product`.
    pub payment_product: Option<String>,
    /// The card's brand and last digits (`card`).
    pub card: Option<CardSeen>,
}

/// The part of dintero-client's `Transaction` the reducer reads, each field as the client's
/// model types it, all but `id` and `status` optional.
#[derive(Deserialize)]
struct Snapshot {
    id: String,
    status: TransactionStatus,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    merchant_reference: Option<String>,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(
        default,
        with = "dintero_client::models::serde_helpers::timestamp::option"
    )]
    created_at: Option<OffsetDateTime>,
    #[serde(default)]
    events: Option<Vec<TransactionEvent>>,
    #[serde(default)]
    items: Option<Vec<OrderItem>>,
    #[serde(default)]
    payment_product: Option<PaymentProduct>,
    #[serde(default)]
    payment_product_type: Option<PaymentProductType>,
}

impl TransactionFacts {
    /// Reads the facts from a transaction JSON; `None` when it is not one (no string `id` and
    /// `status`, or a field of the wrong type).
    pub fn from_json(v: &Value) -> Option<TransactionFacts> {
        let s = Snapshot::deserialize(v).ok()?;
        if s.id.is_empty() {
            return None;
        }
        let (captured, refunded) = match &s.events {
            Some(events) => {
                let (c, r) = settled_totals(&s.status, s.amount.unwrap_or(0), events);
                (Some(c), Some(r))
            }
            None => (None, None),
        };
        let vat_amount = s.items.as_ref().and_then(|items| {
            items
                .iter()
                .try_fold(0i64, |acc, it| Some(acc.saturating_add(it.vat_amount?)))
        });
        let payment_product = s
            .payment_product_type
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .or_else(|| s.payment_product.as_ref().map(|p| p.as_str().to_owned()))
            .filter(|p| !p.is_empty());
        Some(TransactionFacts {
            status: SaleStatus::from_dintero(s.status.as_str()),
            id: s.id,
            session_id: s.session_id,
            merchant_reference: s.merchant_reference,
            amount: s.amount,
            currency: s.currency,
            created_at: s.created_at.map(normalize),
            captured,
            refunded,
            vat_amount,
            payment_product,
            card: CardSeen::of_transaction(v),
        })
    }
}

/// The payment product a snapshot names (`payment_product_type`, else `payment_product`), for a
/// status observation whose snapshot may be a session as well as a transaction.
pub(super) fn payment_product_of(v: &Value) -> Option<String> {
    ["payment_product_type", "payment_product"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The `event_reference` of every failed `CAPTURE` event a transaction snapshot shows (none for
/// a session, or for anything that is not a transaction's events).
pub(super) fn failed_capture_references(v: &Value) -> Vec<Option<String>> {
    #[derive(Deserialize)]
    struct Events {
        #[serde(default)]
        events: Vec<TransactionEvent>,
    }
    let Ok(Events { events }) = Events::deserialize(v) else {
        return Vec::new();
    };
    events
        .into_iter()
        .filter(|e| {
            e.success == Some(false) && matches!(e.event, Some(TransactionEventName::Capture))
        })
        .map(|e| e.event_reference)
        .collect()
}
