//! A sale: its status, the events of its journal, and the pure reducer that derives the sale's
//! view from them. The journal is the truth and the view is derived: [`Sale::open`] builds it from
//! the first event and [`Sale::apply`] folds in each later one; the store uses the same functions
//! on append and on a rebuild, so the stored projection can always be re-derived and checked.
//! [`Sale::validate`] is the gate in front of the journal (it refuses an event that makes no sense
//! for the sale's state: a second opening, an outcome for an unknown operation, a reused key or
//! reference, an intent beside an unknown outcome); `apply` is total, so even a tampered journal
//! replays to *a* view that can be compared.
//!
//! An operation is an intent written before the API call and an outcome after it; until then it is
//! pending, and a crash in between leaves it for the next start to reconcile (ARCHITECTURE.md,
//! "Invariants"). Outcomes carry the Dintero JSON that proved them, from which the view also takes
//! the transaction's status and totals. Times are UTC truncated to milliseconds, the journal's
//! precision, so a view computed in memory equals the one read from disk.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::normalize;
use crate::payment::{payment_method, CardSeen, PaymentMethod};

mod facts;
pub use facts::TransactionFacts;
use facts::{failed_capture_references, payment_product_of};

mod error;
mod event;
mod operation;
mod queries;
mod reference;
#[cfg(test)]
mod tests;

pub use error::SaleError;
use error::{invalid, non_empty, non_negative};
pub use event::*;
pub use operation::Operation;
pub use reference::*;
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
    /// The card a transaction snapshot showed (brand, last four digits), for a card payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardSeen>,
    /// The charge error, while the charge failed or its outcome is unknown.
    pub last_error: Option<String>,
    /// Every operation, in request order.
    pub operations: Vec<Operation>,
    /// How many operations are pending (`requested` or `unknown`).
    pub pending_ops: u32,
    /// The capture the session asked Dintero to make at authorisation, and what became of it
    /// (`None`: none was asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_capture: Option<AutoCapture>,
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
                auto_capture,
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
                    card: None,
                    last_error: None,
                    operations: Vec::new(),
                    pending_ops: 0,
                    auto_capture: auto_capture.then_some(AutoCapture::Requested),
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
                    card: facts.card.clone(),
                    last_error: None,
                    operations: Vec::new(),
                    pending_ops: 0,
                    auto_capture: None,
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

    /// How the sale was paid, as people say it (`None` while nothing names it).
    pub fn payment_method(&self) -> Option<PaymentMethod> {
        payment_method(self.payment_product.as_deref(), self.card.as_ref())
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
                self.no_session()
            }
            LogEvent::ChargeFailed { .. } => self.no_session(),
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
                if let Some(op) = self.outcome_unknown() {
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
            LogEvent::SettingsChanged { .. }
            | LogEvent::DayClosed { .. }
            | LogEvent::JournalExported { .. } => Err(invalid(
                "kind",
                "the event belongs to the counter's stream, not a sale's",
            )),
        }
    }

    /// A session, or a charge's failure, comes once: before the sale has a session.
    fn no_session(&self) -> Result<(), SaleError> {
        match &self.session_id {
            Some(s) => Err(SaleError::SessionAlreadySet {
                session_id: s.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Folds one event into the view. Pure and total: events that [`Sale::validate`] would
    /// refuse change nothing but `updated_at`.
    pub fn apply(&mut self, event: &LogEvent, at: OffsetDateTime) {
        let at = normalize(at);
        self.updated_at = at;
        match event {
            LogEvent::SaleOpened { .. }
            | LogEvent::Imported { .. }
            | LogEvent::Note { .. }
            | LogEvent::SettingsChanged { .. }
            | LogEvent::DayClosed { .. }
            | LogEvent::JournalExported { .. } => {}
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
                if let Some(c) = CardSeen::of_transaction(snapshot) {
                    self.card = Some(c);
                }
                self.see_auto_capture(snapshot);
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
                actor: _,
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
        if facts.card.is_some() {
            self.card = facts.card;
        }
        self.see_auto_capture(snapshot);
    }

    /// An auto-capture still awaited fails when the transaction, still `AUTHORIZED`, shows a
    /// failed `CAPTURE` event that none of this sale's own captures explains.
    fn see_auto_capture(&mut self, snapshot: &Value) {
        if self.auto_capture != Some(AutoCapture::Requested)
            || self.status != SaleStatus::Authorized
        {
            return;
        }
        let ours = |r: &Option<String>| {
            r.as_ref().is_some_and(|r| {
                self.operations
                    .iter()
                    .any(|o| o.kind == OpKind::Capture && o.reference == *r)
            })
        };
        if failed_capture_references(snapshot).iter().any(|r| !ours(r)) {
            self.auto_capture = Some(AutoCapture::Failed);
        }
    }
}
