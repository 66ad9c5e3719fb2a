//! Sync: import and refresh sales from `GET /v1/transactions`, settle pending operations, and
//! follow whatever is still open. A sale made at another counter, or one this counter lost,
//! becomes findable (and refundable) here.

use dintero_client::TransactionQuery;
use serde::Serialize;
use time::OffsetDateTime;

use super::observe::snapshot;
use super::Kasse;
use crate::error::CoreError;
use crate::sale::LogEvent;

const LAST_SYNC_KEY: &str = "sync.last_started_at";

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Transactions read from Dintero.
    pub seen: u32,
    /// Sales that were not in the log and are now.
    pub imported: u32,
    /// Sales whose status or totals changed.
    pub updated: u32,
    /// Pending operations settled.
    pub reconciled: u32,
    /// Transactions in Dintero's answer that could not be read (skipped, logged as warnings;
    /// the others were synced).
    pub unreadable: u32,
}

impl Kasse {
    /// Imports and refreshes transactions created since the last sync (with a day of overlap;
    /// the first sync looks back `first_days`), settles pending operations and resumes
    /// following open sales.
    pub async fn sync(&self, first_days: i64) -> Result<SyncReport, CoreError> {
        // A read-only log could record nothing of what the sync reads.
        if let Some(why) = self.inner.store.read_only() {
            return Err(crate::store::StoreError::JournalBroken(why).into());
        }
        let started = self.inner.clock.now();
        let since = self
            .inner
            .store
            .setting_as::<String>(LAST_SYNC_KEY)?
            .and_then(|s| {
                OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| t - time::Duration::days(1))
            .unwrap_or(started - time::Duration::days(first_days));
        let query = TransactionQuery {
            created_at_gte: Some(since),
            limit: Some(100),
            store_ids: self
                .inner
                .config
                .store
                .iter()
                .map(|s| s.id.clone())
                .collect(),
            ..TransactionQuery::default()
        };
        let scan = self.inner.api.scan_transactions(&query).await?;
        for bad in &scan.unreadable {
            tracing::warn!(transaction = ?bad.id, error = %bad.message, "a transaction Kasse cannot read was skipped by sync");
        }
        let transactions = scan.transactions;
        let mut report = SyncReport {
            seen: transactions.len().try_into().unwrap_or(u32::MAX),
            unreadable: scan.unreadable.len().try_into().unwrap_or(u32::MAX),
            ..SyncReport::default()
        };
        for tx in &transactions {
            let store = &self.inner.store;
            let known = match store.sale_by_transaction(&tx.id)? {
                Some(s) => Some(s),
                None => match tx.session_id.as_deref() {
                    Some(sid) => store.sale_by_session(sid)?,
                    None => None,
                },
            };
            let known = match known {
                Some(s) => Some(s),
                None => match tx.merchant_reference.as_deref() {
                    // A local sale whose session answer was lost carries the same reference.
                    // Linked by reference only when the money agrees too: another counter
                    // (or shop) may use the same reference for a different payment.
                    Some(r) if !r.is_empty() => store.sale_by_reference(r)?.filter(|s| {
                        s.transaction_id.is_none()
                            && (s.session_id.is_none() || s.session_id == tx.session_id)
                            && s.amount == tx.amount
                            && s.currency.eq_ignore_ascii_case(&tx.currency)
                    }),
                    _ => None,
                },
            };
            match known {
                Some(sale) => {
                    // Compare the views, not `updated_at`: the clock may not have moved.
                    let after = self.observe_transaction(&sale, tx, "sync")?;
                    if after != sale {
                        report.updated += 1;
                    }
                }
                None => {
                    let id = self.inner.ids.new_id();
                    self.append(
                        &id,
                        &LogEvent::Imported {
                            snapshot: snapshot(tx),
                        },
                    )?;
                    report.imported += 1;
                }
            }
        }
        report.reconciled = self.reconcile_pending(false).await?;
        for sale in self.inner.store.followed_sales()? {
            self.follow(&sale.id);
        }
        let stamp = started
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        self.inner.store.set_setting(LAST_SYNC_KEY, &stamp)?;
        tracing::info!(?report, "sync done");
        Ok(report)
    }
}
