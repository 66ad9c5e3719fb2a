//! Discounts: a line's (a percentage, an amount off, or a lower unit price) and the order's (a
//! percentage or an amount off), as asked ([`Discount`]) and as priced ([`LineDiscount`],
//! [`OrderDiscount`]). Dintero gets each line's discounted amount; the original is kept so the
//! cart, the receipt and the report can show what was taken off.
//!
//! # Rounding (exact integers, the same every time)
//!
//! * A line starts at `before = round(quantity × unit_price)` (rule 1 of [`crate::money`]).
//! * A line's percentage takes `round(before × p / 100)` off it; an amount is taken off as
//!   given; a new unit price makes the line `round(quantity × price)`.
//! * The order's discount `D` (a percentage: `round(S × p / 100)`, with `S` the sum of the lines
//!   after their own discounts) is spread over the lines in order by cumulative rounding, as
//!   [`crate::allocate`] spreads an amount: with `Sᵢ` the sum of lines `1..=i`, line `i` gets
//!   `round(D × Sᵢ / S) − round(D × Sᵢ₋₁ / S)`. The shares telescope to exactly `D`, each lies
//!   between 0 and its line, and every line's VAT is then rule 2 on its final amount: so the
//!   lines' amounts and VAT sum to the order's exactly.
//!
//! `round` is half away from zero throughout.

use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

use crate::money::{self, DecimalError, Percent, Quantity};

/// A discount as asked. JSON: `{"percent":"10"}`, `{"amount":500}` (minor units off) or, on a
/// line only, `{"price":2900}` (the new unit price, minor units incl. VAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// A percentage off.
    Percent(#[cfg_attr(feature = "ts", ts(type = "string"))] Percent),
    /// Minor units off.
    Amount(i64),
    /// A new unit price (a line's price override), minor units incl. VAT.
    Price(i64),
}

/// Why a discount was refused. Each has its own code ([`DiscountError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscountError {
    /// Not one of `{"percent":…}`, `{"amount":…}`, `{"price":…}` (`price` on the order).
    #[error("must be one of {{\"percent\":\"10\"}}, {{\"amount\":500}}{}", if *line { ", {\"price\":2900}" } else { "" })]
    Shape {
        /// Whether a price override was allowed (a line's).
        line: bool,
    },
    /// A percentage that is not a decimal with at most 2 decimals.
    #[error("{0}")]
    Decimal(DecimalError),
    /// Below zero.
    #[error("must not be negative")]
    Negative,
    /// A percentage above 100.
    #[error("a percentage must be at most 100")]
    PercentTooLarge,
    /// More off a line than the line is.
    #[error("{discount} is more than the line ({line})")]
    ExceedsLine {
        /// Minor units asked off.
        discount: i64,
        /// The line before the discount.
        line: i64,
    },
    /// More off the order than its lines are after their own discounts.
    #[error("{discount} is more than the order ({order})")]
    ExceedsOrder {
        /// Minor units asked off.
        discount: i64,
        /// The order after its lines' discounts.
        order: i64,
    },
    /// A price override above the line's unit price: a discount only lowers a price.
    #[error("the new price {price} is above the unit price {unit_price}")]
    PriceAbove {
        /// The new price.
        price: i64,
        /// The line's unit price.
        unit_price: i64,
    },
    /// The discounts leave nothing to pay.
    #[error("the discounts leave nothing to pay")]
    NothingLeft,
}

impl DiscountError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DiscountError::Shape { .. } | DiscountError::Decimal(_) => "invalid_discount",
            DiscountError::Negative => "discount_negative",
            DiscountError::PercentTooLarge => "discount_percent_too_large",
            DiscountError::ExceedsLine { .. } => "discount_exceeds_line",
            DiscountError::ExceedsOrder { .. } => "discount_exceeds_order",
            DiscountError::PriceAbove { .. } => "discount_price_above",
            DiscountError::NothingLeft => "discount_leaves_nothing",
        }
    }

    /// A percentage's parse error in these terms.
    pub(super) fn of_percent(e: DecimalError) -> DiscountError {
        match e {
            DecimalError::Negative { .. } => DiscountError::Negative,
            DecimalError::TooLarge { .. } => DiscountError::PercentTooLarge,
            other => DiscountError::Decimal(other),
        }
    }
}

/// What discounts did to one priced line. `amount = before − line − order` (the line's own
/// [`crate::order::PricedLine::amount`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LineDiscount {
    /// The line's own discount as asked (`None`: only the order's discount reached it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<Discount>,
    /// `round(quantity × unit_price)`: the line before any discount.
    pub before: i64,
    /// Minor units its own discount took off.
    pub line: i64,
    /// Its share of the order's discount.
    pub order: i64,
}

impl LineDiscount {
    /// Everything taken off the line.
    pub fn total(&self) -> i64 {
        self.line + self.order
    }
}

/// The order's discount as priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderDiscount {
    /// As asked.
    pub asked: Discount,
    /// The lines after their own discounts, before this one.
    pub subtotal: i64,
    /// Minor units it took off (the sum of the lines' shares).
    pub amount: i64,
}

/// `round(amount × p / 100)`.
fn percent_of(amount: i64, p: Percent) -> i64 {
    let off = money::div_round_half_away_from_zero(
        i128::from(amount) * i128::from(p.hundredths()),
        NonZeroU64::new(10_000).unwrap_or(NonZeroU64::MIN),
    );
    i64::try_from(off).unwrap_or(amount)
}

/// Minor units a line's own `discount` takes off a line of `quantity` at `unit_price` whose
/// undiscounted amount is `before`.
pub(super) fn line_off(
    discount: Discount,
    before: i64,
    quantity: Quantity,
    unit_price: i64,
) -> Result<i64, DiscountError> {
    match discount {
        Discount::Price(p) if p < 0 => Err(DiscountError::Negative),
        Discount::Price(p) if p > unit_price => Err(DiscountError::PriceAbove {
            price: p,
            unit_price,
        }),
        Discount::Price(p) => {
            // p ≤ unit_price, so the new line is at most `before`: it fits.
            let after = i64::try_from(money::line_amount(quantity, p)).unwrap_or(before);
            Ok(before - after.clamp(0, before))
        }
        Discount::Percent(_) | Discount::Amount(_) => {
            amount_off(discount, before, |discount, line| {
                DiscountError::ExceedsLine { discount, line }
            })
        }
    }
}

/// Minor units the order's `discount` takes off lines summing to `subtotal`.
pub(super) fn order_off(discount: Discount, subtotal: i64) -> Result<i64, DiscountError> {
    amount_off(discount, subtotal, |discount, order| {
        DiscountError::ExceedsOrder { discount, order }
    })
}

/// Minor units a percentage or an amount takes off `of`; `exceeds(amount, of)` is the error of
/// an amount above `of`. A new price needs a unit price, which only a line has.
fn amount_off(
    discount: Discount,
    of: i64,
    exceeds: impl FnOnce(i64, i64) -> DiscountError,
) -> Result<i64, DiscountError> {
    match discount {
        Discount::Percent(p) => Ok(percent_of(of, p)),
        Discount::Amount(a) if a < 0 => Err(DiscountError::Negative),
        Discount::Amount(a) if a > of => Err(exceeds(a, of)),
        Discount::Amount(a) => Ok(a),
        Discount::Price(_) => Err(DiscountError::Shape { line: false }),
    }
}

/// `total` (at most `Σ amounts`, all ≥ 0) spread over `amounts` by cumulative rounding (the
/// module's rule): the shares sum to `total`, and share `i` lies in `0 ..= amounts[i]`.
pub fn spread(total: i64, amounts: &[i64]) -> Vec<i64> {
    let sum: i128 = amounts.iter().map(|a| i128::from(*a)).sum();
    let Some(whole) = u64::try_from(sum).ok().and_then(NonZeroU64::new) else {
        return vec![0; amounts.len()];
    };
    let mut running: i128 = 0;
    let mut before: i128 = 0;
    amounts
        .iter()
        .map(|a| {
            running += i128::from(*a);
            let upto = money::div_round_half_away_from_zero(i128::from(total) * running, whole);
            let share = upto - before;
            before = upto;
            i64::try_from(share).unwrap_or(0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_telescopes_to_the_total_and_never_exceeds_a_line() {
        assert_eq!(spread(1000, &[3333, 3333, 3333]), vec![333, 334, 333]);
        assert_eq!(spread(0, &[5, 7]), vec![0, 0]);
        assert_eq!(spread(12, &[5, 7]), vec![5, 7]);
        assert_eq!(spread(1, &[1, 1, 1]), vec![0, 1, 0]);
        for total in 0..=60 {
            let amounts = [7, 0, 19, 1, 33];
            let shares = spread(total, &amounts);
            assert_eq!(shares.iter().sum::<i64>(), total, "total {total}");
            for (s, a) in shares.iter().zip(amounts) {
                assert!((0..=a).contains(s), "{s} of {a} at {total}");
            }
        }
    }

    #[test]
    fn a_line_discount_is_checked_and_rounded_once() {
        let q = |s: &str| s.parse::<Quantity>().unwrap();
        let pct = |s: &str| Discount::Percent(s.parse().unwrap());
        // 0.375 kg × 129.90 = 48.71; 15 % of it is 7.3065 → 7.31.
        assert_eq!(line_off(pct("15"), 4871, q("0.375"), 12990), Ok(731));
        assert_eq!(line_off(pct("100"), 4871, q("0.375"), 12990), Ok(4871));
        assert_eq!(
            line_off(Discount::Amount(4872), 4871, q("0.375"), 12990),
            Err(DiscountError::ExceedsLine {
                discount: 4872,
                line: 4871
            })
        );
        assert_eq!(
            line_off(Discount::Amount(-1), 4871, q("0.375"), 12990),
            Err(DiscountError::Negative)
        );
        // A new price of 99.90 a kg: 0.375 × 9990 = 37.4625 → 37.46, so 11.25 off.
        assert_eq!(
            line_off(Discount::Price(9990), 4871, q("0.375"), 12990),
            Ok(1125)
        );
        assert_eq!(
            line_off(Discount::Price(12991), 4871, q("0.375"), 12990),
            Err(DiscountError::PriceAbove {
                price: 12991,
                unit_price: 12990
            })
        );
        assert_eq!(
            order_off(Discount::Price(1), 10),
            Err(DiscountError::Shape { line: false })
        );
        assert_eq!(
            order_off(Discount::Amount(11), 10),
            Err(DiscountError::ExceedsOrder {
                discount: 11,
                order: 10
            })
        );
        // 10 % of 99.99 is 9.999 → 10.00.
        assert_eq!(order_off(pct("10"), 9999), Ok(1000));
    }
}
