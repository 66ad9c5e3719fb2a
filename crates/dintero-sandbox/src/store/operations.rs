//! Capture, refund and void, synchronous or accepted (202) and completed later, as the
//! payment product's [`Behaviour`] says (see `crate::behaviour` for the rules followed).

use serde_json::{json, Value};

use super::*;

/// The `items` of a capture/refund: `None` for none (absent or `[]`); refused when the
/// product requires them or a `line_id` is not on the transaction.
fn operation_items(
    tx: &Transaction,
    items: Option<Vec<Value>>,
    behaviour: &Behaviour,
) -> Result<Option<Vec<Value>>, ApiError> {
    let items = items.filter(|i| !i.is_empty());
    let Some(items) = items else {
        if behaviour.requires_items {
            let message = format!("items are required for {}", tx.payment_product_type);
            let mut e = ApiError::invalid_request(message.clone());
            e.errors
                .push(json!({ "path": "items", "message": message }));
            return Err(e);
        }
        return Ok(None);
    };
    for (i, item) in items.iter().enumerate() {
        let line_id = item.get("line_id").and_then(Value::as_str).unwrap_or("");
        let known = tx
            .items
            .iter()
            .any(|t| t.get("line_id").and_then(Value::as_str) == Some(line_id));
        if !known {
            return Err(ApiError::field(
                &format!("items[{i}].line_id"),
                &format!("{line_id:?} is not a line of transaction {}", tx.id),
            ));
        }
    }
    Ok(Some(items))
}

/// `correction` of a failed event (dintero-api.md §8.1): where the transaction stands.
fn correction(tx: &Transaction) -> Value {
    json!({
        "status": tx.status,
        "remaining_capture_amount": tx.sim.ledger.capturable(),
        "remaining_refund_amount": tx.sim.ledger.refundable(),
        "remaining_void_amount": tx.sim.ledger.capturable(),
    })
}

impl Store {
    /// `POST /v1/transactions/{id}/capture|refund|void`. `roll(p)` is true with chance `p`
    /// (the seeded generator deciding whether an asynchronous completion fails).
    pub fn operate(
        &mut self,
        id: &str,
        now: Millis,
        req: OperationRequest,
        caller: Caller<'_>,
        roll: &mut dyn FnMut(f64) -> bool,
    ) -> Result<Operated, ApiError> {
        let tx = self.transaction_or_404(id)?;
        let behaviour = self.behaviours.resolve(tx.payment_product_type);
        let (operation, body, times_out) = match req {
            OperationRequest::Capture(b) => (
                Operation::Capture {
                    amount: b.amount,
                    final_capture: b.final_capture,
                },
                Some(b),
                TimesOut::Capture,
            ),
            OperationRequest::Refund(b) => (
                Operation::Refund { amount: b.amount },
                Some(b),
                TimesOut::Refund,
            ),
            OperationRequest::Void => (Operation::Void, None, TimesOut::Void),
        };
        let (reference, items, metadata) = match body {
            Some(b) => (
                b.reference,
                operation_items(tx, b.items, &behaviour)?,
                b.metadata,
            ),
            None => (None, None, None),
        };
        // Allowed now and once every in-flight operation has completed.
        let vapc = machine::allows_void_after_partial_capture(tx.payment_product_type);
        let (p_status, p_ledger) = tx.projected();
        machine::apply(p_status, &p_ledger, operation, vapc)?;
        let outcome = machine::apply(tx.status, &tx.sim.ledger, operation, vapc)?;
        let event_reference = match operation {
            Operation::Void => None,
            _ => reference.or_else(|| tx.sim.default_event_reference.clone()),
        };
        let event = TxEvent {
            amount: Some(outcome.event_amount),
            items,
            event_reference,
            metadata,
            created_by: caller.client_id.map(str::to_owned),
            request_headers: system_headers(caller.headers),
            ..TxEvent::new(
                self.ids.uuid(),
                operation.event_name(),
                outcome.status,
                self.ids.uuid(),
                now,
            )
        };
        let tx = self.transactions.get_mut(id).expect("checked");
        if tx.sim.times_out == Some(times_out) {
            let mut failed = event;
            failed.success = false;
            failed.transaction_status = tx.status;
            failed.error = Some(json!({
                "message": format!("{} timed out at the processor", operation.event_name()),
                "type": ["ERROR"],
            }));
            tx.events.push(failed);
            tx.updated_at = now;
            return Err(ApiError::processor_unavailable(format!(
                "The payment processor did not answer the {} in time; the transaction is unchanged",
                operation.event_name().to_ascii_lowercase()
            )));
        }
        if let Some(a) = behaviour.async_operations {
            let p = a.fail_probability;
            let fails = p >= 1.0 || (p > 0.0 && roll(p));
            let delay = i64::try_from(a.delay.as_millis()).unwrap_or(i64::MAX);
            return Ok(self.accept(id, now, operation, event, now.saturating_add(delay), fails));
        }
        let callbacks = self.commit(id, now, operation, event, outcome);
        let tx = &self.transactions[id];
        Ok(Operated::Done {
            transaction: self.tx_json(tx, TxView::default()),
            callbacks,
        })
    }

    /// Accept with 202: the `INITIATE_*` event now, the final event at `due`.
    fn accept(
        &mut self,
        id: &str,
        now: Millis,
        operation: Operation,
        final_event: TxEvent,
        due: Millis,
        fails: bool,
    ) -> Operated {
        let request_id = self.ids.uuid();
        let initiate_id = self.ids.uuid();
        let tx = self.transactions.get_mut(id).expect("caller checked");
        let mut final_event = final_event;
        final_event.correlation_request_id = Some(request_id.clone());
        let name = match operation {
            Operation::Capture { .. } => "INITIATE_CAPTURE",
            Operation::Refund { .. } => "INITIATE_REFUND",
            Operation::Void => "INITIATE_VOID",
        };
        tx.events.push(TxEvent {
            amount: final_event.amount,
            items: final_event.items.clone(),
            event_reference: final_event.event_reference.clone(),
            metadata: final_event.metadata.clone(),
            created_by: final_event.created_by.clone(),
            request_headers: final_event.request_headers.clone(),
            ..TxEvent::new(initiate_id, name, tx.status, request_id.clone(), now)
        });
        tx.updated_at = now;
        tx.sim.pending.push(PendingOperation {
            request_id: request_id.clone(),
            operation,
            event: final_event,
            fails,
        });
        let tx = &self.transactions[id];
        Operated::Accepted {
            transaction: self.tx_json(tx, TxView::default()),
            request_id,
            due,
        }
    }

    fn commit(
        &mut self,
        id: &str,
        now: Millis,
        operation: Operation,
        event: TxEvent,
        outcome: machine::Outcome,
    ) -> Vec<CallbackJob> {
        let release = (outcome.released > 0).then(|| (self.ids.uuid(), self.ids.uuid()));
        let tx = self.transactions.get_mut(id).expect("caller checked");
        tx.sim.ledger = outcome.ledger;
        tx.status = outcome.status;
        tx.updated_at = now;
        let event_id = event.id.clone();
        let created_by = event.created_by.clone();
        let headers = event.request_headers.clone();
        tx.events.push(event);
        if let Some((rid, req)) = release {
            // final_capture: the rest of the authorization is released, shown as a VOID event.
            tx.events.push(TxEvent {
                amount: Some(outcome.released),
                created_by,
                request_headers: headers,
                ..TxEvent::new(rid, "VOID", outcome.status, req, now)
            });
        }
        let tx = &self.transactions[id];
        self.callback_for(
            tx,
            Trigger::Event {
                name: operation.event_name(),
                event_id: &event_id,
            },
        )
        .into_iter()
        .collect()
    }

    /// Complete an operation accepted with 202: its final event, successful unless it was
    /// drawn to fail or is no longer allowed (then failed, with a `correction`).
    pub fn complete_pending(
        &mut self,
        id: &str,
        request_id: &str,
        now: Millis,
    ) -> Vec<CallbackJob> {
        let Some(tx) = self.transactions.get_mut(id) else {
            return Vec::new();
        };
        let Some(pos) = tx
            .sim
            .pending
            .iter()
            .position(|p| p.request_id == request_id)
        else {
            return Vec::new();
        };
        let pending = tx.sim.pending.remove(pos);
        let mut event = pending.event;
        event.created_at = now;
        let vapc = machine::allows_void_after_partial_capture(tx.payment_product_type);
        let error = match machine::apply(tx.status, &tx.sim.ledger, pending.operation, vapc) {
            Ok(_) if pending.fails => json!({
                "message": format!(
                    "The {} failed at the payment processor",
                    pending.operation.event_name().to_ascii_lowercase()
                ),
                "type": ["ERROR"],
            }),
            Ok(outcome) => {
                event.transaction_status = outcome.status;
                return self.commit(id, now, pending.operation, event, outcome);
            }
            Err(refusal) => {
                let e = ApiError::from(refusal);
                json!({"code": e.code, "message": e.message, "type": ["ERROR"]})
            }
        };
        event.success = false;
        event.transaction_status = tx.status;
        event.error = Some(error);
        event.correction = Some(correction(tx));
        tx.events.push(event);
        tx.updated_at = now;
        Vec::new()
    }
}
