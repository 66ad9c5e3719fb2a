//! The customer's side: paying (test cards, auto-capture, ON_HOLD).

use serde_json::{json, Map, Value};

use super::*;

/// Set the status an authorization leads to: `CAPTURED` (with the whole amount captured in
/// the ledger) when the product is captured at authorization (Swish), else `status`.
fn approve(tx: &mut Transaction, status: Status, captured_at_authorization: bool) -> Status {
    tx.status = status;
    if status == Status::Authorized && captured_at_authorization {
        tx.sim.ledger.captured = tx.amount;
        tx.status = tx.sim.ledger.status();
    }
    tx.status
}

impl Store {
    /// The customer pays (or starts paying, with `initiate_only`).
    pub fn pay(&mut self, id: &str, now: Millis, req: &PayRequest<'_>) -> Result<Paid, ApiError> {
        let session = self.session_or_404(id)?;
        if session.cancelled_at.is_some() {
            return Err(ApiError::invalid_state(format!(
                "Session {id} is cancelled and cannot be paid"
            )));
        }
        let existing = match &session.transaction_id {
            Some(tid) => {
                let tx = &self.transactions[tid];
                if tx.status != Status::Initiated {
                    return Err(ApiError::invalid_state(format!(
                        "Session {id} already has transaction {tid} with status {}",
                        tx.status
                    )));
                }
                Some(tid.clone())
            }
            None => None,
        };
        if existing.is_none() && session.is_expired(now) {
            return Err(ApiError::invalid_state(format!(
                "Session {id} expired and cannot be paid"
            )));
        }
        let chosen = req.payment_product_type.map(products::known).transpose()?;
        let product_type = chosen
            .or_else(|| {
                existing
                    .as_ref()
                    .map(|t| self.transactions[t].payment_product_type)
            })
            .unwrap_or(products::DEFAULT_PAYMENT_PRODUCT_TYPE);
        let is_card = products::is_card_product(product_type);
        let card = match req.card {
            Some(c) => Some(cards::lookup(c).ok_or_else(|| {
                ApiError::field(
                    "card",
                    "is not a sandbox test card (see dintero-api.md §19)",
                )
            })?),
            None if req.initiate_only => None,
            // Vipps, Swish, invoices…: the customer approves; a test card may pick another outcome.
            None if !is_card => cards::lookup(cards::APPROVED_CARD),
            None => return Err(ApiError::field("card", "is required")),
        };
        let tid = match existing {
            Some(t) => t,
            None => self.initiate(id, now),
        };
        let tx = self.transactions.get_mut(&tid).expect("just made");
        tx.payment_product_type = product_type;
        tx.payment_product = products::product_of(product_type);
        if let Some(card) = card {
            let expiry_year = to_datetime(now).year() + 3;
            tx.card = is_card.then(|| Card {
                brand: card.brand,
                masked_pan: card.masked_pan(),
                expiry_date: format!("12/{expiry_year}"),
                kind: "Credit",
            });
            tx.sim.times_out = card.times_out;
        }
        let (Some(card), false) = (card, req.initiate_only) else {
            let tx = &self.transactions[&tid];
            return Ok(Paid {
                transaction: self.tx_json(tx, TxView::default()),
                redirect: None,
                callbacks: Vec::new(),
                auto_capture_due: None,
            });
        };
        self.authorize(&tid, now, card, req.on_hold)
    }

    fn initiate(&mut self, session_id: &str, now: Millis) -> String {
        let tid = self.ids.object_id(&self.account_id);
        let ev = TxEvent::new(
            self.ids.uuid(),
            "INITIALIZE",
            Status::Initiated,
            self.ids.uuid(),
            now,
        );
        let s = self.sessions.get_mut(session_id).expect("caller checked");
        s.transaction_id = Some(tid.clone());
        s.updated_at = now;
        let order = s.order.as_object();
        let items = order
            .and_then(|o| o.get("items"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let store = order.and_then(|o| o.get("store")).cloned();
        let default_event_reference = order
            .and_then(|o| o.get("event_reference"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let merchant_reference_2 = order
            .and_then(|o| o.get("merchant_reference_2"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut url = Map::new();
        url.insert("redirect_url".into(), Value::String(s.return_url.clone()));
        if let Some(cb) = &s.callback_url {
            url.insert("callback_url".into(), Value::String(cb.clone()));
        }
        let mut metadata = Map::new();
        if let Some(p) = s.metadata.get("session:profile_id") {
            metadata.insert("session:profile_id".into(), p.clone());
        }
        metadata.insert("merchant_name".into(), json!(MERCHANT_NAME));
        metadata.insert("merchant_country".into(), json!("NO"));
        let tx = Transaction {
            id: tid.clone(),
            created_at: now,
            updated_at: now,
            session_id: session_id.to_owned(),
            status: Status::Initiated,
            amount: s.amount,
            currency: s.currency.clone(),
            merchant_reference: s.merchant_reference.clone(),
            merchant_reference_2,
            payment_product: products::product_of(products::DEFAULT_PAYMENT_PRODUCT_TYPE),
            payment_product_type: products::DEFAULT_PAYMENT_PRODUCT_TYPE,
            channel: s.channel.clone(),
            settlement_status: "NOT_SETTLED",
            store,
            items,
            card: None,
            url: Value::Object(url),
            customer: s.customer.clone(),
            metadata,
            initiating_system_request_headers: s.initiating_system_request_headers.clone(),
            events: vec![ev],
            sim: TxSim {
                ledger: Ledger::authorized(s.amount),
                times_out: None,
                callback_url: s.callback_url.clone(),
                return_url: s.return_url.clone(),
                payment_error: None,
                default_event_reference,
                pending: Vec::new(),
                corrupt_in_lists: false,
            },
        };
        self.transactions.insert(tid.clone(), tx);
        self.tx_order.push(tid.clone());
        tid
    }

    fn authorize(
        &mut self,
        tid: &str,
        now: Millis,
        card: &TestCard,
        on_hold: bool,
    ) -> Result<Paid, ApiError> {
        let auth_event_id = self.ids.uuid();
        let request_id = self.ids.uuid();
        let (status, error, session_event, return_error) = match card.authorization {
            Authorization::Approved if on_hold => (Status::OnHold, None, None, None),
            Authorization::Approved => (Status::Authorized, None, Some("AUTHORIZED"), None),
            Authorization::ThreeDsFailed => (
                Status::Failed,
                Some(
                    json!({"code": "3DS_FAILED", "message": "3-D Secure verification failed", "type": ["FAILED_VERIFICATION"]}),
                ),
                Some("FAILED"),
                Some("authorization"),
            ),
            Authorization::Declined => (
                Status::Declined,
                Some(
                    json!({"code": "1A", "message": "Declined: 3-D Secure authentication required", "type": ["DECLINED"], "result_code": "1A"}),
                ),
                Some("DECLINED"),
                Some("authorization"),
            ),
            Authorization::TimedOut => (
                Status::Failed,
                Some(json!({"message": "Authorization timed out", "type": ["ERROR"]})),
                Some("FAILED"),
                Some("failed"),
            ),
        };
        let behaviour = self
            .behaviours
            .resolve(self.transactions[tid].payment_product_type);
        let captured_now = behaviour.captured_at_authorization;
        let tx = self.transactions.get_mut(tid).expect("exists");
        let session_id = tx.session_id.clone();
        let status = approve(tx, status, captured_now);
        tx.updated_at = now;
        tx.sim.payment_error = return_error;
        tx.events.push(TxEvent {
            success: error.is_none(),
            amount: Some(tx.amount),
            error: error.clone(),
            ..TxEvent::new(auth_event_id.clone(), "AUTHORIZE", status, request_id, now)
        });
        let auto_capture = self
            .sessions
            .get(&session_id)
            .map(|s| s.auto_capture)
            .unwrap_or(false);
        let mut capture_error = None;
        let mut auto_capture_due = None;
        if status == Status::Authorized && auto_capture {
            let delay = i64::try_from(behaviour.auto_capture_delay.as_millis()).unwrap_or(i64::MAX);
            if delay == 0 {
                capture_error =
                    self.auto_capture(tid, now, card.times_out == Some(TimesOut::AutoCapture));
            } else {
                auto_capture_due = Some(now.saturating_add(delay));
            }
        }
        if return_error.is_some() {
            let details = json!({
                "error": error.as_ref().and_then(|e| e.get("message")).cloned().unwrap_or(Value::Null),
                "payment_product_type": self.transactions[tid].payment_product_type,
            });
            let ev = self.session_event("PAY_FAILED", now, None, Some(details));
            self.push_session_event(&session_id, ev, now);
        }
        if let Some(name) = session_event {
            let details = json!({"transaction_event_id": auth_event_id});
            let ev = self.session_event(name, now, None, Some(details));
            self.push_session_event(&session_id, ev, now);
        }
        let tx = &self.transactions[tid];
        let trigger = match (return_error, capture_error) {
            (Some(e), _) => Trigger::Error(e),
            (None, Some(e)) => Trigger::Error(e),
            (None, None) => Trigger::Authorized,
        };
        let mut jobs = Vec::new();
        // With auto-capture the callback waits for the capture (dintero-api.md §16.1).
        if auto_capture_due.is_none() {
            jobs.extend(self.callback_for(tx, trigger));
        }
        // A failed authorisation returns without a transaction id; a failed auto-capture with it.
        let transaction_id = return_error.is_none().then_some(tx.id.as_str());
        let redirect = return_location(
            &tx.sim.return_url,
            &tx.merchant_reference,
            transaction_id,
            return_error.or(capture_error),
        );
        Ok(Paid {
            transaction: self.tx_json(tx, TxView::default()),
            redirect: Some(redirect),
            callbacks: jobs,
            auto_capture_due,
        })
    }

    /// The deferred auto-capture of a transaction authorized with an `auto_capture_delay`,
    /// when it is due: captures the whole amount (or fails, for the auto-capture timeout card),
    /// then the callback that waited for it. Nothing when the transaction is no longer
    /// `AUTHORIZED` with nothing captured and nothing in flight: a capture or void came first
    /// ("a manual capture while auto-capture is pending stops the auto-capture").
    pub fn complete_auto_capture(&mut self, tid: &str, now: Millis) -> Vec<CallbackJob> {
        let Some(tx) = self.transactions.get(tid) else {
            return Vec::new();
        };
        if tx.status != Status::Authorized
            || tx.sim.ledger.captured > 0
            || !tx.sim.pending.is_empty()
        {
            return Vec::new();
        }
        let times_out = tx.sim.times_out == Some(TimesOut::AutoCapture);
        let error = self.auto_capture(tid, now, times_out);
        let tx = self.transactions.get_mut(tid).expect("checked");
        tx.updated_at = now;
        let tx = &self.transactions[tid];
        let trigger = error.map_or(Trigger::Authorized, Trigger::Error);
        self.callback_for(tx, trigger).into_iter().collect()
    }

    /// `configuration.auto_capture`: capture the whole amount at once. Returns the
    /// return_url/callback error (`capture`) when the card makes the auto-capture time out.
    fn auto_capture(&mut self, tid: &str, now: Millis, times_out: bool) -> Option<&'static str> {
        let id = self.ids.uuid();
        let request_id = self.ids.uuid();
        let tx = self.transactions.get_mut(tid).expect("exists");
        let amount = tx.amount;
        let reference = tx.sim.default_event_reference.clone();
        let (success, error) = if times_out {
            (
                false,
                Some(
                    json!({"message": "Auto-capture timed out at the processor", "type": ["ERROR"]}),
                ),
            )
        } else {
            tx.sim.ledger.captured = amount;
            tx.status = tx.sim.ledger.status();
            (true, None)
        };
        tx.events.push(TxEvent {
            success,
            amount: Some(amount),
            items: Some(tx.items.clone()),
            event_reference: reference,
            error,
            ..TxEvent::new(id, "CAPTURE", tx.status, request_id, now)
        });
        if success {
            None
        } else {
            Some("capture")
        }
    }

    /// Resolve an `ON_HOLD` transaction (SIM control): `approve` → AUTHORIZED, else FAILED.
    pub fn resolve_on_hold(
        &mut self,
        tid: &str,
        now: Millis,
        approve: bool,
    ) -> Result<(Value, Vec<CallbackJob>), ApiError> {
        let tx = self
            .transactions
            .get(tid)
            .ok_or_else(|| ApiError::not_found("Transaction", tid))?;
        if tx.status != Status::OnHold {
            return Err(ApiError::invalid_state(format!(
                "Transaction {tid} has status {} and is not ON_HOLD",
                tx.status
            )));
        }
        let id = self.ids.uuid();
        let request_id = self.ids.uuid();
        let status = if approve {
            Status::Authorized
        } else {
            Status::Failed
        };
        let captured_now = self
            .behaviours
            .resolve(tx.payment_product_type)
            .captured_at_authorization;
        let tx = self.transactions.get_mut(tid).expect("checked");
        let status = self::approve(tx, status, captured_now);
        tx.updated_at = now;
        tx.events.push(TxEvent {
            success: approve,
            amount: Some(tx.amount),
            error: (!approve)
                .then(|| json!({"message": "Rejected after manual review", "type": ["DECLINED"]})),
            ..TxEvent::new(id.clone(), "AUTHORIZE", status, request_id, now)
        });
        let session_id = tx.session_id.clone();
        let ev = self.session_event(
            if approve { "AUTHORIZED" } else { "FAILED" },
            now,
            None,
            Some(json!({"transaction_event_id": id})),
        );
        self.push_session_event(&session_id, ev, now);
        let tx = &self.transactions[tid];
        let trigger = if approve {
            Trigger::Authorized
        } else {
            Trigger::Error("failed")
        };
        let jobs = self.callback_for(tx, trigger).into_iter().collect();
        Ok((self.tx_json(tx, TxView::default()), jobs))
    }
}
