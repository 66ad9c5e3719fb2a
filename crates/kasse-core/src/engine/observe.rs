//! Logging what Dintero shows about a sale: a status observation appended only when it changes
//! the view and is not older than what the log already shows, and the return URL confirmed by
//! one read.

use dintero_client::Transaction;
use serde_json::Value;

use super::{lock, Kasse};
use crate::error::CoreError;
use crate::sale::{LogEvent, Sale, SaleStatus};

impl Kasse {
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

    /// Appends a `StatusObserved` when status, transaction or totals differ from the log, and
    /// returns the sale as logged now.
    ///
    /// The comparison is made against the log as it is *now* (not the caller's copy, which may
    /// be stale after an API call), under a lock, and an observation older than what the log
    /// already shows is dropped: a watcher whose read was overtaken by a capture (or a cancel
    /// that voided the payment) must not log the sale back to `authorized`.
    pub(crate) fn observe(
        &self,
        sale: &Sale,
        status: SaleStatus,
        tx: Option<&Transaction>,
        snapshot: Value,
        source: &str,
    ) -> Result<Sale, CoreError> {
        let _guard = lock(&self.inner.observing);
        let sale = self
            .inner
            .store
            .sale(&sale.id)?
            .unwrap_or_else(|| sale.clone());
        let (captured, refunded) = tx
            .map(|t| (t.captured(), t.refunded()))
            .unwrap_or((sale.captured, sale.refunded));
        let transaction_id = tx.map(|t| t.id.clone());
        let unchanged = sale.status == status
            && sale.captured == captured
            && sale.refunded == refunded
            && (transaction_id.is_none() || transaction_id == sale.transaction_id);
        if unchanged {
            return Ok(sale);
        }
        if is_stale(&sale, status, transaction_id.as_deref(), captured, refunded) {
            tracing::debug!(sale = %sale.id, logged = %sale.status, seen = %status, source, "stale observation dropped");
            return Ok(sale);
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
                if belongs_to(&tx, &sale) {
                    self.observe_transaction(&sale, &tx, "webview")?
                } else {
                    // A URL naming someone else's payment proves nothing about this sale.
                    tracing::warn!(sale = %sale.id, transaction = %tx.id, "return URL names another sale's transaction; ignored");
                    self.check_now(&sale.id);
                    sale
                }
            }
            None => {
                // No transaction (cancelled or failed on the page): the watcher reads the session.
                self.check_now(&sale.id);
                sale
            }
        };
        Ok(result)
    }
}

/// A Dintero object as the JSON snapshot that proves an event. A customer's phone number (a
/// payment link's) is personal data Kasse needs no more once the link is sent: the log keeps
/// it masked, here as in the sale's note.
pub(crate) fn snapshot<T: serde::Serialize>(v: &T) -> Value {
    let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
    mask_phone_numbers(&mut value);
    value
}

/// Masks `customer.phone_number` in a session or transaction, and in the session a
/// transaction carries (`includes=session`).
fn mask_phone_numbers(value: &mut Value) {
    let Value::Object(object) = value else {
        return;
    };
    if let Some(Value::Object(customer)) = object.get_mut("customer") {
        if let Some(Value::String(number)) = customer.get_mut("phone_number") {
            *number = crate::phone::PhoneNumber::parse(number)
                .map(|p| p.masked())
                .unwrap_or_else(|_| "•••".to_owned());
        }
    }
    if let Some(session) = object.get_mut("session") {
        mask_phone_numbers(session);
    }
}

/// Whether a transaction is this sale's: its own transaction id, else the same session, else
/// (a lost charge: no session known) the same merchant reference.
pub(super) fn belongs_to(tx: &Transaction, sale: &Sale) -> bool {
    if let Some(known) = &sale.transaction_id {
        return *known == tx.id;
    }
    match (&sale.session_id, &tx.session_id) {
        (Some(mine), Some(theirs)) => mine == theirs,
        (Some(_), None) => false,
        // By reference only when the money agrees too: another counter may have used the
        // same reference for another payment.
        (None, _) => {
            !sale.merchant_reference.is_empty()
                && tx.merchant_reference.as_deref() == Some(sale.merchant_reference.as_str())
                && tx.amount == sale.amount
                && tx.currency.eq_ignore_ascii_case(&sale.currency)
        }
    }
}

/// How far a status is along the way a payment goes, for telling a stale observation from a
/// newer one when the totals are equal: waiting → paying → on hold → authorised → the rest.
fn progress(status: SaleStatus) -> u8 {
    match status {
        SaleStatus::Creating | SaleStatus::Waiting | SaleStatus::Unknown => 0,
        SaleStatus::Paying => 1,
        SaleStatus::OnHold => 2,
        SaleStatus::Authorized => 3,
        _ => 4,
    }
}

/// Whether an observation is older than what the log shows. Dintero's captured and refunded
/// totals only grow, and with equal totals a transaction only moves forward; a session-level
/// observation (no transaction) is stale once the log knows the payment. A payment appearing on
/// a sale without one (e.g. after a cancel or expiry) is never stale: it is surfaced.
fn is_stale(
    logged: &Sale,
    status: SaleStatus,
    transaction_id: Option<&str>,
    captured: i64,
    refunded: i64,
) -> bool {
    match (transaction_id, logged.transaction_id.as_deref()) {
        (Some(seen), Some(known)) if seen == known => {
            captured < logged.captured
                || refunded < logged.refunded
                || (captured == logged.captured
                    && refunded == logged.refunded
                    && status != SaleStatus::Unknown
                    && progress(status) < progress(logged.status))
        }
        (Some(_), _) => false,
        (None, Some(_)) => true,
        (None, None) => progress(status) < progress(logged.status),
    }
}
