//! Payment links for phone orders: the checkout link sent by SMS to the customer's phone in the
//! create-session POST itself (`configuration.publish` with `customer.phone_number`,
//! dintero-api.md §5.1.2), so there is no second call that could send a second SMS. The sale
//! is then an open sale like a parked one: the watcher follows it until the customer pays.
//!
//! One press, one SMS: each press carries an idempotency key, and a press with a key already
//! used is answered with the first one's sale instead of a new POST. Dintero has no call that
//! sends an existing session's link again, so there is no resend: a new link is a new sale
//! (cancel the first). The number is personal data and is needed for nothing after the POST:
//! the log keeps only its masked form (`crate::link`), and the Dintero snapshots the watcher
//! logs have it masked too (`observe::snapshot`).

use super::{Charge, Kasse};
use crate::error::CoreError;
use crate::link::LinkSent;
use crate::order::{OrderInput, PricedOrder};
use crate::phone::PhoneNumber;

/// What a press's key led to: the sale it opened and, once known, its link.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    sale_id: String,
    link: Option<LinkSent>,
}

impl Kasse {
    /// Charges `input` as a phone order: creates the checkout with its link sent by SMS to
    /// `phone`, logs it and follows it as a parked payment. `key` is the idempotency key of the
    /// press: a second call with it answers with the first call's sale and sends nothing. `pin`
    /// allows discounts above the manager's limit, as for [`Kasse::charge_with_pin`].
    pub async fn send_link(
        &self,
        input: &OrderInput,
        phone: &PhoneNumber,
        pin: Option<&str>,
        key: &str,
    ) -> Result<Charge, CoreError> {
        if key.trim().is_empty() {
            return Err(CoreError::input("key", "an idempotency key is needed"));
        }
        let slot = super::lock(&self.inner.links)
            .entry(key.to_owned())
            .or_default()
            .clone();
        // A second press waits for the first one here, then gets its sale.
        let mut done = slot.lock().await;
        if let Some(sent) = done.as_ref() {
            return self.charge_of(sent);
        }
        let mut opened = None;
        let result = self.charge_as(input, pin, Some(phone), &mut opened).await;
        if let Some(sale_id) = opened {
            *done = Some(Sent {
                sale_id,
                link: result.as_ref().ok().and_then(|c| c.link.clone()),
            });
        }
        result
    }

    /// The charge a key's first press made, read back from the log.
    fn charge_of(&self, sent: &Sent) -> Result<Charge, CoreError> {
        let sale = self.find(&sent.sale_id)?;
        let (Some(session_id), Some(url)) = (sale.session_id.clone(), sale.checkout_url.clone())
        else {
            return Err(CoreError::InvalidState(format!(
                "this payment link was already asked for as {} ({}); it was not sent again",
                sale.merchant_reference, sale.status
            )));
        };
        let order: PricedOrder = serde_json::from_value(sale.order.clone()).map_err(|e| {
            CoreError::InvalidState(format!("the sale's order cannot be read: {e}"))
        })?;
        let qr_svg = crate::qr::qr_svg(&url)?;
        Ok(Charge {
            expires_at: sale.expires_at.unwrap_or(sale.created_at),
            sale,
            order,
            session_id,
            url,
            qr_svg,
            link: sent.link.clone(),
        })
    }
}
