//! The payment watcher: one task per followed sale, following session → transaction until the
//! sale settles, at the cadence of [`crate::cadence`]. A sale is followed while its payment is
//! open and, when its session asked for auto-capture, after the authorisation until the
//! capture shows or fails ([`Sale::is_followed`]); "can it still be cancelled" is the narrower
//! [`Sale::is_open`], which cancel and expiry use.

use std::sync::Arc;
use std::time::Duration;

use dintero_client::{Error as ApiError, Transaction, TransactionQuery, TransactionStatus};
use serde_json::Value;
use tokio::sync::{broadcast, Notify};

use super::observe::{belongs_to, snapshot};
use super::{lock, Kasse, SaleChange};
use crate::cadence::{Phase, Schedule};
use crate::error::CoreError;
use crate::sale::{LogEvent, OpKind, Sale, SaleStatus};
use crate::store::StoreError;

/// How long [`Kasse::wait_settled`] waits for a broadcast before it re-reads the log.
const RECHECK: Duration = Duration::from_secs(2);

/// What one look at a sale found.
enum Seen {
    /// Keep following at this phase's cadence.
    Open(Phase),
    /// The sale settled.
    Settled,
}

impl Seen {
    /// Settled, or open at the waiting cadence.
    fn from_sale(sale: &Sale) -> Seen {
        if sale.is_followed() {
            Seen::Open(Phase::Waiting)
        } else {
            Seen::Settled
        }
    }
}

/// A sale's entry in [`super::Inner::followed`], removed when the watcher task ends.
struct Registered {
    kasse: Kasse,
    id: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.kasse.inner.followed).remove(&self.id);
    }
}

impl Kasse {
    /// Starts following a sale (no-op when it is followed already).
    pub fn follow(&self, sale_id: &str) {
        let notify = {
            let mut followed = lock(&self.inner.followed);
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
            // Unregisters on every way out, a panic included, so a later `follow` starts anew.
            let registered = Registered {
                kasse: kasse.clone(),
                id: id.clone(),
            };
            let settled = kasse.follow_loop(&id, notify).await;
            drop(registered);
            // A `follow` that came while this task was finishing found it still registered and
            // did nothing: if the sale is open again, follow it anew.
            if settled && matches!(kasse.inner.store.sale(&id), Ok(Some(s)) if s.is_followed()) {
                kasse.follow(&id);
            }
        });
    }

    /// Wakes the watcher of a sale now (e.g. the webview saw the return URL); whether the sale
    /// had one to wake.
    pub fn check_now(&self, sale_id: &str) -> bool {
        let followed = lock(&self.inner.followed);
        followed.get(sale_id).map(|n| n.notify_one()).is_some()
    }

    /// Sales followed right now (parked payments included).
    pub fn followed(&self) -> Vec<String> {
        let followed = lock(&self.inner.followed);
        followed.keys().cloned().collect()
    }

    /// Follows a sale until it settles (returns `true`) or the log fails (returns `false`).
    async fn follow_loop(&self, sale_id: &str, wake: Arc<Notify>) -> bool {
        let started = tokio::time::Instant::now();
        let mut schedule = Schedule::new(self.inner.config.cadence, 0);
        loop {
            let elapsed = started.elapsed().as_millis() as u64;
            let delay = match self.look(sale_id, &mut schedule, elapsed).await {
                Ok(Seen::Settled) => return true,
                Ok(Seen::Open(phase)) => {
                    let now = started.elapsed().as_millis() as u64;
                    schedule.next_delay(now, 0, phase)
                }
                // Dintero asked us to slow down (whichever read it was): wait as told.
                Err(CoreError::Dintero(ApiError::RateLimited { retry_after })) => {
                    tracing::info!(sale = %sale_id, ?retry_after, "rate limited; the watcher waits");
                    schedule.delay_for_retry_after(retry_after.unwrap_or(Duration::from_secs(1)))
                }
                Err(e) => {
                    tracing::warn!(sale = %sale_id, error = %e, "watcher could not read the payment");
                    // A log that cannot be written stops the watcher (wait_settled or the next
                    // start resumes it); an event refused because another writer got there
                    // first is a race, and the next look sees the result.
                    let raced = matches!(
                        e,
                        CoreError::Store(StoreError::Rejected { .. } | StoreError::Conflict { .. })
                    );
                    if !raced && matches!(e, CoreError::Store(_) | CoreError::Sale(_)) {
                        return false;
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
        if !sale.is_followed() {
            return Ok(Seen::Settled);
        }
        let api = &self.inner.api;
        if let Some(tid) = sale.transaction_id.clone() {
            // Once the payment is known its transaction says everything (a cancelled session
            // voids it; an expired one no longer matters): one read per look.
            schedule.spend(elapsed_ms);
            let tx = api.get_transaction(&tid).await?;
            let open_checkout = sale.session_id.is_some();
            return self.seen_payment(&sale, &tx, open_checkout).await;
        }
        let Some(session_id) = sale.session_id.clone() else {
            return self.look_up_lost_charge(&sale, schedule, elapsed_ms).await;
        };
        schedule.spend(elapsed_ms);
        let session = api.get_session(&session_id).await?;
        if let Some(tid) = session.transaction_id.clone() {
            schedule.spend(elapsed_ms);
            let tx = api.get_transaction(&tid).await?;
            return self
                .seen_payment(&sale, &tx, session.cancelled_at.is_none())
                .await;
        }
        if session.cancelled_at.is_some() {
            let sale = self.observe(
                &sale,
                SaleStatus::Cancelled,
                None,
                snapshot(&session),
                "poll",
            )?;
            return Ok(Seen::from_sale(&sale));
        }
        let now = self.inner.clock.now();
        if session
            .expires_at
            .or(sale.expires_at)
            .is_some_and(|e| now >= e)
        {
            self.expire(&sale).await?;
            return Ok(Seen::from_sale(&self.find(&sale.id)?));
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
        let found = self.inner.api.list_transactions_page(&query).await?;
        if let Some(tx) = found.transactions.iter().find(|tx| belongs_to(tx, sale)) {
            return self.seen_transaction(sale, tx, "poll");
        }
        let deadline =
            sale.created_at + self.inner.config.session_ttl + self.inner.config.reconcile_grace;
        if self.inner.clock.now() >= deadline {
            // Under the observation lock: a sync that linked the payment meanwhile wins.
            let _guard = lock(&self.inner.observing);
            let Some(sale) = self.inner.store.sale(&sale.id)? else {
                return Ok(Seen::Settled);
            };
            if sale.transaction_id.is_some() || sale.session_id.is_some() || !sale.is_open() {
                return Ok(Seen::from_sale(&sale));
            }
            self.append(
                &sale.id,
                &LogEvent::ChargeFailed {
                    error_code: crate::timeline::NO_CHECKOUT.into(),
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
        // Take the sale's turn, like a cashier's cancel: whichever comes second sees the first.
        let _turn = self.operating(&sale.id).await;
        let sale = &self.find(&sale.id)?;
        if !sale.is_open() {
            return Ok(());
        }
        let session = match self.cancel_session_logged(sale, "expired").await {
            Ok(session) => session,
            // Dintero refused the cancel (an expired session, or a payment that went further
            // than a cancel can undo): what it shows now decides, not another cancel at the
            // next look, which would be refused again for ever.
            Err(CoreError::Dintero(e)) if !e.is_outcome_uncertain() && e.status().is_some() => {
                tracing::info!(sale = %sale.id, error = %e, "expiry cancel refused; reading the session");
                match &sale.session_id {
                    Some(sid) => Some(self.inner.api.get_session(sid).await?),
                    None => None,
                }
            }
            Err(e) => return Err(e),
        };
        let sale = self.find(&sale.id)?;
        if let Some(tid) = session.as_ref().and_then(|s| s.transaction_id.clone()) {
            let tx = self.inner.api.get_transaction(&tid).await?;
            self.append(
                &sale.id,
                &LogEvent::Note {
                    text: crate::timeline::PAID_AS_EXPIRED_NOTE.into(),
                },
            )?;
            self.observe_transaction(&sale, &tx, "poll")?;
        } else if sale.is_open() || sale.status == SaleStatus::Cancelled {
            let snap = session.as_ref().map(snapshot).unwrap_or(Value::Null);
            self.observe(&sale, SaleStatus::Expired, None, snap, "poll")?;
        }
        Ok(())
    }

    /// What the watcher does with the sale's transaction: logs it, and when the payment failed
    /// or was declined and the checkout may still be open, closes it.
    async fn seen_payment(
        &self,
        sale: &Sale,
        tx: &Transaction,
        open_checkout: bool,
    ) -> Result<Seen, CoreError> {
        let seen = self.seen_transaction(sale, tx, "poll")?;
        if open_checkout
            && matches!(
                tx.status,
                TransactionStatus::Failed | TransactionStatus::Declined
            )
        {
            self.close_failed_checkout(&sale.id).await;
        }
        Ok(seen)
    }

    /// The payment failed or was declined: the sale ends, and its checkout is cancelled so
    /// that it cannot be paid later unseen (a customer trying again on the same QR after the
    /// counter moved on). Dintero may refuse the cancel (its one transaction is final then,
    /// dintero-api.md §7); the refusal is logged like any operation and changes nothing else.
    async fn close_failed_checkout(&self, sale_id: &str) {
        let _turn = self.operating(sale_id).await;
        let Ok(sale) = self.find(sale_id) else {
            return;
        };
        if sale.operations.iter().any(|o| o.kind == OpKind::Cancel) {
            return;
        }
        if let Err(e) = self
            .cancel_session_logged(&sale, "payment failed: closing the checkout")
            .await
        {
            tracing::info!(sale = %sale.id, error = %e, "the checkout of a failed payment was not cancelled");
        }
    }

    /// Logs what a transaction shows and says how to go on following.
    fn seen_transaction(
        &self,
        sale: &Sale,
        tx: &Transaction,
        source: &str,
    ) -> Result<Seen, CoreError> {
        let sale = self.observe_transaction(sale, tx, source)?;
        Ok(if !sale.is_followed() {
            Seen::Settled
        } else if tx.status == TransactionStatus::Initiated {
            Seen::Open(Phase::Paying)
        } else {
            Seen::Open(Phase::Waiting)
        })
    }

    /// Looks at an open sale once, now (what the watcher does on each tick), and returns it as
    /// logged afterwards; a settled sale is returned as it is. For a shell that keeps no watcher
    /// running (kasse-cli: one process per command), so that a payment made while nobody was
    /// watching is seen before anything acts on the sale.
    pub async fn refresh(&self, id: &str) -> Result<Sale, CoreError> {
        let sale = self.find(id)?;
        if sale.is_followed() {
            let mut schedule = Schedule::new(self.inner.config.cadence, 0);
            self.look(&sale.id, &mut schedule, 0).await?;
        }
        self.find(&sale.id)
    }

    /// Follows a sale until it settles, calling `on_change` for each change (and once at the
    /// start with the current state). Returns the settled sale: with auto-capture, once the
    /// capture showed or failed, however long Dintero takes.
    pub async fn wait_settled(
        &self,
        id: &str,
        mut on_change: impl FnMut(&Sale),
    ) -> Result<Sale, CoreError> {
        let mut rx = self.subscribe();
        let sale = self.find(id)?;
        on_change(&sale);
        if !sale.is_followed() {
            return Ok(sale);
        }
        self.follow(&sale.id);
        let mut last = sale.clone();
        loop {
            // A quiet while (or a lagging receiver) re-reads the log, and makes sure a watcher
            // still follows the sale (one that stopped on a log error is started again).
            let received = tokio::time::timeout(RECHECK, rx.recv()).await;
            let current = match received {
                Ok(Ok(SaleChange { sale: s, .. })) if s.id == sale.id => s,
                Ok(Ok(_)) => continue,
                Ok(Err(broadcast::error::RecvError::Closed)) => return self.find(&sale.id),
                Ok(Err(broadcast::error::RecvError::Lagged(_))) | Err(_) => {
                    let s = self.find(&sale.id)?;
                    if s.is_followed() {
                        self.follow(&s.id);
                    }
                    if s == last {
                        continue;
                    }
                    s
                }
            };
            on_change(&current);
            if !current.is_followed() {
                return Ok(current);
            }
            last = current;
        }
    }
}
