//! Capture, refund and void, synchronous or accepted (202) and completed later.

use serde_json::{json, Value};

use super::*;

impl Store {
    /// `POST /v1/transactions/{id}/capture|refund|void`.
    pub fn operate(
        &mut self,
        id: &str,
        now: Millis,
        req: OperationRequest,
        caller: Caller<'_>,
        accept_async: bool,
    ) -> Result<Operated, ApiError> {
        let tx = self
            .transactions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Transaction", id))?;
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
        if let Some(items) = body.as_ref().and_then(|b| b.items.as_ref()) {
            for (i, item) in items.iter().enumerate() {
                let line_id = item.get("line_id").and_then(Value::as_str).unwrap_or("");
                let known = tx
                    .items
                    .iter()
                    .any(|t| t.get("line_id").and_then(Value::as_str) == Some(line_id));
                if !known {
                    return Err(ApiError::field(
                        &format!("items[{i}].line_id"),
                        &format!("{line_id:?} is not a line of transaction {id}"),
                    ));
                }
            }
        }
        let (status, ledger) = if accept_async {
            tx.projected()
        } else {
            (tx.status, tx.ledger)
        };
        let vapc = machine::allows_void_after_partial_capture(tx.payment_product_type);
        let outcome = machine::apply(status, &ledger, operation, vapc)?;
        let is_void = matches!(operation, Operation::Void);
        let event_reference = if is_void {
            None
        } else {
            body.as_ref()
                .and_then(|b| b.reference.clone())
                .or_else(|| tx.default_event_reference.clone())
        };
        let (items, metadata) = match body {
            Some(b) => (b.items, b.metadata),
            None => (None, None),
        };
        let event = TxEvent {
            id: self.ids.uuid(),
            event: operation.event_name(),
            transaction_status: outcome.status,
            success: true,
            amount: Some(outcome.event_amount),
            items,
            event_reference,
            metadata,
            created_at: now,
            created_by: caller.client_id.map(str::to_owned),
            request_id: self.ids.uuid(),
            correlation_request_id: None,
            request_headers: system_headers(caller.headers),
            error: None,
        };
        let tx = self.transactions.get_mut(id).expect("checked");
        if tx.times_out == Some(times_out) {
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
        if accept_async {
            let request_id = self.ids.uuid();
            let initiate_id = self.ids.uuid();
            let tx = self.transactions.get_mut(id).expect("checked");
            let mut final_event = event;
            final_event.correlation_request_id = Some(request_id.clone());
            tx.events.push(TxEvent {
                id: initiate_id,
                event: match operation {
                    Operation::Capture { .. } => "INITIATE_CAPTURE",
                    Operation::Refund { .. } => "INITIATE_REFUND",
                    Operation::Void => "INITIATE_VOID",
                },
                transaction_status: tx.status,
                success: true,
                amount: final_event.amount,
                items: final_event.items.clone(),
                event_reference: final_event.event_reference.clone(),
                metadata: final_event.metadata.clone(),
                created_at: now,
                created_by: final_event.created_by.clone(),
                request_id: request_id.clone(),
                correlation_request_id: None,
                request_headers: final_event.request_headers.clone(),
                error: None,
            });
            tx.updated_at = now;
            tx.pending.push(PendingOperation {
                request_id: request_id.clone(),
                operation,
                event: final_event,
            });
            let tx = &self.transactions[id];
            return Ok(Operated::Accepted {
                transaction: self.tx_json(tx, TxView::default()),
                request_id,
            });
        }
        let callbacks = self.commit(id, now, operation, event, outcome);
        let tx = &self.transactions[id];
        Ok(Operated::Done {
            transaction: self.tx_json(tx, TxView::default()),
            callbacks,
        })
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
        tx.ledger = outcome.ledger;
        tx.status = outcome.status;
        tx.updated_at = now;
        let event_id = event.id.clone();
        let created_by = event.created_by.clone();
        let headers = event.request_headers.clone();
        tx.events.push(event);
        if let Some((rid, req)) = release {
            // final_capture: the rest of the authorization is released, shown as a VOID event.
            tx.events.push(TxEvent {
                id: rid,
                event: "VOID",
                transaction_status: outcome.status,
                success: true,
                amount: Some(outcome.released),
                items: None,
                event_reference: None,
                metadata: None,
                created_at: now,
                created_by,
                request_id: req,
                correlation_request_id: None,
                request_headers: headers,
                error: None,
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

    /// Complete an operation accepted with 202 (async mode).
    pub fn complete_pending(
        &mut self,
        id: &str,
        request_id: &str,
        now: Millis,
    ) -> Vec<CallbackJob> {
        let Some(tx) = self.transactions.get_mut(id) else {
            return Vec::new();
        };
        let Some(pos) = tx.pending.iter().position(|p| p.request_id == request_id) else {
            return Vec::new();
        };
        let pending = tx.pending.remove(pos);
        let mut event = pending.event;
        event.created_at = now;
        let vapc = machine::allows_void_after_partial_capture(tx.payment_product_type);
        match machine::apply(tx.status, &tx.ledger, pending.operation, vapc) {
            Ok(outcome) => {
                event.transaction_status = outcome.status;
                self.commit(id, now, pending.operation, event, outcome)
            }
            Err(refusal) => {
                let e = ApiError::from(refusal);
                event.success = false;
                event.transaction_status = tx.status;
                event.error =
                    Some(json!({"code": e.code, "message": e.message, "type": ["ERROR"]}));
                tx.events.push(event);
                tx.updated_at = now;
                Vec::new()
            }
        }
    }
}
