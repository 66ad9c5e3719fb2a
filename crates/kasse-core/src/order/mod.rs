//! Orders: what a cashier (or `kasse-cli charge --order FILE`) asks for, validated and priced.
//!
//! ```text
//! {"currency":"NOK","lines":[{"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"}]}
//!        │ OrderInput::from_json_str / serde            (shape, types, decimals, unknown fields)
//!        ▼
//!   OrderInput ── price(default_currency) ──▶ PricedOrder   (ranges, texts, amounts, totals)
//! ```
//!
//! # The JSON contract (DESIGN.md §4.3)
//!
//! | field | | |
//! |---|---|---|
//! | `currency` | optional | ISO code, any case; omitted or `null` → the caller's default |
//! | `lines` | required | 1 ..= [`MAX_LINES`] lines |
//! | `lines[].description` | required | 1 ..= [`MAX_TEXT_CHARS`] characters, no control characters; trimmed |
//! | `lines[].quantity` | required | decimal string or number, > 0, ≤ 3 decimals, ≤ 1 000 000 |
//! | `lines[].unit_price` | required | JSON **integer**, minor units incl. VAT, 1 ..= 2 147 483 647 |
//! | `lines[].vat` | required | decimal string or number, 0 ≤ vat < 100, ≤ 2 decimals |
//! | `lines[].product_id` | optional | string (or integer), becomes Dintero's item `id` |
//! | `lines[].type` | optional | `physical`, `digital`, `service`, `gift_card`, `shipping`, `surcharge` |
//!
//! **Unknown fields are rejected** (`lines[1].quantiy: unknown field …`) so a typo can never
//! silently drop a value. A fractional `unit_price` (`39.50`, even `3900.0`) is rejected rather
//! than guessed at: it is almost always a price in kroner where øre were meant.
//!
//! # Error paths
//!
//! Every [`OrderError`] names its field as `currency`, `lines`, `lines[N].quantity`, `amount`, …
//! where **N is 1-based and equal to the line's `line_id`** (the first line is `lines[1]`), so
//! the number in an error is the number people use for the line everywhere else.
//!
//! # Amounts
//!
//! Each line is priced by the two rules of [`crate::money`]; the order's `amount` and
//! `vat_amount` are the sums of the lines' rounded values, so `amount == Σ lines[].amount` holds
//! by construction (Dintero's `strict-session-amounts`). Every line amount and the order total
//! must fit Dintero's int32.
//!
//! The parts: [`OrderInput`] and its lines (`input`), reading the JSON contract (`json`),
//! validation and pricing into a [`PricedOrder`] (`price`), the errors that name their field
//! (`error`), and the parts of a priced line taken by a capture or refund (`part`).

mod error;
mod input;
mod json;
mod part;
mod price;

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
