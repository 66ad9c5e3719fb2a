//! Part of a priced line (a capture or refund by line): amounts that telescope, so a line's
//! parts never sum to more than the line.

use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

use super::PricedLine;
use crate::money::{self, Quantity};

/// Amount and VAT for part of a line's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePart {
    /// The quantity of this part.
    pub quantity: Quantity,
    /// Minor units incl. VAT (may be 0 for a tiny part of a cheap line).
    pub amount: i64,
    /// VAT in `amount`.
    pub vat_amount: i64,
}

/// A part of a line that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinePartError {
    /// The part's quantity is zero. Code `invalid_quantity`.
    #[error("lines[{line_id}].quantity: must be greater than zero")]
    ZeroQuantity {
        /// The line.
        line_id: String,
    },
    /// Already taken + this part exceeds the line's quantity. Code `quantity_exceeds_line`.
    #[error("lines[{line_id}].quantity: {requested} is more than what is left of the line ({remaining} of {line_quantity})")]
    ExceedsLine {
        /// The line.
        line_id: String,
        /// The line's quantity.
        line_quantity: Quantity,
        /// What was left before this part.
        remaining: Quantity,
        /// What was asked for.
        requested: Quantity,
    },
}

impl LinePartError {
    /// `lines[N].quantity`.
    pub fn field(&self) -> String {
        match self {
            LinePartError::ZeroQuantity { line_id }
            | LinePartError::ExceedsLine { line_id, .. } => {
                format!("lines[{line_id}].quantity")
            }
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            LinePartError::ZeroQuantity { .. } => "invalid_quantity",
            LinePartError::ExceedsLine { .. } => "quantity_exceeds_line",
        }
    }
}

impl PricedLine {
    /// Amount and VAT of the first `taken` units of this line, by the same two rules as the line
    /// itself, never above the line's own values, and exactly the line's values for its whole
    /// quantity.
    fn cumulative(&self, taken: Quantity) -> (i64, i64) {
        if taken >= self.quantity {
            return (self.amount, self.vat_amount);
        }
        // A discounted line's units share its discounted amount: never more than was paid.
        let exact = match (
            self.discount,
            NonZeroU64::new(self.quantity.thousandths().unsigned_abs()),
        ) {
            (Some(_), Some(whole)) => money::div_round_half_away_from_zero(
                i128::from(self.amount) * i128::from(taken.thousandths()),
                whole,
            ),
            _ => money::line_amount(taken, self.unit_price),
        };
        let amount = i64::try_from(exact.clamp(0, i128::from(self.amount))).unwrap_or(0);
        (amount, self.vat_up_to(amount))
    }

    /// The VAT of the line's first `amount` minor units: the line's own VAT once that is all
    /// of it, else the VAT `amount` includes (never more than the line's). The parts of a line,
    /// each the difference of two of these, sum to the line's VAT exactly.
    pub fn vat_up_to(&self, amount: i64) -> i64 {
        if amount >= self.amount {
            return self.vat_amount;
        }
        money::vat_included(amount.max(0), self.vat).clamp(0, self.vat_amount.max(0))
    }

    /// See [`line_part_amount`].
    pub fn part(&self, already: Quantity, quantity: Quantity) -> Result<LinePart, LinePartError> {
        line_part_amount(self, already, quantity)
    }
}

/// The amount and VAT for `quantity` more of `line`, when `already` of it was taken before (by
/// earlier refunds, or captures).
///
/// **Rounding.** A part is the difference of two cumulative values:
/// `amount = round(unit_price × (already + quantity)) − round(unit_price × already)`, and its VAT
/// likewise `vat(cumulative after) − vat(cumulative before)` with `vat(a) = round(a × rate /
/// (100 + rate))` (rules 1 and 2 of [`crate::money`]). So the parts of a line *telescope*: however
/// its quantity is split, the parts sum to exactly `line.amount` and `line.vat_amount` once the
/// whole quantity is taken, and never more before that. The whole quantity in one part gives the
/// line's values exactly. For whole units of a line with an integer quantity every part is exact
/// (`unit_price × quantity`); for weighed goods a part's rounding may differ by one minor unit
/// from rounding it alone (`0.375 kg × 12990` = 4871 refunded as 0.125 + 0.125 + 0.125 gives
/// 1624 + 1624 + 1623). A very small part can be 0. A discounted line's cumulative amount is
/// its discounted amount's share instead, `round(amount × taken / quantity)`: a refund by line
/// gives back what was paid for those units, never their price before the discount.
pub fn line_part_amount(
    line: &PricedLine,
    already: Quantity,
    quantity: Quantity,
) -> Result<LinePart, LinePartError> {
    if quantity.is_zero() {
        return Err(LinePartError::ZeroQuantity {
            line_id: line.line_id.clone(),
        });
    }
    let remaining = line.quantity.checked_sub(already).unwrap_or(Quantity::ZERO);
    let after = already
        .checked_add(quantity)
        .filter(|after| *after <= line.quantity)
        .ok_or_else(|| LinePartError::ExceedsLine {
            line_id: line.line_id.clone(),
            line_quantity: line.quantity,
            remaining,
            requested: quantity,
        })?;
    let (amount_before, vat_before) = line.cumulative(already);
    let (amount_after, vat_after) = line.cumulative(after);
    Ok(LinePart {
        quantity,
        amount: amount_after - amount_before,
        vat_amount: vat_after - vat_before,
    })
}
