//! Money, quantities and VAT rates, and the two rounding rules every amount in Kasse comes from.
//!
//! Everything here is exact integer arithmetic (`i64`/`i128`); there is no `f64` anywhere on the
//! path from what a person typed to what is sent to Dintero.
//!
//! * Amounts are `i64` **minor units** (øre, cents, …) of a [`Currency`].
//! * A [`Quantity`] is a decimal with at most 3 fractional digits (weighed goods: `0.375` kg),
//!   stored as integer thousandths.
//! * A [`VatRate`] is a percentage with at most 2 fractional digits (`25`, `25.5`, `0`), stored as
//!   integer hundredths of a percent; a [`Percent`] off a price likewise (`0 ..= 100`).
//!
//! # The rules (written once, here)
//!
//! * line amount = round(quantity × unit price)   — [`line_amount`]
//! * line VAT    = round(line amount × rate / (100 + rate))   — [`vat_included`]
//!
//! where `round` is *half away from zero* ([`div_round_half_away_from_zero`]). Order totals are
//! sums of the per-line rounded values (see [`crate::order`]).
//!
//! The parts: [`Currency`] and plain-text amounts (`currency`), the exact decimals [`Quantity`]
//! and [`VatRate`] (`quantity`, `vat`, parsed by `decimal`), the rules below, and how user input
//! is quoted back in messages (`text`).

use std::num::NonZeroU64;

mod currency;
mod decimal;
mod percent;
mod quantity;
mod text;
mod vat;

pub use currency::{format_minor, format_minor_code, Currency, UnknownCurrency};
pub use decimal::DecimalError;
pub use percent::Percent;
pub use quantity::Quantity;
pub(crate) use text::{group_thousands, json_kind, quote_cut};
pub use vat::VatRate;

/// `numerator / denominator` rounded to the nearest integer, halves away from zero
/// (`5/2 → 3`, `-5/2 → -3`, `7/3 → 2`). Exact; never overflows (the result's magnitude is at
/// most the numerator's).
pub fn div_round_half_away_from_zero(numerator: i128, denominator: NonZeroU64) -> i128 {
    let d = i128::from(denominator.get());
    let quotient = numerator / d; // truncates toward zero; d ≥ 1 so no overflow
    let remainder = numerator % d; // same sign as the numerator, |remainder| < d
    if remainder.unsigned_abs() * 2 >= d.unsigned_abs() {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

const THOUSAND: NonZeroU64 = match NonZeroU64::new(1000) {
    Some(n) => n,
    None => unreachable!(),
};

/// **Rule 1.** The amount for `quantity` at `unit_price` (minor units, VAT included):
/// `round(quantity × unit_price)`, halves away from zero. Exact for every input (the product of a
/// quantity and any `i64` fits in `i128`); the caller checks the result fits what it needs.
pub fn line_amount(quantity: Quantity, unit_price: i64) -> i128 {
    div_round_half_away_from_zero(
        i128::from(quantity.thousandths()) * i128::from(unit_price),
        THOUSAND,
    )
}

/// **Rule 2.** The VAT contained in a VAT-inclusive `amount` at `rate`:
/// `round(amount × rate / (100 + rate))`, halves away from zero. Its magnitude never exceeds the
/// amount's, and it has the amount's sign (or is zero).
pub fn vat_included(amount: i64, rate: VatRate) -> i64 {
    let h = u64::from(rate.hundredths());
    // 10 000 + h ≥ 10 000, never zero.
    let denominator = NonZeroU64::new(10_000 + h).unwrap_or(NonZeroU64::MIN);
    let vat = div_round_half_away_from_zero(i128::from(amount) * i128::from(h), denominator);
    // |vat| ≤ |amount| × 9999/19999 + 1 ≤ |amount|, so it fits in i64.
    i64::try_from(vat).unwrap_or(0)
}
