//! A session's state, derived from the session and (when there is one) its transaction per
//! dintero-api.md §6.2: Dintero has no such field. Apart from both models, which name each other
//! only through this derivation.

use time::OffsetDateTime;

use super::enums::{SessionEventName, TransactionStatus};
use super::session::Session;
use super::transaction::Transaction;

/// The state of a session derived per dintero-api.md §6.2 (Dintero has no such field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Waiting for the customer.
    Open,
    /// The customer is paying (transaction `INITIATED`), or a transaction exists that has not
    /// been read yet.
    InProgress,
    /// `ON_HOLD` (becomes authorized or failed later), or a transaction status this client does
    /// not know: keep watching, do not book it.
    Pending,
    /// Money reserved or taken (AUTHORIZED, CAPTURED, PARTIALLY_*, REFUNDED).
    Paid,
    /// The payment failed (FAILED, DECLINED, UNKNOWN, AUTHORIZATION_VOIDED): start a new session.
    NotPaid,
    /// The session was cancelled (an initiated/authorized transaction was voided by it).
    Cancelled,
    /// `expires_at` passed without a transaction.
    Expired,
}

impl SessionState {
    /// Whether the session will not change any more by itself.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Paid | Self::NotPaid | Self::Cancelled | Self::Expired
        )
    }
}

impl Session {
    /// Derives the state (§6.2) from the session, its transaction when read, and `now`.
    ///
    /// The transaction counts when `transaction_id` names it, or when it points back to this
    /// session (`session_id`). A `transaction_id` without its transaction gives `InProgress`:
    /// read the transaction to know more.
    pub fn state(&self, transaction: Option<&Transaction>, now: OffsetDateTime) -> SessionState {
        if self.cancelled_at.is_some() {
            return SessionState::Cancelled;
        }
        let transaction = transaction.filter(|t| match &self.transaction_id {
            Some(id) => &t.id == id,
            None => t.session_id.as_deref() == Some(self.id.as_str()),
        });
        if let Some(tx) = transaction {
            return match &tx.status {
                status if status.is_paid() => SessionState::Paid,
                status if status.is_not_paid() => SessionState::NotPaid,
                TransactionStatus::Initiated => SessionState::InProgress,
                _ => SessionState::Pending,
            };
        }
        if self.transaction_id.is_some() {
            return SessionState::InProgress;
        }
        match self.expires_at {
            Some(expires_at) if now >= expires_at => SessionState::Expired,
            _ => SessionState::Open,
        }
    }

    /// Whether the customer has opened the checkout (a `VISITED` event).
    pub fn visited(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.name == Some(SessionEventName::Visited))
    }
}
