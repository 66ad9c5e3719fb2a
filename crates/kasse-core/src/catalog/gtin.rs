//! Barcodes: GTINs (EAN-13, EAN-8, UPC-A) with their check digit, and the GS1 variable-measure
//! codes shops print on weighed goods (EAN-13 beginning with `2`, a weight or a price inside).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a code is not a GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    /// Not 8, 12 or 13 digits.
    #[error("a GTIN has 8, 12 or 13 digits (got {got:?})")]
    Length {
        /// The code as given.
        got: String,
    },
    /// The last digit does not match the others.
    #[error("the check digit of {code} is wrong (it should end in {expected})")]
    CheckDigit {
        /// The code as given.
        code: String,
        /// The check digit the other digits give.
        expected: u8,
    },
}

/// A GTIN with a valid check digit, kept as 13 digits (EAN-13, UPC-A with a leading 0) or 8
/// (EAN-8): a UPC-A scanned as 12 digits and as 13 is the same product.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Gtin(String);

impl Serialize for Gtin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gtin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Gtin, D::Error> {
        Gtin::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The GS1 check digit of `body` (the digits before it): weights 3 and 1 from the right.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl Gtin {
    /// Parses a scanned or typed code (surrounding whitespace ignored).
    pub fn parse(code: &str) -> Result<Gtin, GtinError> {
        let code = code.trim();
        let digits = code.as_bytes();
        if !matches!(digits.len(), 8 | 12 | 13) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(GtinError::Length {
                got: code.chars().take(40).collect(),
            });
        }
        let (body, last) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body);
        if last[0] - b'0' != expected {
            return Err(GtinError::CheckDigit {
                code: code.to_owned(),
                expected,
            });
        }
        Ok(match digits.len() {
            12 => Gtin(format!("0{code}")),
            _ => Gtin(code.to_owned()),
        })
    }

    /// The code whose digits before the check digit are `body` (7, 11 or 12 digits), with the
    /// check digit computed: for a shop numbering its own goods.
    pub fn complete(body: &str) -> Result<Gtin, GtinError> {
        let digits = body.trim().as_bytes();
        if !matches!(digits.len(), 7 | 11 | 12) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(GtinError::Length {
                got: body.trim().chars().take(40).collect(),
            });
        }
        let check = char::from(b'0' + check_digit(digits));
        Gtin::parse(&format!("{}{check}", body.trim()))
    }

    /// The digits (13, or 8 for an EAN-8).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A restricted-circulation code (EAN-13 beginning with `2`), used in store for weighed or
    /// priced goods.
    pub fn is_variable_measure(&self) -> bool {
        self.0.len() == 13 && self.0.starts_with('2')
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a scanned code stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A product's own GTIN.
    Item(Gtin),
    /// A weighed item: the product (its code with the weight digits zero) and the grams.
    Weighed {
        /// The product's catalogue GTIN.
        item: Gtin,
        /// The weight printed in the code.
        grams: u32,
    },
    /// An item priced in store: the product and the price printed in the code.
    Priced {
        /// The product's catalogue GTIN.
        item: Gtin,
        /// The price, minor units.
        amount: i64,
    },
}

/// Reads a scanned code. A variable-measure EAN-13 (`2P IIIII VVVVV C`: prefix, 5-digit item
/// reference, 5-digit value) names its product by the same code with the value digits zero (and
/// its check digit recomputed), which is how such products are kept in the catalogue; prefixes
/// 23 and 24 carry a weight in grams, the others (20–22, 25–29) a price in minor units. Any
/// other GTIN is the product's own.
pub fn decode_scan(code: &str) -> Result<Scan, GtinError> {
    let gtin = Gtin::parse(code)?;
    if !gtin.is_variable_measure() {
        return Ok(Scan::Item(gtin));
    }
    let digits = gtin.as_str().as_bytes();
    let value: u32 = gtin.as_str()[7..12].parse().unwrap_or(0);
    let mut item = digits[..12].to_vec();
    item[7..12].copy_from_slice(b"00000");
    let check = check_digit(&item);
    item.push(b'0' + check);
    let item = Gtin(String::from_utf8(item).unwrap_or_default());
    Ok(match &gtin.as_str()[..2] {
        "23" | "24" => Scan::Weighed { item, grams: value },
        _ => Scan::Priced {
            item,
            amount: i64::from(value),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_each_kind_are_checked_and_completed() {
        // (a body without its check digit, the code typed, the code kept)
        for (body, typed, kept) in [
            ("703801000945", "7038010009457", "7038010009457"),
            ("9638507", "96385074", "96385074"),
            // A UPC-A, 12 digits, kept as the 13-digit EAN it also scans as.
            ("03600029145", "036000291452", "0036000291452"),
        ] {
            assert_eq!(Gtin::parse(typed).unwrap().as_str(), kept, "{typed}");
            assert_eq!(Gtin::complete(body).unwrap().as_str(), kept, "{body}");
        }
        assert_eq!(
            Gtin::parse("036000291452").unwrap(),
            Gtin::parse("0036000291452").unwrap()
        );
        assert_eq!(
            Gtin::parse("7038010009458"),
            Err(GtinError::CheckDigit {
                code: "7038010009458".into(),
                expected: 7
            })
        );
        for typed in ["12345", "70380100094x7"] {
            let refused = Gtin::parse(typed);
            assert!(matches!(refused, Err(GtinError::Length { .. })), "{typed}");
        }
        // A whole code is no body.
        for body in ["7038010009457", "70380100094x"] {
            let refused = Gtin::complete(body);
            assert!(matches!(refused, Err(GtinError::Length { .. })), "{body}");
        }
    }

    /// `body` with its check digit appended.
    fn with_check_digit(body: &[u8]) -> String {
        format!(
            "{}{}",
            std::str::from_utf8(body).unwrap(),
            check_digit(body)
        )
    }

    #[test]
    fn variable_measure_codes_carry_weight_or_price() {
        // 23 / item 12345 / 00375 g.
        let code = with_check_digit(b"231234500375");
        match decode_scan(&code).unwrap() {
            Scan::Weighed { item, grams } => {
                assert_eq!(grams, 375);
                assert_eq!(&item.as_str()[..12], "231234500000");
                assert!(Gtin::parse(item.as_str()).is_ok());
            }
            other => panic!("{other:?}"),
        }
        let code = with_check_digit(b"210555501990");
        match decode_scan(&code).unwrap() {
            Scan::Priced { item, amount } => {
                assert_eq!(amount, 1990);
                assert_eq!(&item.as_str()[..12], "210555500000");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decode_scan("7038010009457").unwrap(),
            Scan::Item(Gtin::parse("7038010009457").unwrap())
        );
    }
}
