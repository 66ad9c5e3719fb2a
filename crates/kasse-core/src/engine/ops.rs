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

/// How a transaction shows one of our operations.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trace {
    /// Its completion event: `true` it happened, `false` it failed.
    Completed(bool),
    /// Accepted and not completed: the `request_id` of its `INITIATE_*` event.
    Initiated(Option<String>),
    /// No trace of it.
    None,
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

    /// Voids an authorisation, as a new request (see [`Kasse::void_once`]).
    pub async fn void(&self, id: &str) -> Result<Sale, CoreError> {
        self.void_once(id, &self.inner.ids.new_id()).await
    }

    /// Refunds, as a new request (see [`Kasse::refund_once`]).
    pub async fn refund(
        &self,
        id: &str,
        spec: RefundSpec,
        reason: Option<String>,
    ) -> Result<Sale, CoreError> {
        self.refund_once(id, spec, reason, &self.inner.ids.new_id())
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
        let (_turn, sale, tx) = match self.prepare(id, key).await? {
            Prepared::Ready(turn, sale, tx) => (turn, sale, tx),
            Prepared::Replayed(result) => return result,
        };
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
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            Intent {
                kind: OpKind::Capture,
                amount: Some(amount),
                lines,
                reference,
                reason: None,
                key,
            },
            async move { kasse.inner.api.capture(&tid, &request).await },
        )
        .await
    }

    /// Voids the authorisation of a sale that has not been captured; `key` as for
    /// [`Kasse::capture_once`].
    pub async fn void_once(&self, id: &str, key: &str) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = match self.prepare(id, key).await? {
            Prepared::Ready(turn, sale, tx) => (turn, sale, tx),
            Prepared::Replayed(result) => return result,
        };
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
        let reference = next_reference(&sale, OpKind::Void, &tx);
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            Intent {
                kind: OpKind::Void,
                amount: None,
                lines: Value::Null,
                reference,
                reason: None,
                key,
            },
            async move { kasse.inner.api.void(&tid).await },
        )
        .await
    }

    /// Refunds a captured sale: everything, an amount, or chosen lines with quantities; `key`
    /// as for [`Kasse::capture_once`].
    pub async fn refund_once(
        &self,
        id: &str,
        spec: RefundSpec,
        reason: Option<String>,
        key: &str,
    ) -> Result<Sale, CoreError> {
        let (_turn, sale, tx) = match self.prepare(id, key).await? {
            Prepared::Ready(turn, sale, tx) => (turn, sale, tx),
            Prepared::Replayed(result) => return result,
        };
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
                // What is refunded, and what may still be (pending), is no longer there to give.
                let mut already = refunded_quantities(&sale);
                for (line, q) in pending_refund_quantities(&sale) {
                    let entry = already.entry(line).or_insert(Quantity::ZERO);
                    if let Some(sum) = entry.checked_add(q) {
                        *entry = sum;
                    }
                }
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
        let reference = next_reference(&sale, OpKind::Refund, &tx);
        let mut request = RefundRequest::new(amount, reference.clone());
        request.reason = reason.clone();
        request.items = items;
        let kasse = self.clone();
        let tid = tx.id.clone();
        self.run(
            &sale,
            Intent {
                kind: OpKind::Refund,
                amount: Some(amount),
                lines: lines_json,
                reference,
                reason,
                key,
            },
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

    /// Takes the sale's turn, answers a repeated key with the first request's result, settles
    /// what is pending on the sale, and checks it may be operated on.
    async fn prepare(&self, id: &str, key: &str) -> Result<Prepared, CoreError> {
        if key.trim().is_empty() {
            return Err(CoreError::input(
                "key",
                "an operation needs the idempotency key of the press or command that asked for it",
            ));
        }
        let turn = self.operating(&self.find(id)?.id).await;
        let mut sale = self.find(id)?;
        if let Some(op) = sale.operation_by_key(key) {
            return Ok(Prepared::Replayed(self.replay(&sale.id, &op.op_id).await));
        }
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
        if let Some(op) = sale
            .operations
            .iter()
            .find(|o| o.state.is_outcome_unknown())
        {
            return Err(CoreError::PendingOperation {
                kind: op.kind.to_string(),
            });
        }
        // This action was asked for while an earlier one had no known outcome, and that one
        // has just turned out to have happened: the request was made without knowing it (a
        // cashier pressing "refund" again after a lost answer), so it is not sent.
        if let Some(op) = pending
            .iter()
            .filter(|p| p.state.is_outcome_unknown())
            .filter_map(|p| sale.operation(&p.op_id))
            .find(|o| (o.applied == Some(true) || o.is_in_flight()) && o.kind != OpKind::Cancel)
        {
            return Err(CoreError::InvalidState(format!(
                "the earlier {} ({}) has just been confirmed by Dintero as {}, so nothing new was sent; check the sale and try again if more is needed",
                op.kind,
                op.reference,
                if op.is_in_flight() { "accepted" } else { "done" }
            )));
        }
        let tx = self.inner.api.get_transaction(&tid).await?;
        let sale = self.observe_transaction(&sale, &tx, "operation")?;
        // The same press may have reached another window or process, which logged its intent
        // (and sent it) while this one read: then the transaction shows that press's effect, and
        // this one must get its result, not fail its own checks against it.
        if let Some(op) = sale.operation_by_key(key) {
            return Ok(Prepared::Replayed(self.replay(&sale.id, &op.op_id).await));
        }
        Ok(Prepared::Ready(turn, sale, Box::new(tx)))
    }

    /// The result of the operation `op_id` for a request that repeats its key: what the first
    /// request got, without sending anything.
    async fn replay(&self, sale_id: &str, op_id: &str) -> Result<Sale, CoreError> {
        let sale = self.find(sale_id)?;
        let Some(op) = sale.operation(op_id).cloned() else {
            return Err(CoreError::NotFound(op_id.to_owned()));
        };
        tracing::info!(sale = %sale.id, op = %op.op_id, state = %op.state, "repeated request answered with the first one's result");
        match (op.state, op.applied) {
            (OpState::InFlight, _) | (_, Some(true)) => Ok(sale),
            (OpState::Requested | OpState::Unknown, _) => Err(CoreError::PendingOperation {
                kind: op.kind.to_string(),
            }),
            _ => Err(CoreError::InvalidState(format!(
                "this {} was already asked for and did not happen{}; nothing new was sent",
                op.kind,
                op.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ))),
        }
    }

    /// Runs one operation: intent, call, outcome (or unknown → reconcile).
    async fn run(
        &self,
        sale: &Sale,
        intent: Intent<'_>,
        call: impl std::future::Future<Output = Result<OperationResponse, dintero_client::Error>>,
    ) -> Result<Sale, CoreError> {
        let Intent {
            kind,
            amount,
            lines,
            reference,
            reason,
            key,
        } = intent;
        // A token first, so that the request leaves right after its intent is logged (the
        // grace for a lost answer is counted from the intent when a crash loses the answer).
        self.inner.api.ready_token().await?;
        let op_id = self.inner.ids.new_id();
        let basis = u32::try_from(sale.operations.len()).unwrap_or(u32::MAX);
        let requested = self.append(
            &sale.id,
            &LogEvent::OperationRequested {
                op_id: op_id.clone(),
                kind,
                amount,
                lines,
                reference: reference.clone(),
                reason,
                key: Some(key.to_owned()),
                basis: Some(basis),
            },
        );
        let sale = match requested {
            Ok(sale) => sale,
            Err(CoreError::Store(crate::store::StoreError::Rejected { source, .. })) => {
                return self.refused_intent(&sale.id, source).await;
            }
            Err(e) => return Err(e),
        };
        tracing::info!(sale = %sale.id, %kind, ?amount, %reference, "operation requested");
        match call.await {
            Ok(resp) => {
                let tx = &resp.transaction;
                let op = sale.operation(&op_id).cloned();
                let trace = op
                    .as_ref()
                    .map(|op| trace_of(op, &sale, tx))
                    .unwrap_or(Trace::None);
                let trace = match trace {
                    Trace::None if resp.accepted => Trace::Initiated(None),
                    t => t,
                };
                match trace {
                    Trace::Completed(true) => {
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationSucceeded {
                                op_id,
                                snapshot: snapshot(tx),
                            },
                        )?;
                        self.find(&sale.id)
                    }
                    Trace::Completed(false) => {
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
                    Trace::Initiated(seen) => {
                        // 202 Accepted: it will happen. In flight until its completion (matched
                        // by the request id) or failure is seen, however long that takes.
                        let request_id = resp.event_request_id.clone().or(seen);
                        tracing::info!(sale = %sale.id, op = %op_id, ?request_id, "operation accepted by Dintero; in flight");
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationAccepted {
                                op_id: op_id.clone(),
                                request_id,
                                snapshot: snapshot(tx),
                            },
                        )?;
                        self.settle_later(&sale.id, &op_id);
                        self.find(&sale.id)
                    }
                    Trace::None => {
                        // A 200 without a trace of the operation: settle it later by reading.
                        self.append_outcome(
                            &sale.id,
                            &LogEvent::OperationUnknown {
                                op_id: op_id.clone(),
                                message: "Dintero answered without a trace of the operation".into(),
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
                    Some((OpState::InFlight, _)) => {
                        self.settle_later(&sale.id, &op_id);
                        Ok(sale)
                    }
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

    /// The log refused an intent: another writer (window, process, counter) got there first.
    async fn refused_intent(
        &self,
        sale_id: &str,
        source: crate::sale::SaleError,
    ) -> Result<Sale, CoreError> {
        use crate::sale::SaleError as E;
        match source {
            // The same press reached the log through another window or process first.
            E::DuplicateKey { op_id, .. } => self.replay(sale_id, &op_id).await,
            E::OutcomePending { kind, .. } => Err(CoreError::PendingOperation {
                kind: kind.to_string(),
            }),
            E::StaleBasis { .. } | E::DuplicateReference { .. } => Err(CoreError::InvalidState(
                "another window or counter has just operated on this sale, so nothing was sent; look at the sale and try again".into(),
            )),
            other => Err(CoreError::Sale(other)),
        }
    }

    /// Keeps re-reading a pending operation in the background so that it settles, and its sale
    /// shows the outcome, without waiting for the next action or sync: 250 ms, doubling up to
    /// 5 s, and every 30 s after two minutes. An operation Dintero accepted is followed until
    /// its completion is seen; a lost answer until it is decided (twice the grace).
    pub(super) fn settle_later(&self, sale_id: &str, op_id: &str) {
        let kasse = self.clone();
        let (sale_id, op_id) = (sale_id.to_owned(), op_id.to_owned());
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let limit = kasse.inner.config.reconcile_grace * 2 + kasse.inner.api.longest_post();
            let mut delay = Duration::from_millis(250);
            loop {
                tokio::time::sleep(delay).await;
                let Ok(sale) = kasse.find(&sale_id) else {
                    return;
                };
                let Some(op) = sale.operation(&op_id).filter(|o| o.is_pending()).cloned() else {
                    return;
                };
                if !op.is_in_flight() && started.elapsed() >= limit {
                    return;
                }
                if let Err(e) = kasse.reconcile(&sale, &op, false).await {
                    tracing::warn!(sale = %sale_id, op = %op_id, error = %e, "background reconcile failed");
                }
                delay = if started.elapsed() >= Duration::from_secs(120) {
                    Duration::from_secs(30)
                } else {
                    (delay * 2).min(Duration::from_secs(5))
                };
            }
        });
    }

    /// Settles one pending operation by reading Dintero. Returns whether it was settled.
    ///
    /// In flight: settled only by its completion or failure event. Unknown: settled by its
    /// trace; without one, as not applied once nothing can still be on its way (the grace after
    /// the answer was lost, or after the longest the request could have taken when a crash lost
    /// it) and Dintero shows no accepted operation of its kind that could be it.
    async fn reconcile(
        &self,
        sale: &Sale,
        op: &Operation,
        all_ages: bool,
    ) -> Result<bool, CoreError> {
        if !op.is_pending() {
            return Ok(false);
        }
        if op.kind == OpKind::Cancel {
            let Some(sid) = &sale.session_id else {
                return Ok(false);
            };
            let session = self.inner.api.get_session(sid).await?;
            return self.settle(
                sale,
                op,
                Some(session.cancelled_at.is_some()),
                snapshot(&session),
                all_ages,
            );
        }
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
        match trace_of(op, sale, &tx) {
            Trace::Completed(applied) => self.settle(sale, op, Some(applied), snapshot(&tx), true),
            Trace::Initiated(request_id) => {
                if !op.is_in_flight() {
                    tracing::info!(sale = %sale.id, op = %op.op_id, ?request_id, "lost answer found accepted by Dintero; in flight");
                    self.append_outcome(
                        &sale.id,
                        &LogEvent::OperationAccepted {
                            op_id: op.op_id.clone(),
                            request_id,
                            snapshot: snapshot(&tx),
                        },
                    )?;
                }
                Ok(false)
            }
            Trace::None if op.is_in_flight() => Ok(false),
            Trace::None if unclaimed_initiation(op.kind, sale, &tx) => {
                // Dintero is processing an operation of this kind that no other operation of
                // ours claims: it may be this one, whose reference the event does not show.
                Ok(false)
            }
            Trace::None => self.settle(sale, op, None, snapshot(&tx), all_ages),
        }
    }

    /// Logs an operation's reconciled outcome: `applied` as traced, or (`None`, no trace) not
    /// applied once the grace is over (or `all_ages`).
    fn settle(
        &self,
        sale: &Sale,
        op: &Operation,
        applied: Option<bool>,
        snap: Value,
        all_ages: bool,
    ) -> Result<bool, CoreError> {
        let applied = match applied {
            Some(a) => a,
            None if all_ages || self.grace_over(op) => false,
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

    /// Whether an operation without a trace can no longer be on its way to Dintero: the grace
    /// has passed since its answer was lost (the request was over by then) or, when no answer
    /// was logged (a crash, or another process still waiting for it), since its intent: the
    /// request left right after it (the token was made ready first, and it is never sent again
    /// after a `401`), so it was over within the request timeout, which the grace is not
    /// shorter than ([`super::KasseConfig::check_against`]).
    fn grace_over(&self, op: &Operation) -> bool {
        let since = match op.state {
            OpState::Unknown => op.updated_at,
            _ => op.requested_at,
        };
        self.inner.clock.now() - since >= self.inner.config.reconcile_grace
    }
}

/// The values of one intent (see [`Kasse::run`]).
struct Intent<'a> {
    kind: OpKind,
    amount: Option<i64>,
    lines: Value,
    reference: String,
    reason: Option<String>,
    key: &'a str,
}

/// What [`Kasse::prepare`] found.
enum Prepared {
    /// The sale's turn, the sale and its transaction as read now.
    Ready(OperatingGuard, Sale, Box<Transaction>),
    /// The key was used before: this is that request's result.
    Replayed(Result<Sale, CoreError>),
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

fn completion_name(kind: OpKind) -> Option<(TransactionEventName, TransactionEventName)> {
    match kind {
        OpKind::Capture => Some((
            TransactionEventName::Capture,
            TransactionEventName::InitiateCapture,
        )),
        OpKind::Refund => Some((
            TransactionEventName::Refund,
            TransactionEventName::InitiateRefund,
        )),
        OpKind::Void => Some((
            TransactionEventName::Void,
            TransactionEventName::InitiateVoid,
        )),
        OpKind::Cancel => None,
    }
}

/// How `tx` shows the operation `op` of `sale`: by its request id once accepted (the completion
/// event's `correlation_request_id`), else by its reference (a completion event, or an
/// `INITIATE_*` event and whatever completes it), and for a void by the status.
fn trace_of(op: &Operation, sale: &Sale, tx: &Transaction) -> Trace {
    let Some((done, initiate)) = completion_name(op.kind) else {
        return Trace::None;
    };
    let completed_by = |request_id: &str| {
        tx.event_by_correlation_id(request_id)
            .filter(|e| e.event.as_ref() == Some(&done))
            .map(|e| Trace::Completed(e.success == Some(true)))
    };
    if let Some(rid) = &op.request_id {
        if let Some(t) = completed_by(rid) {
            return t;
        }
    }
    let mine: Vec<_> = tx.events_with_reference(&op.reference).collect();
    if mine
        .iter()
        .any(|e| e.event.as_ref() == Some(&done) && e.success == Some(true))
    {
        return Trace::Completed(true);
    }
    for e in mine.iter().filter(|e| e.event.as_ref() == Some(&initiate)) {
        if let Some(t) = e.request_id.as_deref().and_then(completed_by) {
            return t;
        }
    }
    if op.kind == OpKind::Void && tx.status == TransactionStatus::AuthorizationVoided {
        return Trace::Completed(true);
    }
    if mine
        .iter()
        .any(|e| e.event.as_ref() == Some(&done) && e.success == Some(false))
    {
        return Trace::Completed(false);
    }
    if let Some(e) = mine
        .iter()
        .rev()
        .find(|e| e.event.as_ref() == Some(&initiate) && e.success != Some(false))
    {
        return Trace::Initiated(e.request_id.clone());
    }
    if op.is_in_flight() {
        return Trace::Initiated(op.request_id.clone());
    }
    if op.kind == OpKind::Void && sale.transaction_id.as_deref() == Some(tx.id.as_str()) {
        // A void carries no reference: a failed VOID after the intent is this one's failure.
        if tx.last_event(TransactionEventName::Void).is_some_and(|e| {
            e.success == Some(false) && e.created_at.is_none_or(|t| t >= op.requested_at)
        }) {
            return Trace::Completed(false);
        }
    }
    // An accepted operation of this kind and amount that no other operation of the sale claims
    // and whose event does not carry a reference (a void never does): this one, whose `202`
    // was lost. Followed by its request id from now on.
    if let Some(e) = unclaimed_initiations(op.kind, sale, tx)
        .find(|e| op.kind == OpKind::Void || (e.amount.is_some() && e.amount == op.amount))
    {
        if e.event_reference.is_none() {
            return Trace::Initiated(e.request_id.clone());
        }
    }
    Trace::None
}

/// Whether `tx` shows an accepted, uncompleted operation of `kind` that none of the sale's
/// operations claims (by request id or reference).
fn unclaimed_initiation(kind: OpKind, sale: &Sale, tx: &Transaction) -> bool {
    unclaimed_initiations(kind, sale, tx).next().is_some()
}

/// The `INITIATE_*` events of `kind` on `tx` that nothing completed yet and none of the sale's
/// operations claims (by request id or reference).
fn unclaimed_initiations<'a>(
    kind: OpKind,
    sale: &'a Sale,
    tx: &'a Transaction,
) -> impl Iterator<Item = &'a dintero_client::TransactionEvent> + 'a {
    let (done, initiate) = match completion_name(kind) {
        Some((done, initiate)) => (Some(done), Some(initiate)),
        None => (None, None),
    };
    tx.events
        .iter()
        .filter(move |e| initiate.is_some() && e.event == initiate && e.success != Some(false))
        .filter(move |e| {
            e.request_id.as_deref().is_none_or(|rid| {
                !tx.events
                    .iter()
                    .any(|c| c.event == done && c.correlation_request_id.as_deref() == Some(rid))
            })
        })
        .filter(move |e| {
            !sale.operations.iter().any(|o| {
                (o.request_id.is_some() && o.request_id == e.request_id)
                    || e.event_reference.as_deref() == Some(o.reference.as_str())
            })
        })
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

/// Minor units of each line that the sale's operations of `kind` took, or may still take
/// (pending ones count).
fn line_amounts(sale: &Sale, kind: OpKind) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for op in sale
        .operations
        .iter()
        .filter(|o| o.kind == kind && (o.applied == Some(true) || o.is_pending()))
    {
        for l in op.lines.as_array().into_iter().flatten() {
            if let (Some(id), Some(a)) = (l["line_id"].as_str(), l["amount"].as_i64()) {
                let entry = out.entry(id.to_owned()).or_default();
                *entry = entry.saturating_add(a.max(0));
            }
        }
    }
    out
}

/// `amount` spread over the order's lines ([`crate::allocate`]) as Dintero items, and the
/// lines as the operation logs them; none for a sale without order lines (imported) or, with a
/// warning, when the lines cannot take it (operations from before lines were logged).
fn allocated_items(
    sale: &Sale,
    kind: OpKind,
    amount: i64,
) -> (Vec<dintero_client::OrderItem>, Value) {
    let Some(order) = order_of(sale) else {
        return (Vec::new(), Value::Null);
    };
    match crate::allocate::allocate(&order, &line_amounts(sale, kind), amount) {
        Ok(parts) => {
            let items = parts
                .iter()
                .map(|(line, part)| payload::part_item(line, part))
                .collect();
            let lines = parts
                .iter()
                .map(|(line, part)| {
                    json!({"line_id": line.line_id, "quantity": part.quantity.to_string(), "amount": part.amount})
                })
                .collect();
            (items, Value::Array(lines))
        }
        Err(e) => {
            tracing::warn!(sale = %sale.id, %kind, error = %e, "amount not spread over lines; sent without items");
            (Vec::new(), Value::Null)
        }
    }
}

/// Quantities refunded per line, from the sale's refund operations that happened.
pub fn refunded_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    refund_quantities(sale, |op| op.applied == Some(true))
}

/// Quantities per line of the sale's refunds that are still pending (in flight at Dintero, or
/// with an unknown outcome): not refunded yet, but not to be refunded again either.
pub fn pending_refund_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    refund_quantities(sale, Operation::is_pending)
}

fn refund_quantities(
    sale: &Sale,
    counts: impl Fn(&Operation) -> bool,
) -> BTreeMap<String, Quantity> {
    let mut out: BTreeMap<String, Quantity> = BTreeMap::new();
    for op in &sale.operations {
        if op.kind != OpKind::Refund || !counts(op) {
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
