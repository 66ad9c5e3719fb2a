//! Sessions: create, visit, cancel (by the shop or the customer).

use serde_json::{Map, Value};

use super::*;
use crate::publish;
use crate::validate::PublishAsk;

impl Store {
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

    /// Records what session `session_id` asked to publish (its checkout link `url`) and
    /// returns the create answer's `publish[]`.
    pub fn publish(
        &mut self,
        session_id: &str,
        asks: &[PublishAsk],
        phone_number: Option<&str>,
        url: &str,
        now: Millis,
    ) -> Vec<Value> {
        asks.iter()
            .map(|ask| {
                let id = self.ids.uuid();
                let p = publish::record(id, ask, session_id, phone_number, url, now);
                let answer = p.answer();
                self.published.push(p);
                answer
            })
            .collect()
    }

    /// Every publish recorded, oldest first.
    pub fn published(&self) -> Vec<Publication> {
        self.published.clone()
    }

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    pub fn session_json(&self, id: &str) -> Result<Value, ApiError> {
        self.session_or_404(id)
            .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
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
        let session = self.session_or_404(id)?;
        if session.cancelled_at.is_some() {
            return Ok((self.session_json(id)?, Vec::new()));
        }
        let Some(tid) = session.transaction_id.clone() else {
            if session.is_expired(now) {
                return Err(ApiError::invalid_state(format!(
                    "Session {id} has expired and cannot be cancelled"
                )));
            }
            return Ok((self.mark_cancelled(id, now, caller)?, Vec::new()));
        };
        let mut jobs = Vec::new();
        let tx = &self.transactions[&tid];
        if !tx.sim.pending.is_empty() {
            return Err(ApiError::invalid_state(format!(
                "Session {id} cannot be cancelled: its transaction {tid} has an operation in progress"
            )));
        }
        match tx.status {
            Status::Initiated | Status::Authorized => {
                let event_id = self.ids.uuid();
                let request_id = self.ids.uuid();
                let tx = self.transactions.get_mut(&tid).expect("status was read");
                tx.sim.ledger.voided = true;
                tx.status = Status::AuthorizationVoided;
                tx.updated_at = now;
                tx.events.push(TxEvent {
                    amount: Some(tx.sim.ledger.amount - tx.sim.ledger.captured),
                    created_by: caller.client_id.map(str::to_owned),
                    request_headers: system_headers(caller.headers),
                    ..TxEvent::new(
                        event_id.clone(),
                        "VOID",
                        Status::AuthorizationVoided,
                        request_id,
                        now,
                    )
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
            other => {
                return Err(ApiError::invalid_state(format!(
                    "Session {id} cannot be cancelled: its transaction {tid} has status {other}"
                )))
            }
        }
        Ok((self.mark_cancelled(id, now, caller)?, jobs))
    }

    /// Set `cancelled_at`/`cancelled_by` and add the `CANCELLED` event.
    fn mark_cancelled(
        &mut self,
        id: &str,
        now: Millis,
        caller: Caller<'_>,
    ) -> Result<Value, ApiError> {
        let request_id = self.ids.uuid();
        let mut ev = self.session_event("CANCELLED", now, Some(request_id), None);
        ev.request_headers = system_headers(caller.headers);
        let s = self.sessions.get_mut(id).expect("checked above");
        s.cancelled_at = Some(now);
        s.cancelled_by = caller.client_id.map(str::to_owned);
        s.updated_at = now;
        s.events.push(ev);
        self.session_json(id)
    }

    /// The customer pressed Cancel on the checkout page: the session is cancelled as by the
    /// API (an `INITIATED` transaction voided, `cancelled_at` set with no `cancelled_by`, the
    /// `CANCELLED` event), so a read proves it; then back to `return_url` with `error=cancelled`
    /// (and the `cancelled` callback with `report_error=true`).
    pub fn customer_cancel(
        &mut self,
        id: &str,
        now: Millis,
    ) -> Result<(String, Vec<CallbackJob>), ApiError> {
        let s = self.session_or_404(id)?;
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
        let (_, mut jobs) = self.cancel_session(id, now, Caller::default())?;
        jobs.extend(job);
        Ok((location, jobs))
    }

    pub(super) fn push_session_event(&mut self, session_id: &str, ev: SessionEvent, now: Millis) {
        if let Some(s) = self.sessions.get_mut(session_id) {
            s.events.push(ev);
            s.updated_at = now;
        }
    }
}
