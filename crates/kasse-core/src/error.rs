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
    /// The phone number typed for a payment link is not one (never repeats the number).
    #[error(transparent)]
    Phone(#[from] crate::phone::PhoneError),
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
    /// The action needs a staff PIN, and none was given.
    #[error("a staff PIN is needed for this")]
    PinRequired,
    /// The PIN given is nobody's.
    #[error("that PIN is not right; {tries_left} more wrong PIN(s) lock PIN actions")]
    PinWrong {
        /// Wrong PINs left before guarded actions lock.
        tries_left: u32,
    },
    /// Too many wrong PINs: guarded actions are locked until `until`.
    #[error("too many wrong PINs: PIN actions are locked for {seconds} s")]
    PinLocked {
        /// When the lock ends.
        until: time::OffsetDateTime,
        /// How long that is from when the action was refused, in whole seconds (rounded up).
        seconds: u64,
    },
    /// The PIN is a cashier's; the action needs the manager's.
    #[error("this needs the manager's PIN")]
    ManagerRequired,
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
    /// A file the person chose (an export) could not be written: the path and the reason.
    #[error("could not write {path}: {reason}")]
    FileWrite {
        /// The file asked for, as given.
        path: String,
        /// Why not, in the system's words (permission denied, no such folder, …).
        reason: String,
    },
    /// The receipt did not reach the printer (what to check is in the message); nothing else
    /// changed.
    #[error(transparent)]
    Printer(#[from] crate::printer::PrintError),
}

/// What kind of error a [`CoreError`] is: a closed set, the one list of codes both shells send
/// (`{"error":{"code",…}}` from kasse-cli, `{code, message}` to the UI, which words each code in
/// the user's language; exported to TypeScript with ts-rs under the `ts` feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Something typed is wrong (the field is named).
    InvalidInput,
    /// No such sale.
    NotFound,
    /// Not possible in the sale's state (or an earlier operation is still being checked).
    InvalidState,
    /// More than is left.
    AmountExceeds,
    /// The action needs a staff PIN.
    PinRequired,
    /// The PIN given is not right (with the tries left).
    PinWrong,
    /// Too many wrong PINs: locked (with until when).
    PinLocked,
    /// The action needs the manager's PIN, not a cashier's.
    ManagerRequired,
    /// Dintero refused the credentials.
    Unauthorized,
    /// Dintero could not be reached.
    Network,
    /// Dintero's answer was lost; Kasse checks the result.
    OutcomeUnknown,
    /// Dintero said no.
    Dintero,
    /// The local log failed.
    Storage,
    /// The log was changed outside Kasse: it is read-only (the row or sale is named).
    JournalBroken,
    /// A file the person chose could not be written (the path and why are in the message).
    FileWrite,
    /// The receipt did not reach the printer (what to check is in the message).
    Printer,
    /// A bug.
    Internal,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::InvalidInput,
        ErrorCode::NotFound,
        ErrorCode::InvalidState,
        ErrorCode::AmountExceeds,
        ErrorCode::PinRequired,
        ErrorCode::PinWrong,
        ErrorCode::PinLocked,
        ErrorCode::ManagerRequired,
        ErrorCode::Unauthorized,
        ErrorCode::Network,
        ErrorCode::OutcomeUnknown,
        ErrorCode::Dintero,
        ErrorCode::Storage,
        ErrorCode::JournalBroken,
        ErrorCode::FileWrite,
        ErrorCode::Printer,
        ErrorCode::Internal,
    ];

    /// The code as sent: `invalid_input`, `pin_wrong`, …
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::AmountExceeds => "amount_exceeds",
            ErrorCode::PinRequired => "pin_required",
            ErrorCode::PinWrong => "pin_wrong",
            ErrorCode::PinLocked => "pin_locked",
            ErrorCode::ManagerRequired => "manager_required",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Network => "network",
            ErrorCode::OutcomeUnknown => "outcome_unknown",
            ErrorCode::Dintero => "dintero",
            ErrorCode::Storage => "storage",
            ErrorCode::JournalBroken => "journal_broken",
            ErrorCode::FileWrite => "file_write",
            ErrorCode::Printer => "printer",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CoreError {
    /// The error's [`ErrorCode`], as its string ([`ErrorCode::as_str`]).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The error's kind, from the closed set [`ErrorCode`].
    pub fn error_code(&self) -> ErrorCode {
        use dintero_client::Error as E;
        use ErrorCode as C;
        match self {
            CoreError::Order(_)
            | CoreError::LinePart(_)
            | CoreError::Phone(_)
            | CoreError::InvalidInput { .. } => C::InvalidInput,
            CoreError::NotFound(_) => C::NotFound,
            CoreError::InvalidState(_) | CoreError::PendingOperation { .. } => C::InvalidState,
            CoreError::AmountExceeds(_) => C::AmountExceeds,
            CoreError::PinRequired => C::PinRequired,
            CoreError::PinWrong { .. } => C::PinWrong,
            CoreError::PinLocked { .. } => C::PinLocked,
            CoreError::ManagerRequired => C::ManagerRequired,
            CoreError::OutcomeUnknown(_) => C::OutcomeUnknown,
            CoreError::Dintero(e) => match e {
                E::Unauthorized { .. } | E::Forbidden { .. } => C::Unauthorized,
                E::Timeout { .. } | E::Transport { .. } | E::RateLimited { .. } => C::Network,
                E::OutcomeUnknown { .. } => C::OutcomeUnknown,
                E::NotFound { .. } => C::NotFound,
                E::InvalidConfig { .. } | E::InvalidArgument { .. } => C::InvalidInput,
                // Dintero's own refusals that mean the same as the local checks.
                E::Api {
                    status: 400..=499,
                    code: Some(code),
                    ..
                } => match code.as_str() {
                    "invalid_state" => C::InvalidState,
                    c if c.starts_with("amount_exceeds") => C::AmountExceeds,
                    _ => C::Dintero,
                },
                _ => C::Dintero,
            },
            // A bad argument caught by the store is the caller's input, not a failing log.
            CoreError::Store(StoreError::InvalidCursor | StoreError::InvalidInput { .. }) => {
                C::InvalidInput
            }
            CoreError::Store(StoreError::JournalBroken(_)) => C::JournalBroken,
            CoreError::Store(StoreError::DayClosedMeanwhile { .. }) => C::InvalidState,
            CoreError::Store(_) => C::Storage,
            CoreError::Sale(_) | CoreError::Qr(_) => C::Internal,
            CoreError::FileWrite { .. } => C::FileWrite,
            CoreError::Printer(_) => C::Printer,
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

    /// Why the log is read-only, when that is what refused the action.
    pub fn journal_broken(&self) -> Option<&crate::store::JournalBroken> {
        match self {
            CoreError::Store(StoreError::JournalBroken(why)) => Some(why),
            _ => None,
        }
    }

    /// A guarded action refused at `now` ([`crate::staff::authorize`]), as the error the shells
    /// show.
    pub fn refused(refusal: crate::staff::Refusal, now: time::OffsetDateTime) -> CoreError {
        use crate::staff::Refusal;
        match refusal {
            Refusal::Required => CoreError::PinRequired,
            Refusal::Wrong { tries_left } => CoreError::PinWrong { tries_left },
            Refusal::NeedsManager => CoreError::ManagerRequired,
            Refusal::Locked { until } => {
                let ms = (until - now).whole_milliseconds().max(0);
                CoreError::PinLocked {
                    until,
                    seconds: u64::try_from((ms + 999) / 1000).unwrap_or(u64::MAX),
                }
            }
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
    fn every_code_has_its_own_string_and_serializes_as_it() {
        let names: std::collections::BTreeSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(CoreError::PinWrong { tries_left: 2 }.code(), "pin_wrong");
        assert_eq!(CoreError::PinRequired.error_code(), ErrorCode::PinRequired);
        assert_eq!(CoreError::ManagerRequired.code(), "manager_required");
    }

    #[test]
    fn a_refusal_says_what_the_person_needs_to_know() {
        use crate::staff::Refusal;
        use time::macros::datetime;
        let now = datetime!(2026-12-06 12:00 UTC);
        let until = now + time::Duration::milliseconds(29_001);
        let e = CoreError::refused(Refusal::Locked { until }, now);
        assert!(
            matches!(e, CoreError::PinLocked { seconds: 30, .. }),
            "{e:?}"
        );
        assert_eq!(e.code(), "pin_locked");
        let e = CoreError::refused(Refusal::Wrong { tries_left: 3 }, now);
        assert_eq!((e.code(), e.to_string().contains('3')), ("pin_wrong", true));
        assert_eq!(
            CoreError::refused(Refusal::Required, now).code(),
            "pin_required"
        );
        assert_eq!(
            CoreError::refused(Refusal::NeedsManager, now).code(),
            "manager_required"
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
