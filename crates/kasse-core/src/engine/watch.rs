//! The payment watcher: one task per open sale, following session → transaction until the
//! sale settles, at the cadence of [`crate::cadence`].

use std::sync::Arc;
use std::time::Duration;

use dintero_client::{
    Error as ApiError, Session, Transaction, TransactionQuery, TransactionStatus,
};
use serde_json::Value;
use tokio::sync::Notify;

use super::{Kasse, SaleChange};
use crate::cadence::{Phase, Schedule};
use crate::error::CoreError;
use crate::sale::{LogEvent, OpKind, Sale, SaleStatus};

/// What one look at a sale found.
enum Seen {
    /// Keep following at this phase's cadence.
    Open(Phase),
    /// The sale settled.
    Settled,
    /// Dintero asked us to slow down.
    RetryAfter(Duration),
}

impl Kasse {
    /// Starts following a sale (no-op when it is followed already).
    pub fn follow(&self, sale_id: &str) {
        let notify = {
            let mut followed = self
                .inner
                .followed
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if followed.contains_key(sale_id) {
                return;
            }
            let n = Arc::new(Notify::new());
            followed.insert(sale_id.to_owned(), n.clone());
            n
        };
        let kasse = self.clone();
        let id = sale_id.to_owned();
        tokio::spawn(async move {
            kasse.follow_loop(&id, notify).await;
            kasse
                .inner
                .followed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        });
    }

    /// Wakes the watcher of a sale now (e.g. the webview saw the return URL).
    pub fn check_now(&self, sale_id: &str) {
        let followed = self
            .inner
            .followed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = followed.get(sale_id) {
            n.notify_one();
        }
    }

    /// Sales followed right now (parked payments included).
    pub fn followed(&self) -> Vec<String> {
        let followed = self
            .inner
            .followed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        followed.keys().cloned().collect()
    }

    async fn follow_loop(&self, sale_id: &str, wake: Arc<Notify>) {
        let started = tokio::time::Instant::now();
        let mut schedule = Schedule::new(self.inner.config.cadence, 0);
        loop {
            let elapsed = started.elapsed().as_millis() as u64;
            let delay = match self.look(sale_id, &mut schedule, elapsed).await {
                Ok(Seen::Settled) => return,
                Ok(Seen::Open(phase)) => {
                    let now = started.elapsed().as_millis() as u64;
                    schedule.next_delay(now, 0, phase)
                }
                Ok(Seen::RetryAfter(d)) => schedule.delay_for_retry_after(d),
                Err(e) => {
                    tracing::warn!(sale = %sale_id, error = %e, "watcher could not read the payment");
                    if matches!(e, CoreError::Store(_) | CoreError::Sale(_)) {
                        return;
                    }
                    let now = started.elapsed().as_millis() as u64;
                    schedule.next_delay(now, 0, Phase::Waiting)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = wake.notified() => {}
            }
        }
    }

    /// One look at a sale: reads what is needed, logs what changed.
    async fn look(
        &self,
        sale_id: &str,
        schedule: &mut Schedule,
        elapsed_ms: u64,
    ) -> Result<Seen, CoreError> {
        let Some(sale) = self.inner.store.sale(sale_id)? else {
            return Ok(Seen::Settled);
        };
        if !sale.is_open() {
            return Ok(Seen::Settled);
        }
        let api = &self.inner.api;
        let Some(session_id) = sale.session_id.clone() else {
            if let Some(tid) = sale.transaction_id.clone() {
                // An imported sale: only its transaction is known.
                schedule.spend(elapsed_ms);
                let tx = api.get_transaction(&tid).await?;
                let sale = self.observe_transaction(&sale, &tx, "poll")?;
                return Ok(if sale.is_open() {
                    Seen::Open(Phase::Waiting)
                } else {
                    Seen::Settled
                });
            }
            return self.look_up_lost_charge(&sale, schedule, elapsed_ms).await;
        };
        schedule.spend(elapsed_ms);
        let session = match api.get_session(&session_id).await {
            Ok(s) => s,
            Err(ApiError::RateLimited { retry_after }) => {
                return Ok(Seen::RetryAfter(
                    retry_after.unwrap_or(Duration::from_secs(1)),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let transaction_id = session
            .transaction_id
            .clone()
            .or(sale.transaction_id.clone());
        if let Some(tid) = transaction_id {
            schedule.spend(elapsed_ms);
            let tx = match api.get_transaction(&tid).await {
                Ok(t) => t,
                Err(ApiError::RateLimited { retry_after }) => {
                    return Ok(Seen::RetryAfter(
                        retry_after.unwrap_or(Duration::from_secs(1)),
                    ))
                }
                Err(e) => return Err(e.into()),
            };
            let sale = self.observe_transaction(&sale, &tx, "poll")?;
            return Ok(if sale.is_open() {
                Seen::Open(if tx.status == TransactionStatus::Initiated {
                    Phase::Paying
                } else {
                    Phase::Waiting
                })
            } else {
                Seen::Settled
            });
        }
        if session.cancelled_at.is_some() {
            self.observe(
                &sale,
                SaleStatus::Cancelled,
                None,
                snapshot(&session),
                "poll",
            )?;
            return Ok(Seen::Settled);
        }
        let now = self.inner.clock.now();
        if session
            .expires_at
            .or(sale.expires_at)
            .is_some_and(|e| now >= e)
        {
            self.expire(&sale).await?;
            return Ok(Seen::Settled);
        }
        if session.visited() {
            if sale.status == SaleStatus::Waiting {
                self.observe(&sale, SaleStatus::Paying, None, snapshot(&session), "poll")?;
            }
            return Ok(Seen::Open(Phase::Paying));
        }
        Ok(Seen::Open(Phase::Waiting))
    }

    /// A charge whose create-session answer was lost: the session id is unknown, but a payment
    /// would carry the merchant reference. Look for it until the checkout would have expired.
    async fn look_up_lost_charge(
        &self,
        sale: &Sale,
        schedule: &mut Schedule,
        elapsed_ms: u64,
    ) -> Result<Seen, CoreError> {
        schedule.spend(elapsed_ms);
        let query = TransactionQuery {
            merchant_reference: Some(sale.merchant_reference.clone()),
            ..TransactionQuery::default()
        };
        let found = self.inner.api.list_transactions(&query).await?;
        if let Some(tx) = found.first() {
            let sale = self.observe_transaction(sale, tx, "poll")?;
            return Ok(if sale.is_open() {
                Seen::Open(Phase::Waiting)
            } else {
                Seen::Settled
            });
        }
        let deadline =
            sale.created_at + self.inner.config.session_ttl + self.inner.config.reconcile_grace;
        if self.inner.clock.now() >= deadline {
            self.append(
                &sale.id,
                &LogEvent::ChargeFailed {
                    error_code: "no_checkout".into(),
                    message: "the checkout was never shown (the answer to creating it was lost) and no payment arrived before it expired".into(),
                    outcome_unknown: false,
                },
            )?;
            return Ok(Seen::Settled);
        }
        Ok(Seen::Open(Phase::Waiting))
    }

    /// The session expired without a payment: cancel it so nothing can slip through, then
    /// record what Dintero shows (a late payment is recorded as what it is, never hidden).
    async fn expire(&self, sale: &Sale) -> Result<(), CoreError> {
        let session = self.cancel_session_logged(sale, "expired").await?;
        let sale = self.find(&sale.id)?;
        if let Some(tid) = session.as_ref().and_then(|s| s.transaction_id.clone()) {
            let tx = self.inner.api.get_transaction(&tid).await?;
            self.append(
                &sale.id,
                &LogEvent::Note {
                    text: "a payment arrived as the checkout expired; it is recorded with its true status".into(),
                },
            )?;
            self.observe_transaction(&sale, &tx, "poll")?;
        } else if sale.is_open() || sale.status == SaleStatus::Cancelled {
            let snap = session.as_ref().map(snapshot).unwrap_or(Value::Null);
            self.observe(&sale, SaleStatus::Expired, None, snap, "poll")?;
        }
        Ok(())
    }

    /// Logs what a transaction shows about a sale, if it changed anything.
    pub(crate) fn observe_transaction(
        &self,
        sale: &Sale,
        tx: &Transaction,
        source: &str,
    ) -> Result<Sale, CoreError> {
        let status = SaleStatus::from_dintero(tx.status.as_str());
        self.observe(sale, status, Some(tx), snapshot(tx), source)
    }

    /// Appends a `StatusObserved` when status, transaction or totals differ from the log.
    pub(crate) fn observe(
        &self,
        sale: &Sale,
        status: SaleStatus,
        tx: Option<&Transaction>,
        snapshot: Value,
        source: &str,
    ) -> Result<Sale, CoreError> {
        let (captured, refunded) = tx
            .map(|t| (t.captured(), t.refunded()))
            .unwrap_or((sale.captured, sale.refunded));
        let transaction_id = tx.map(|t| t.id.clone());
        let unchanged = sale.status == status
            && sale.captured == captured
            && sale.refunded == refunded
            && (transaction_id.is_none() || transaction_id == sale.transaction_id);
        if unchanged {
            return Ok(sale.clone());
        }
        tracing::info!(sale = %sale.id, from = %sale.status, to = %status, source, "status changed");
        self.append(
            &sale.id,
            &LogEvent::StatusObserved {
                status,
                transaction_id,
                captured,
                refunded,
                source: source.to_owned(),
                snapshot,
            },
        )
    }

    /// The checkout webview reached the return URL: confirm with one API read and log it.
    /// `url` is the return URL with Dintero's query parameters.
    pub async fn confirm_return(&self, sale_id: &str, url: &str) -> Result<Sale, CoreError> {
        let sale = self.find(sale_id)?;
        let parsed = url::Url::parse(url)
            .map_err(|e| CoreError::input("return_url", format!("not a URL: {e}")))?;
        let tid = parsed
            .query_pairs()
            .find(|(k, _)| k == "transaction_id")
            .map(|(_, v)| v.into_owned())
            .or(sale.transaction_id.clone());
        let result = match tid {
            Some(tid) => {
                let tx = self.inner.api.get_transaction(&tid).await?;
                self.observe_transaction(&sale, &tx, "webview")?
            }
            None => {
                // No transaction (cancelled or failed on the page): the watcher reads the session.
                self.check_now(&sale.id);
                sale
            }
        };
        Ok(result)
    }

    /// Follows a sale until it settles, calling `on_change` for each change (and once at the
    /// start with the current state). Returns the settled sale.
    pub async fn wait_settled(
        &self,
        id: &str,
        mut on_change: impl FnMut(&Sale),
    ) -> Result<Sale, CoreError> {
        let mut rx = self.subscribe();
        let sale = self.find(id)?;
        on_change(&sale);
        if !sale.is_open() {
            return Ok(sale);
        }
        self.follow(&sale.id);
        loop {
            match rx.recv().await {
                Ok(SaleChange { sale: s, .. }) if s.id == sale.id => {
                    on_change(&s);
                    if !s.is_open() {
                        return Ok(s);
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let s = self.find(&sale.id)?;
                    if !s.is_open() {
                        on_change(&s);
                        return Ok(s);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    return self.find(&sale.id)
                }
            }
        }
    }

    /// Cancels the sale's session as a logged operation (intent first). Returns the session
    /// as re-read, when Dintero answered.
    pub(crate) async fn cancel_session_logged(
        &self,
        sale: &Sale,
        why: &str,
    ) -> Result<Option<Session>, CoreError> {
        let Some(session_id) = sale.session_id.clone() else {
            return Ok(None);
        };
        let op_id = self.inner.ids.new_id();
        let n = sale
            .operations
            .iter()
            .filter(|o| o.kind == OpKind::Cancel)
            .count()
            + 1;
        let reference = format!("{}-X{n}", sale.merchant_reference);
        self.append(
            &sale.id,
            &LogEvent::OperationRequested {
                op_id: op_id.clone(),
                kind: OpKind::Cancel,
                amount: None,
                lines: Value::Null,
                reference,
                reason: Some(why.to_owned()),
            },
        )?;
        match self.inner.api.cancel_session(&session_id).await {
            Ok(session) => {
                self.append(
                    &sale.id,
                    &LogEvent::OperationSucceeded {
                        op_id,
                        snapshot: snapshot(&session),
                    },
                )?;
                Ok(Some(session))
            }
            Err(e) if e.is_outcome_uncertain() => {
                self.append(
                    &sale.id,
                    &LogEvent::OperationUnknown {
                        op_id: op_id.clone(),
                        message: e.to_string(),
                    },
                )?;
                // Cancel is safe to check at once: re-read the session.
                let session = self.inner.api.get_session(&session_id).await?;
                self.append(
                    &sale.id,
                    &LogEvent::OperationReconciled {
                        op_id,
                        applied: session.cancelled_at.is_some(),
                        snapshot: snapshot(&session),
                    },
                )?;
                Ok(Some(session))
            }
            Err(e) => {
                self.append(
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
}

/// A Dintero object as the JSON snapshot that proves an event.
pub(crate) fn snapshot<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
