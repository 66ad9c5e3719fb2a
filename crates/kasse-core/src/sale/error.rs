//! Why the reducer refused an event, and the field checks it makes.

use super::{OpKind, OpState};

/// Why an event was refused for a sale ([`Sale::validate`](super::Sale::validate), [`Sale::open`](super::Sale::open)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    /// A sale must start with `sale_opened` or `imported`.
    #[error("a sale must start with sale_opened or imported, not {kind}")]
    NotAnOpeningEvent {
        /// The event kind given.
        kind: &'static str,
    },
    /// `sale_opened` / `imported` on a sale that exists.
    #[error("the sale is already opened")]
    AlreadyOpened,
    /// A field is missing or out of range.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// One sale per session.
    #[error("the sale already has session {session_id}")]
    SessionAlreadySet {
        /// The session it has.
        session_id: String,
    },
    /// The outcome names an operation the sale does not have.
    #[error("unknown operation {op_id}")]
    UnknownOperation {
        /// The operation id.
        op_id: String,
    },
    /// `operation_requested` with an id already used.
    #[error("operation {op_id} already exists")]
    DuplicateOperation {
        /// The operation id.
        op_id: String,
    },
    /// Two operations of one sale must not share a reference (reconciliation matches on it).
    #[error("reference {reference:?} is already used by another operation of this sale")]
    DuplicateReference {
        /// The reference.
        reference: String,
    },
    /// An operation was already asked for with this idempotency key.
    #[error("operation {op_id} was already asked for with key {key:?}")]
    DuplicateKey {
        /// The key.
        key: String,
        /// The operation that has it.
        op_id: String,
    },
    /// Another writer added an operation after the requester checked the sale.
    #[error("the sale has {actual} operations, not the {expected} it was checked with")]
    StaleBasis {
        /// Operations the requester saw.
        expected: u32,
        /// Operations the sale has.
        actual: u32,
    },
    /// An operation whose outcome is unknown must be settled before another is sent.
    #[error("operation {op_id} ({kind}) has no known outcome yet")]
    OutcomePending {
        /// The operation.
        op_id: String,
        /// Its kind.
        kind: OpKind,
    },
    /// The operation already has a final outcome.
    #[error("operation {op_id} is already {state}")]
    OperationClosed {
        /// The operation id.
        op_id: String,
        /// Its final state.
        state: OpState,
    },
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> SaleError {
    SaleError::InvalidField {
        field,
        reason: reason.into(),
    }
}

pub(super) fn non_empty(field: &'static str, s: &str) -> Result<(), SaleError> {
    if s.trim().is_empty() {
        Err(invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

pub(super) fn non_negative(field: &'static str, v: i64) -> Result<(), SaleError> {
    if v < 0 {
        Err(invalid(field, format!("must not be negative (got {v})")))
    } else {
        Ok(())
    }
}
