//! Errors at the UI boundary: always `{code, message}` with a code from a closed set, and a
//! message that says what to do next. Pinned by tests in `tests/commands.rs`.

use kasse_core::CoreError;

use crate::dto::UiError;

/// The codes the UI knows. Adding one means adding its wording in the UI.
pub const CODES: &[&str] = &[
    "invalid_input",
    "not_found",
    "invalid_state",
    "amount_exceeds",
    "pin_required",
    "pin_wrong",
    "unauthorized",
    "network",
    "outcome_unknown",
    "dintero",
    "storage",
    "internal",
];

impl UiError {
    /// An error with one of [`CODES`].
    pub fn new(code: &'static str, message: impl Into<String>) -> UiError {
        debug_assert!(CODES.contains(&code));
        UiError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        let message = match code {
            "unauthorized" => {
                format!("{e}. Check the account id, client id and secret in Settings.")
            }
            "network" => format!("{e}. Check the network connection and try again."),
            "storage" => {
                format!("{e}. The sales log could not be written; nothing was sent to Dintero.")
            }
            _ => e.to_string(),
        };
        UiError {
            code: code.into(),
            message,
        }
    }
}

impl From<kasse_core::store::StoreError> for UiError {
    fn from(e: kasse_core::store::StoreError) -> Self {
        CoreError::from(e).into()
    }
}

impl From<dintero_client::Error> for UiError {
    fn from(e: dintero_client::Error) -> Self {
        CoreError::from(e).into()
    }
}

/// Result of every command.
pub type CmdResult<T> = Result<T, UiError>;
