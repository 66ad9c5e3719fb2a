//! Capture, void, refund and cancel — each written as an intent before the call, its outcome
//! after — and the reconciliation that settles an outcome that was lost or is still on its way.
//!
//! The rules that keep money safe (ARCHITECTURE.md draws the states):
//! - an operation whose outcome is unknown blocks every new operation on its sale until the
//!   transaction has been re-read and the operation's reference found (it happened) or, once
//!   nothing can still be on its way ([`super::KasseConfig::reconcile_grace`] after the answer
//!   was lost), not found (it did not);
//! - an operation Dintero accepted (`202`) is in flight until its completion or failure event
//!   is seen, however long that takes; its amount counts against what is left meanwhile;
//! - a request carries the idempotency key of the press or command that asked for it: a second
//!   request with that key gets the first one's result, in this process or another (the log
//!   refuses a second intent with the key, and one whose checks were made on a sale that has
//!   changed since).

use std::collections::BTreeMap;
use std::time::Duration;

use dintero_client::{
    CaptureRequest, OperationResponse, RefundRequest, Transaction, TransactionEventName,
    TransactionStatus,
};
use serde_json::{json, Value};

mod cancel;
mod lines;
mod reconcile;
mod request;

use lines::*;
pub use lines::{pending_refund_quantities, refund_parts, refunded_quantities};
use reconcile::*;
use request::*;

use super::observe::snapshot;
use super::payload;
use super::{Kasse, OperatingGuard};
use crate::error::CoreError;
use crate::money::{format_minor_code, Quantity};
use crate::order::PricedOrder;
use crate::sale::{LogEvent, OpKind, OpState, Operation, Sale, SaleStatus};
use crate::staff::Guarded;

/// What to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundSpec {
    /// Everything still refundable.
    Full,
    /// This many minor units.
    Amount(i64),
    /// These lines (`line_id`, quantity), priced by the order's own rules.
    Lines(Vec<(String, Quantity)>),
}

/// The sale's turn, the sale and its transaction from a [`Prepared`]; a repeated key makes the
/// calling operation return the first request's result instead.
macro_rules! ready_or_return {
    ($prepared:expr) => {
        match $prepared {
            Prepared::Ready(turn, sale, tx) => (turn, sale, tx),
            Prepared::Replayed(result) => return result,
        }
    };
}

/// What a new operation may use: Dintero's remaining amount minus what is in flight.
struct Room {
    capturable: i64,
    refundable: i64,
}

impl Kasse {
    /// Captures `amount` (or everything capturable) of an authorised sale, as a new request
    /// (see [`Kasse::capture_once`] for a button or command with its own key).
    pub async fn capture(&self, id: &str, amount: Option<i64>) -> Result<Sale, CoreError> {
        self.capture_once(id, amount, &self.inner.ids.new_id())
            .await
    }

    /// Voids an authorisation, as a new request without a PIN (see [`Kasse::void_once`]).
    pub async fn void(&self, id: &str) -> Result<Sale, CoreError> {
        self.void_once(id, &self.inner.ids.new_id(), None).await
    }

    /// Refunds, as a new request without a PIN (see [`Kasse::refund_once`]).
    pub async fn refund(
        &self,
        id: &str,
        spec: RefundSpec,
        reason: Option<String>,
    ) -> Result<Sale, CoreError> {
        self.refund_once(id, spec, reason, &self.inner.ids.new_id(), None)
            .await
    }

    /// Captures `amount` (or everything capturable) of an authorised sale. `key` is the
    /// idempotency key of the press or command that asked: asked again with the same key, it
    /// returns the first request's result and sends nothing.
    pub async fn capture_once(
        &self,
        id: &str,
        amount: Option<i64>,
        key: &str,
    ) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = ready_or_return!(self.prepare(id, key).await?);
        let room = room(&sale, &tx);
        let capturable = room.capturable;
        if !matches!(
            tx.status,
            TransactionStatus::Authorized
                | TransactionStatus::PartiallyCaptured
                | TransactionStatus::PartiallyCapturedRefunded
        ) || capturable <= 0
        {
            return Err(CoreError::InvalidState(format!(
                "nothing to capture: the sale is {}",
                sale.status
            )));
        }
        let amount = amount.unwrap_or(capturable);
        check_amount("amount", amount)?;
        if amount > capturable {
            return Err(CoreError::AmountExceeds(format!(
                "cannot capture {}: only {} is left to capture",
                money(amount, &sale),
                money(capturable, &sale)
            )));
        }
        let reference = next_reference(&sale, OpKind::Capture, &tx);
        let mut request = CaptureRequest::new(amount, reference.clone());
        let (items, lines) = allocated_items(&sale, OpKind::Capture, amount);
        request.items = items;
        self.run(
            &sale,
            Intent {
                amount: Some(amount),
                lines,
                ..Intent::new(OpKind::Capture, reference, key)
            },
            async { self.inner.api.capture(&tx.id, &request).await },
        )
        .await
    }

    /// Voids the authorisation of a sale that has not been captured; `key` as for
    /// [`Kasse::capture_once`]. Needs the manager's `pin` once a manager PIN is set: refused,
    /// nothing is logged or sent.
    pub async fn void_once(
        &self,
        id: &str,
        key: &str,
        pin: Option<&str>,
    ) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = ready_or_return!(self.prepare(id, key).await?);
        if tx.status != TransactionStatus::Authorized {
            return Err(CoreError::InvalidState(format!(
                "only an authorised, uncaptured payment can be voided; this sale is {} (refund it instead)",
                sale.status
            )));
        }
        if let Some(op) = sale.pending_operations().next() {
            return Err(CoreError::InvalidState(format!(
                "Dintero is still processing a {} of this sale; it can be voided once that is done",
                op.kind
            )));
        }
        let allowed = self.guard(Guarded::Void, pin)?;
        let reference = next_reference(&sale, OpKind::Void, &tx);
        let intent = Intent {
            actor: Some(allowed.actor().clone()),
            ..Intent::new(OpKind::Void, reference, key)
        };
        self.run(&sale, intent, async { self.inner.api.void(&tx.id).await })
            .await
    }

    /// Refunds a captured sale: everything, an amount, or chosen lines with quantities; `key`
    /// as for [`Kasse::capture_once`]. Above the manager's refund limit (every refund when it
    /// is 0) it needs the manager's `pin` once a manager PIN is set: refused, nothing is logged
    /// or sent.
    pub async fn refund_once(
        &self,
        id: &str,
        spec: RefundSpec,
        reason: Option<String>,
        key: &str,
        pin: Option<&str>,
    ) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = ready_or_return!(self.prepare(id, key).await?);
        let refundable = room(&sale, &tx).refundable;
        if refundable <= 0 {
            let in_flight = tx.refundable() - refundable;
            return Err(CoreError::InvalidState(if in_flight > 0 {
                format!(
                    "nothing more to refund: Dintero is still processing a refund of {} of this sale",
                    money(in_flight, &sale)
                )
            } else {
                format!(
                    "nothing to refund: the sale is {} with {} captured and {} refunded",
                    sale.status,
                    money(tx.captured(), &sale),
                    money(tx.refunded(), &sale)
                )
            }));
        }
        let mut items = Vec::new();
        let mut lines_json = Value::Null;
        let amount = match &spec {
            RefundSpec::Full => refundable,
            RefundSpec::Amount(a) => *a,
            RefundSpec::Lines(lines) => {
                let parts = refund_parts(&sale, lines)?;
                items = parts
                    .iter()
                    .map(|(line, part)| payload::part_item(line, part))
                    .collect();
                lines_json = parts
                    .iter()
                    .map(|(line, part)| json!({"line_id": line.line_id, "quantity": part.quantity.to_string(), "amount": part.amount}))
                    .collect();
                parts.iter().map(|(_, p)| p.amount).sum()
            }
        };
        check_amount("amount", amount)?;
        if amount > refundable {
            let in_flight = tx.refundable() - refundable;
            return Err(CoreError::AmountExceeds(format!(
                "cannot refund {}: only {} is left to refund ({} captured, {} refunded{})",
                money(amount, &sale),
                money(refundable, &sale),
                money(tx.captured(), &sale),
                money(tx.refunded(), &sale),
                if in_flight > 0 {
                    format!(
                        ", {} still being processed by Dintero",
                        money(in_flight, &sale)
                    )
                } else {
                    String::new()
                }
            )));
        }
        if !matches!(spec, RefundSpec::Lines(_)) {
            (items, lines_json) = allocated_items(&sale, OpKind::Refund, amount);
        }
        let allowed = self.guard(Guarded::Refund { amount }, pin)?;
        let reference = next_reference(&sale, OpKind::Refund, &tx);
        let mut request = RefundRequest::new(amount, reference.clone());
        request.reason = reason.clone();
        request.items = items;
        self.run(
            &sale,
            Intent {
                amount: Some(amount),
                lines: lines_json,
                reason,
                actor: Some(allowed.actor().clone()),
                ..Intent::new(OpKind::Refund, reference, key)
            },
            async { self.inner.api.refund(&tx.id, &request).await },
        )
        .await
    }

    /// What refunding `lines` (line id, quantity) of sale `id` would give back, minor units,
    /// before it is asked: the amount [`Kasse::refund_once`] asks for these lines now.
    pub fn refund_preview(&self, id: &str, lines: &[(String, Quantity)]) -> Result<i64, CoreError> {
        let sale = self.find(id)?;
        Ok(refund_parts(&sale, lines)?
            .iter()
            .map(|(_, p)| p.amount)
            .sum())
    }

    /// Settles pending operations. With `all_ages`, also those still within the grace period
    /// (only when the caller knows nothing is in flight, e.g. sync after a restart is *not*
    /// such a case; tests and the crash suite use it after waiting).
    pub async fn reconcile_pending(&self, all_ages: bool) -> Result<u32, CoreError> {
        let mut settled = 0;
        for pending in self.inner.store.pending_operations()? {
            if self
                .reconcile(&pending.sale, &pending.operation, all_ages)
                .await?
            {
                settled += 1;
            }
        }
        Ok(settled)
    }
}

/// What is left for a new operation: Dintero's remaining amounts minus our operations that are
/// pending and not completed on `tx` (they may still happen).
fn room(sale: &Sale, tx: &Transaction) -> Room {
    let open = |kind: OpKind| {
        sale.pending_operations()
            .filter(|o| o.kind == kind && !matches!(trace_of(o, sale, tx), Trace::Completed(_)))
            .map(|o| o.amount.unwrap_or(0).max(0))
            .fold(0i64, i64::saturating_add)
    };
    let void_open = sale
        .pending_operations()
        .any(|o| o.kind == OpKind::Void && !matches!(trace_of(o, sale, tx), Trace::Completed(_)));
    Room {
        capturable: if void_open {
            0
        } else {
            tx.capturable().saturating_sub(open(OpKind::Capture)).max(0)
        },
        refundable: tx.refundable().saturating_sub(open(OpKind::Refund)).max(0),
    }
}

fn failure_message(reference: &str, tx: &Transaction) -> String {
    tx.events_with_reference(reference)
        .chain(tx.events.iter())
        .filter(|e| e.success == Some(false))
        .find_map(|e| e.error.as_ref().and_then(|err| err.message.clone()))
        .unwrap_or_else(|| "the operation failed at the payment provider".into())
}

/// The reference for the sale's next operation of `kind`: `{merchant_reference}-C1`, `-C2`, …
///
/// Unique among the sale's own operations *and* among the references already on the
/// transaction: another counter (or Dintero's backoffice) may have operated on the same payment
/// with the same scheme, and reconciliation takes an event with our reference as proof that
/// our operation happened.
fn next_reference(sale: &Sale, kind: OpKind, tx: &Transaction) -> String {
    let letter = match kind {
        OpKind::Capture => 'C',
        OpKind::Refund => 'R',
        OpKind::Void => 'V',
        OpKind::Cancel => 'X',
    };
    let taken = |r: &str| {
        sale.operations.iter().any(|o| o.reference == r)
            || tx
                .events
                .iter()
                .any(|e| e.event_reference.as_deref() == Some(r))
    };
    let mut n = sale.operations.iter().filter(|o| o.kind == kind).count() + 1;
    loop {
        let reference = format!("{}-{letter}{n}", sale.merchant_reference);
        if !taken(&reference) {
            return reference;
        }
        n += 1;
    }
}

fn check_amount(field: &str, amount: i64) -> Result<(), CoreError> {
    if amount <= 0 {
        return Err(CoreError::input(
            field,
            "must be greater than zero (in minor units, e.g. øre)",
        ));
    }
    if amount > i64::from(i32::MAX) {
        return Err(CoreError::input(field, "is larger than Dintero accepts"));
    }
    Ok(())
}

pub(crate) fn order_of(sale: &Sale) -> Option<PricedOrder> {
    serde_json::from_value(sale.order.clone()).ok()
}

fn money(amount: i64, sale: &Sale) -> String {
    format_minor_code(amount, &sale.currency)
}
