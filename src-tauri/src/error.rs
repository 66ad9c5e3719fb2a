//! Errors at the UI boundary: always `{code, message}` with a code from a closed set, and a
//! message that says what to do next. Pinned by tests in `tests/it/commands.rs`.

use kasse_core::{CoreError, ErrorCode};

use crate::dto::UiError;

impl UiError {
    /// An error of kind `code` ([`ErrorCode`]: the core's closed set).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UiError {
        UiError {
            code,
            message: message.into(),
            tries_left: None,
            locked_seconds: None,
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        let code = e.error_code();
        let message = match code {
            ErrorCode::Unauthorized => {
                format!("{e}. Check the account id, client id and secret in Settings.")
            }
            ErrorCode::Network => format!("{e}. Check the network connection and try again."),
            ErrorCode::Storage => {
                format!("{e}. The sales log could not be written; nothing was sent to Dintero.")
            }
            _ => e.to_string(),
        };
        let mut ui = UiError::new(code, message);
        match e {
            CoreError::PinWrong { tries_left } => ui.tries_left = Some(tries_left),
            CoreError::PinLocked { seconds, .. } => ui.locked_seconds = Some(seconds),
            _ => {}
        }
        ui
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
