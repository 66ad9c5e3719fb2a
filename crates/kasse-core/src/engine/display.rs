//! The engine's side of the customer display: the cart the counter prices and each sale it
//! charges at the counter go to the hub ([`crate::display::Hub`]), as the customer sees them
//! (a line's unit read from the catalogue by its SKU, or the weighed quick items).

use super::Kasse;
use crate::catalog::Unit;
use crate::display::{Basket, Hub};
use crate::order::PricedOrder;

impl Kasse {
    /// The customer display this engine feeds.
    pub fn display(&self) -> &Hub {
        &self.inner.config.display
    }

    /// The counter's cart changed: `Some` as priced, `None` when it was emptied.
    pub fn show_cart(&self, cart: Option<&PricedOrder>) {
        self.display().cart(cart.map(|o| self.basket(o)));
    }

    /// A sale charged at the counter: the display shows its QR until it settles.
    pub(super) fn show_charged(&self, sale_id: &str, order: &PricedOrder, url: &str, qr: &str) {
        self.display().charged(sale_id, self.basket(order), url, qr);
    }

    /// A line's unit: its catalogue product's, else the hub's weighed quick items say.
    fn basket(&self, order: &PricedOrder) -> Basket {
        let store = self.store();
        let hub = self.display();
        Basket::of(order, |sku| {
            let product = store.product_by_sku(sku).ok().flatten().map(|p| p.unit);
            product.or_else(|| hub.weighed(sku).then_some(Unit::Kg))
        })
    }
}
