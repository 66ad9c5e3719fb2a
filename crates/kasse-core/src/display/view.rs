//! The customer-facing view and the rules that move it. [`Screen`] is what the display is at
//! (idle, a cart, or the sale it is showing); [`CustomerView`] is what a display draws from
//! it. Pure: the hub ([`super::Hub`]) and the engine feed these rules and publish the result.

use serde::{Deserialize, Serialize};

use crate::catalog::Unit;
use crate::money::Quantity;
use crate::order::PricedOrder;
use crate::sale::SaleStatus;

/// Where the customer is in a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Phase {
    /// No sale: a welcome for the next customer.
    Idle,
    /// The cashier is adding lines.
    Cart,
    /// The checkout is open: the customer scans the QR (or opens `url`).
    Waiting {
        /// The hosted checkout's URL (what the QR holds).
        url: String,
        /// The URL as a scalable SVG QR code.
        qr_svg: String,
    },
    /// The payment went through.
    Paid,
    /// The payment was refused: the customer may try again.
    Declined,
    /// The sale was cancelled or its checkout expired.
    Cancelled,
}

/// One line as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewLine {
    /// What it is.
    pub description: String,
    /// How many, or how much for weighed goods (`2`, `0.512`).
    pub quantity: String,
    /// Pieces or kilograms.
    pub unit: Unit,
    /// Price of one unit (piece or kg), minor units incl. VAT.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unit_price: i64,
    /// What the line costs after its discounts, minor units incl. VAT.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount: i64,
    /// What the line cost before its discounts, when a discount took something off.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub before_discount: Option<i64>,
}

/// The order's totals as the customer sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewTotals {
    /// ISO 4217 code (`NOK`).
    pub currency: String,
    /// To pay, minor units incl. VAT.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amount: i64,
    /// The VAT part of `amount`, minor units.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub vat_amount: i64,
    /// Everything discounts took off, minor units (0: none).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub discount: i64,
}

/// What a customer display shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerView {
    /// The counter's language, which the display speaks: `en`, `nb` or `sv`.
    pub language: String,
    /// Where the customer is, with the QR while waiting.
    #[serde(flatten)]
    pub phase: Phase,
    /// The lines, in the order they were added (empty when idle).
    pub lines: Vec<ViewLine>,
    /// The totals (`None` when idle).
    pub totals: Option<ViewTotals>,
}

/// A priced cart as the customer sees it: its lines and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basket {
    /// The lines.
    pub lines: Vec<ViewLine>,
    /// The totals.
    pub totals: ViewTotals,
}

impl Basket {
    /// The customer's view of `order`; `unit_of` says how a line's product (by SKU) is sold.
    /// A line it does not know is weighed when its quantity has decimals (only a scale gives
    /// those), else pieces.
    pub fn of(order: &PricedOrder, unit_of: impl Fn(&str) -> Option<Unit>) -> Basket {
        let lines = order
            .lines
            .iter()
            .map(|l| ViewLine {
                description: l.description.clone(),
                quantity: l.quantity.to_string(),
                unit: l.product_id.as_deref().and_then(&unit_of).unwrap_or(
                    if l.quantity.thousandths() % Quantity::SCALE == 0 {
                        Unit::Piece
                    } else {
                        Unit::Kg
                    },
                ),
                unit_price: l.unit_price,
                amount: l.amount,
                before_discount: l.discount.map(|d| d.before),
            })
            .collect();
        Basket {
            lines,
            totals: ViewTotals {
                currency: order.currency.code().to_owned(),
                amount: order.amount,
                vat_amount: order.vat_amount,
                discount: order.discount_total(),
            },
        }
    }
}

/// How a sale's payment reads on the display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still open: the QR stays.
    Waiting,
    /// Paid (authorised or captured).
    Paid,
    /// Refused or failed.
    Declined,
    /// Cancelled, expired or voided.
    Cancelled,
}

impl Outcome {
    /// The display's reading of a sale's status.
    pub fn of(status: SaleStatus) -> Outcome {
        use SaleStatus as S;
        match status {
            S::Creating | S::Waiting | S::Paying | S::OnHold | S::Unknown => Outcome::Waiting,
            S::Authorized
            | S::PartiallyCaptured
            | S::PartiallyCapturedRefunded
            | S::Captured
            | S::PartiallyRefunded
            | S::Refunded => Outcome::Paid,
            S::Declined | S::Failed | S::ChargeFailed => Outcome::Declined,
            S::Cancelled | S::Expired | S::Voided => Outcome::Cancelled,
        }
    }
}

/// What the display is at: the state the rules move.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Screen {
    /// Waiting for the next customer.
    #[default]
    Idle,
    /// A cart being built.
    Cart(Basket),
    /// A sale charged at the counter, from its QR to its outcome.
    Sale {
        /// The sale followed (internal: never in a view).
        sale_id: String,
        /// What was charged.
        basket: Basket,
        /// The checkout's URL.
        url: String,
        /// Its QR.
        qr_svg: String,
        /// Where the payment is.
        outcome: Outcome,
    },
}

impl Screen {
    /// The counter's cart changed: `Some` priced cart, or `None` when it was emptied.
    ///
    /// A cart shows as it is, and replaces a finished or waiting sale (the counter moved on to
    /// the next customer), except the very cart of the sale on show priced again (the counter
    /// prices the cart it kept after a decline or cancel): that is not a new customer. An
    /// emptied cart ends a cart (idle) but not a sale on show, whose cart the counter clears
    /// when it charges.
    pub fn cart(self, cart: Option<Basket>) -> Screen {
        match cart {
            Some(cart) => match self {
                Screen::Sale { ref basket, .. } if *basket == cart => self,
                _ => Screen::Cart(cart),
            },
            None => match self {
                Screen::Cart(_) => Screen::Idle,
                other => other,
            },
        }
    }

    /// The counter charged `basket` as sale `sale_id` with its checkout at `url`.
    pub fn charged(sale_id: &str, basket: Basket, url: &str, qr_svg: &str) -> Screen {
        Screen::Sale {
            sale_id: sale_id.to_owned(),
            basket,
            url: url.to_owned(),
            qr_svg: qr_svg.to_owned(),
            outcome: Outcome::Waiting,
        }
    }

    /// Sale `sale_id` is now at `status`: moves the sale on show, ignores every other sale.
    pub fn sale_changed(self, sale_id: &str, status: SaleStatus) -> Screen {
        match self {
            Screen::Sale {
                sale_id: shown,
                basket,
                url,
                qr_svg,
                ..
            } if shown == sale_id => Screen::Sale {
                sale_id: shown,
                basket,
                url,
                qr_svg,
                outcome: Outcome::of(status),
            },
            other => other,
        }
    }

    /// What a display draws, in `language` ([`language`]).
    pub fn view(&self, language: &str) -> CustomerView {
        let mut view = match self {
            Screen::Idle => CustomerView {
                language: String::new(),
                phase: Phase::Idle,
                lines: Vec::new(),
                totals: None,
            },
            Screen::Cart(b) => shown(Phase::Cart, b),
            Screen::Sale {
                basket,
                url,
                qr_svg,
                outcome,
                ..
            } => {
                let phase = match outcome {
                    Outcome::Waiting => Phase::Waiting {
                        url: url.clone(),
                        qr_svg: qr_svg.clone(),
                    },
                    Outcome::Paid => Phase::Paid,
                    Outcome::Declined => Phase::Declined,
                    Outcome::Cancelled => Phase::Cancelled,
                };
                shown(phase, basket)
            }
        };
        view.language = language.to_owned();
        view
    }
}

/// The display's language for the counter's UI language: `nb` (also for `nn`, `no`), `sv`,
/// and `en` for anything else.
pub fn language(ui: &str) -> &'static str {
    match ui {
        "nb" | "nn" | "no" => "nb",
        "sv" => "sv",
        _ => "en",
    }
}

fn shown(phase: Phase, basket: &Basket) -> CustomerView {
    CustomerView {
        language: String::new(),
        phase,
        lines: basket.lines.clone(),
        totals: Some(basket.totals.clone()),
    }
}
