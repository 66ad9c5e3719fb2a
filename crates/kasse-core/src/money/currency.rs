//! The currencies Kasse charges in, and amounts in minor units as plain text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::decimal::parse_decimal;
use super::text::{quote_cut, MAX_QUOTED_CHARS};
use super::DecimalError;

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

    /// An amount typed in major units (`39.90`, `39,90`, `1 234,50`, `40`) as minor units: `.`
    /// or `,` as the decimal separator, spaces as digit groups, no more decimals than the
    /// currency has, not negative.
    pub fn parse_major(self, input: &str) -> Result<i64, DecimalError> {
        let text: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        if text.contains(['e', 'E']) {
            return Err(DecimalError::NotANumber {
                got: quote_cut(input),
            });
        }
        let minor = parse_decimal(&text, self.exponent()).map_err(|e| match e {
            DecimalError::NotANumber { .. } => DecimalError::NotANumber {
                got: quote_cut(input),
            },
            DecimalError::TooManyDecimals { max, .. } => DecimalError::TooManyDecimals {
                max,
                got: quote_cut(input),
            },
            other => other,
        })?;
        if minor < 0 {
            return Err(DecimalError::Negative {
                got: quote_cut(input),
            });
        }
        i64::try_from(minor)
            .ok()
            .filter(|m| *m <= i64::from(i32::MAX))
            .ok_or_else(|| DecimalError::TooLarge {
                limit: "at most 2147483647 minor units (Dintero's limit)",
                got: quote_cut(input),
            })
    }

    /// The VAT rates of the country whose currency this is (hundredths of a percent), or `None`
    /// where Kasse does not know one country's rates (EUR, USD): any rate is taken there.
    pub const fn vat_rates(self) -> Option<&'static [u32]> {
        match self {
            Currency::Nok => Some(&[0, 1200, 1500, 2500]),
            Currency::Sek => Some(&[0, 600, 1200, 2500]),
            Currency::Dkk => Some(&[0, 2500]),
            Currency::Isk => Some(&[0, 1100, 2400]),
            Currency::Gbp => Some(&[0, 500, 2000]),
            Currency::Eur | Currency::Usd => None,
        }
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

#[cfg(test)]
mod major_tests {
    use super::*;

    #[test]
    fn prices_typed_as_people_type_them() {
        let nok = Currency::Nok;
        assert_eq!(nok.parse_major("39.90"), Ok(3990));
        assert_eq!(nok.parse_major("39,90"), Ok(3990));
        assert_eq!(nok.parse_major(" 1 234,5 "), Ok(123_450));
        assert_eq!(nok.parse_major("40"), Ok(4000));
        assert_eq!(Currency::Isk.parse_major("1500"), Ok(1500));
        for (typed, refused) in [
            ("39.905", "TooManyDecimals"),
            ("kr 39", "NotANumber"),
            ("1e3", "NotANumber"),
            ("-5", "Negative"),
            ("99999999999", "TooLarge"),
        ] {
            let why = match nok.parse_major(typed) {
                Err(DecimalError::TooManyDecimals { max: 2, .. }) => "TooManyDecimals",
                Err(DecimalError::NotANumber { .. }) => "NotANumber",
                Err(DecimalError::Negative { .. }) => "Negative",
                Err(DecimalError::TooLarge { .. }) => "TooLarge",
                other => panic!("{typed:?}: {other:?}"),
            };
            assert_eq!(why, refused, "{typed:?}");
        }
    }

    #[test]
    fn a_country_s_vat_rates() {
        assert_eq!(Currency::Nok.vat_rates(), Some(&[0, 1200, 1500, 2500][..]));
        assert_eq!(Currency::Eur.vat_rates(), None);
    }
}
