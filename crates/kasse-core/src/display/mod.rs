//! The customer display: what the customer on the other side of the counter sees (the cart as
//! it grows, the total with VAT, the QR while the sale waits, then paid or declined).
//!
//! `view` is the customer-facing view and the pure rules that derive it from the counter's
//! priced cart and the current sale's status; `hub` holds the current view behind a
//! `tokio::sync::watch` so any number of displays (a second window, a tablet) follow it. Nothing
//! secret or internal reaches a view: no PINs, staff, ids or references. `place` picks the
//! screen for a display window; `lan` serves the view to a tablet on the shop's network that
//! paired with the counter's code (`pairing`).

pub mod hub;
pub mod lan;
pub mod pairing;
pub mod place;
pub mod view;

pub use hub::Hub;
pub use view::{Basket, CustomerView, Phase, Screen, ViewLine, ViewTotals};

#[cfg(test)]
mod tests;
