//! A sale's journal as a person reads it: each row's kind of event and its facts, for a shell
//! to word in the user's language (the app's i18n, the CLI's English), never a sentence made
//! here.

use serde::{Deserialize, Serialize};

use crate::sale::{LogEvent, OpKind, Sale, SaleStatus};
use crate::staff::Actor;

/// What one journal row says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// The sale was opened at this counter.
    SaleOpened {
        /// Its merchant reference.
        reference: String,
        /// Total, minor units.
        amount: i64,
        /// ISO 4217.
        currency: String,
    },
    /// The checkout (Dintero session) exists.
    CheckoutCreated,
    /// Creating the checkout failed (or its answer was lost).
    ChargeFailed {
        /// Why.
        message: String,
    },
    /// A status was seen at Dintero.
    StatusSeen {
        /// The status.
        status: SaleStatus,
        /// Who looked: `poll`, `webview`, `sync`, `operation`, `callback`.
        source: String,
    },
    /// An operation was asked for (logged before it was sent).
    OperationAsked {
        /// What.
        op: OpKind,
        /// Minor units (`None`: all that is left, or no amount).
        amount: Option<i64>,
        /// The reference sent to Dintero.
        reference: String,
        /// The staff member whose PIN allowed it (refund, void), when one was given.
        by: Option<String>,
        /// The reason given (a refund's, as the cashier typed it).
        reason: Option<String>,
    },
    /// Dintero accepted it and is processing it.
    OperationAccepted {
        /// What.
        op: OpKind,
    },
    /// Dintero did it.
    OperationDone {
        /// What.
        op: OpKind,
    },
    /// Dintero refused it.
    OperationRefused {
        /// What.
        op: OpKind,
        /// Why.
        message: String,
    },
    /// Its answer was lost; Kasse checks at Dintero.
    OperationAnswerLost {
        /// What.
        op: OpKind,
    },
    /// Checked at Dintero after a lost answer (or a completion seen).
    OperationChecked {
        /// What.
        op: OpKind,
        /// Whether it happened.
        happened: bool,
    },
    /// The sale was imported from Dintero by sync.
    Imported,
    /// A remark.
    Note {
        /// The text.
        text: String,
    },
}

/// The timeline entry of `event`, a row of `sale`'s journal.
pub fn entry(event: &LogEvent, sale: &Sale) -> TimelineEntry {
    let op = |op_id: &str| {
        sale.operation(op_id)
            .map(|o| o.kind)
            .unwrap_or(OpKind::Capture)
    };
    match event {
        LogEvent::SaleOpened {
            merchant_reference,
            amount,
            currency,
            ..
        } => TimelineEntry::SaleOpened {
            reference: merchant_reference.clone(),
            amount: *amount,
            currency: currency.clone(),
        },
        LogEvent::SessionCreated { .. } => TimelineEntry::CheckoutCreated,
        LogEvent::ChargeFailed { message, .. } => TimelineEntry::ChargeFailed {
            message: message.clone(),
        },
        LogEvent::StatusObserved { status, source, .. } => TimelineEntry::StatusSeen {
            status: *status,
            source: source.clone(),
        },
        LogEvent::OperationRequested {
            kind,
            amount,
            reference,
            actor,
            reason,
            ..
        } => TimelineEntry::OperationAsked {
            op: *kind,
            amount: *amount,
            reference: reference.clone(),
            by: match actor {
                Some(Actor::Staff { name, .. }) => Some(name.clone()),
                _ => None,
            },
            reason: reason.clone(),
        },
        LogEvent::OperationAccepted { op_id, .. } => {
            TimelineEntry::OperationAccepted { op: op(op_id) }
        }
        LogEvent::OperationSucceeded { op_id, .. } => {
            TimelineEntry::OperationDone { op: op(op_id) }
        }
        LogEvent::OperationFailed { op_id, message, .. } => TimelineEntry::OperationRefused {
            op: op(op_id),
            message: message.clone(),
        },
        LogEvent::OperationUnknown { op_id, .. } => {
            TimelineEntry::OperationAnswerLost { op: op(op_id) }
        }
        LogEvent::OperationReconciled { op_id, applied, .. } => TimelineEntry::OperationChecked {
            op: op(op_id),
            happened: *applied,
        },
        LogEvent::Imported { .. } => TimelineEntry::Imported,
        LogEvent::Note { text } => TimelineEntry::Note { text: text.clone() },
        // Never in a sale's journal (the log refuses it there); said plainly if it were.
        LogEvent::SettingsChanged { actor, .. } => TimelineEntry::Note {
            text: format!("settings changed by {actor}"),
        },
        LogEvent::DayClosed { actor, .. } => TimelineEntry::Note {
            text: format!("day closed by {actor}"),
        },
        LogEvent::JournalExported { actor, .. } => TimelineEntry::Note {
            text: format!("sales exported by {actor}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use time::macros::datetime;

    #[test]
    fn rows_become_facts_tagged_by_what_happened() {
        let t = datetime!(2026-11-24 10:00 UTC);
        let opened = LogEvent::SaleOpened {
            merchant_reference: "K1-20261124-0001".into(),
            counter: "K1".into(),
            currency: "NOK".into(),
            amount: 5000,
            vat_amount: 1000,
            order: Value::Null,
        };
        let mut sale = Sale::open("s1", &opened, t).unwrap();
        let asked = LogEvent::OperationRequested {
            op_id: "op1".into(),
            kind: OpKind::Refund,
            amount: Some(1200),
            lines: Value::Null,
            reference: "K1-20261124-0001-R1".into(),
            reason: Some("Knust kopp".into()),
            key: None,
            basis: None,
            actor: Some(Actor::Staff {
                name: "Mona".into(),
                role: crate::staff::Role::Manager,
            }),
        };
        sale.apply(&asked, t);
        assert_eq!(
            serde_json::to_value(entry(&opened, &sale)).unwrap(),
            json!({"what": "sale_opened", "reference": "K1-20261124-0001", "amount": 5000, "currency": "NOK"})
        );
        assert_eq!(
            serde_json::to_value(entry(&asked, &sale)).unwrap(),
            json!({"what": "operation_asked", "op": "refund", "amount": 1200, "reference": "K1-20261124-0001-R1", "by": "Mona", "reason": "Knust kopp"})
        );
        let checked = LogEvent::OperationReconciled {
            op_id: "op1".into(),
            applied: false,
            snapshot: Value::Null,
        };
        assert_eq!(
            entry(&checked, &sale),
            TimelineEntry::OperationChecked {
                op: OpKind::Refund,
                happened: false
            }
        );
    }
}
