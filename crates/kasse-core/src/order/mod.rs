//! Orders: what a cashier (or `kasse-cli charge --order FILE`) asks for, validated and priced.
//! [`OrderInput`] (`input`, read from the JSON contract of DESIGN.md §4.3 by `json`) is priced
//! (`price`) into a [`PricedOrder`] whose `amount` is the sum of its lines' rounded amounts by
//! construction (Dintero's strict session amounts), after the discounts of `discount`; `part` is
//! the share of a line an operation takes.
//!
//! Unknown JSON fields and fractional `unit_price`s are refused rather than guessed at (a typo must
//! not drop a value; `39.50` is kroner where øre were meant), and every [`OrderError`] names its
//! field as `lines[N].quantity`, with N the 1-based `line_id` people use for the line.

mod discount;
mod error;
mod input;
mod json;
mod part;
mod price;

pub use discount::{spread, Discount, DiscountError, LineDiscount, OrderDiscount};
pub use error::{OrderError, TextError, UnitPriceError};
pub use input::{LineInput, LineType, OrderInput};
pub use json::{price_order_json, LINE_KEYS};
pub use part::{line_part_amount, LinePart, LinePartError};
pub use price::{PricedLine, PricedOrder};

/// Most lines in one order.
pub const MAX_LINES: usize = 500;
/// Longest `description` and `product_id`, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 255;
/// Largest amount Dintero accepts (its amounts are int32), for a line and for the order.
pub const MAX_AMOUNT: i64 = i32::MAX as i64;
