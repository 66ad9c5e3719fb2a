//! The Norwegian organisation number (organisasjonsnummer): nine digits whose last is a
//! MOD11 check digit over the first eight (weights 3 2 7 6 5 4 3 2). A receipt prints it as
//! `Org.nr 923 609 016 MVA`; a typo is caught when it is typed, not when a customer reads it.

use std::fmt;
use std::str::FromStr;

/// Why a text is not an organisation number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgNumberError {
    /// Not nine digits (spaces and a leading `NO`/trailing `MVA` are allowed around them).
    #[error("must be 9 digits (e.g. 923 609 016), found {0}")]
    Length(usize),
    /// Something other than a digit among them.
    #[error("must be digits only (spaces allowed), found {0:?}")]
    NotDigit(char),
    /// The ninth digit is not the MOD11 check digit of the first eight.
    #[error("the check digit does not match: a digit is mistyped (the last should be {expected})")]
    CheckDigit {
        /// The check digit the first eight call for (`None`: no number starts with those eight).
        expected: CheckDigit,
    },
}

/// The check digit the first eight digits call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckDigit {
    /// This digit.
    Digit(u8),
    /// No valid number starts with these eight digits (MOD11 remainder 1).
    None,
}

impl fmt::Display for CheckDigit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckDigit::Digit(d) => write!(f, "{d}"),
            CheckDigit::None => f.write_str("none: no number starts with these eight digits"),
        }
    }
}

/// A valid organisation number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgNumber([u8; 9]);

impl OrgNumber {
    /// The nine digits, without spaces (`923609016`).
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// As printed: `923 609 016`.
    pub fn grouped(&self) -> String {
        let d = self.digits();
        format!("{} {} {}", &d[0..3], &d[3..6], &d[6..9])
    }

    /// The receipt's line: `Org.nr 923 609 016 MVA`.
    pub fn receipt_line(&self) -> String {
        format!("Org.nr {} MVA", self.grouped())
    }
}

/// The check digit of eight digits.
fn check_digit(first: &[u8]) -> CheckDigit {
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = first
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => CheckDigit::Digit(0),
        10 => CheckDigit::None,
        d => CheckDigit::Digit(d as u8),
    }
}

impl FromStr for OrgNumber {
    type Err = OrgNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let s = s
            .strip_prefix("NO")
            .or_else(|| s.strip_prefix("no"))
            .unwrap_or(s);
        let s = s
            .trim_end()
            .strip_suffix("MVA")
            .or_else(|| s.trim_end().strip_suffix("mva"))
            .unwrap_or(s);
        let mut digits = Vec::with_capacity(9);
        for c in s.chars().filter(|c| !c.is_whitespace()) {
            let d = c.to_digit(10).ok_or(OrgNumberError::NotDigit(c))?;
            digits.push(d as u8);
        }
        let digits: [u8; 9] = digits
            .as_slice()
            .try_into()
            .map_err(|_| OrgNumberError::Length(digits.len()))?;
        let expected = check_digit(&digits[..8]);
        if expected != CheckDigit::Digit(digits[8]) {
            return Err(OrgNumberError::CheckDigit { expected });
        }
        Ok(OrgNumber(digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_numbers_pass_and_print_grouped_with_mva() {
        // Typed as people do: bare, grouped, with the VAT register's NO … MVA.
        for (typed, digits) in [
            ("923609016", "923609016"),
            ("923 609 016", "923609016"),
            ("NO 974 760 673 MVA", "974760673"),
            ("981 276 957", "981276957"),
        ] {
            let n: OrgNumber = typed.parse().unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(n.digits(), digits);
        }
        let n: OrgNumber = "923609016".parse().unwrap();
        assert_eq!(n.receipt_line(), "Org.nr 923 609 016 MVA");
    }

    #[test]
    fn a_mistyped_digit_names_the_check_digit() {
        assert_eq!(
            "923609017".parse::<OrgNumber>(),
            Err(OrgNumberError::CheckDigit {
                expected: CheckDigit::Digit(6)
            })
        );
        // Two digits swapped.
        assert!(matches!(
            "926309016".parse::<OrgNumber>(),
            Err(OrgNumberError::CheckDigit { .. })
        ));
        // Remainder 1: no check digit exists.
        let first = [1, 0, 0, 0, 0, 0, 1, 3];
        assert_eq!(check_digit(&first), CheckDigit::None);
        assert_eq!(
            "100000130".parse::<OrgNumber>(),
            Err(OrgNumberError::CheckDigit {
                expected: CheckDigit::None
            })
        );
        // Remainder 0: the check digit is 0.
        assert_eq!(check_digit(&[0; 8]), CheckDigit::Digit(0));
    }

    #[test]
    fn length_and_letters_are_refused_by_name() {
        assert_eq!(
            "92360901".parse::<OrgNumber>(),
            Err(OrgNumberError::Length(8))
        );
        assert_eq!(
            "9236090160".parse::<OrgNumber>(),
            Err(OrgNumberError::Length(10))
        );
        assert_eq!(
            "92360901X".parse::<OrgNumber>(),
            Err(OrgNumberError::NotDigit('X'))
        );
        assert_eq!("".parse::<OrgNumber>(), Err(OrgNumberError::Length(0)));
    }
}
