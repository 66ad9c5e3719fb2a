//! One request from a press or command: its key checked (a repeat gets the first result),
//! the sale settled and read, the intent logged (refused by the log when another writer was
//! first), the call made, and its outcome logged.

use super::*;
use crate::staff::Actor;

/// The values of one intent (see [`Kasse::run`]).
pub(super) struct Intent<'a> {
    pub(super) kind: OpKind,
    pub(super) amount: Option<i64>,
    pub(super) lines: Value,
    pub(super) reference: String,
    pub(super) reason: Option<String>,
    pub(super) key: &'a str,
    /// Who allowed it, for a guarded operation.
    pub(super) actor: Option<Actor>,
}

impl<'a> Intent<'a> {
    /// An intent of `kind` with `reference`, asked with `key`: no amount (all, or a void), no
    /// lines, no reason.
    pub(super) fn new(kind: OpKind, reference: String, key: &'a str) -> Intent<'a> {
        Intent {
            kind,
            amount: None,
            lines: Value::Null,
            reference,
            reason: None,
            key,
            actor: None,
        }
    }
}

/// What [`Kasse::prepare`] found.
pub(super) enum Prepared {
    /// The sale's turn, the sale and its transaction as read now.
    Ready(OperatingGuard, Sale, Box<Transaction>),
    /// The key was used before: this is that request's result.
    Replayed(Result<Sale, CoreError>),
}

impl Kasse {
    /// Takes the sale's turn, answers a repeated key with the first request's result, settles
    /// what is pending on the sale, and checks it may be operated on.
    pub(super) async fn prepare(&self, id: &str, key: &str) -> Result<Prepared, CoreError> {
        if key.trim().is_empty() {
            return Err(CoreError::input(
                "key",
                "an operation needs the idempotency key of the press or command that asked for it",
            ));
        }
        let turn = self.operating(&self.find(id)?.id).await;
        let mut sale = self.find(id)?;
        // Nothing is decided from a sale row changed outside Kasse (nor sent to Dintero).
        self.inner.store.check_sale(&sale.id)?;
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
        if let Some(op) = sale.outcome_unknown() {
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
    pub(super) async fn replay(&self, sale_id: &str, op_id: &str) -> Result<Sale, CoreError> {
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
    pub(super) async fn run(
        &self,
        sale: &Sale,
        intent: Intent<'_>,
        call: impl std::future::Future<Output = Result<OperationResponse, dintero_client::Error>>,
    ) -> Result<Sale, CoreError> {
        // A token first, so that the request leaves right after its intent is logged (the
        // grace for a lost answer is counted from the intent when a crash loses the answer).
        self.inner.api.ready_token().await?;
        let op_id = self.inner.ids.new_id();
        let basis = u32::try_from(sale.operations.len()).unwrap_or(u32::MAX);
        let requested = self.append(
            &sale.id,
            &LogEvent::OperationRequested {
                op_id: op_id.clone(),
                kind: intent.kind,
                amount: intent.amount,
                lines: intent.lines,
                reference: intent.reference.clone(),
                reason: intent.reason,
                key: Some(intent.key.to_owned()),
                basis: Some(basis),
                actor: intent.actor,
            },
        );
        let Intent {
            kind,
            amount,
            reference,
            ..
        } = intent;
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
                self.refused(&sale.id, op_id, &e)?;
                Err(e.into())
            }
        }
    }

    /// The log refused an intent: another writer (window, process, counter) got there first.
    pub(super) async fn refused_intent(
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
}
