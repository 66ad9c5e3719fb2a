//! Exact decimal parsing and formatting, shared by [`super::Quantity`] and [`super::VatRate`]:
//! decimal text (a string, or a JSON number by its text) to a scaled integer and back, never
//! through `f64` arithmetic.

use std::fmt;

use serde::{Deserialize, Deserializer};

use super::text::{json_kind, quote_cut};

/// Why a decimal (a quantity or a VAT rate) was rejected. The `Display` text is the message shown
/// after the field name, e.g. `lines[3].vat: at most 2 decimals (got "25.555")`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not a decimal number at all (`"abc"`, `"1,5"`, `""`, `NaN`).
    #[error("must be a decimal number (got {got})")]
    NotANumber {
        /// The input, quoted.
        got: String,
    },
    /// More fractional digits than allowed (trailing zeros do not count: `"1.500"` is `1.5`).
    #[error("at most {max} decimals (got {got})")]
    TooManyDecimals {
        /// Allowed fractional digits.
        max: u32,
        /// The input, quoted.
        got: String,
    },
    /// Zero or negative where only a positive value makes sense (quantities).
    #[error("must be greater than zero")]
    NotPositive,
    /// Negative where zero is allowed (VAT rates).
    #[error("must not be negative (got {got})")]
    Negative {
        /// The input, quoted.
        got: String,
    },
    /// Above the allowed range.
    #[error("must be {limit} (got {got})")]
    TooLarge {
        /// The rule, e.g. `at most 1000000` or `less than 100`.
        limit: &'static str,
        /// The input, quoted.
        got: String,
    },
}

/// Why the digits could not become a scaled integer.
enum ScaledFail {
    NotANumber,
    TooManyDecimals,
    /// More than 30 digits; `negative` keeps the sign so range checks still say the right thing.
    TooLarge {
        negative: bool,
    },
}

/// Parses `input` (`"1.125"`, `"-2"`, `"25.50"`, `"1e-3"`, `".5"`) into an exact integer
/// `value × 10^scale`. Trailing fractional zeros are insignificant. Surrounding ASCII whitespace is
/// ignored. Exponents are accepted because JSON numbers may be written that way (`1e2`).
fn parse_scaled(input: &str, scale: u32) -> Result<i128, ScaledFail> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(pos) => (&s[..pos], Some(&s[pos + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(pos) => (&mantissa[..pos], &mantissa[pos + 1..]),
        None => (mantissa, ""),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty()
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(ScaledFail::NotANumber);
    }
    // Exponent, saturated: anything beyond ±100 000 is out of every range we accept anyway.
    let mut exp: i64 = 0;
    if let Some(e) = exponent {
        let (e_negative, e_digits) = match e.as_bytes().first() {
            Some(b'-') => (true, &e[1..]),
            Some(b'+') => (false, &e[1..]),
            _ => (false, e),
        };
        if e_digits.is_empty() || !all_digits(e_digits) {
            return Err(ScaledFail::NotANumber);
        }
        for b in e_digits.bytes() {
            exp = (exp * 10 + i64::from(b - b'0')).min(100_000);
        }
        if e_negative {
            exp = -exp;
        }
    }
    // value = digits × 10^exp10
    let digits_all = format!("{int_part}{frac_part}");
    let digits = digits_all.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    let frac_len = i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    let dropped_zeros = i64::try_from(digits.len() - trimmed.len()).unwrap_or(i64::MAX);
    if trimmed.is_empty() {
        return Ok(0);
    }
    let exp10 = exp.saturating_sub(frac_len).saturating_add(dropped_zeros);
    let shift = exp10.saturating_add(i64::from(scale));
    if shift < 0 {
        return Err(ScaledFail::TooManyDecimals);
    }
    // 30 significant digits fit comfortably in an i128 (max ≈ 1.7 × 10^38).
    let total_digits = i64::try_from(trimmed.len())
        .unwrap_or(i64::MAX)
        .saturating_add(shift);
    if total_digits > 30 {
        return Err(ScaledFail::TooLarge { negative });
    }
    let mut value: i128 = 0;
    for b in trimmed.bytes() {
        value = value * 10 + i128::from(b - b'0');
    }
    for _ in 0..shift {
        value *= 10;
    }
    Ok(if negative { -value } else { value })
}

/// Shared parse for the two decimal types: returns the scaled value, checked for syntax and
/// decimals but not yet for range (the caller's check gives the range message).
pub(super) fn parse_decimal(input: &str, scale: u32) -> Result<i128, DecimalError> {
    match parse_scaled(input, scale) {
        Ok(value) => Ok(value),
        Err(ScaledFail::NotANumber) => Err(DecimalError::NotANumber {
            got: quote_cut(input),
        }),
        Err(ScaledFail::TooManyDecimals) => Err(DecimalError::TooManyDecimals {
            max: scale,
            got: quote_cut(input),
        }),
        // Beyond every caller's range: let its own check say so.
        Err(ScaledFail::TooLarge { negative: true }) => Ok(i128::MIN),
        Err(ScaledFail::TooLarge { negative: false }) => Ok(i128::MAX),
    }
}

/// `scaled` when it is at most `max`, else [`DecimalError::TooLarge`] with the rule `limit` and
/// the input `got` quoted.
pub(super) fn at_most(
    scaled: i128,
    max: i128,
    limit: &'static str,
    got: impl FnOnce() -> String,
) -> Result<i128, DecimalError> {
    if scaled > max {
        return Err(DecimalError::TooLarge {
            limit,
            got: quote_cut(&got()),
        });
    }
    Ok(scaled)
}

/// `value / 10^scale` as decimal text, without trailing fractional zeros (`1500, 3` → `1.5`).
pub(super) struct Scaled(pub(super) i64, pub(super) u32);

impl fmt::Display for Scaled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Scaled(value, scale) = *self;
        let per_unit = 10_u64.pow(scale);
        let magnitude = value.unsigned_abs();
        if value < 0 {
            f.write_str("-")?;
        }
        write!(f, "{}", magnitude / per_unit)?;
        let frac = magnitude % per_unit;
        if frac != 0 {
            let digits = format!("{frac:0width$}", width = scale as usize);
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

/// A scaled decimal as a JSON number for Dintero (`2`, `1.125`, `25.5`). Built from the exact
/// decimal text: integers are exact, and a decimal with ≤ 10 significant digits round-trips
/// through f64's shortest representation, which is what serde_json prints.
pub(super) fn json_number(value: i64, scale: u32) -> serde_json::Number {
    let per_unit = 10_i64.pow(scale);
    if value % per_unit == 0 {
        serde_json::Number::from(value / per_unit)
    } else {
        Scaled(value, scale)
            .to_string()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .unwrap_or_else(|| serde_json::Number::from(0))
    }
}

/// Reads a decimal from any serde format: a string, or a number taken by its decimal text
/// (`serde_json::Number`'s string form: JSON `0.1` is the text `0.1`, never the f64 arithmetic).
pub(super) fn deserialize_decimal_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    // Going through `Value` keeps this correct if serde_json's `arbitrary_precision` is ever on.
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "must be a decimal number as a string or a number (got {})",
            json_kind(&other)
        ))),
    }
}

/// `FromStr` (through `parse_decimal` and the type's own range check), `Serialize` as decimal
/// text and `Deserialize` from a string or a number, for a scaled decimal type with `DECIMALS`
/// and `check(scaled, got)`.
macro_rules! decimal_text_traits {
    ($t:ty) => {
        impl std::str::FromStr for $t {
            type Err = $crate::money::DecimalError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let value = $crate::money::decimal::parse_decimal(s, Self::DECIMALS)?;
                Self::check(value, || s.to_owned())
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = $crate::money::decimal::deserialize_decimal_text(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(super) use decimal_text_traits;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_parser_edges() {
        let p = |s: &str, scale| parse_scaled(s, scale).ok();
        assert_eq!(p("1.125", 3), Some(1125));
        assert_eq!(p("  2 ", 3), Some(2000));
        assert_eq!(p(".5", 3), Some(500));
        assert_eq!(p("5.", 3), Some(5000));
        assert_eq!(p("1e-3", 3), Some(1));
        assert_eq!(p("1.5E2", 0), Some(150));
        assert_eq!(p("0e999999999999999999", 3), Some(0));
        assert_eq!(p("000.000", 3), Some(0));
        assert_eq!(p("-0.25", 2), Some(-25));
        assert!(p("1e-4", 3).is_none());
        assert!(p("1e99999999999", 3).is_none());
        assert!(p("", 3).is_none());
        assert!(p(".", 3).is_none());
        assert!(p("1..2", 3).is_none());
        assert!(p("1e", 3).is_none());
        assert!(p("--1", 3).is_none());
        assert!(p("1,5", 3).is_none());
        assert!(p("١", 3).is_none(), "non-ASCII digits are not digits here");
    }
}
