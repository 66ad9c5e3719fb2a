//! Capture, void, refund and cancel — each written as an intent before the call, its outcome
//! after — and the reconciliation that settles an outcome that was lost.
//!
//! The rule that keeps money safe: an operation whose outcome is unknown blocks every new
//! operation on its sale until the transaction has been re-read and the operation's reference
//! found (it happened) or, after [`super::KasseConfig::reconcile_grace`], not found (it did not).

use std::collections::BTreeMap;
use std::time::Duration;

use dintero_client::{
    CaptureRequest, OperationResponse, RefundRequest, Transaction, TransactionEventName,
    TransactionStatus,
};
use serde_json::{json, Value};

use super::payload;
use super::watch::snapshot;
use super::{Kasse, OperatingGuard};
use crate::error::CoreError;
use crate::money::{format_minor_code, Quantity};
use crate::order::PricedOrder;
use crate::sale::{LogEvent, OpKind, OpState, Operation, Sale, SaleStatus};

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

impl Kasse {
    /// Captures `amount` (or everything capturable) of an authorised sale.
    pub async fn capture(&self, id: &str, amount: Option<i64>) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = self.prepare(id).await?;
        let capturable = tx.capturable();
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
        if amount == tx.amount {
            if let Some(order) = order_of(&sale) {
                request.items = order.lines.iter().map(payload::item).collect();
            }
        }
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            OpKind::Capture,
            Some(amount),
            Value::Null,
            reference,
            None,
            async move { kasse.inner.api.capture(&tid, &request).await },
        )
        .await
    }

    /// Voids the authorisation of a sale that has not been captured.
    pub async fn void(&self, id: &str) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = self.prepare(id).await?;
        if tx.status != TransactionStatus::Authorized {
            return Err(CoreError::InvalidState(format!(
                "only an authorised, uncaptured payment can be voided; this sale is {} (refund it instead)",
                sale.status
            )));
        }
        let reference = next_reference(&sale, OpKind::Void, &tx);
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            OpKind::Void,
            None,
            Value::Null,
            reference,
            None,
            async move { kasse.inner.api.void(&tid).await },
        )
        .await
    }

    /// Refunds a captured sale: everything, an amount, or chosen lines with quantities.
    pub async fn refund(
        &self,
        id: &str,
        spec: RefundSpec,
        reason: Option<String>,
    ) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = self.prepare(id).await?;
        let refundable = tx.refundable();
        if refundable <= 0 {
            return Err(CoreError::InvalidState(format!(
                "nothing to refund: the sale is {} with {} captured and {} refunded",
                sale.status,
                money(tx.captured(), &sale),
                money(tx.refunded(), &sale)
            )));
        }
        let mut items = Vec::new();
        let mut lines_json = Value::Null;
        let amount = match &spec {
            RefundSpec::Full => refundable,
            RefundSpec::Amount(a) => *a,
            RefundSpec::Lines(lines) => {
                if lines.is_empty() {
                    return Err(CoreError::input(
                        "lines",
                        "choose at least one line to refund",
                    ));
                }
                let order = order_of(&sale).ok_or_else(|| {
                    CoreError::input(
                        "lines",
                        "this sale has no order lines in the log (imported); refund an amount instead",
                    )
                })?;
                let mut already = refunded_quantities(&sale);
                let mut total = 0i64;
                let mut chosen = Vec::new();
                for (line_id, qty) in lines {
                    let line = order.line(line_id).ok_or_else(|| {
                        CoreError::input(
                            format!("lines[{line_id}]"),
                            format!(
                                "the sale has no line {line_id} (it has lines 1 to {})",
                                order.lines.len()
                            ),
                        )
                    })?;
                    let before = already.get(line_id).copied().unwrap_or(Quantity::ZERO);
                    let part = line.part(before, *qty)?;
                    if let Some(after) = before.checked_add(*qty) {
                        already.insert(line_id.clone(), after);
                    }
                    total += part.amount;
                    items.push(payload::part_item(line, &part));
                    chosen.push(json!({"line_id": line_id, "quantity": qty.to_string(), "amount": part.amount}));
                }
                lines_json = Value::Array(chosen);
                total
            }
        };
        check_amount("amount", amount)?;
        if amount > refundable {
            return Err(CoreError::AmountExceeds(format!(
                "cannot refund {}: only {} is left to refund ({} captured, {} refunded)",
                money(amount, &sale),
                money(refundable, &sale),
                money(tx.captured(), &sale),
                money(tx.refunded(), &sale)
            )));
        }
        let reference = next_reference(&sale, OpKind::Refund, &tx);
        let mut request = RefundRequest::new(amount, reference.clone());
        request.reason = reason.clone();
        request.items = items;
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            OpKind::Refund,
            Some(amount),
            lines_json,
            reference,
            reason,
            async move { kasse.inner.api.refund(&tid, &request).await },
        )
        .await
    }

    /// Cancels a sale that is still waiting for the customer. If a payment slipped through,
    /// the sale shows it (authorised → void it; captured → refund it).
    pub async fn cancel(&self, id: &str) -> Result<Sale, CoreError> {
        let _turn = self.operating(&self.find(id)?.id).await;
        let sale = self.find(id)?;
        if !sale.is_open() {
            return Err(CoreError::InvalidState(format!(
                "the sale is already {}; {}",
                sale.status,
                match sale.status {
                    SaleStatus::Authorized => "void it to release the money",
                    s if s.is_paid() => "refund it to give the money back",
                    _ => "there is nothing to cancel",
                }
            )));
        }
        if sale.session_id.is_none() {
            return Err(CoreError::InvalidState(
                "the checkout was never created, so there is nothing to cancel at Dintero".into(),
            ));
        }
        let session = match self
            .cancel_session_logged(&sale, "cancelled at the counter")
            .await
        {
            Ok(session) => session,
            Err(e) => {
                // Dintero refuses to cancel a session whose payment went further than it can
                // undo (e.g. captured at once): show that payment rather than only the refusal.
                self.check_now(&sale.id);
                return match self.surface_payment(&sale.id, None).await {
                    Ok(Some(sale)) => Ok(sale),
                    _ => Err(e),
                };
            }
        };
        if let Some(sale) = self.surface_payment(&sale.id, session).await? {
            return Ok(sale);
        }
        self.check_now(&sale.id);
        self.find(&sale.id)
    }

    /// After a cancel: if the session has a transaction, logs it with its true status (and a
    /// note when it is paid, so the cashier refunds or voids it) and returns the sale. `session`
    /// is the session as the cancel returned it; `None` reads it.
    async fn surface_payment(
        &self,
        sale_id: &str,
        session: Option<dintero_client::Session>,
    ) -> Result<Option<Sale>, CoreError> {
        let sale = self.find(sale_id)?;
        let session = match session {
            Some(s) => s,
            None => match &sale.session_id {
                Some(sid) => self.inner.api.get_session(sid).await?,
                None => return Ok(None),
            },
        };
        let Some(tid) = session.transaction_id.or(sale.transaction_id.clone()) else {
            return Ok(None);
        };
        let tx = self.inner.api.get_transaction(&tid).await?;
        let after = self.observe_transaction(&sale, &tx, "operation")?;
        if after.status.is_paid() {
            let what = if after.status == SaleStatus::Authorized {
                "void"
            } else {
                "refund"
            };
            self.append(
                &sale.id,
                &LogEvent::Note {
                    text: format!(
                        "the customer paid before the cancel reached Dintero; {what} this payment"
                    ),
                },
            )?;
        }
        self.find(&sale.id).map(Some)
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

    /// Reads the sale fresh, settles what is pending on it, and checks it may be operated on.
    async fn prepare(&self, id: &str) -> Result<(OperatingGuard, Sale, Transaction), CoreError> {
        let turn = self.operating(&self.find(id)?.id).await;
        let mut sale = self.find(id)?;
        if sale.transaction_id.is_none() && sale.is_open() {
            // Paid while nobody was watching (the watcher of the process that charged is gone,
            // or has not looked yet): one look now finds the payment.
            sale = self.refresh(&sale.id).await?;
        }
        let tid = sale.transaction_id.clone().ok_or_else(|| {
            CoreError::InvalidState(format!(
                "the sale is {} and has no payment yet, so there is nothing to capture, void or refund",
                sale.status
            ))
        })?;
        let pending: Vec<Operation> = sale.pending_operations().cloned().collect();
        for op in &pending {
            self.reconcile(&sale, op, false).await?;
        }
        let sale = self.find(id)?;
        if let Some(op) = sale.pending_operations().next() {
            return Err(CoreError::PendingOperation {
                kind: op.kind.to_string(),
            });
        }
        // This action was asked for while an earlier one had no known outcome, and that one
        // has just turned out to have happened: the request was made without knowing it (a
        // cashier pressing "refund" again after a lost answer), so it is not sent.
        if let Some(op) = pending
            .iter()
            .filter_map(|p| sale.operation(&p.op_id))
            .find(|o| o.applied == Some(true) && o.kind != OpKind::Cancel)
        {
            return Err(CoreError::InvalidState(format!(
                "the earlier {} ({}) has just been confirmed by Dintero as done, so nothing new was sent; check the sale and try again if more is needed",
                op.kind, op.reference
            )));
        }
        let tx = self.inner.api.get_transaction(&tid).await?;
        let sale = self.observe_transaction(&sale, &tx, "operation")?;
        Ok((turn, sale, tx))
    }

    /// Runs one operation: intent, call, outcome (or unknown → reconcile).
    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        sale: &Sale,
        kind: OpKind,
        amount: Option<i64>,
        lines: Value,
        reference: String,
        reason: Option<String>,
        call: impl std::future::Future<Output = Result<OperationResponse, dintero_client::Error>>,
    ) -> Result<Sale, CoreError> {
        let op_id = self.inner.ids.new_id();
        let sale = self.append(
            &sale.id,
            &LogEvent::OperationRequested {
                op_id: op_id.clone(),
                kind,
                amount,
                lines,
                reference: reference.clone(),
                reason,
            },
        )?;
        tracing::info!(sale = %sale.id, %kind, ?amount, %reference, "operation requested");
        match call.await {
            Ok(resp) => {
                let tx = &resp.transaction;
                match applied_in(kind, &reference, tx) {
                    Some(true) => {
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationSucceeded {
                                op_id,
                                snapshot: snapshot(tx),
                            },
                        )?;
                        self.find(&sale.id)
                    }
                    Some(false) => {
                        let message = failure_message(&reference, tx);
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationFailed {
                                op_id,
                                code: "declined".into(),
                                message: message.clone(),
                            },
                        )?;
                        self.observe_transaction(&self.find(&sale.id)?, tx, "operation")?;
                        Err(CoreError::InvalidState(format!(
                            "Dintero did not carry out the {kind}: {message}"
                        )))
                    }
                    None => {
                        // 202 Accepted or no trace yet: settle it later by reference.
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationUnknown {
                                op_id: op_id.clone(),
                                message: if resp.accepted {
                                    "accepted by Dintero, still processing".into()
                                } else {
                                    "Dintero answered without a trace of the operation".into()
                                },
                            },
                        )?;
                        self.settle_later(&sale.id, &op_id);
                        self.find(&sale.id)
                    }
                }
            }
            Err(e) if e.is_outcome_uncertain() => {
                let message = e.to_string();
                self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationUnknown {
                        op_id: op_id.clone(),
                        message: message.clone(),
                    },
                )?;
                let sale = self.find(&sale.id)?;
                if let Some(op) = sale.operation(&op_id).cloned() {
                    // Best effort: a read that fails leaves the operation pending.
                    if let Err(re) = self.reconcile(&sale, &op, false).await {
                        tracing::warn!(error = %re, "reconcile after an unknown outcome failed");
                    }
                }
                let sale = self.find(&sale.id)?;
                match sale.operation(&op_id).map(|o| (o.state, o.applied)) {
                    Some((OpState::Reconciled, Some(true))) => Ok(sale),
                    Some((OpState::Reconciled, _)) => Err(CoreError::Dintero(e)),
                    _ => {
                        self.settle_later(&sale.id, &op_id);
                        Err(CoreError::OutcomeUnknown(message))
                    }
                }
            }
            Err(e) => {
                self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationFailed {
                        op_id,
                        code: e.code().unwrap_or("dintero").to_owned(),
                        message: e.to_string(),
                    },
                )?;
                Err(e.into())
            }
        }
    }

    /// Keeps re-reading a pending operation in the background (250 ms, doubling up to 5 s, for
    /// at most twice the grace) so that it settles, and its sale shows the outcome, without
    /// waiting for the next action or sync: a 202 completes in moments, and a lost answer is
    /// decided once the grace is over.
    pub(super) fn settle_later(&self, sale_id: &str, op_id: &str) {
        let kasse = self.clone();
        let (sale_id, op_id) = (sale_id.to_owned(), op_id.to_owned());
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let limit = kasse.inner.config.reconcile_grace * 2;
            let mut delay = Duration::from_millis(250);
            while started.elapsed() < limit {
                tokio::time::sleep(delay).await;
                let Ok(sale) = kasse.find(&sale_id) else {
                    return;
                };
                let Some(op) = sale.operation(&op_id).filter(|o| o.is_pending()).cloned() else {
                    return;
                };
                if let Err(e) = kasse.reconcile(&sale, &op, false).await {
                    tracing::warn!(sale = %sale_id, op = %op_id, error = %e, "background reconcile failed");
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }

    /// Settles one pending operation by reading Dintero. Returns whether it was settled.
    async fn reconcile(
        &self,
        sale: &Sale,
        op: &Operation,
        all_ages: bool,
    ) -> Result<bool, CoreError> {
        if !op.is_pending() {
            return Ok(false);
        }
        let (applied, snap) = if op.kind == OpKind::Cancel {
            let Some(sid) = &sale.session_id else {
                return Ok(false);
            };
            let session = self.inner.api.get_session(sid).await?;
            (Some(session.cancelled_at.is_some()), snapshot(&session))
        } else {
            let Some(tid) = &sale.transaction_id else {
                // No payment: nothing can have been captured, refunded or voided.
                let settled = self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationReconciled {
                        op_id: op.op_id.clone(),
                        applied: false,
                        snapshot: Value::Null,
                    },
                )?;
                return Ok(settled.is_some());
            };
            let tx = self.inner.api.get_transaction(tid).await?;
            (applied_in(op.kind, &op.reference, &tx), snapshot(&tx))
        };
        let age = self.inner.clock.now() - op.requested_at;
        let grace_over = age >= self.inner.config.reconcile_grace;
        let applied = match applied {
            Some(a) => a,
            None if all_ages || grace_over => false,
            None => return Ok(false),
        };
        tracing::info!(sale = %sale.id, op = %op.op_id, applied, "operation reconciled");
        let settled = self.append_outcome(
            &sale.id,
            &LogEvent::OperationReconciled {
                op_id: op.op_id.clone(),
                applied,
                snapshot: snap,
            },
        )?;
        Ok(settled.is_some())
    }
}

/// Whether the transaction shows the operation: `Some(true)` done, `Some(false)` tried and
/// failed, `None` no trace (yet).
fn applied_in(kind: OpKind, reference: &str, tx: &Transaction) -> Option<bool> {
    match kind {
        OpKind::Capture | OpKind::Refund => {
            let events: Vec<_> = tx.events_with_reference(reference).collect();
            let wanted = if kind == OpKind::Capture {
                TransactionEventName::Capture
            } else {
                TransactionEventName::Refund
            };
            if events
                .iter()
                .any(|e| e.event.as_ref() == Some(&wanted) && e.success == Some(true))
            {
                Some(true)
            } else if events.iter().any(|e| e.success == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        OpKind::Void => {
            if tx.status == TransactionStatus::AuthorizationVoided {
                Some(true)
            } else if tx
                .last_event(TransactionEventName::Void)
                .is_some_and(|e| e.success == Some(false))
            {
                Some(false)
            } else {
                None
            }
        }
        OpKind::Cancel => None,
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

/// Quantities already refunded per line, from the sale's successful refund operations.
pub fn refunded_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    let mut out: BTreeMap<String, Quantity> = BTreeMap::new();
    for op in &sale.operations {
        if op.kind != OpKind::Refund || (op.applied != Some(true) && !op.is_pending()) {
            continue;
        }
        let Some(lines) = op.lines.as_array() else {
            continue;
        };
        for l in lines {
            let (Some(id), Some(q)) = (l["line_id"].as_str(), l["quantity"].as_str()) else {
                continue;
            };
            let Ok(q) = q.parse::<Quantity>() else {
                continue;
            };
            let entry = out.entry(id.to_owned()).or_insert(Quantity::ZERO);
            if let Some(sum) = entry.checked_add(q) {
                *entry = sum;
            }
        }
    }
    out
}

fn money(amount: i64, sale: &Sale) -> String {
    format_minor_code(amount, &sale.currency)
}
