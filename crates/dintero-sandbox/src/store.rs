//! The sandbox's state and the domain operations on it: sessions, payments, and the
//! capture/refund/void operations of the state machine. Everything here runs under one lock,
//! never awaits, and returns the callbacks to send once the lock is released.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::callbacks::{self, CallbackJob, Trigger};
use crate::cards::{self, Authorization, TestCard, TimesOut};
use crate::clock::{to_datetime, Millis};
use crate::error::ApiError;
use crate::ids::IdSource;
use crate::listing::TransactionFilter;
use crate::machine::{self, Ledger, Operation, Status};
use crate::model::{Card, PendingOperation, Session, SessionEvent, Transaction, TxEvent};
use crate::validate::{NewSession, OperationBody};

/// Session lifetime when `expires_at` is not sent (UNCONFIRMED in Dintero; SIM choice).
pub const DEFAULT_SESSION_TTL_MS: Millis = 24 * 3600 * 1000;
const PAYMENT_PRODUCT: &str = "dintero_psp";
/// The merchant every sandbox account belongs to.
pub(crate) const MERCHANT_NAME: &str = "Kasse Sandbox Merchant";
const PAYMENT_PRODUCT_TYPE: &str = "dintero_psp.creditcard";

/// Who asks, and with which `Dintero-System-*` headers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub client_id: Option<&'a str>,
    pub headers: Option<&'a Map<String, Value>>,
}

/// How a transaction is rendered.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TxView {
    pub include_session: bool,
    pub only_successful_events: bool,
}

/// A customer paying on the hosted page or through `/_sim/sessions/{id}/pay`.
#[derive(Debug, Default)]
pub(crate) struct PayRequest<'a> {
    pub card: Option<&'a str>,
    pub initiate_only: bool,
    pub on_hold: bool,
}

/// What a payment step produced.
#[derive(Debug)]
pub(crate) struct Paid {
    pub transaction: Value,
    /// Where the browser goes next (`return_url` + Dintero's parameters); `None` while INITIATED.
    pub redirect: Option<String>,
    pub callbacks: Vec<CallbackJob>,
}

/// What a capture/refund/void produced.
#[derive(Debug)]
pub(crate) enum Operated {
    /// Done (200).
    Done {
        transaction: Value,
        callbacks: Vec<CallbackJob>,
    },
    /// Accepted for processing (202); complete later with [`Store::complete_pending`].
    Accepted {
        transaction: Value,
        request_id: String,
    },
}

/// A capture, refund or void request.
#[derive(Debug)]
pub(crate) enum OperationRequest {
    Capture(OperationBody),
    Refund(OperationBody),
    Void,
}

/// All sessions and transactions, and the id source.
#[derive(Debug)]
pub(crate) struct Store {
    pub ids: IdSource,
    account_id: String,
    sessions: HashMap<String, Session>,
    transactions: HashMap<String, Transaction>,
    /// Transaction ids in creation order.
    tx_order: Vec<String>,
}

/// `return_url` with Dintero's parameters appended, keeping the merchant's own.
pub(crate) fn return_location(
    return_url: &str,
    merchant_reference: &str,
    transaction_id: Option<&str>,
    error: Option<&str>,
) -> String {
    let Ok(mut url) = url::Url::parse(return_url) else {
        return return_url.to_owned();
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("merchant_reference", merchant_reference);
        if let Some(t) = transaction_id {
            q.append_pair("transaction_id", t);
        }
        if let Some(e) = error {
            q.append_pair("error", e);
        }
    }
    url.into()
}

fn system_headers(h: Option<&Map<String, Value>>) -> Option<Map<String, Value>> {
    h.filter(|m| !m.is_empty()).cloned()
}

impl Store {
    pub fn new(account_id: &str, seed: Option<u64>) -> Self {
        Store {
            ids: IdSource::new(seed),
            account_id: account_id.to_owned(),
            sessions: HashMap::new(),
            transactions: HashMap::new(),
            tx_order: Vec::new(),
        }
    }

    /// Forget everything (ids keep going).
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.transactions.clear();
        self.tx_order.clear();
    }

    fn session_event(
        &mut self,
        name: &'static str,
        now: Millis,
        request_id: Option<String>,
        details: Option<Value>,
    ) -> SessionEvent {
        SessionEvent {
            id: self.ids.uuid(),
            name,
            created_at: now,
            request_id,
            request_headers: None,
            details,
        }
    }

    // ---------------------------------------------------------------- sessions

    /// `POST /v1/sessions-profile`. Returns the new id.
    pub fn create_session(
        &mut self,
        new: NewSession,
        now: Millis,
        headers: Map<String, Value>,
    ) -> String {
        let id = self.ids.object_id(&self.account_id);
        let request_id = self.ids.uuid();
        let mut initiated = self.session_event("INITIATED", now, Some(request_id), None);
        if !headers.is_empty() {
            initiated.request_headers = Some(headers.clone());
        }
        let mut metadata = new.metadata;
        metadata.insert(
            "session:profile_id".to_owned(),
            Value::String(new.profile_id),
        );
        let session = Session {
            id: id.clone(),
            created_at: now,
            updated_at: now,
            expires_at: new
                .expires_at
                .unwrap_or(now.saturating_add(DEFAULT_SESSION_TTL_MS)),
            url: new.url,
            order: new.order,
            customer: new.customer,
            configuration: new.configuration,
            metadata,
            transaction_id: None,
            events: vec![initiated],
            cancelled_at: None,
            cancelled_by: None,
            customer_ip: None,
            user_agent: None,
            initiating_system_request_headers: headers,
            amount: new.amount,
            currency: new.currency,
            merchant_reference: new.merchant_reference,
            return_url: new.return_url,
            callback_url: new.callback_url,
            auto_capture: new.auto_capture,
            channel: new.channel,
        };
        self.sessions.insert(id.clone(), session);
        id
    }

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    pub fn session_json(&self, id: &str) -> Result<Value, ApiError> {
        self.sessions
            .get(id)
            .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
            .ok_or_else(|| ApiError::not_found("Session", id))
    }

    pub fn all_sessions(&self) -> Vec<Value> {
        let mut v: Vec<&Session> = self.sessions.values().collect();
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        v.into_iter()
            .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
            .collect()
    }

    /// The customer opened the checkout page.
    pub fn visit(
        &mut self,
        id: &str,
        now: Millis,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> Result<(), ApiError> {
        if !self.sessions.contains_key(id) {
            return Err(ApiError::not_found("Session", id));
        }
        let ev = self.session_event("VISITED", now, None, None);
        let s = self.sessions.get_mut(id).expect("checked above");
        s.events.push(ev);
        s.updated_at = now;
        if ip.is_some() {
            s.customer_ip = ip;
        }
        if user_agent.is_some() {
            s.user_agent = user_agent;
        }
        Ok(())
    }

    /// Add an event to a session (e.g. `AUTH_CALLBACK_SENT` once a callback got through).
    pub fn add_session_event(
        &mut self,
        id: &str,
        name: &'static str,
        now: Millis,
        details: Option<Value>,
    ) {
        if self.sessions.contains_key(id) {
            let ev = self.session_event(name, now, None, details);
            if let Some(s) = self.sessions.get_mut(id) {
                s.events.push(ev);
                s.updated_at = now;
            }
        }
    }

    /// `POST /v1/sessions/{id}/cancel`.
    pub fn cancel_session(
        &mut self,
        id: &str,
        now: Millis,
        caller: Caller<'_>,
    ) -> Result<(Value, Vec<CallbackJob>), ApiError> {
        let session = self
            .sessions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Session", id))?;
        if session.cancelled_at.is_some() {
            return Ok((self.session_json(id)?, Vec::new()));
        }
        let mut jobs = Vec::new();
        if let Some(tid) = session.transaction_id.clone() {
            let status = self.transactions.get(&tid).map(|t| t.status);
            match status {
                Some(Status::Initiated | Status::Authorized) => {
                    let event_id = self.ids.uuid();
                    let request_id = self.ids.uuid();
                    let tx = self.transactions.get_mut(&tid).expect("status was read");
                    tx.ledger.voided = true;
                    tx.status = Status::AuthorizationVoided;
                    tx.updated_at = now;
                    tx.events.push(TxEvent {
                        id: event_id.clone(),
                        event: "VOID",
                        transaction_status: Status::AuthorizationVoided,
                        success: true,
                        amount: Some(tx.ledger.amount - tx.ledger.captured),
                        items: None,
                        event_reference: None,
                        metadata: None,
                        created_at: now,
                        created_by: caller.client_id.map(str::to_owned),
                        request_id,
                        correlation_request_id: None,
                        request_headers: system_headers(caller.headers),
                        error: None,
                    });
                    let tx = &self.transactions[&tid];
                    jobs.extend(self.callback_for(
                        tx,
                        Trigger::Event {
                            name: "VOID",
                            event_id: &event_id,
                        },
                    ));
                }
                Some(other) => {
                    return Err(ApiError::invalid_state(format!(
                        "Session {id} cannot be cancelled: its transaction {tid} has status {other}"
                    )))
                }
                None => {}
            }
        }
        let request_id = self.ids.uuid();
        let mut ev = self.session_event("CANCELLED", now, Some(request_id), None);
        ev.request_headers = system_headers(caller.headers);
        let s = self.sessions.get_mut(id).expect("checked above");
        s.cancelled_at = Some(now);
        s.cancelled_by = caller.client_id.map(str::to_owned);
        s.updated_at = now;
        s.events.push(ev);
        Ok((self.session_json(id)?, jobs))
    }

    /// The customer pressed Cancel on the checkout page: back to `return_url` with
    /// `error=cancelled` (and the `cancelled` callback with `report_error=true`). The session
    /// stays open, as the customer may come back (UNCONFIRMED).
    pub fn customer_cancel(
        &mut self,
        id: &str,
        now: Millis,
    ) -> Result<(String, Vec<CallbackJob>), ApiError> {
        let s = self
            .sessions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Session", id))?;
        if s.cancelled_at.is_some() {
            return Err(ApiError::invalid_state(format!(
                "Session {id} is cancelled"
            )));
        }
        if let Some(tid) = &s.transaction_id {
            let st = self.transactions[tid].status;
            if st != Status::Initiated {
                return Err(ApiError::invalid_state(format!(
                    "Session {id} already has transaction {tid} with status {st}"
                )));
            }
        }
        if s.is_expired(now) {
            return Err(ApiError::invalid_state(format!("Session {id} expired")));
        }
        let location = return_location(
            &s.return_url,
            &s.merchant_reference,
            None,
            Some("cancelled"),
        );
        let job = s.callback_url.as_deref().and_then(|url| {
            callbacks::plan(
                url,
                Trigger::Error("cancelled"),
                id,
                None,
                &s.merchant_reference,
                now,
            )
        });
        Ok((location, job.into_iter().collect()))
    }

    // ---------------------------------------------------------------- payments

    /// The customer pays (or starts paying, with `initiate_only`).
    pub fn pay(&mut self, id: &str, now: Millis, req: &PayRequest<'_>) -> Result<Paid, ApiError> {
        let session = self
            .sessions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Session", id))?;
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
        let card = match req.card {
            Some(c) => Some(cards::lookup(c).ok_or_else(|| {
                ApiError::field(
                    "card",
                    "is not a sandbox test card (see dintero-api.md §19)",
                )
            })?),
            None if req.initiate_only => None,
            None => return Err(ApiError::field("card", "is required")),
        };
        let tid = match existing {
            Some(t) => t,
            None => self.initiate(id, now),
        };
        if let Some(card) = card {
            let expiry_year = to_datetime(now).year() + 3;
            let tx = self.transactions.get_mut(&tid).expect("just made");
            tx.card = Some(Card {
                brand: card.brand,
                masked_pan: card.masked_pan(),
                expiry_date: format!("12/{expiry_year}"),
                kind: "Credit",
            });
            tx.times_out = card.times_out;
        }
        let (Some(card), false) = (card, req.initiate_only) else {
            let tx = &self.transactions[&tid];
            return Ok(Paid {
                transaction: self.tx_json(tx, TxView::default()),
                redirect: None,
                callbacks: Vec::new(),
            });
        };
        self.authorize(&tid, now, card, req.on_hold)
    }

    fn initiate(&mut self, session_id: &str, now: Millis) -> String {
        let tid = self.ids.object_id(&self.account_id);
        let ev = TxEvent {
            id: self.ids.uuid(),
            event: "INITIALIZE",
            transaction_status: Status::Initiated,
            success: true,
            amount: None,
            items: None,
            event_reference: None,
            metadata: None,
            created_at: now,
            created_by: None,
            request_id: self.ids.uuid(),
            correlation_request_id: None,
            request_headers: None,
            error: None,
        };
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
            payment_product: PAYMENT_PRODUCT,
            payment_product_type: PAYMENT_PRODUCT_TYPE,
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
            ledger: Ledger::authorized(s.amount),
            times_out: None,
            callback_url: s.callback_url.clone(),
            return_url: s.return_url.clone(),
            default_event_reference,
            pending: Vec::new(),
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
        let tx = self.transactions.get_mut(tid).expect("exists");
        let session_id = tx.session_id.clone();
        tx.status = status;
        tx.updated_at = now;
        tx.events.push(TxEvent {
            id: auth_event_id.clone(),
            event: "AUTHORIZE",
            transaction_status: status,
            success: error.is_none(),
            amount: Some(tx.amount),
            items: None,
            event_reference: None,
            metadata: None,
            created_at: now,
            created_by: None,
            request_id,
            correlation_request_id: None,
            request_headers: None,
            error: error.clone(),
        });
        let auto_capture = self
            .sessions
            .get(&session_id)
            .map(|s| s.auto_capture)
            .unwrap_or(false);
        let mut capture_error = None;
        if status == Status::Authorized && auto_capture {
            capture_error =
                self.auto_capture(tid, now, card.times_out == Some(TimesOut::AutoCapture));
        }
        if return_error.is_some() {
            let details = json!({
                "error": error.as_ref().and_then(|e| e.get("message")).cloned().unwrap_or(Value::Null),
                "payment_product_type": PAYMENT_PRODUCT_TYPE,
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
        jobs.extend(self.callback_for(tx, trigger));
        let redirect = match (return_error, capture_error) {
            (Some(e), _) => return_location(&tx.return_url, &tx.merchant_reference, None, Some(e)),
            (None, Some(e)) => return_location(
                &tx.return_url,
                &tx.merchant_reference,
                Some(&tx.id),
                Some(e),
            ),
            (None, None) => {
                return_location(&tx.return_url, &tx.merchant_reference, Some(&tx.id), None)
            }
        };
        Ok(Paid {
            transaction: self.tx_json(tx, TxView::default()),
            redirect: Some(redirect),
            callbacks: jobs,
        })
    }

    /// `configuration.auto_capture`: capture the whole amount at once. Returns the
    /// return_url/callback error (`capture`) when the card makes the auto-capture time out.
    fn auto_capture(&mut self, tid: &str, now: Millis, times_out: bool) -> Option<&'static str> {
        let id = self.ids.uuid();
        let request_id = self.ids.uuid();
        let tx = self.transactions.get_mut(tid).expect("exists");
        let amount = tx.amount;
        let reference = tx.default_event_reference.clone();
        let (success, error) = if times_out {
            (
                false,
                Some(
                    json!({"message": "Auto-capture timed out at the processor", "type": ["ERROR"]}),
                ),
            )
        } else {
            tx.ledger.captured = amount;
            tx.status = tx.ledger.status();
            (true, None)
        };
        tx.events.push(TxEvent {
            id,
            event: "CAPTURE",
            transaction_status: tx.status,
            success,
            amount: Some(amount),
            items: Some(tx.items.clone()),
            event_reference: reference,
            metadata: None,
            created_at: now,
            created_by: None,
            request_id,
            correlation_request_id: None,
            request_headers: None,
            error,
        });
        if success {
            None
        } else {
            Some("capture")
        }
    }

    fn push_session_event(&mut self, session_id: &str, ev: SessionEvent, now: Millis) {
        if let Some(s) = self.sessions.get_mut(session_id) {
            s.events.push(ev);
            s.updated_at = now;
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
        let tx = self.transactions.get_mut(tid).expect("checked");
        tx.status = status;
        tx.updated_at = now;
        tx.events.push(TxEvent {
            id: id.clone(),
            event: "AUTHORIZE",
            transaction_status: status,
            success: approve,
            amount: Some(tx.amount),
            items: None,
            event_reference: None,
            metadata: None,
            created_at: now,
            created_by: None,
            request_id,
            correlation_request_id: None,
            request_headers: None,
            error: (!approve)
                .then(|| json!({"message": "Rejected after manual review", "type": ["DECLINED"]})),
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

    // ---------------------------------------------------------------- transactions

    pub fn transaction(&self, id: &str) -> Option<&Transaction> {
        self.transactions.get(id)
    }

    pub fn tx_json(&self, tx: &Transaction, view: TxView) -> Value {
        let mut v = serde_json::to_value(tx).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            if view.only_successful_events {
                if let Some(Value::Array(events)) = m.get_mut("events") {
                    events.retain(|e| e.get("success") == Some(&Value::Bool(true)));
                }
            }
            if view.include_session {
                if let Some(s) = self.sessions.get(&tx.session_id) {
                    m.insert(
                        "session".into(),
                        serde_json::to_value(s).unwrap_or(Value::Null),
                    );
                }
            }
        }
        v
    }

    pub fn transaction_json(&self, id: &str, view: TxView) -> Result<Value, ApiError> {
        let tx = self
            .transactions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Transaction", id))?;
        Ok(self.tx_json(tx, view))
    }

    pub fn all_transactions(&self) -> Vec<Value> {
        self.tx_order
            .iter()
            .rev()
            .filter_map(|id| self.transactions.get(id))
            .map(|t| self.tx_json(t, TxView::default()))
            .collect()
    }

    /// `GET /v1/transactions`: newest first, filtered, paginated.
    pub fn list(&self, filter: &TransactionFilter, view: TxView) -> Result<Vec<Value>, ApiError> {
        let end = match &filter.starting_after {
            Some(after) => self
                .tx_order
                .iter()
                .position(|id| id == after)
                .ok_or_else(|| {
                    ApiError::field("starting_after", "is not a known transaction id")
                })?,
            None => self.tx_order.len(),
        };
        Ok(self.tx_order[..end]
            .iter()
            .rev()
            .filter_map(|id| self.transactions.get(id))
            .filter(|t| filter.matches(t))
            .take(filter.limit)
            .map(|t| self.tx_json(t, view))
            .collect())
    }

    /// `PUT /v1/transactions/{id}`.
    pub fn update_transaction(
        &mut self,
        id: &str,
        now: Millis,
        merchant_reference_2: Option<String>,
    ) -> Result<Value, ApiError> {
        let tx = self
            .transactions
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("Transaction", id))?;
        if let Some(r) = merchant_reference_2 {
            tx.merchant_reference_2 = Some(r);
            tx.updated_at = now;
        }
        let tx = &self.transactions[id];
        Ok(self.tx_json(tx, TxView::default()))
    }

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

    /// The callback a transaction change causes, if the session asked for one.
    fn callback_for(&self, tx: &Transaction, trigger: Trigger<'_>) -> Option<CallbackJob> {
        let url = tx.callback_url.as_deref()?;
        let (transaction_id, auth_event) = match trigger {
            Trigger::Error("capture") => (Some(tx.id.as_str()), None),
            Trigger::Error(_) => (None, None),
            Trigger::Authorized => (
                Some(tx.id.as_str()),
                tx.events
                    .iter()
                    .rev()
                    .find(|e| matches!(e.event, "AUTHORIZE" | "CAPTURE"))
                    .map(|e| e.id.clone()),
            ),
            Trigger::Event { .. } => (Some(tx.id.as_str()), None),
        };
        let mut job = callbacks::plan(
            url,
            trigger,
            &tx.session_id,
            transaction_id,
            &tx.merchant_reference,
            tx.created_at,
        )?;
        job.transaction_event_id = auth_event;
        job.on_hold = tx.status == Status::OnHold;
        if job.post {
            job.body = Some(self.tx_json(
                tx,
                TxView {
                    include_session: job.include_session,
                    only_successful_events: false,
                },
            ));
        }
        Some(job)
    }
}
