//! The engine's error: everything a cashier action can fail with, each with a stable code.

use crate::order::{LinePartError, OrderError};
use crate::qr::QrError;
use crate::sale::SaleError;
use crate::store::StoreError;

/// What went wrong in a Kasse action. `Display` is a sentence for a person; [`CoreError::code`]
/// is one of a closed set of codes that the shells map to their own wording.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The order is invalid (names the field).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// A refund/capture by lines asks for more than is left of a line, or nothing.
    #[error(transparent)]
    LinePart(#[from] LinePartError),
    /// Any other input that is wrong, with the field and what to fix.
    #[error("{field}: {message}")]
    InvalidInput {
        /// The field at fault.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No sale matches the id, session id, transaction id or reference given.
    #[error(
        "no sale matches {0:?}: check the reference, or run sync to import sales made elsewhere"
    )]
    NotFound(String),
    /// The sale is in a state where the action is not possible.
    #[error("{0}")]
    InvalidState(String),
    /// The amount asked for is more than is left (checked before calling Dintero).
    #[error("{0}")]
    AmountExceeds(String),
    /// An earlier operation on this sale has no known outcome yet; nothing new is sent until it
    /// is settled, so nothing can happen twice.
    #[error("the outcome of an earlier {kind} on this sale is still being checked with Dintero; try again in a minute (or run sync)")]
    PendingOperation {
        /// The kind of the pending operation.
        kind: String,
    },
    /// The call may or may not have reached Dintero; it is logged and will be reconciled.
    #[error(
        "Dintero's answer was lost ({0}); Kasse will check the result before anything is retried"
    )]
    OutcomeUnknown(String),
    /// Dintero (or the network) said no.
    #[error(transparent)]
    Dintero(#[from] dintero_client::Error),
    /// The local log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The log refused an event (a bug, or a database edited by hand).
    #[error(transparent)]
    Sale(#[from] SaleError),
    /// The checkout URL could not be drawn as a QR code.
    #[error(transparent)]
    Qr(#[from] QrError),
}

impl CoreError {
    /// A stable code from a closed set: `invalid_input`, `not_found`, `invalid_state`,
    /// `amount_exceeds`, `unauthorized`, `network`, `outcome_unknown`, `dintero`, `storage`,
    /// `internal`.
    pub fn code(&self) -> &'static str {
        use dintero_client::Error as E;
        match self {
            CoreError::Order(_) | CoreError::LinePart(_) | CoreError::InvalidInput { .. } => {
                "invalid_input"
            }
            CoreError::NotFound(_) => "not_found",
            CoreError::InvalidState(_) | CoreError::PendingOperation { .. } => "invalid_state",
            CoreError::AmountExceeds(_) => "amount_exceeds",
            CoreError::OutcomeUnknown(_) => "outcome_unknown",
            CoreError::Dintero(e) => match e {
                E::Unauthorized { .. } | E::Forbidden { .. } => "unauthorized",
                E::Timeout { .. } | E::Transport { .. } | E::RateLimited { .. } => "network",
                E::OutcomeUnknown { .. } => "outcome_unknown",
                E::NotFound { .. } => "not_found",
                E::InvalidConfig { .. } | E::InvalidArgument { .. } => "invalid_input",
                // Dintero's own refusals that mean the same as the local checks.
                E::Api {
                    status: 400..=499,
                    code: Some(code),
                    ..
                } => match code.as_str() {
                    "invalid_state" => "invalid_state",
                    c if c.starts_with("amount_exceeds") => "amount_exceeds",
                    _ => "dintero",
                },
                _ => "dintero",
            },
            // A bad argument caught by the store is the caller's input, not a failing log.
            CoreError::Store(StoreError::InvalidCursor | StoreError::InvalidInput { .. }) => {
                "invalid_input"
            }
            CoreError::Store(_) => "storage",
            CoreError::Sale(_) | CoreError::Qr(_) => "internal",
        }
    }

    /// The field at fault, when the error is about one.
    pub fn field(&self) -> Option<String> {
        match self {
            CoreError::Order(e) => Some(e.field().to_owned()),
            CoreError::LinePart(e) => Some(e.field()),
            CoreError::InvalidInput { field, .. } => Some(field.clone()),
            CoreError::Store(StoreError::InvalidInput { field, .. }) => Some((*field).to_owned()),
            CoreError::Store(StoreError::InvalidCursor) => Some("cursor".to_owned()),
            _ => None,
        }
    }

    /// An [`CoreError::InvalidInput`] for `field`.
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> CoreError {
        CoreError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<&str>) -> CoreError {
        CoreError::Dintero(dintero_client::Error::Api {
            status,
            code: code.map(str::to_owned),
            message: "m".into(),
            errors: vec![],
        })
    }

    #[test]
    fn dintero_refusals_map_to_the_local_codes() {
        assert_eq!(api(400, Some("invalid_state")).code(), "invalid_state");
        assert_eq!(
            api(400, Some("amount_exceeds_capturable")).code(),
            "amount_exceeds"
        );
        assert_eq!(
            api(400, Some("amount_exceeds_refundable")).code(),
            "amount_exceeds"
        );
        assert_eq!(api(400, Some("amount_mismatch")).code(), "dintero");
        assert_eq!(api(400, None).code(), "dintero");
        // A 5xx is never a refusal: its outcome is uncertain.
        assert_eq!(api(503, Some("invalid_state")).code(), "dintero");
        let lost = CoreError::Dintero(dintero_client::Error::OutcomeUnknown {
            method: "POST".into(),
            path: "/v1/transactions/x/capture".into(),
            reason: "connection lost".into(),
        });
        assert_eq!(lost.code(), "outcome_unknown");
        assert_eq!(
            CoreError::PendingOperation {
                kind: "refund".into()
            }
            .code(),
            "invalid_state"
        );
    }

    #[test]
    fn bad_arguments_caught_by_the_store_are_input_errors() {
        let e = CoreError::Store(StoreError::InvalidCursor);
        assert_eq!(
            (e.code(), e.field().as_deref()),
            ("invalid_input", Some("cursor"))
        );
        let e = CoreError::Store(StoreError::InvalidInput {
            field: "limit",
            reason: "too large".into(),
        });
        assert_eq!(
            (e.code(), e.field().as_deref()),
            ("invalid_input", Some("limit"))
        );
        let e = CoreError::Store(StoreError::CommitFailed("disk full".into()));
        assert_eq!(e.code(), "storage");
    }
}
