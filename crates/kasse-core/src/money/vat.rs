//! VAT rates: percentages with up to 2 fractional digits.

use std::fmt;

use super::decimal::{at_most, decimal_text_traits, json_number, Scaled};
use super::text::quote_cut;
use super::DecimalError;

/// A VAT percentage with at most 2 fractional digits (`25`, `15`, `12`, `25.5`, `0`), stored as
/// integer hundredths of a percent. Range `0 ≤ rate < 100`.
///
/// Serialized as a decimal string (`"25.5"`); deserialized from a string or a number. Parsing
/// takes `"25"`, `"25.5"`, `"0"`, `"12.00"` and refuses more than 2 significant decimals,
/// negatives, 100 and above, and anything not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VatRate(u32);

impl VatRate {
    /// Fractional digits allowed.
    pub const DECIMALS: u32 = 2;
    /// 0 %.
    pub const ZERO: VatRate = VatRate(0);
    /// Largest representable rate: 99.99 %.
    pub const MAX: VatRate = VatRate(9_999);

    /// From hundredths of a percent (`2550` is 25.5 %). Must be below `10000`.
    pub fn from_hundredths(hundredths: u32) -> Result<VatRate, DecimalError> {
        Self::check(i128::from(hundredths), || VatRate(hundredths).to_string())
    }

    /// A whole percentage (`from_percent(25)` is 25 %). Must be below 100.
    pub fn from_percent(percent: u32) -> Result<VatRate, DecimalError> {
        Self::check(i128::from(percent) * 100, || percent.to_string())
    }

    fn check(hundredths: i128, got: impl FnOnce() -> String) -> Result<VatRate, DecimalError> {
        if hundredths < 0 {
            return Err(DecimalError::Negative {
                got: quote_cut(&got()),
            });
        }
        let hundredths = at_most(hundredths, i128::from(Self::MAX.0), "less than 100", got)?;
        Ok(VatRate(hundredths as u32))
    }

    /// The rate in hundredths of a percent (25.5 % → `2550`).
    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// The rate as a JSON number for Dintero's `items[].vat` (`25`, `25.5`).
    pub fn to_json_number(self) -> serde_json::Number {
        json_number(i64::from(self.0), Self::DECIMALS)
    }
}

impl fmt::Display for VatRate {
    /// `25`, `25.5`, `0` (no trailing zeros, no `%`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Scaled(i64::from(self.0), Self::DECIMALS), f)
    }
}

decimal_text_traits!(VatRate);
