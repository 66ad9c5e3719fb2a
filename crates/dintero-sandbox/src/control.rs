//! The [`Control`] handle that tests and the demo mode use to move the clock, inject faults,
//! set behaviours and play the customer.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use crate::behaviour::Behaviour;
use crate::callbacks::CallbackDelivery;
use crate::error::{ApiError, SimError};
use crate::faults::FaultRule;
use crate::publish::Publication;
use crate::state::{AppState, Shared, Stats};
use crate::store::PayRequest;

/// Options of a simulated payment (`POST /_sim/sessions/{id}/pay`).
#[derive(Debug, Clone, Default)]
pub struct PayOptions {
    /// A test card of dintero-api.md §19 (required unless `initiate_only`).
    pub card: Option<String>,
    /// Only create the `INITIATED` transaction ("customer is paying"); a later pay completes it.
    pub initiate_only: bool,
    /// Put an approved payment `ON_HOLD` (resolve with [`Control::resolve_on_hold`]).
    pub on_hold: bool,
    /// One of [`crate::PAYMENT_PRODUCT_TYPES`] (`"vipps"`, `"swish.swish"`,
    /// `"instabank.finance"`, …); `dintero_psp.creditcard` when absent. Only card products
    /// need `card` and get the transaction's `card` fields; for the others a card, when
    /// given, only picks the outcome.
    pub payment_product_type: Option<String>,
}

impl AppState {
    /// The control handle.
    pub fn control(&self) -> Control {
        Control {
            state: self.clone(),
        }
    }
}

/// Handle for tests and demos: clock, faults, customer actions, and the sandbox's own record.
#[derive(Debug, Clone)]
pub struct Control {
    pub(crate) state: AppState,
}

impl Control {
    fn shared(&self) -> &Shared {
        &self.state.shared
    }

    /// Move the simulated clock forward.
    pub fn advance_clock(&self, by: Duration) {
        self.shared().clock.advance(by);
    }

    /// Now on the simulated clock.
    pub fn now(&self) -> OffsetDateTime {
        self.shared().clock.now()
    }

    /// Replace the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared().faults.set(rules);
    }

    /// Remove all fault rules.
    pub fn clear_faults(&self) {
        self.shared().faults.clear();
    }

    /// The customer opened the checkout page (adds a `VISITED` session event).
    pub fn visit(&self, session_id: &str) -> Result<(), SimError> {
        let now = self.shared().clock.now_ms();
        self.shared().store().visit(session_id, now, None, None)
    }

    /// The customer pays with a test card; returns the transaction JSON.
    pub fn pay(&self, session_id: &str, card: &str) -> Result<Value, SimError> {
        self.pay_with(
            session_id,
            PayOptions {
                card: Some(card.to_owned()),
                ..PayOptions::default()
            },
        )
    }

    /// [`Control::pay`] with all options.
    pub fn pay_with(&self, session_id: &str, options: PayOptions) -> Result<Value, SimError> {
        let req = PayRequest {
            card: options.card.as_deref(),
            initiate_only: options.initiate_only,
            on_hold: options.on_hold,
            payment_product_type: options.payment_product_type.as_deref(),
        };
        Ok(self.state.pay(session_id, &req)?.transaction)
    }

    /// The customer presses Cancel on the checkout page; returns where the page sends them
    /// (the return URL with `error=cancelled`).
    pub fn customer_cancel(&self, session_id: &str) -> Result<String, SimError> {
        let now = self.shared().clock.now_ms();
        let (location, jobs) = self.shared().store().customer_cancel(session_id, now)?;
        self.state.dispatch(jobs);
        Ok(location)
    }

    /// Resolve an `ON_HOLD` transaction: approved → `AUTHORIZED`, else `FAILED`.
    pub fn resolve_on_hold(&self, transaction_id: &str, approve: bool) -> Result<Value, SimError> {
        let now = self.shared().clock.now_ms();
        let (tx, jobs) = self
            .shared()
            .store()
            .resolve_on_hold(transaction_id, now, approve)?;
        self.state.dispatch(jobs);
        Ok(tx)
    }

    /// Create a session as `POST /v1/sessions-profile` would (amounts checked strictly);
    /// returns `{"id","url"}`.
    pub fn create_session(&self, body: Value) -> Result<Value, SimError> {
        let new = crate::validate::new_session(body, true)?;
        let now = self.shared().clock.now_ms();
        let id = self
            .shared()
            .store()
            .create_session(new, now, serde_json::Map::new());
        let url = format!(
            "{}/v1/view/{id}",
            self.shared()
                .public_url
                .as_deref()
                .unwrap_or(&self.shared().base_url)
        );
        Ok(serde_json::json!({ "id": id, "url": url }))
    }

    /// A valid access token, as the token endpoint would issue it.
    pub fn access_token(&self) -> String {
        let aud = format!(
            "https://api.dintero.com/v1/accounts/{}",
            self.shared().config.account_id
        );
        self.state.issue_token(aud).0
    }

    /// The behaviour of a scope: a payment product type (its built-in rules and settings
    /// included), or the default for all (`None`). See `POST /_sim/behaviour`.
    pub fn behaviour(&self, payment_product_type: Option<&str>) -> Result<Behaviour, SimError> {
        let scope = payment_product_type
            .map(crate::products::known)
            .transpose()?;
        Ok(self.shared().store().behaviours.scope(scope))
    }

    /// Replace the behaviour of a payment product type, or the default for all (`None`; types
    /// without a setting of their own get it with their built-in rules on top). In-flight
    /// operations keep the delay and outcome they were accepted with.
    pub fn set_behaviour(
        &self,
        payment_product_type: Option<&str>,
        behaviour: Behaviour,
    ) -> Result<(), SimError> {
        let scope = payment_product_type
            .map(crate::products::known)
            .transpose()?;
        if let Some(a) = behaviour.async_operations {
            if !(0.0..=1.0).contains(&a.fail_probability) {
                return Err(ApiError::field(
                    "async_operations.fail_probability",
                    "must be between 0 and 1",
                ));
            }
        }
        self.shared().store().behaviours.set(scope, behaviour);
        Ok(())
    }

    /// Back to the default behaviours (the configuration's and the built-in product rules).
    pub fn reset_behaviour(&self) {
        self.shared().store().behaviours.reset();
    }

    /// SIM fault: `GET /v1/transactions` shows this transaction as an element that is not a
    /// transaction (`{"id": …, "status": 42, "amount": "x"}`) until called with
    /// `corrupt: false` or reset; `GET /v1/transactions/{id}` still serves it normally.
    pub fn corrupt_in_lists(&self, transaction_id: &str, corrupt: bool) -> Result<(), SimError> {
        self.shared()
            .store()
            .corrupt_in_lists(transaction_id, corrupt)
    }

    /// Forget all sessions, transactions, callbacks, faults and behaviour settings; the clock
    /// goes back to real time. Issued tokens stay valid; stats keep counting.
    pub fn reset(&self) {
        let s = self.shared();
        s.generation.fetch_add(1, Ordering::Relaxed);
        s.store().clear();
        s.faults.clear();
        s.callback_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        s.clock.reset();
    }

    /// Every callback delivery attempt so far.
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.shared()
            .callback_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Connection and request counters.
    pub fn stats(&self) -> Stats {
        let c = &self.shared().stats;
        Stats {
            accepted_connections: c.accepted_connections.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
        }
    }

    /// All transactions, newest first, as `GET /v1/transactions/{id}` shows them.
    pub fn transactions(&self) -> Vec<Value> {
        self.shared().store().all_transactions()
    }

    /// Every checkout link the sandbox would have sent (`configuration.publish`), oldest
    /// first: to whom, which link, and whether it was sent or skipped.
    pub fn published(&self) -> Vec<Publication> {
        self.shared().store().published()
    }

    /// All sessions, oldest first, as `GET /v1/sessions/{id}` shows them.
    pub fn sessions(&self) -> Vec<Value> {
        self.shared().store().all_sessions()
    }

    /// One session, if it exists.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.shared().store().session_json(id).ok()
    }

    /// One transaction, if it exists.
    pub fn transaction(&self, id: &str) -> Option<Value> {
        self.shared()
            .store()
            .transaction_json(id, crate::store::TxView::default())
            .ok()
    }
}
