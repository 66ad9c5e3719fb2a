//! The domain model of a sale: its status, the events of the journal, and the pure reducer that
//! derives a sale's current view from its events.
//!
//! # The journal is the truth, the view is derived
//! Every fact Kasse learns about a sale is a [`LogEvent`] appended to the journal (see
//! [`crate::store`]). The [`Sale`] view is a pure function of the sale's events:
//! [`Sale::open`] builds it from the first event ([`LogEvent::SaleOpened`] or
//! [`LogEvent::Imported`]) and [`Sale::apply`] folds every later one in. The store uses the very
//! same functions for the incremental update on append and for a full rebuild, so the stored
//! projection can always be re-derived and checked ([`crate::store::Store::check_projection`]).
//!
//! [`Sale::validate`] is the gate in front of the journal: the store refuses an event that makes
//! no sense for the sale's current state (a second `SaleOpened`, an outcome for an unknown
//! operation, a second outcome for a finished one, a reused refund reference, …). `apply` itself
//! is total: it never fails and ignores what `validate` would have refused, so replaying a journal
//! (even a tampered one) always yields *a* view, and the comparison shows the difference.
//!
//! # Operations
//! An operation (capture, refund, void, session cancel) is recorded in two steps, as DESIGN.md §3
//! demands: [`LogEvent::OperationRequested`] **before** the API call, carrying the
//! `capture_reference` / `refund_reference` sent to Dintero, and an outcome after it:
//! `OperationSucceeded` / `OperationFailed` (definitive), `OperationUnknown` (timeout, lost
//! connection: the operation may or may not have happened) and finally `OperationReconciled` once
//! the transaction was re-read and the reference matched. An operation is *pending* while it is
//! `requested` or `unknown`; only pending operations accept an outcome. A crash between intent and
//! outcome therefore leaves a pending operation that [`crate::store::Store::pending_operations`]
//! returns on the next start.
//!
//! # Statuses
//! [`SaleStatus`] is Kasse's own status, a superset of Dintero's transaction statuses plus the
//! session-side states. Beyond the first design it has `partially_captured_refunded`, because
//! Dintero has `PARTIALLY_CAPTURED_REFUNDED` and folding it into another status would lose the
//! fact that something is still capturable. [`SaleStatus::from_dintero`] maps Dintero's values,
//! any unknown value becoming `unknown` (never a parse error).
//!
//! # Snapshots
//! Outcome events carry the Dintero JSON that proved them. When that JSON is a transaction
//! (an object with string `id` and `status`), [`Sale::apply`] also takes the transaction's status
//! and its captured / refunded totals (Σ successful `CAPTURE` / `REFUND` event amounts, see
//! dintero-api.md §8) from it, so an operation's outcome alone keeps the view current; a separate
//! [`LogEvent::StatusObserved`] is harmless but not needed. A snapshot about a *different*
//! transaction than the sale's is ignored.
//!
//! All times in a [`Sale`] are UTC and truncated to milliseconds (the journal's precision, see
//! [`crate::clock::normalize`]), so a view computed in memory equals the one read from disk.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::normalize;

mod facts;
use facts::payment_product_of;
pub use facts::TransactionFacts;

mod event;
mod reference;

pub use event::*;
pub use reference::*;

/// An operation's derived state within a [`Sale`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Kasse's id of the operation.
    pub op_id: String,
    /// What was asked.
    pub kind: OpKind,
    /// Amount asked, minor units.
    pub amount: Option<i64>,
    /// Lines asked (opaque JSON).
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
    pub requested_at: OffsetDateTime,
    /// When the state last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The idempotency key it was asked with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Dintero's `request_id` for it once accepted (`202`): its completion event carries it as
    /// `correlation_request_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// The current view of a sale, derived from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sale {
    /// Kasse's sale id.
    pub id: String,
    /// The merchant reference (empty for an imported transaction that has none).
    pub merchant_reference: String,
    /// The counter that opened it (`None` when imported and the reference does not say).
    pub counter: Option<String>,
    /// Dintero session id.
    pub session_id: Option<String>,
    /// Dintero transaction id.
    pub transaction_id: Option<String>,
    /// Hosted checkout URL.
    pub checkout_url: Option<String>,
    /// Session expiry.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// ISO 4217 currency.
    pub currency: String,
    /// Total, minor units (for a transaction: the authorised amount).
    pub amount: i64,
    /// VAT part, minor units (`None` when not known, e.g. an import without item VAT).
    pub vat_amount: Option<i64>,
    /// The priced order as opened (`null` for imported sales).
    pub order: Value,
    /// Current status.
    pub status: SaleStatus,
    /// Captured total, minor units.
    pub captured: i64,
    /// Refunded total, minor units.
    pub refunded: i64,
    /// When the sale was opened (imported: the transaction's `created_at`).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Time of the last event.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Local or imported.
    pub origin: Origin,
    /// Dintero `payment_product_type` (or `payment_product`) once a snapshot showed it.
    pub payment_product: Option<String>,
    /// The charge error, while the charge failed or its outcome is unknown.
    pub last_error: Option<String>,
    /// Every operation, in request order.
    pub operations: Vec<Operation>,
    /// How many operations are pending (`requested` or `unknown`).
    pub pending_ops: u32,
}

/// Why an event was refused for a sale ([`Sale::validate`], [`Sale::open`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    /// A sale must start with `sale_opened` or `imported`.
    #[error("a sale must start with sale_opened or imported, not {kind}")]
    NotAnOpeningEvent {
        /// The event kind given.
        kind: &'static str,
    },
    /// `sale_opened` / `imported` on a sale that exists.
    #[error("the sale is already opened")]
    AlreadyOpened,
    /// A field is missing or out of range.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// One sale per session.
    #[error("the sale already has session {session_id}")]
    SessionAlreadySet {
        /// The session it has.
        session_id: String,
    },
    /// The outcome names an operation the sale does not have.
    #[error("unknown operation {op_id}")]
    UnknownOperation {
        /// The operation id.
        op_id: String,
    },
    /// `operation_requested` with an id already used.
    #[error("operation {op_id} already exists")]
    DuplicateOperation {
        /// The operation id.
        op_id: String,
    },
    /// Two operations of one sale must not share a reference (reconciliation matches on it).
    #[error("reference {reference:?} is already used by another operation of this sale")]
    DuplicateReference {
        /// The reference.
        reference: String,
    },
    /// An operation was already asked for with this idempotency key.
    #[error("operation {op_id} was already asked for with key {key:?}")]
    DuplicateKey {
        /// The key.
        key: String,
        /// The operation that has it.
        op_id: String,
    },
    /// Another writer added an operation after the requester checked the sale.
    #[error("the sale has {actual} operations, not the {expected} it was checked with")]
    StaleBasis {
        /// Operations the requester saw.
        expected: u32,
        /// Operations the sale has.
        actual: u32,
    },
    /// An operation whose outcome is unknown must be settled before another is sent.
    #[error("operation {op_id} ({kind}) has no known outcome yet")]
    OutcomePending {
        /// The operation.
        op_id: String,
        /// Its kind.
        kind: OpKind,
    },
    /// The operation already has a final outcome.
    #[error("operation {op_id} is already {state}")]
    OperationClosed {
        /// The operation id.
        op_id: String,
        /// Its final state.
        state: OpState,
    },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> SaleError {
    SaleError::InvalidField {
        field,
        reason: reason.into(),
    }
}

fn non_empty(field: &'static str, s: &str) -> Result<(), SaleError> {
    if s.trim().is_empty() {
        Err(invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn non_negative(field: &'static str, v: i64) -> Result<(), SaleError> {
    if v < 0 {
        Err(invalid(field, format!("must not be negative (got {v})")))
    } else {
        Ok(())
    }
}

impl Sale {
    /// Builds the view from a sale's first event (`sale_opened` or `imported`), after checking it.
    pub fn open(id: &str, event: &LogEvent, at: OffsetDateTime) -> Result<Sale, SaleError> {
        let at = normalize(at);
        non_empty("sale id", id)?;
        match event {
            LogEvent::SaleOpened {
                merchant_reference,
                counter,
                currency,
                amount,
                vat_amount,
                order,
            } => {
                non_empty("merchant_reference", merchant_reference)?;
                non_empty("counter", counter)?;
                non_empty("currency", currency)?;
                non_negative("amount", *amount)?;
                non_negative("vat_amount", *vat_amount)?;
                if vat_amount > amount {
                    return Err(invalid("vat_amount", "exceeds the amount"));
                }
                Ok(Sale {
                    id: id.to_owned(),
                    merchant_reference: merchant_reference.clone(),
                    counter: Some(counter.clone()),
                    session_id: None,
                    transaction_id: None,
                    checkout_url: None,
                    expires_at: None,
                    currency: currency.clone(),
                    amount: *amount,
                    vat_amount: Some(*vat_amount),
                    order: order.clone(),
                    status: SaleStatus::Creating,
                    captured: 0,
                    refunded: 0,
                    created_at: at,
                    updated_at: at,
                    origin: Origin::Local,
                    payment_product: None,
                    last_error: None,
                    operations: Vec::new(),
                    pending_ops: 0,
                })
            }
            LogEvent::Imported { snapshot } => {
                let facts = TransactionFacts::from_json(snapshot).ok_or_else(|| {
                    invalid("snapshot", "not a Dintero transaction (no id/status)")
                })?;
                let amount = facts
                    .amount
                    .ok_or_else(|| invalid("snapshot.amount", "missing"))?;
                non_negative("snapshot.amount", amount)?;
                let currency = facts
                    .currency
                    .clone()
                    .ok_or_else(|| invalid("snapshot.currency", "missing"))?;
                let merchant_reference = facts.merchant_reference.clone().unwrap_or_default();
                let counter = parse_merchant_reference(&merchant_reference).map(|r| r.counter);
                let created_at = facts.created_at.unwrap_or(at);
                Ok(Sale {
                    id: id.to_owned(),
                    merchant_reference,
                    counter,
                    session_id: facts.session_id.clone(),
                    transaction_id: Some(facts.id.clone()),
                    checkout_url: None,
                    expires_at: None,
                    currency,
                    amount,
                    vat_amount: facts.vat_amount,
                    order: Value::Null,
                    status: facts.status,
                    captured: facts.captured.unwrap_or(0),
                    refunded: facts.refunded.unwrap_or(0),
                    created_at,
                    updated_at: at,
                    origin: Origin::Imported,
                    payment_product: facts.payment_product.clone(),
                    last_error: None,
                    operations: Vec::new(),
                    pending_ops: 0,
                })
            }
            other => Err(SaleError::NotAnOpeningEvent { kind: other.kind() }),
        }
    }

    /// Rebuilds a view from a whole event sequence: [`Sale::open`] on the first, then
    /// [`Sale::apply`] on the rest (without validation: replaying shows what the journal says).
    pub fn rebuild<'a, I>(id: &str, events: I) -> Result<Sale, SaleError>
    where
        I: IntoIterator<Item = (&'a LogEvent, OffsetDateTime)>,
    {
        let mut it = events.into_iter();
        let (first, at) = it
            .next()
            .ok_or(SaleError::NotAnOpeningEvent { kind: "nothing" })?;
        let mut sale = Sale::open(id, first, at)?;
        for (ev, at) in it {
            sale.apply(ev, at);
        }
        Ok(sale)
    }

    /// Checks that `event` may be appended to this sale in its current state.
    pub fn validate(&self, event: &LogEvent) -> Result<(), SaleError> {
        match event {
            LogEvent::SaleOpened { .. } | LogEvent::Imported { .. } => {
                Err(SaleError::AlreadyOpened)
            }
            LogEvent::SessionCreated {
                session_id, url, ..
            } => {
                non_empty("session_id", session_id)?;
                non_empty("url", url)?;
                match &self.session_id {
                    Some(s) => Err(SaleError::SessionAlreadySet {
                        session_id: s.clone(),
                    }),
                    None => Ok(()),
                }
            }
            LogEvent::ChargeFailed { .. } => match &self.session_id {
                Some(s) => Err(SaleError::SessionAlreadySet {
                    session_id: s.clone(),
                }),
                None => Ok(()),
            },
            LogEvent::StatusObserved {
                transaction_id,
                captured,
                refunded,
                ..
            } => {
                non_negative("captured", *captured)?;
                non_negative("refunded", *refunded)?;
                if let Some(t) = transaction_id {
                    non_empty("transaction_id", t)?;
                }
                Ok(())
            }
            LogEvent::OperationRequested {
                op_id,
                amount,
                reference,
                key,
                basis,
                ..
            } => {
                non_empty("op_id", op_id)?;
                non_empty("reference", reference)?;
                if let Some(a) = amount {
                    if *a <= 0 {
                        return Err(invalid("amount", format!("must be positive (got {a})")));
                    }
                }
                if self.operation(op_id).is_some() {
                    return Err(SaleError::DuplicateOperation {
                        op_id: op_id.clone(),
                    });
                }
                if let Some(k) = key {
                    non_empty("key", k)?;
                    if let Some(first) = self.operation_by_key(k) {
                        return Err(SaleError::DuplicateKey {
                            key: k.clone(),
                            op_id: first.op_id.clone(),
                        });
                    }
                }
                // A changed sale first: two writers who checked the same sale also picked the
                // same next reference, and "someone else was first" is what the second must hear.
                let actual = u32::try_from(self.operations.len()).unwrap_or(u32::MAX);
                if let Some(expected) = basis.filter(|b| *b != actual) {
                    return Err(SaleError::StaleBasis { expected, actual });
                }
                if self.operations.iter().any(|o| &o.reference == reference) {
                    return Err(SaleError::DuplicateReference {
                        reference: reference.clone(),
                    });
                }
                if let Some(op) = self
                    .operations
                    .iter()
                    .find(|o| o.state.is_outcome_unknown())
                {
                    return Err(SaleError::OutcomePending {
                        op_id: op.op_id.clone(),
                        kind: op.kind,
                    });
                }
                Ok(())
            }
            LogEvent::OperationAccepted { op_id, .. }
            | LogEvent::OperationUnknown { op_id, .. } => {
                // Accepted once is accepted: an in-flight operation neither becomes unknown
                // again nor is accepted twice (its request id stays the first one seen).
                match self.operation(op_id) {
                    None => Err(SaleError::UnknownOperation {
                        op_id: op_id.clone(),
                    }),
                    Some(op) if !op.state.is_outcome_unknown() => Err(SaleError::OperationClosed {
                        op_id: op_id.clone(),
                        state: op.state,
                    }),
                    Some(_) => Ok(()),
                }
            }
            LogEvent::OperationSucceeded { op_id, .. }
            | LogEvent::OperationFailed { op_id, .. }
            | LogEvent::OperationReconciled { op_id, .. } => match self.operation(op_id) {
                None => Err(SaleError::UnknownOperation {
                    op_id: op_id.clone(),
                }),
                Some(op) if !op.is_pending() => Err(SaleError::OperationClosed {
                    op_id: op_id.clone(),
                    state: op.state,
                }),
                Some(_) => Ok(()),
            },
            LogEvent::Note { .. } => Ok(()),
        }
    }

    /// Folds one event into the view. Pure and total: events that [`Sale::validate`] would
    /// refuse change nothing but `updated_at`.
    pub fn apply(&mut self, event: &LogEvent, at: OffsetDateTime) {
        let at = normalize(at);
        self.updated_at = at;
        match event {
            LogEvent::SaleOpened { .. } | LogEvent::Imported { .. } | LogEvent::Note { .. } => {}
            LogEvent::SessionCreated {
                session_id,
                url,
                expires_at,
            } => {
                if self.session_id.is_none() {
                    self.session_id = Some(session_id.clone());
                    self.checkout_url = Some(url.clone());
                    self.expires_at = expires_at.map(normalize);
                    self.last_error = None;
                    if matches!(
                        self.status,
                        SaleStatus::Creating | SaleStatus::Unknown | SaleStatus::ChargeFailed
                    ) {
                        self.status = SaleStatus::Waiting;
                    }
                }
            }
            LogEvent::ChargeFailed {
                error_code,
                message,
                outcome_unknown,
            } => {
                if self.session_id.is_none() {
                    self.last_error = Some(format!("{error_code}: {message}"));
                    self.status = if *outcome_unknown {
                        SaleStatus::Unknown
                    } else {
                        SaleStatus::ChargeFailed
                    };
                }
            }
            LogEvent::StatusObserved {
                status,
                transaction_id,
                captured,
                refunded,
                snapshot,
                ..
            } => {
                self.status = *status;
                if let Some(t) = transaction_id {
                    self.transaction_id = Some(t.clone());
                }
                self.captured = *captured;
                self.refunded = *refunded;
                if let Some(p) = payment_product_of(snapshot) {
                    self.payment_product = Some(p);
                }
            }
            LogEvent::OperationRequested {
                op_id,
                kind,
                amount,
                lines,
                reference,
                reason,
                key,
                basis: _,
            } => {
                if self.operation(op_id).is_none() {
                    self.operations.push(Operation {
                        op_id: op_id.clone(),
                        kind: *kind,
                        amount: *amount,
                        lines: lines.clone(),
                        reference: reference.clone(),
                        reason: reason.clone(),
                        state: OpState::Requested,
                        applied: None,
                        error: None,
                        requested_at: at,
                        updated_at: at,
                        key: key.clone(),
                        request_id: None,
                    });
                }
            }
            LogEvent::OperationAccepted {
                op_id,
                request_id,
                snapshot,
            } => {
                if let Some(op) = self
                    .operations
                    .iter_mut()
                    .find(|o| o.op_id == *op_id && o.state.is_outcome_unknown())
                {
                    op.state = OpState::InFlight;
                    op.request_id = request_id.clone();
                    op.error = None;
                    op.updated_at = at;
                    self.absorb_transaction(snapshot);
                }
            }
            LogEvent::OperationSucceeded { op_id, snapshot } => {
                if let Some(kind) = self.settle_op(op_id, at, OpState::Succeeded, Some(true), None)
                {
                    if kind == OpKind::Cancel && self.status.is_open() {
                        self.status = SaleStatus::Cancelled;
                    }
                    self.absorb_transaction(snapshot);
                }
            }
            LogEvent::OperationFailed {
                op_id,
                code,
                message,
            } => {
                self.settle_op(
                    op_id,
                    at,
                    OpState::Failed,
                    Some(false),
                    Some(format!("{code}: {message}")),
                );
            }
            LogEvent::OperationUnknown { op_id, message } => {
                if self
                    .operation(op_id)
                    .is_some_and(|o| o.state.is_outcome_unknown())
                {
                    self.settle_op(op_id, at, OpState::Unknown, None, Some(message.clone()));
                }
            }
            LogEvent::OperationReconciled {
                op_id,
                applied,
                snapshot,
            } => {
                if let Some(kind) =
                    self.settle_op(op_id, at, OpState::Reconciled, Some(*applied), None)
                {
                    if kind == OpKind::Cancel && *applied && self.status.is_open() {
                        self.status = SaleStatus::Cancelled;
                    }
                    self.absorb_transaction(snapshot);
                }
            }
        }
        self.pending_ops = self
            .operations
            .iter()
            .filter(|o| o.is_pending())
            .count()
            .try_into()
            .unwrap_or(u32::MAX);
    }

    /// Moves a pending operation to `state`; returns its kind, or `None` when the operation is
    /// unknown or already final (nothing changed).
    fn settle_op(
        &mut self,
        op_id: &str,
        at: OffsetDateTime,
        state: OpState,
        applied: Option<bool>,
        error: Option<String>,
    ) -> Option<OpKind> {
        let op = self
            .operations
            .iter_mut()
            .find(|o| o.op_id == op_id && o.is_pending())?;
        op.state = state;
        op.applied = applied;
        if error.is_some() || state != OpState::Unknown {
            op.error = error;
        }
        op.updated_at = at;
        Some(op.kind)
    }

    /// Takes status and totals from a transaction snapshot about this sale's transaction.
    fn absorb_transaction(&mut self, snapshot: &Value) {
        let Some(facts) = TransactionFacts::from_json(snapshot) else {
            return;
        };
        match &self.transaction_id {
            Some(t) if *t != facts.id => return,
            Some(_) => {}
            None => self.transaction_id = Some(facts.id.clone()),
        }
        self.status = facts.status;
        if let Some(c) = facts.captured {
            self.captured = c;
        }
        if let Some(r) = facts.refunded {
            self.refunded = r;
        }
        if facts.payment_product.is_some() {
            self.payment_product = facts.payment_product;
        }
    }

    /// The operation with this id.
    pub fn operation(&self, op_id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.op_id == op_id)
    }

    /// The operation asked for with this idempotency key.
    pub fn operation_by_key(&self, key: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.key.as_deref() == Some(key))
    }

    /// Operations without a final outcome.
    pub fn pending_operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter().filter(|o| o.is_pending())
    }

    /// Σ amounts of this kind's operations that are pending (in flight at Dintero, or with an
    /// unknown outcome): they count against what is left, as they may still happen.
    pub fn pending_amount(&self, kind: OpKind) -> i64 {
        self.operations
            .iter()
            .filter(|o| o.kind == kind && o.is_pending())
            .map(|o| o.amount.unwrap_or(0).max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// Whether the watcher must keep following the sale.
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// What can still be captured, as far as this view knows (authorised minus captured, in the
    /// statuses where Dintero allows a capture; 0 otherwise).
    pub fn capturable(&self) -> i64 {
        if self
            .operations
            .iter()
            .any(|o| o.kind == OpKind::Void && o.is_pending())
        {
            return 0;
        }
        match self.status {
            SaleStatus::Authorized
            | SaleStatus::PartiallyCaptured
            | SaleStatus::PartiallyCapturedRefunded => self
                .amount
                .saturating_sub(self.captured)
                .saturating_sub(self.pending_amount(OpKind::Capture))
                .max(0),
            _ => 0,
        }
    }

    /// Whether the authorisation can be voided now: authorised, nothing captured, and no other
    /// operation pending on it.
    pub fn can_void(&self) -> bool {
        self.status == SaleStatus::Authorized && self.pending_ops == 0
    }

    /// What can still be refunded, as far as this view knows: captured minus refunded minus
    /// refunds still pending (in flight or unknown).
    pub fn refundable(&self) -> i64 {
        self.captured
            .saturating_sub(self.refunded)
            .saturating_sub(self.pending_amount(OpKind::Refund))
            .max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::{date, datetime};

    fn opened() -> LogEvent {
        LogEvent::SaleOpened {
            merchant_reference: "KASSE1-20261124-0001".into(),
            counter: "KASSE1".into(),
            currency: "NOK".into(),
            amount: 10000,
            vat_amount: 2000,
            order: json!({"lines": []}),
        }
    }

    #[test]
    fn statuses_round_trip_and_map_from_dintero() {
        for s in SaleStatus::ALL {
            assert_eq!(s.as_str().parse::<SaleStatus>().unwrap(), *s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                Value::String(s.as_str().into())
            );
        }
        assert!("nope".parse::<SaleStatus>().is_err());
        assert_eq!(
            SaleStatus::from_dintero("PARTIALLY_CAPTURED_REFUNDED"),
            SaleStatus::PartiallyCapturedRefunded
        );
        assert_eq!(
            SaleStatus::from_dintero("SOMETHING_NEW"),
            SaleStatus::Unknown
        );
        assert!(SaleStatus::Waiting.is_open() && !SaleStatus::Captured.is_open());
        assert!(SaleStatus::Refunded.is_paid() && !SaleStatus::Declined.is_paid());
    }

    #[test]
    fn event_json_is_tagged() {
        let v = serde_json::to_value(opened()).unwrap();
        assert_eq!(v["type"], "sale_opened");
        assert_eq!(opened().kind(), "sale_opened");
        let back: LogEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, opened());
    }

    #[test]
    fn a_sale_through_charge_capture_and_refund() {
        let t = datetime!(2026-11-24 10:00 UTC);
        let mut s = Sale::open("s1", &opened(), t).unwrap();
        assert_eq!(s.status, SaleStatus::Creating);
        let ev = LogEvent::SessionCreated {
            session_id: "S1".into(),
            url: "https://x".into(),
            expires_at: Some(datetime!(2026-11-24 10:15 UTC)),
        };
        s.validate(&ev).unwrap();
        s.apply(&ev, t);
        assert_eq!(s.status, SaleStatus::Waiting);
        assert!(s.validate(&ev).is_err(), "one sale per session");
        s.apply(
            &LogEvent::StatusObserved {
                status: SaleStatus::Authorized,
                transaction_id: Some("T1".into()),
                captured: 0,
                refunded: 0,
                source: "poll".into(),
                snapshot: json!({"id": "T1", "status": "AUTHORIZED", "payment_product_type": "dintero_psp.creditcard"}),
            },
            t,
        );
        assert_eq!(s.capturable(), 10000);
        assert_eq!(s.payment_product.as_deref(), Some("dintero_psp.creditcard"));
        let req = LogEvent::OperationRequested {
            op_id: "op1".into(),
            kind: OpKind::Capture,
            amount: None,
            lines: Value::Null,
            reference: "cap-1".into(),
            reason: None,
            key: None,
            basis: None,
        };
        s.validate(&req).unwrap();
        s.apply(&req, t);
        assert_eq!(s.pending_ops, 1);
        let ok = LogEvent::OperationSucceeded {
            op_id: "op1".into(),
            snapshot: json!({"id": "T1", "status": "CAPTURED", "events": [
                {"event": "CAPTURE", "success": true, "amount": 10000},
                {"event": "CAPTURE", "success": false, "amount": 10000}]}),
        };
        s.validate(&ok).unwrap();
        s.apply(&ok, t);
        assert_eq!(
            (s.status, s.captured, s.pending_ops),
            (SaleStatus::Captured, 10000, 0)
        );
        assert!(matches!(
            s.validate(&ok),
            Err(SaleError::OperationClosed { .. })
        ));
        let dup = LogEvent::OperationRequested {
            op_id: "op2".into(),
            kind: OpKind::Refund,
            amount: Some(100),
            lines: Value::Null,
            reference: "cap-1".into(),
            reason: None,
            key: None,
            basis: None,
        };
        assert!(matches!(
            s.validate(&dup),
            Err(SaleError::DuplicateReference { .. })
        ));
        // A snapshot of another transaction is ignored.
        let mut s2 = s.clone();
        s2.absorb_transaction(&json!({"id": "T2", "status": "REFUNDED"}));
        assert_eq!(s2.status, SaleStatus::Captured);
    }

    fn requested(op_id: &str, key: Option<&str>, basis: Option<u32>, amount: i64) -> LogEvent {
        LogEvent::OperationRequested {
            op_id: op_id.into(),
            kind: OpKind::Refund,
            amount: Some(amount),
            lines: Value::Null,
            reference: format!("ref-{op_id}"),
            reason: None,
            key: key.map(str::to_owned),
            basis,
        }
    }

    /// A captured sale of 10 000.
    fn captured_sale() -> Sale {
        let t = datetime!(2026-11-24 10:00 UTC);
        let mut s = Sale::open("s1", &opened(), t).unwrap();
        s.apply(
            &LogEvent::StatusObserved {
                status: SaleStatus::Captured,
                transaction_id: Some("T1".into()),
                captured: 10000,
                refunded: 0,
                source: "poll".into(),
                snapshot: Value::Null,
            },
            t,
        );
        s
    }

    /// The rules that make one writer per sale hold across windows and processes: they run in
    /// the log's write transaction, on the sale as it is there.
    #[test]
    fn an_intent_is_refused_for_a_used_key_a_stale_basis_or_an_unknown_outcome() {
        let t = datetime!(2026-11-24 10:00 UTC);
        let mut s = captured_sale();
        let first = requested("op1", Some("press-1"), Some(0), 4000);
        s.validate(&first).unwrap();
        s.apply(&first, t);
        // A second writer that checked the same sale picked the same next reference: it hears
        // that the sale changed, not that the reference is taken.
        assert_eq!(
            s.validate(&LogEvent::OperationRequested {
                op_id: "op9".into(),
                kind: OpKind::Refund,
                amount: Some(1000),
                lines: Value::Null,
                reference: "ref-op1".into(),
                reason: None,
                key: Some("press-9".into()),
                basis: Some(0),
            }),
            Err(SaleError::StaleBasis {
                expected: 0,
                actual: 1
            })
        );
        // Outcome unknown: nothing new may be sent, whatever its key.
        assert!(matches!(
            s.validate(&requested("op2", Some("press-2"), Some(1), 1000)),
            Err(SaleError::OutcomePending { .. })
        ));
        // The same press again: refused, naming the first operation.
        assert_eq!(
            s.validate(&requested("op2", Some("press-1"), Some(1), 4000)),
            Err(SaleError::DuplicateKey {
                key: "press-1".into(),
                op_id: "op1".into()
            })
        );
        // 202 Accepted: in flight. It counts against what is left, and a new intent is allowed
        // (checked against the sale with the in-flight one: basis 1).
        let accepted = LogEvent::OperationAccepted {
            op_id: "op1".into(),
            request_id: Some("rq-1".into()),
            snapshot: Value::Null,
        };
        s.validate(&accepted).unwrap();
        s.apply(&accepted, t);
        let op = s.operation("op1").unwrap();
        assert_eq!(
            (op.state, op.request_id.as_deref(), op.key.as_deref()),
            (OpState::InFlight, Some("rq-1"), Some("press-1"))
        );
        assert_eq!((s.pending_ops, s.refundable()), (1, 6000));
        // An in-flight operation never goes back to unknown, nor is accepted twice.
        for back in [
            LogEvent::OperationUnknown {
                op_id: "op1".into(),
                message: "late timeout".into(),
            },
            accepted.clone(),
        ] {
            assert!(matches!(
                s.validate(&back),
                Err(SaleError::OperationClosed {
                    state: OpState::InFlight,
                    ..
                })
            ));
        }
        assert_eq!(
            s.validate(&requested("op2", Some("press-2"), Some(0), 1000)),
            Err(SaleError::StaleBasis {
                expected: 0,
                actual: 1
            })
        );
        s.validate(&requested("op2", Some("press-2"), Some(1), 1000))
            .unwrap();
        // Its completion settles it; it then counts through the totals, not as pending.
        let done = LogEvent::OperationReconciled {
            op_id: "op1".into(),
            applied: true,
            snapshot: json!({"id": "T1", "status": "PARTIALLY_REFUNDED", "events": [
                {"event": "CAPTURE", "success": true, "amount": 10000},
                {"event": "REFUND", "success": true, "amount": 4000}]}),
        };
        s.validate(&done).unwrap();
        s.apply(&done, t);
        assert_eq!((s.pending_ops, s.refunded, s.refundable()), (0, 4000, 6000));
    }

    #[test]
    fn imported_sale_from_a_transaction() {
        let snap = json!({
            "id": "T1", "status": "PARTIALLY_REFUNDED", "amount": 24800, "currency": "NOK",
            "session_id": "S9", "merchant_reference": "POS1-20260512-0042",
            "created_at": "2026-05-12T10:16:40.512Z",
            "items": [{"vat_amount": 10}, {"vat_amount": 5}],
            "events": [{"event": "CAPTURE", "success": true, "amount": 24800},
                       {"event": "REFUND", "success": true, "amount": 800}]
        });
        let s = Sale::open(
            "i1",
            &LogEvent::Imported { snapshot: snap },
            datetime!(2026-06-01 0:00 UTC),
        )
        .unwrap();
        assert_eq!(s.origin, Origin::Imported);
        assert_eq!(s.counter.as_deref(), Some("POS1"));
        assert_eq!(
            (s.captured, s.refunded, s.vat_amount),
            (24800, 800, Some(15))
        );
        assert_eq!(s.created_at, datetime!(2026-05-12 10:16:40.512 UTC));
        assert!(Sale::open(
            "i2",
            &LogEvent::Imported {
                snapshot: json!({})
            },
            s.created_at
        )
        .is_err());
    }

    #[test]
    fn merchant_references() {
        let r = format_merchant_reference("KASSE1", date!(2026 - 11 - 24), 42);
        assert_eq!(r, "KASSE1-20261124-0042");
        let p = parse_merchant_reference(&r).unwrap();
        assert_eq!(
            (p.counter.as_str(), p.day.as_str(), p.seq),
            ("KASSE1", "20261124", 42)
        );
        assert_eq!(
            parse_merchant_reference("MY-TILL-20261124-12345")
                .unwrap()
                .counter,
            "MY-TILL"
        );
        assert!(parse_merchant_reference("order-42").is_none());
    }
}
