//! An order as asked for: its lines with quantity, unit price, VAT and Dintero item type, as
//! the app's cart builds them or [`super::json`] reads them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Discount;
use crate::money::{Currency, Quantity, VatRate};

/// Dintero's `items[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    /// `physical`
    Physical,
    /// `digital`
    Digital,
    /// `service`
    Service,
    /// `gift_card`
    GiftCard,
    /// `shipping`
    Shipping,
    /// `surcharge` (e.g. a rounding line)
    Surcharge,
}

impl LineType {
    /// Every line type.
    pub const ALL: [LineType; 6] = [
        LineType::Physical,
        LineType::Digital,
        LineType::Service,
        LineType::GiftCard,
        LineType::Shipping,
        LineType::Surcharge,
    ];

    /// The wire value (`gift_card`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LineType::Physical => "physical",
            LineType::Digital => "digital",
            LineType::Service => "service",
            LineType::GiftCard => "gift_card",
            LineType::Shipping => "shipping",
            LineType::Surcharge => "surcharge",
        }
    }
}

impl fmt::Display for LineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LineType {
    type Err = ();
    /// Exact wire values only (`gift_card`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LineType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(())
    }
}

/// One line as asked for. Build it directly (the app's cart) or get it from JSON through
/// [`OrderInput`]; [`OrderInput::price`] checks everything either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineInput {
    /// Line text shown to the customer and on receipts.
    pub description: String,
    /// How many (or how much, for weighed goods).
    pub quantity: Quantity,
    /// Price of one unit in minor units, VAT included.
    pub unit_price: i64,
    /// VAT rate of the line.
    pub vat: VatRate,
    /// Product id / SKU (Dintero item `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Dintero item `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub line_type: Option<LineType>,
    /// The line's own discount ([`super::discount`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
}

impl LineInput {
    /// A line with no product id and no type.
    pub fn new(
        description: impl Into<String>,
        quantity: Quantity,
        unit_price: i64,
        vat: VatRate,
    ) -> LineInput {
        LineInput {
            description: description.into(),
            quantity,
            unit_price,
            vat,
            product_id: None,
            line_type: None,
            discount: None,
        }
    }
}

/// An order as asked for (the CLI's `--order` JSON, the app's cart). Serializes to the same JSON
/// contract it is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderInput {
    /// `None`: the caller's default currency (`KASSE_CURRENCY`, settings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The lines, in order; line N gets `line_id` `"N"`.
    pub lines: Vec<LineInput>,
    /// A discount on the whole order, spread over its lines ([`super::discount`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
}
