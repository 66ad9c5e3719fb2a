//! Quantities of goods: exact decimals with up to 3 fractional digits.

use std::fmt;

use super::decimal::{at_most, decimal_text_traits, json_number, Scaled};
use super::DecimalError;

/// A quantity of goods: a decimal with at most 3 fractional digits, stored exactly as integer
/// thousandths. Range `0 ..= 1 000 000`.
///
/// Parsing (`FromStr`, serde, [`Quantity::from_thousandths`]) accepts only **positive** values:
/// a quantity someone writes is always of something. [`Quantity::ZERO`] exists for arithmetic
/// (e.g. "already refunded"). Serialized as a decimal string (`"1.125"`); deserialized from a
/// string or a number. Parsing takes `"2"`, `"0.5"`, `"1.125"`, `"1.500"` and refuses more than
/// 3 significant decimals, zero, negatives, more than 1 000 000 and anything not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    /// Fractional digits allowed.
    pub const DECIMALS: u32 = 3;
    /// Thousandths per unit.
    pub const SCALE: i64 = 1000;
    /// Zero (for sums and "nothing refunded yet"; never produced by parsing).
    pub const ZERO: Quantity = Quantity(0);
    /// One unit.
    pub const ONE: Quantity = Quantity(1000);
    /// The largest quantity accepted: 1 000 000 units.
    pub const MAX: Quantity = Quantity(1_000_000 * 1000);

    /// From integer thousandths (`375` is `0.375`). Must be in `1 ..= MAX`.
    pub fn from_thousandths(thousandths: i64) -> Result<Quantity, DecimalError> {
        Self::check(i128::from(thousandths), || {
            Quantity(thousandths).to_string()
        })
    }

    /// A whole number of units (`whole(2)` is `2`). Must be in `1 ..= 1 000 000`.
    pub fn whole(units: i64) -> Result<Quantity, DecimalError> {
        Self::check(i128::from(units) * 1000, || units.to_string())
    }

    fn check(thousandths: i128, got: impl FnOnce() -> String) -> Result<Quantity, DecimalError> {
        if thousandths <= 0 {
            return Err(DecimalError::NotPositive);
        }
        let thousandths = at_most(thousandths, i128::from(Self::MAX.0), "at most 1000000", got)?;
        // In range 1..=10^9, so the conversion cannot fail.
        Ok(Quantity(thousandths as i64))
    }

    /// The value in thousandths.
    pub const fn thousandths(self) -> i64 {
        self.0
    }

    /// `true` for [`Quantity::ZERO`].
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum, or `None` above [`Quantity::MAX`].
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        let sum = self.0.checked_add(other.0)?;
        (sum <= Self::MAX.0).then_some(Quantity(sum))
    }

    /// Difference, or `None` below zero.
    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        let diff = self.0.checked_sub(other.0)?;
        (diff >= 0).then_some(Quantity(diff))
    }

    /// The quantity as a JSON number for Dintero's `items[].quantity` (`1.125`). Built from the
    /// exact decimal text, so it prints back as that text.
    pub fn to_json_number(self) -> serde_json::Number {
        json_number(self.0, Self::DECIMALS)
    }
}

impl fmt::Display for Quantity {
    /// `2`, `0.5`, `1.125` (no trailing zeros).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Scaled(self.0, Self::DECIMALS), f)
    }
}

decimal_text_traits!(Quantity);
