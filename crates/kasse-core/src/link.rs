//! A payment link sent by SMS for a phone order, as the sale's log keeps it: the masked number
//! and what Dintero said of the SMS, in a note Kasse writes after the create-session answer
//! (no new event kind, so no schema change) and the timeline reads back as a fact. The engine
//! sends the link (`engine/phone_order.rs`); the number itself is never logged.

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;
use crate::sale::LogEvent;

/// What Dintero said of the SMS (`publish[].status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Sent.
    Sent,
    /// Not sent, e.g. no phone number (Dintero's `skipped`).
    Skipped,
    /// Sending failed.
    Failed,
    /// Dintero's answer did not say (no `publish[]`, or a status Kasse does not know).
    Unknown,
}

impl LinkStatus {
    fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Sent => "sent",
            LinkStatus::Skipped => "skipped",
            LinkStatus::Failed => "failed",
            LinkStatus::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> LinkStatus {
        match s {
            "sent" => LinkStatus::Sent,
            "skipped" => LinkStatus::Skipped,
            "failed" => LinkStatus::Failed,
            _ => LinkStatus::Unknown,
        }
    }
}

/// A payment link sent by SMS: to whom (masked) and what Dintero said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkSent {
    /// The number, masked: `+47 ••• •• 987`.
    pub to: String,
    /// Whether the SMS went out.
    pub status: LinkStatus,
}

/// The start of the note that records a link in the sale's log.
const NOTE_PREFIX: &str = "payment link by sms to ";

impl LinkSent {
    /// The link sent to `phone`, with the outcome of the SMS entry of Dintero's `publish[]`.
    pub fn of(phone: &PhoneNumber, published: &[dintero_client::Publish]) -> LinkSent {
        let sms = published
            .iter()
            .find(|p| p.channel == Some(dintero_client::PublishChannel::Sms));
        let status = match sms.and_then(|p| p.status.as_ref()) {
            Some(s) => LinkStatus::parse(s.as_str()),
            None => LinkStatus::Unknown,
        };
        LinkSent {
            to: phone.masked(),
            status,
        }
    }

    /// The note the sale's log keeps: `payment link by sms to +47 ••• •• 987: sent`.
    pub fn note(&self) -> LogEvent {
        LogEvent::Note {
            text: format!("{NOTE_PREFIX}{}: {}", self.to, self.status.as_str()),
        }
    }

    /// The link a note written by [`LinkSent::note`] records.
    pub fn from_note(text: &str) -> Option<LinkSent> {
        let (to, status) = text.strip_prefix(NOTE_PREFIX)?.rsplit_once(": ")?;
        Some(LinkSent {
            to: to.to_owned(),
            status: LinkStatus::parse(status),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_keeps_the_masked_number_and_the_outcome_and_reads_back() {
        let phone = PhoneNumber::parse("41234987").unwrap();
        let sent = LinkSent::of(
            &phone,
            &[dintero_client::Publish {
                status: Some(dintero_client::PublishStatus::Sent),
                ..dintero_client::Publish::sms_checkout_link()
            }],
        );
        assert_eq!(sent.status, LinkStatus::Sent);
        let LogEvent::Note { text } = sent.note() else {
            panic!("a note")
        };
        assert_eq!(text, "payment link by sms to +47 ••• •• 987: sent");
        assert!(!text.contains("41234987"));
        assert_eq!(LinkSent::from_note(&text), Some(sent));
        assert_eq!(LinkSent::from_note("a remark: sent"), None);
        assert_eq!(LinkSent::of(&phone, &[]).status, LinkStatus::Unknown);
    }
}
