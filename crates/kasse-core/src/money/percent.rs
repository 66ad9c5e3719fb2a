//! Percentages off a price: exact decimals with up to 2 fractional digits, `0 ..= 100`.

use std::fmt;

use super::decimal::{at_most, decimal_text_traits, Scaled};
use super::text::quote_cut;
use super::DecimalError;

/// A percentage off (`10`, `12.5`, `100`), stored as integer hundredths of a percent. Range
/// `0 ≤ p ≤ 100`. Serialized as a decimal string (`"12.5"`); deserialized from a string or a
/// number. Parsing refuses more than 2 decimals, negatives and anything above 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(u32);

impl Percent {
    /// Fractional digits allowed.
    pub const DECIMALS: u32 = 2;
    /// 100 %.
    pub const HUNDRED: Percent = Percent(10_000);

    /// From hundredths of a percent (`1250` is 12.5 %). At most `10000`.
    pub fn from_hundredths(hundredths: u32) -> Result<Percent, DecimalError> {
        Self::check(i128::from(hundredths), || Percent(hundredths).to_string())
    }

    fn check(hundredths: i128, got: impl FnOnce() -> String) -> Result<Percent, DecimalError> {
        if hundredths < 0 {
            return Err(DecimalError::Negative {
                got: quote_cut(&got()),
            });
        }
        let hundredths = at_most(hundredths, 10_000, "at most 100", got)?;
        Ok(Percent(hundredths as u32))
    }

    /// The percentage in hundredths (12.5 % → `1250`).
    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// `part` as a percentage of `whole`, in hundredths, rounded up (so a share just above a
    /// limit never reads as the limit); 0 when `whole` is not positive.
    pub fn share_hundredths(part: i64, whole: i64) -> u32 {
        if whole <= 0 || part <= 0 {
            return 0;
        }
        let scaled = i128::from(part) * 10_000;
        let whole = i128::from(whole);
        let up = (scaled + whole - 1) / whole;
        u32::try_from(up).unwrap_or(u32::MAX)
    }
}

impl fmt::Display for Percent {
    /// `10`, `12.5` (no trailing zeros, no `%`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Scaled(i64::from(self.0), Self::DECIMALS), f)
    }
}

decimal_text_traits!(Percent);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_hundredths_and_refuses_out_of_range() {
        assert_eq!("12.5".parse::<Percent>().unwrap().hundredths(), 1250);
        assert_eq!("100".parse::<Percent>().unwrap(), Percent::HUNDRED);
        assert_eq!("0".parse::<Percent>().unwrap().hundredths(), 0);
        assert!(matches!(
            "-1".parse::<Percent>(),
            Err(DecimalError::Negative { .. })
        ));
        assert!(matches!(
            "100.01".parse::<Percent>(),
            Err(DecimalError::TooLarge { .. })
        ));
        assert!(matches!(
            "1.005".parse::<Percent>(),
            Err(DecimalError::TooManyDecimals { .. })
        ));
        assert_eq!(Percent(1250).to_string(), "12.5");
    }

    #[test]
    fn a_share_rounds_up() {
        assert_eq!(Percent::share_hundredths(1000, 10_000), 1000);
        assert_eq!(Percent::share_hundredths(1001, 10_000), 1001);
        assert_eq!(Percent::share_hundredths(1, 3), 3334);
        assert_eq!(Percent::share_hundredths(5, 0), 0);
    }
}
