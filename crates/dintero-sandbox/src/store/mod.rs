//! The sandbox's state and the domain operations on it: sessions, payments, and the
//! capture/refund/void operations of the state machine. Everything here runs under one lock,
//! never awaits, and returns the callbacks to send once the lock is released.

mod operations;
mod payments;
mod sessions;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::behaviour::{Behaviour, Behaviours};
use crate::callbacks::{self, CallbackJob, Trigger};
use crate::cards::{self, Authorization, TestCard, TimesOut};
use crate::clock::{to_datetime, Millis};
use crate::config::MERCHANT_NAME;
use crate::error::ApiError;
use crate::ids::IdSource;
use crate::listing::TransactionFilter;
use crate::machine::{self, Ledger, Operation, Status};
use crate::model::{Card, PendingOperation, Session, SessionEvent, Transaction, TxEvent, TxSim};
use crate::products;
use crate::publish::Publication;
use crate::validate::{NewSession, OperationBody};

/// Session lifetime when `expires_at` is not sent (UNCONFIRMED in Dintero; SIM choice).
pub const DEFAULT_SESSION_TTL_MS: Millis = 24 * 3600 * 1000;

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
    /// One of [`products::PAYMENT_PRODUCT_TYPES`]; the default card payment when absent.
    pub payment_product_type: Option<&'a str>,
}

/// What a payment step produced.
#[derive(Debug)]
pub(crate) struct Paid {
    pub transaction: Value,
    /// Where the browser goes next (`return_url` + Dintero's parameters); `None` while INITIATED.
    pub redirect: Option<String>,
    pub callbacks: Vec<CallbackJob>,
    /// When a deferred auto-capture is due ([`Store::complete_auto_capture`]).
    pub auto_capture_due: Option<Millis>,
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
        /// When it completes (simulated clock).
        due: Millis,
    },
}

/// A capture, refund or void request.
#[derive(Debug)]
pub(crate) enum OperationRequest {
    Capture(OperationBody),
    Refund(OperationBody),
    Void,
}

/// All sessions and transactions, the id source, and the behaviours in force.
#[derive(Debug)]
pub(crate) struct Store {
    pub ids: IdSource,
    pub behaviours: Behaviours,
    account_id: String,
    sessions: HashMap<String, Session>,
    transactions: HashMap<String, Transaction>,
    /// Transaction ids in creation order.
    tx_order: Vec<String>,
    /// Every `configuration.publish` asked for, in order.
    published: Vec<Publication>,
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

/// What a list answer shows for a transaction made unreadable with
/// [`Store::corrupt_in_lists`]: its id, and fields of the wrong types.
fn unreadable(t: &Transaction) -> Value {
    serde_json::json!({ "id": t.id, "status": 42, "amount": "x" })
}

fn system_headers(h: Option<&Map<String, Value>>) -> Option<Map<String, Value>> {
    h.filter(|m| !m.is_empty()).cloned()
}

impl Store {
    /// The session `id`, or Dintero's 404 for it.
    fn session_or_404(&self, id: &str) -> Result<&Session, ApiError> {
        self.sessions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Session", id))
    }

    /// The transaction `id`, or Dintero's 404 for it.
    fn transaction_or_404(&self, id: &str) -> Result<&Transaction, ApiError> {
        self.transactions
            .get(id)
            .ok_or_else(|| ApiError::not_found("Transaction", id))
    }

    /// The transaction `id` to change, or Dintero's 404 for it.
    fn transaction_mut_or_404(&mut self, id: &str) -> Result<&mut Transaction, ApiError> {
        self.transactions
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("Transaction", id))
    }

    /// `behaviour` is the default for all payment product types.
    pub fn new(account_id: &str, seed: Option<u64>, behaviour: Behaviour) -> Self {
        Store {
            ids: IdSource::new(seed),
            behaviours: Behaviours::new(behaviour),
            account_id: account_id.to_owned(),
            sessions: HashMap::new(),
            transactions: HashMap::new(),
            tx_order: Vec::new(),
            published: Vec::new(),
        }
    }

    /// Forget everything and restore the default behaviours (ids keep going).
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.transactions.clear();
        self.tx_order.clear();
        self.published.clear();
        self.behaviours.reset();
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
        let tx = self.transaction_or_404(id)?;
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
            .map(|t| match t.sim.corrupt_in_lists {
                true => unreadable(t),
                false => self.tx_json(t, view),
            })
            .collect())
    }

    /// SIM fault: show `id` in list answers as an element that is not a transaction (or
    /// normally again with `corrupt: false`). `GET /v1/transactions/{id}` is not affected.
    pub fn corrupt_in_lists(&mut self, id: &str, corrupt: bool) -> Result<(), ApiError> {
        let tx = self.transaction_mut_or_404(id)?;
        tx.sim.corrupt_in_lists = corrupt;
        Ok(())
    }

    /// `PUT /v1/transactions/{id}`.
    pub fn update_transaction(
        &mut self,
        id: &str,
        now: Millis,
        merchant_reference_2: Option<String>,
    ) -> Result<Value, ApiError> {
        let tx = self.transaction_mut_or_404(id)?;
        if let Some(r) = merchant_reference_2 {
            tx.merchant_reference_2 = Some(r);
            tx.updated_at = now;
        }
        let tx = &self.transactions[id];
        Ok(self.tx_json(tx, TxView::default()))
    }

    /// The callback a transaction change causes, if the session asked for one.
    fn callback_for(&self, tx: &Transaction, trigger: Trigger<'_>) -> Option<CallbackJob> {
        let url = tx.sim.callback_url.as_deref()?;
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
