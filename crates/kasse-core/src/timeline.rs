//! A sale's journal as a person reads it: each row's kind of event and its facts, for a shell
//! to word in the user's language (the app's i18n, the CLI's English), never a sentence made
//! here.

use serde::{Deserialize, Serialize};

use crate::link::{LinkSent, LinkStatus};
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
        /// Why, as a kind (the shell words it; the log keeps the message).
        why: Failure,
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
        /// Why, as a kind (the shell words it; the log keeps the message).
        why: Failure,
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
    /// The customer paid before the cancel reached Dintero: the payment must be given back.
    PaidBeforeCancel {
        /// What gives it back: `void` (authorised) or `refund` (captured).
        then: OpKind,
    },
    /// A payment arrived as the checkout expired; it is recorded with its true status.
    PaidAsExpired,
    /// The checkout link was sent by SMS (a phone order): to the masked number, and whether
    /// Dintero sent it.
    LinkSent {
        /// The number, masked (`+47 ••• •• 987`).
        to: String,
        /// What Dintero said of the SMS.
        status: LinkStatus,
    },
    /// A remark.
    Note {
        /// The text.
        text: String,
    },
}

/// Why a charge or an operation did not happen, as a closed set: the journal's codes are
/// Dintero's own (open-ended) and its messages are English sentences for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The payment or the operation was declined.
    Declined,
    /// The answer was lost: whether it happened is checked at Dintero.
    AnswerLost,
    /// The checkout was never shown and no payment arrived before it expired.
    NoCheckout,
    /// Dintero (or the network before anything was sent) refused it.
    Refused,
}

impl Failure {
    fn of(code: &str, outcome_unknown: bool) -> Failure {
        match code {
            _ if outcome_unknown => Failure::AnswerLost,
            "outcome_unknown" => Failure::AnswerLost,
            "declined" => Failure::Declined,
            NO_CHECKOUT => Failure::NoCheckout,
            _ => Failure::Refused,
        }
    }
}

/// The error code of a charge whose checkout was never shown and expired unpaid.
pub(crate) const NO_CHECKOUT: &str = "no_checkout";

/// The note written when the customer paid before a cancel reached Dintero, before the
/// operation that gives the payment back.
pub(crate) fn paid_before_cancel_note(then: OpKind) -> String {
    format!(
        "the customer paid before the cancel reached Dintero; {} this payment",
        then.as_str()
    )
}

/// The note written when a payment arrived as the checkout expired.
pub(crate) const PAID_AS_EXPIRED_NOTE: &str =
    "a payment arrived as the checkout expired; it is recorded with its true status";

/// A note Kasse itself writes, as its fact; any other text stays a note.
fn note(text: &str) -> TimelineEntry {
    if text == PAID_AS_EXPIRED_NOTE {
        return TimelineEntry::PaidAsExpired;
    }
    if let Some(LinkSent { to, status }) = LinkSent::from_note(text) {
        return TimelineEntry::LinkSent { to, status };
    }
    for then in [OpKind::Void, OpKind::Refund] {
        if text == paid_before_cancel_note(then) {
            return TimelineEntry::PaidBeforeCancel { then };
        }
    }
    TimelineEntry::Note {
        text: text.to_owned(),
    }
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
        LogEvent::ChargeFailed {
            error_code,
            outcome_unknown,
            ..
        } => TimelineEntry::ChargeFailed {
            why: Failure::of(error_code, *outcome_unknown),
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
        LogEvent::OperationFailed { op_id, code, .. } => TimelineEntry::OperationRefused {
            op: op(op_id),
            why: Failure::of(code, false),
        },
        LogEvent::OperationUnknown { op_id, .. } => {
            TimelineEntry::OperationAnswerLost { op: op(op_id) }
        }
        LogEvent::OperationReconciled { op_id, applied, .. } => TimelineEntry::OperationChecked {
            op: op(op_id),
            happened: *applied,
        },
        LogEvent::Imported { .. } => TimelineEntry::Imported,
        LogEvent::Note { text } => note(text),
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

    /// A NOK 50.00 sale's first row.
    fn opened(reference: &str) -> LogEvent {
        LogEvent::SaleOpened {
            merchant_reference: reference.into(),
            counter: "K1".into(),
            currency: "NOK".into(),
            amount: 5000,
            vat_amount: 1000,
            order: Value::Null,
            auto_capture: false,
        }
    }

    #[test]
    fn rows_become_facts_tagged_by_what_happened() {
        let t = datetime!(2026-11-24 10:00 UTC);
        let opened = opened("K1-20261124-0001");
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

    #[test]
    fn failures_and_kasse_notes_become_kinds_never_english_sentences() {
        let t = datetime!(2026-11-24 10:00 UTC);
        let sale = Sale::open("s2", &opened("K1-20261124-0002"), t).unwrap();
        let charge = |code: &str, unknown: bool| {
            serde_json::to_value(entry(
                &LogEvent::ChargeFailed {
                    error_code: code.into(),
                    message: "the sale is already on_hold (HTTP 400, invalid_state)".into(),
                    outcome_unknown: unknown,
                },
                &sale,
            ))
            .unwrap()
        };
        assert_eq!(
            charge("invalid_state", false),
            json!({"what": "charge_failed", "why": "refused"})
        );
        assert_eq!(charge("dintero", true)["why"], "answer_lost");
        assert_eq!(charge(NO_CHECKOUT, false)["why"], "no_checkout");
        let refused = |code: &str| {
            entry(
                &LogEvent::OperationFailed {
                    op_id: "nope".into(),
                    code: code.into(),
                    message: "Dintero said no".into(),
                },
                &sale,
            )
        };
        assert_eq!(
            refused("declined"),
            TimelineEntry::OperationRefused {
                op: OpKind::Capture,
                why: Failure::Declined
            }
        );
        assert_eq!(
            serde_json::to_value(refused("amount_too_large")).unwrap(),
            json!({"what": "operation_refused", "op": "capture", "why": "refused"})
        );
        let note = |text: String| entry(&LogEvent::Note { text }, &sale);
        assert_eq!(
            note(paid_before_cancel_note(OpKind::Void)),
            TimelineEntry::PaidBeforeCancel { then: OpKind::Void }
        );
        assert_eq!(
            note(PAID_AS_EXPIRED_NOTE.into()),
            TimelineEntry::PaidAsExpired
        );
        assert_eq!(
            serde_json::to_value(note("payment link by sms to +47 ••• •• 987: sent".into()))
                .unwrap(),
            json!({"what": "link_sent", "to": "+47 ••• •• 987", "status": "sent"})
        );
        assert_eq!(
            note("a remark".into()),
            TimelineEntry::Note {
                text: "a remark".into()
            }
        );
    }
}
