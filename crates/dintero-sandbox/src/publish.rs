//! `configuration.publish`: what the sandbox would send when a session asks Dintero to send
//! its checkout link (dintero-api.md §5.1.2). Nothing leaves the machine: each publish is
//! recorded, answered in the create-session response's `publish[]`, and listed by
//! `GET /_sim/published` so a test or the demo can read the number and open the link.

use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::{format_millis, Millis};
use crate::validate::PublishAsk;

/// One publish the sandbox recorded (SIM record; Dintero's wire shape is only `publish[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publication {
    /// The publish id echoed in `publish[].id`.
    pub id: String,
    /// The session whose link it is.
    pub session_id: String,
    /// `sms` or `push`.
    pub channel: String,
    /// `checkout-link`, `app` or `terminal`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where an SMS would go: the session's `customer.phone_number`.
    pub to: Option<String>,
    /// The link sent: the session's hosted checkout URL.
    pub url: String,
    /// `sent`, or `skipped` (no phone number, or a channel the sandbox does not send).
    pub status: String,
    /// When (simulated clock).
    pub created_at: String,
}

impl Publication {
    /// What `publish[]` of the create-session answer says of it.
    pub(crate) fn answer(&self) -> Value {
        json!({ "id": self.id, "channel": self.channel, "type": self.kind, "status": self.status })
    }
}

/// The record of `ask` for a session: an SMS with the checkout link is sent when the session
/// has a phone number; everything else is skipped (SIM: only SMS checkout links are modelled).
pub(crate) fn record(
    id: String,
    ask: &PublishAsk,
    session_id: &str,
    phone_number: Option<&str>,
    url: &str,
    now: Millis,
) -> Publication {
    let sent = ask.channel == "sms" && ask.kind == "checkout-link" && phone_number.is_some();
    Publication {
        id,
        session_id: session_id.to_owned(),
        channel: ask.channel.clone(),
        kind: ask.kind.clone(),
        to: phone_number
            .filter(|_| ask.channel == "sms")
            .map(str::to_owned),
        url: url.to_owned(),
        status: if sent { "sent" } else { "skipped" }.to_owned(),
        created_at: format_millis(now),
    }
}
