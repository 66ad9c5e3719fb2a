//! A customer's phone number for a payment link sent by SMS: what the cashier types, checked
//! and turned into the E.164 form Dintero wants in `customer.phone_number` (`+4799999999`,
//! dintero-api.md §5.1), and the masked form the sale's history and the screens show.
//!
//! A Norwegian number may be typed as its 8 digits (the `+47` is added); any other needs its
//! country code (`+46…` or `0046…`). Spaces, dashes, dots and brackets are ignored. The number
//! is personal data: its `Debug` is the masked form and it has no `Display`, so it does not
//! reach a log line or the journal by accident (the engine keeps only [`PhoneNumber::masked`]).

/// A checked phone number in E.164 form.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// `+` and 8 to 15 digits.
    e164: String,
}

/// Why a typed phone number was refused. Never repeats the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing typed.
    #[error("phone_number: type the customer's phone number")]
    Empty,
    /// A character that is not a digit, a leading `+`, or a separator.
    #[error("phone_number: only digits, a leading + and spaces are allowed")]
    InvalidCharacter,
    /// Digits without a country code that are not a Norwegian 8-digit number.
    #[error(
        "phone_number: a Norwegian number has 8 digits; any other needs + and its country code"
    )]
    MissingCountryCode,
    /// A Norwegian number (`+47`, or 8 digits) that is not 8 digits or starts with 0 or 1.
    #[error("phone_number: a Norwegian number has 8 digits and does not start with 0 or 1")]
    NotNorwegian,
    /// Country codes never start with 0.
    #[error("phone_number: the country code after + cannot start with 0")]
    BadCountryCode,
    /// Fewer than 8 digits with the country code.
    #[error("phone_number: too short for a phone number with its country code")]
    TooShort,
    /// More than E.164's 15 digits.
    #[error("phone_number: too long: at most 15 digits with the country code")]
    TooLong,
}

/// Norway's country code.
const NORWAY: &str = "47";

impl PhoneNumber {
    /// Reads a number as a cashier types it: `41234987`, `412 34 987`, `+47 412 34 987`,
    /// `0047 41234987`, `+46 70 123 45 67`.
    pub fn parse(typed: &str) -> Result<PhoneNumber, PhoneError> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (international, rest) = if let Some(rest) = typed.strip_prefix('+') {
            (true, rest)
        } else if let Some(rest) = typed.strip_prefix("00") {
            (true, rest)
        } else {
            (false, typed)
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '\u{a0}' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneError::InvalidCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let full = if international {
            digits
        } else if digits.len() == 8 {
            format!("{NORWAY}{digits}")
        } else {
            return Err(PhoneError::MissingCountryCode);
        };
        if full.starts_with('0') {
            return Err(PhoneError::BadCountryCode);
        }
        if let Some(national) = full.strip_prefix(NORWAY) {
            if national.len() != 8 || national.starts_with(['0', '1']) {
                return Err(PhoneError::NotNorwegian);
            }
        }
        if full.len() < 8 {
            return Err(PhoneError::TooShort);
        }
        if full.len() > 15 {
            return Err(PhoneError::TooLong);
        }
        Ok(PhoneNumber {
            e164: format!("+{full}"),
        })
    }

    /// The form Dintero wants: `+4741234987`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The number as the history and the screens show it: its country code and last three
    /// digits, `+47 ••• •• 987` (a Norwegian number in its 3-2-3 groups), `+46 ••••••• 567`.
    pub fn masked(&self) -> String {
        let digits = &self.e164[1..];
        let code = country_code_len(digits);
        let (cc, national) = digits.split_at(code);
        let split = national.len().saturating_sub(3);
        let (hidden, shown) = national.split_at(split);
        let dots = if cc == NORWAY && national.len() == 8 {
            "••• ••".to_owned()
        } else {
            "•".repeat(hidden.chars().count())
        };
        format!("+{cc} {dots} {shown}")
    }
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.masked()).finish()
    }
}

/// How many leading digits of an E.164 number are its country code (ITU-T E.164 assigns
/// 1-digit codes to zones 1 and 7, these 2-digit ones, and 3 digits to the rest).
fn country_code_len(digits: &str) -> usize {
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with(['1', '7']) {
        1
    } else if TWO.iter().any(|c| digits.starts_with(c)) {
        2
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(typed: &str) -> Result<String, PhoneError> {
        PhoneNumber::parse(typed).map(|p| p.e164().to_owned())
    }

    #[test]
    fn norwegian_numbers_need_no_country_code() {
        for typed in [
            "41234987",
            "412 34 987",
            " 41 23 49 87 ",
            "+4741234987",
            "+47 412 34 987",
            "0047 412-34-987",
        ] {
            assert_eq!(e164(typed).as_deref(), Ok("+4741234987"), "{typed:?}");
        }
        assert_eq!(e164("22334455").as_deref(), Ok("+4722334455"));
    }

    #[test]
    fn other_countries_are_e164_with_their_code() {
        assert_eq!(e164("+46 70 123 45 67").as_deref(), Ok("+46701234567"));
        assert_eq!(e164("0045 20 12 34 56").as_deref(), Ok("+4520123456"));
        assert_eq!(e164("+1 (212) 555-0199").as_deref(), Ok("+12125550199"));
        assert_eq!(e164("+354 611 2345").as_deref(), Ok("+3546112345"));
    }

    #[test]
    fn wrong_numbers_are_refused_with_what_is_wrong() {
        let cases = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("+", PhoneError::Empty),
            ("4123498a", PhoneError::InvalidCharacter),
            ("+47 412/34/987", PhoneError::InvalidCharacter),
            ("4123498", PhoneError::MissingCountryCode),
            ("701234567", PhoneError::MissingCountryCode),
            ("+47 4123498", PhoneError::NotNorwegian),
            ("+47 412349870", PhoneError::NotNorwegian),
            ("01234567", PhoneError::NotNorwegian),
            ("12345678", PhoneError::NotNorwegian),
            ("+0 123 456 789", PhoneError::BadCountryCode),
            ("+46 7012", PhoneError::TooShort),
            ("+46 7012 3456 7890 12", PhoneError::TooLong),
        ];
        for (typed, want) in cases {
            assert_eq!(PhoneNumber::parse(typed), Err(want), "{typed:?}");
        }
    }

    #[test]
    fn the_masked_form_keeps_the_country_code_and_the_last_three_digits() {
        let masked = |typed: &str| PhoneNumber::parse(typed).unwrap().masked();
        assert_eq!(masked("41234987"), "+47 ••• •• 987");
        assert_eq!(masked("+46701234567"), "+46 •••••• 567");
        assert_eq!(masked("+12125550199"), "+1 ••••••• 199");
        assert_eq!(masked("+3546112345"), "+354 •••• 345");
    }

    #[test]
    fn neither_debug_nor_an_error_shows_the_number() {
        let n = PhoneNumber::parse("41234987").unwrap();
        let debug = format!("{n:?}");
        assert!(!debug.contains("1234"), "{debug}");
        assert!(debug.contains("987"), "{debug}");
        let e = PhoneNumber::parse("4123498a").unwrap_err().to_string();
        assert!(e.starts_with("phone_number: "), "{e}");
        assert!(!e.contains("4123"), "{e}");
    }
}
