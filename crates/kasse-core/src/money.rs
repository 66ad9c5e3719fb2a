//! Money, quantities and VAT rates, and the two rounding rules every amount in Kasse comes from.
//!
//! Everything here is exact integer arithmetic (`i64`/`i128`); there is no `f64` anywhere on the
//! path from what a person typed to what is sent to Dintero.
//!
//! * Amounts are `i64` **minor units** (øre, cents, …) of a [`Currency`].
//! * A [`Quantity`] is a decimal with at most 3 fractional digits (weighed goods: `0.375` kg),
//!   stored as integer thousandths.
//! * A [`VatRate`] is a percentage with at most 2 fractional digits (`25`, `25.5`, `0`), stored as
//!   integer hundredths of a percent.
//!
//! # The rules (written once, here)
//!
//! * line amount = round(quantity × unit price)   — [`line_amount`]
//! * line VAT    = round(line amount × rate / (100 + rate))   — [`vat_included`]
//!
//! where `round` is *half away from zero* ([`div_round_half_away_from_zero`]). Order totals are
//! sums of the per-line rounded values (see [`crate::order`]).

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest piece of user input quoted back in an error message (longer input is cut with `…`).
const MAX_QUOTED_CHARS: usize = 40;

// ---------------------------------------------------------------------------------------------
// Currency
// ---------------------------------------------------------------------------------------------

/// A currency Kasse can charge in, with its ISO 4217 code and minor-unit exponent.
///
/// Serialized as its ISO code (`"NOK"`); parsed case-insensitively (`"nok"` works).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Currency {
    /// Norwegian krone (2 decimals).
    Nok,
    /// Swedish krona (2 decimals).
    Sek,
    /// Danish krone (2 decimals).
    Dkk,
    /// Euro (2 decimals).
    Eur,
    /// Icelandic króna (0 decimals).
    Isk,
    /// US dollar (2 decimals).
    Usd,
    /// Pound sterling (2 decimals).
    Gbp,
}

/// The currency code given is not one Kasse knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency {}", quote_cut(code))]
pub struct UnknownCurrency {
    /// The code as given (cut to 41 characters if longer).
    pub code: String,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 7] = [
        Currency::Nok,
        Currency::Sek,
        Currency::Dkk,
        Currency::Eur,
        Currency::Isk,
        Currency::Usd,
        Currency::Gbp,
    ];

    /// The ISO 4217 code, upper case (`"NOK"`).
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Nok => "NOK",
            Currency::Sek => "SEK",
            Currency::Dkk => "DKK",
            Currency::Eur => "EUR",
            Currency::Isk => "ISK",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
        }
    }

    /// Number of decimal digits of the minor unit (2 for NOK: 1 krone = 100 øre; 0 for ISK).
    pub const fn exponent(self) -> u32 {
        match self {
            Currency::Isk => 0,
            _ => 2,
        }
    }

    /// Minor units in one major unit (100 for NOK, 1 for ISK).
    pub const fn minor_per_major(self) -> i64 {
        10_i64.pow(self.exponent())
    }

    /// Parses an ISO code, ignoring case and surrounding whitespace.
    pub fn from_code(code: &str) -> Result<Currency, UnknownCurrency> {
        let trimmed = code.trim();
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| UnknownCurrency {
                // One more than is shown, so the message still says it was cut.
                code: code.chars().take(MAX_QUOTED_CHARS + 1).collect(),
            })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

/// [`format_minor`] for a currency given by its code, as stored on a sale; a code Kasse does not
/// know (a sale imported from Dintero) is shown as the bare minor units with the code.
pub fn format_minor_code(amount: i64, code: &str) -> String {
    match code.parse::<Currency>() {
        Ok(c) => format_minor(amount, c),
        Err(_) => format!("{amount} {code}"),
    }
}

/// Plain-text amount: minor units shown in major units with a `.` decimal point and the ISO code,
/// e.g. `format_minor(123450, Currency::Nok) == "1234.50 NOK"`, `format_minor(-5, Nok) ==
/// "-0.05 NOK"`, `format_minor(1500, Isk) == "1500 ISK"`. No digit grouping and no locale: the UI
/// formats for people; this is for logs, the CLI and tests.
pub fn format_minor(amount: i64, currency: Currency) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let magnitude = amount.unsigned_abs();
    let exponent = currency.exponent();
    if exponent == 0 {
        return format!("{sign}{magnitude} {currency}");
    }
    let per_major = 10_u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$} {currency}",
        magnitude / per_major,
        magnitude % per_major,
        width = exponent as usize
    )
}

/// `3000000000` → `"3 000 000 000"` (groups of three digits separated by a plain space), for
/// error messages.
pub(crate) fn group_thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// Quotes user input for an error message (`"abc"`), cut to a readable length, with control
/// characters escaped.
pub(crate) fn quote_cut(input: &str) -> String {
    if input.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = input.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{cut:?}…")
    } else {
        format!("{input:?}")
    }
}

// ---------------------------------------------------------------------------------------------
// Exact decimal parsing (shared by Quantity and VatRate)
// ---------------------------------------------------------------------------------------------

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
fn parse_decimal(input: &str, scale: u32) -> Result<i128, DecimalError> {
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

/// Formats `value / 10^scale` with trailing fractional zeros removed (`1500, 3` → `"1.5"`).
fn format_scaled(value: i64, scale: u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// Reads a decimal from any serde format: a string, or a number taken by its decimal text
/// (`serde_json::Number`'s string form: JSON `0.1` is the text `0.1`, never the f64 arithmetic).
fn deserialize_decimal_text<'de, D: Deserializer<'de>>(
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

/// A short description of a JSON value for messages (`true`, `null`, `an array`, `an object`).
pub(crate) fn json_kind(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".to_owned(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => quote_cut(s),
        serde_json::Value::Array(_) => "an array".to_owned(),
        serde_json::Value::Object(_) => "an object".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Quantity
// ---------------------------------------------------------------------------------------------

/// A quantity of goods: a decimal with at most 3 fractional digits, stored exactly as integer
/// thousandths. Range `0 ..= 1 000 000`.
///
/// Parsing (`FromStr`, serde, [`Quantity::from_thousandths`]) accepts only **positive** values:
/// a quantity someone writes is always of something. [`Quantity::ZERO`] exists for arithmetic
/// (e.g. "already refunded"). Serialized as a decimal string (`"1.125"`); deserialized from a
/// string or a number.
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
        if thousandths > i128::from(Self::MAX.0) {
            return Err(DecimalError::TooLarge {
                limit: "at most 1000000",
                got: quote_cut(&got()),
            });
        }
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
        let text = self.to_string();
        // Integers are exact; a decimal with ≤ 10 significant digits round-trips through f64's
        // shortest representation, which is what serde_json prints.
        if self.0 % Self::SCALE == 0 {
            serde_json::Number::from(self.0 / Self::SCALE)
        } else {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .unwrap_or_else(|| serde_json::Number::from(0))
        }
    }
}

impl fmt::Display for Quantity {
    /// `2`, `0.5`, `1.125` (no trailing zeros).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(self.0, Self::DECIMALS, f)
    }
}

impl FromStr for Quantity {
    type Err = DecimalError;
    /// Parses `"2"`, `"0.5"`, `"1.125"`, `"1.500"`. Rejects more than 3 significant decimals,
    /// zero, negatives, more than 1 000 000 and anything that is not a number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = parse_decimal(s, Self::DECIMALS)?;
        Self::check(value, || s.to_owned())
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserialize_decimal_text(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// VatRate
// ---------------------------------------------------------------------------------------------

/// A VAT percentage with at most 2 fractional digits (`25`, `15`, `12`, `25.5`, `0`), stored as
/// integer hundredths of a percent. Range `0 ≤ rate < 100`.
///
/// Serialized as a decimal string (`"25.5"`); deserialized from a string or a number.
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
        Self::check(i128::from(hundredths), || {
            format_hundredths(i128::from(hundredths))
        })
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
        if hundredths > i128::from(Self::MAX.0) {
            return Err(DecimalError::TooLarge {
                limit: "less than 100",
                got: quote_cut(&got()),
            });
        }
        Ok(VatRate(hundredths as u32))
    }

    /// The rate in hundredths of a percent (25.5 % → `2550`).
    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// The rate as a JSON number for Dintero's `items[].vat` (`25`, `25.5`).
    pub fn to_json_number(self) -> serde_json::Number {
        if self.0 % 100 == 0 {
            serde_json::Number::from(self.0 / 100)
        } else {
            self.to_string()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .unwrap_or_else(|| serde_json::Number::from(0))
        }
    }
}

fn format_hundredths(h: i128) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let m = h.unsigned_abs();
    if m % 100 == 0 {
        format!("{sign}{}", m / 100)
    } else {
        let frac = format!("{:02}", m % 100);
        format!("{sign}{}.{}", m / 100, frac.trim_end_matches('0'))
    }
}

impl fmt::Display for VatRate {
    /// `25`, `25.5`, `0` (no trailing zeros, no `%`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_scaled(i64::from(self.0), Self::DECIMALS, f)
    }
}

impl FromStr for VatRate {
    type Err = DecimalError;
    /// Parses `"25"`, `"25.5"`, `"0"`, `"12.00"`. Rejects more than 2 significant decimals,
    /// negatives, 100 and above, and anything that is not a number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = parse_decimal(s, Self::DECIMALS)?;
        Self::check(value, || s.to_owned())
    }
}

impl Serialize for VatRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VatRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserialize_decimal_text(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1 000");
        assert_eq!(group_thousands(2_147_483_647), "2 147 483 647");
        assert_eq!(group_thousands(-3_000_000_000), "-3 000 000 000");
    }

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
