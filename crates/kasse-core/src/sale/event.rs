//! What the journal says: the events Kasse appends ([`LogEvent`], its own format) and the
//! closed sets they speak of (a sale's status, an operation's kind and state, a sale's origin).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::staff::Actor;

/// Error parsing one of this module's enums from its string form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct ParseEnumError {
    /// Which enum ("sale status", "operation kind", "origin").
    pub kind: &'static str,
    /// The text that did not parse.
    pub value: String,
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($label:literal) { $($(#[$vmeta:meta])* $variant:ident = $s:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The snake_case name used in JSON and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)*
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err(ParseEnumError { kind: $label, value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Where a sale is, as Kasse knows it.
    pub enum SaleStatus ("sale status") {
        /// The intent is written; the session is not created yet (or the app crashed before).
        Creating = "creating",
        /// Creating the session failed definitively (Dintero said no).
        ChargeFailed = "charge_failed",
        /// Session created; waiting for the customer.
        Waiting = "waiting",
        /// The customer is paying (session visited, or transaction `INITIATED`).
        Paying = "paying",
        /// Dintero `ON_HOLD`: extra checks, becomes authorized or failed later.
        OnHold = "on_hold",
        /// Dintero `AUTHORIZED`.
        Authorized = "authorized",
        /// Dintero `PARTIALLY_CAPTURED`.
        PartiallyCaptured = "partially_captured",
        /// Dintero `PARTIALLY_CAPTURED_REFUNDED`: part captured, part of that refunded.
        PartiallyCapturedRefunded = "partially_captured_refunded",
        /// Dintero `CAPTURED`.
        Captured = "captured",
        /// Dintero `PARTIALLY_REFUNDED`.
        PartiallyRefunded = "partially_refunded",
        /// Dintero `REFUNDED`.
        Refunded = "refunded",
        /// Dintero `AUTHORIZATION_VOIDED`.
        Voided = "voided",
        /// Dintero `DECLINED`.
        Declined = "declined",
        /// Dintero `FAILED`.
        Failed = "failed",
        /// The session was cancelled before a payment.
        Cancelled = "cancelled",
        /// The session expired without a payment.
        Expired = "expired",
        /// The outcome is not known (Dintero `UNKNOWN`, an unknown Dintero status, or a charge
        /// whose create-session call timed out).
        Unknown = "unknown",
    }
}

impl SaleStatus {
    /// Whether the payment watcher must keep following the sale.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            SaleStatus::Creating
                | SaleStatus::Waiting
                | SaleStatus::Paying
                | SaleStatus::OnHold
                | SaleStatus::Unknown
        )
    }

    /// Whether the customer's payment went through (authorised at some point), including sales
    /// that were later captured or refunded.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            SaleStatus::Authorized
                | SaleStatus::PartiallyCaptured
                | SaleStatus::PartiallyCapturedRefunded
                | SaleStatus::Captured
                | SaleStatus::PartiallyRefunded
                | SaleStatus::Refunded
        )
    }

    /// Maps a Dintero transaction status (dintero-api.md §9.1) to Kasse's status. Unknown values
    /// become [`SaleStatus::Unknown`]: new Dintero statuses never break parsing.
    pub fn from_dintero(status: &str) -> SaleStatus {
        match status {
            "INITIATED" => SaleStatus::Paying,
            "ON_HOLD" => SaleStatus::OnHold,
            "AUTHORIZED" => SaleStatus::Authorized,
            "PARTIALLY_CAPTURED" => SaleStatus::PartiallyCaptured,
            "PARTIALLY_CAPTURED_REFUNDED" => SaleStatus::PartiallyCapturedRefunded,
            "CAPTURED" => SaleStatus::Captured,
            "PARTIALLY_REFUNDED" => SaleStatus::PartiallyRefunded,
            "REFUNDED" => SaleStatus::Refunded,
            "AUTHORIZATION_VOIDED" => SaleStatus::Voided,
            "DECLINED" => SaleStatus::Declined,
            "FAILED" => SaleStatus::Failed,
            _ => SaleStatus::Unknown,
        }
    }
}

string_enum! {
    /// What became of the capture a sale's session asked Dintero to make at authorisation.
    pub enum AutoCapture ("auto-capture state") {
        /// Asked for (`configuration.auto_capture`); done once the transaction shows a capture.
        Requested = "requested",
        /// The transaction showed the auto-capture failing (a `CAPTURE` event with `success:
        /// false` that is none of Kasse's own captures) while still `AUTHORIZED`: someone must
        /// capture it by hand (Dintero may still retry; a capture by hand stops that).
        Failed = "failed",
    }
}

string_enum! {
    /// Why an authorised sale's money is not collected yet ([`super::Sale::uncaptured`]).
    pub enum Uncaptured ("uncaptured reason") {
        /// Dintero captures it by itself: the auto-capture was asked for and has not shown yet.
        Capturing = "capturing",
        /// The auto-capture failed: capture it by hand (or void it).
        CaptureFailed = "capture_failed",
        /// Nobody asked Dintero to capture it (capture at payment off, or an imported sale):
        /// capture it by hand when the goods are handed over (or void it).
        NotRequested = "not_requested",
    }
}

impl Uncaptured {
    /// Whether a person must act: the money stays uncollected until someone captures it.
    pub fn needs_staff(self) -> bool {
        !matches!(self, Uncaptured::Capturing)
    }
}

string_enum! {
    /// The kind of an after-sale operation.
    pub enum OpKind ("operation kind") {
        /// `POST /v1/transactions/{id}/capture`.
        Capture = "capture",
        /// `POST /v1/transactions/{id}/refund`.
        Refund = "refund",
        /// `POST /v1/transactions/{id}/void`.
        Void = "void",
        /// `POST /v1/sessions/{id}/cancel`.
        Cancel = "cancel",
    }
}

string_enum! {
    /// Where a sale comes from.
    pub enum Origin ("origin") {
        /// Opened at this counter ([`LogEvent::SaleOpened`]).
        Local = "local",
        /// Found by sync in Dintero ([`LogEvent::Imported`]).
        Imported = "imported",
    }
}

string_enum! {
    /// Where an operation is in its life.
    pub enum OpState ("operation state") {
        /// Intent written, no outcome yet (pending).
        Requested = "requested",
        /// Dintero confirmed it.
        Succeeded = "succeeded",
        /// Dintero refused it (definitive).
        Failed = "failed",
        /// The call's outcome is unknown; must be reconciled (pending).
        Unknown = "unknown",
        /// Settled by re-reading the transaction and matching the reference.
        Reconciled = "reconciled",
        /// Dintero accepted it (`202`, or its `INITIATE_*` event shows): it will happen. Pending
        /// until its completion or failure event is seen, however long that takes; no timer
        /// settles it.
        InFlight = "in_flight",
    }
}

impl OpState {
    /// `requested`, `unknown` or `in_flight`: no final outcome yet.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            OpState::Requested | OpState::Unknown | OpState::InFlight
        )
    }

    /// `requested` or `unknown`: whether it reached Dintero, and what it did there, is not known.
    /// Nothing new is sent on a sale while one of its operations is in this state.
    pub fn is_outcome_unknown(self) -> bool {
        matches!(self, OpState::Requested | OpState::Unknown)
    }
}

/// One entry of the journal, as written by the application. Serialized as a tagged JSON object
/// `{"type": "sale_opened", ...}`; the `type` is also the journal row's `kind`.
///
/// This is Kasse's own format (not Dintero's), so it has no catch-all variant; adding a variant
/// must come with a (possibly empty) schema migration so that an older Kasse refuses the database
/// instead of meeting an event it cannot read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogEvent {
    /// A sale is about to be charged; written **before** the create-session call.
    SaleOpened {
        /// Unique per sale and counter, sent to Dintero.
        merchant_reference: String,
        /// The counter (till) name.
        counter: String,
        /// ISO 4217 currency.
        currency: String,
        /// Total in minor units, VAT included.
        amount: i64,
        /// VAT part of `amount`, minor units.
        vat_amount: i64,
        /// The priced order, as the order module serializes it (opaque to the store).
        order: Value,
        /// The session asks Dintero to capture at authorisation (`configuration.auto_capture`):
        /// the watcher then follows the sale until the capture shows or fails. Absent (false)
        /// on older rows, so their canonical bytes and hashes are unchanged.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto_capture: bool,
    },
    /// The session exists.
    SessionCreated {
        /// Dintero session id.
        session_id: String,
        /// Hosted checkout URL (shown as QR).
        url: String,
        /// When the session expires.
        #[serde(default, with = "time::serde::rfc3339::option")]
        expires_at: Option<OffsetDateTime>,
    },
    /// Creating the session failed.
    ChargeFailed {
        /// Dintero's error code, or a local one (`timeout`, `network`).
        error_code: String,
        /// Human-readable message.
        message: String,
        /// True when the call may have reached Dintero (timeout, connection lost): the sale
        /// becomes `unknown` (still open) instead of `charge_failed`.
        outcome_unknown: bool,
    },
    /// A status Kasse observed, with the Dintero JSON that proved it.
    StatusObserved {
        /// The status now.
        status: SaleStatus,
        /// The transaction id, once there is one.
        transaction_id: Option<String>,
        /// Captured total, minor units.
        captured: i64,
        /// Refunded total, minor units.
        refunded: i64,
        /// `poll`, `webview`, `sync`, `operation` or `callback`.
        source: String,
        /// The Dintero JSON (session or transaction) that showed it.
        snapshot: Value,
    },
    /// An operation is about to be sent; written **before** the API call.
    OperationRequested {
        /// Kasse's id of the operation.
        op_id: String,
        /// What is being done.
        kind: OpKind,
        /// Amount in minor units (`None`: the whole remaining amount / not applicable).
        amount: Option<i64>,
        /// Chosen lines with quantities (refund by lines), opaque JSON (`null` when none).
        lines: Value,
        /// The `capture_reference` / `refund_reference` sent to Dintero, unique within the sale;
        /// reconciliation matches it in the transaction's events.
        reference: String,
        /// Why (refund reason), if given.
        reason: Option<String>,
        /// The idempotency key of the button press or command that asked for it: a second
        /// request with the same key gets this operation's result instead of a second POST.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// How many operations the sale had when the requester checked it. The log refuses the
        /// intent when another writer (a second window, process or counter) added one since:
        /// the amounts were checked against a sale that no longer is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<u32>,
        /// Who asked, for a guarded operation (refund, void): the staff member whose PIN was
        /// given, or that nobody needed one. Absent on other operations and on older rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor: Option<Actor>,
    },
    /// Dintero accepted the operation for processing (`202 Accepted`, or an `INITIATE_*` event
    /// with its reference found on the transaction): it is in flight until its completion
    /// event (matched by `correlation_request_id` = `request_id`) or its failure is seen.
    OperationAccepted {
        /// The operation.
        op_id: String,
        /// The `event-request-id` of the `202` (the `request_id` of the `INITIATE_*` event).
        request_id: Option<String>,
        /// The transaction as Dintero returned it.
        snapshot: Value,
    },
    /// Dintero confirmed the operation.
    OperationSucceeded {
        /// The operation.
        op_id: String,
        /// Dintero's response (usually the transaction).
        snapshot: Value,
    },
    /// Dintero refused the operation (definitive).
    OperationFailed {
        /// The operation.
        op_id: String,
        /// Error code.
        code: String,
        /// Error message.
        message: String,
    },
    /// The call's outcome is unknown (timeout, connection lost): reconcile before anything else.
    OperationUnknown {
        /// The operation.
        op_id: String,
        /// What happened.
        message: String,
    },
    /// The transaction was re-read and the operation's reference matched (or not).
    OperationReconciled {
        /// The operation.
        op_id: String,
        /// Whether the operation took effect at Dintero.
        applied: bool,
        /// The transaction as re-read.
        snapshot: Value,
    },
    /// A sale found by sync that this counter did not open; the view is built from the Dintero
    /// transaction (`id`, `session_id`, `merchant_reference`, `amount`, `currency`, `created_at`,
    /// `status`, `events`).
    Imported {
        /// The Dintero transaction.
        snapshot: Value,
    },
    /// A free-text remark in the sale's timeline.
    Note {
        /// The text.
        text: String,
    },
    /// The counter's settings changed: who changed what. Written to the counter's own stream
    /// ([`COUNTER_STREAM`]), never to a sale's, in the same transaction as the change.
    SettingsChanged {
        /// Who changed them.
        actor: Actor,
        /// What changed, setting by setting.
        changes: Vec<SettingChange>,
    },
    /// The day was closed: a Z report was made, by whom and which one. Counter's stream.
    DayClosed {
        /// Who closed it (the manager's PIN, or `unguarded` before one is set).
        actor: Actor,
        /// The report's period, start (inclusive).
        #[serde(with = "time::serde::rfc3339")]
        from: OffsetDateTime,
        /// End (exclusive).
        #[serde(with = "time::serde::rfc3339")]
        to: OffsetDateTime,
        /// Currency of its totals.
        currency: String,
        /// Sales in the period, in that currency.
        sales: u32,
        /// Its net total (captured minus refunded), minor units.
        net: i64,
        /// The chain head printed on the report (`SEQ:HASH`; `None` for an empty journal).
        journal_head: Option<String>,
    },
    /// The sales of a period were exported (CSV): by whom, which period, how many. Counter's
    /// stream.
    JournalExported {
        /// Who exported them.
        actor: Actor,
        /// The period, start (inclusive).
        #[serde(with = "time::serde::rfc3339")]
        from: OffsetDateTime,
        /// End (exclusive).
        #[serde(with = "time::serde::rfc3339")]
        to: OffsetDateTime,
        /// Sales exported (rows after the header).
        rows: u32,
    },
}

/// The journal stream of what happens to the counter rather than to a sale (settings
/// changes, closing the day, exports): the `sale_id` of its rows. No sale row is kept for it.
pub const COUNTER_STREAM: &str = "counter";

/// One setting changed ([`LogEvent::SettingsChanged`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum SettingChange {
    /// A value, before and after (`null`: not set).
    Value {
        /// The setting (`account_id`, `api_url`, `refund_limit`, …).
        setting: String,
        /// Before.
        old: Value,
        /// After.
        new: Value,
    },
    /// A secret or a PIN was set, replaced or removed: never its value, old or new.
    Secret {
        /// The setting (`client_secret`, `pin:Mona`, …).
        setting: String,
    },
}

impl LogEvent {
    /// An [`LogEvent::OperationRequested`] with only its id, kind, amount and reference: no
    /// lines, reason, idempotency key, basis or actor (what tests and tools that write a log
    /// by hand need; the engine writes every field).
    pub fn operation_requested(
        op_id: &str,
        kind: OpKind,
        amount: Option<i64>,
        reference: &str,
    ) -> LogEvent {
        LogEvent::OperationRequested {
            op_id: op_id.into(),
            kind,
            amount,
            lines: Value::Null,
            reference: reference.into(),
            reason: None,
            key: None,
            basis: None,
            actor: None,
        }
    }

    /// The journal `kind` of this event (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            LogEvent::SaleOpened { .. } => "sale_opened",
            LogEvent::SessionCreated { .. } => "session_created",
            LogEvent::ChargeFailed { .. } => "charge_failed",
            LogEvent::StatusObserved { .. } => "status_observed",
            LogEvent::OperationRequested { .. } => "operation_requested",
            LogEvent::OperationAccepted { .. } => "operation_accepted",
            LogEvent::OperationSucceeded { .. } => "operation_succeeded",
            LogEvent::OperationFailed { .. } => "operation_failed",
            LogEvent::OperationUnknown { .. } => "operation_unknown",
            LogEvent::OperationReconciled { .. } => "operation_reconciled",
            LogEvent::Imported { .. } => "imported",
            LogEvent::Note { .. } => "note",
            LogEvent::SettingsChanged { .. } => "settings_changed",
            LogEvent::DayClosed { .. } => "day_closed",
            LogEvent::JournalExported { .. } => "journal_exported",
        }
    }

    /// The operation this event is about, if any.
    pub fn op_id(&self) -> Option<&str> {
        match self {
            LogEvent::OperationRequested { op_id, .. }
            | LogEvent::OperationAccepted { op_id, .. }
            | LogEvent::OperationSucceeded { op_id, .. }
            | LogEvent::OperationFailed { op_id, .. }
            | LogEvent::OperationUnknown { op_id, .. }
            | LogEvent::OperationReconciled { op_id, .. } => Some(op_id),
            _ => None,
        }
    }

    /// Whether this event belongs to the counter's stream ([`COUNTER_STREAM`]), not a sale's.
    pub fn is_counter_event(&self) -> bool {
        matches!(
            self,
            LogEvent::SettingsChanged { .. }
                | LogEvent::DayClosed { .. }
                | LogEvent::JournalExported { .. }
        )
    }

    /// Whether this event starts a sale (`sale_opened` or `imported`).
    pub fn is_opening(&self) -> bool {
        matches!(
            self,
            LogEvent::SaleOpened { .. } | LogEvent::Imported { .. }
        )
    }
}
