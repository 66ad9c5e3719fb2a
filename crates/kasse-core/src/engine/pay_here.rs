//! "Pay here" as the engine serves it: what the pay window embeds for a sale, and what an event
//! of the embedded checkout does (wakes the sale's watcher, whose read decides). The rules
//! themselves are [`crate::pay_window`]'s.

use super::Kasse;
use crate::error::CoreError;
use crate::pay_window::{CheckoutEvent, Embed};

impl Kasse {
    /// What the pay window embeds for sale `sale_id` ([`Embed::of`]), from the endpoint
    /// [`super::KasseConfig::embed_endpoint`] names when it is set.
    pub fn embed(&self, sale_id: &str) -> Result<Embed, CoreError> {
        let mut embed = Embed::of(&self.find(sale_id)?)?;
        if let Some(endpoint) = &self.inner.config.embed_endpoint {
            embed.endpoint = endpoint.clone();
        }
        Ok(embed)
    }

    /// The embedded checkout said something happened to a sale's payment (a Web SDK event,
    /// [`CheckoutEvent`]): its watcher reads the payment now, followed anew if it was not, and
    /// that read decides. The event itself proves nothing and books nothing.
    pub fn checkout_event(&self, sale_id: &str, event: CheckoutEvent) -> Result<(), CoreError> {
        let sale = self.find(sale_id)?;
        tracing::info!(sale = %sale.id, ?event, "embedded checkout event; reading the payment");
        if sale.is_followed() && !self.check_now(&sale.id) {
            self.follow(&sale.id);
        }
        Ok(())
    }
}
