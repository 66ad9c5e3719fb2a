//! Settling an operation from what Dintero shows: its trace on the transaction (completion by
//! request id or reference, or an initiation still in flight), the grace for a lost answer,
//! and the background re-reads that settle it without waiting for the next action.

use super::*;

/// How a transaction shows one of our operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Trace {
    /// Its completion event: `true` it happened, `false` it failed.
    Completed(bool),
    /// Accepted and not completed: the `request_id` of its `INITIATE_*` event.
    Initiated(Option<String>),
    /// No trace of it.
    None,
}

impl Kasse {
    /// Keeps re-reading a pending operation in the background so that it settles, and its sale
    /// shows the outcome, without waiting for the next action or sync: 250 ms, doubling up to
    /// 5 s, and every 30 s after two minutes. An operation Dintero accepted is followed until
    /// its completion is seen; a lost answer until it is decided (twice the grace).
    pub(crate) fn settle_later(&self, sale_id: &str, op_id: &str) {
        let kasse = self.clone();
        let (sale_id, op_id) = (sale_id.to_owned(), op_id.to_owned());
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let limit =
                kasse.inner.config.reconcile_grace * 2 + kasse.inner.api.longest_operation();
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
    pub(super) async fn reconcile(
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

pub(super) fn completion_name(
    kind: OpKind,
) -> Option<(TransactionEventName, TransactionEventName)> {
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
pub(super) fn trace_of(op: &Operation, sale: &Sale, tx: &Transaction) -> Trace {
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
pub(super) fn unclaimed_initiation(kind: OpKind, sale: &Sale, tx: &Transaction) -> bool {
    unclaimed_initiations(kind, sale, tx).next().is_some()
}

/// The `INITIATE_*` events of `kind` on `tx` that nothing completed yet and none of the sale's
/// operations claims (by request id or reference).
pub(super) fn unclaimed_initiations<'a>(
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
