//! The sandbox test cards of dintero-api.md §19 and what each one does.

/// What happens when the customer pays with a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// Authorized (after a 3DS challenge where the card has one).
    Approved,
    /// 3DS verification fails → `FAILED`.
    ThreeDsFailed,
    /// Issuer declines (3DS authentication required, code `1A`) → `DECLINED`.
    Declined,
    /// Authorization timed out → `FAILED`.
    TimedOut,
}

/// A later operation that times out for this card (503 `processor_unavailable` + a failed event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimesOut {
    /// Capture.
    Capture,
    /// Refund.
    Refund,
    /// The automatic capture of `configuration.auto_capture`.
    AutoCapture,
    /// Void (cancelling the authorization).
    Void,
}

/// One test card.
#[derive(Debug, Clone, Copy)]
pub struct TestCard {
    /// The 16 digits.
    pub number: &'static str,
    /// `Visa` or `Mastercard`.
    pub brand: &'static str,
    /// Outcome of paying with it.
    pub authorization: Authorization,
    /// A later operation that fails.
    pub times_out: Option<TimesOut>,
    /// Shown on the hosted test page.
    pub label: &'static str,
}

const fn card(
    number: &'static str,
    authorization: Authorization,
    times_out: Option<TimesOut>,
    label: &'static str,
) -> TestCard {
    let brand = if number.as_bytes()[0] == b'4' {
        "Visa"
    } else {
        "Mastercard"
    };
    TestCard {
        number,
        brand,
        authorization,
        times_out,
        label,
    }
}

use Authorization::*;

/// The card a non-card payment (Vipps, Swish, invoice…) behaves as when none is named:
/// approved, nothing times out.
pub const APPROVED_CARD: &str = "4000000000000002";

/// Every card of §19.
pub const TEST_CARDS: &[TestCard] = &[
    card(
        "4000000000000002",
        Approved,
        None,
        "Visa, 3DS frictionless: success",
    ),
    card(
        "4000100000000000",
        Approved,
        None,
        "Visa, 3DS challenge: success",
    ),
    card(
        "4000200000000008",
        Approved,
        None,
        "Visa, 3DS proof of attempt: success",
    ),
    card(
        "4000300000000006",
        ThreeDsFailed,
        None,
        "Visa, 3DS verification fails",
    ),
    card(
        "5200000000000007",
        Approved,
        None,
        "Mastercard, 3DS frictionless: success",
    ),
    card(
        "5200000000000015",
        Approved,
        None,
        "Mastercard, 3DS challenge: success",
    ),
    card(
        "5200000000000023",
        Approved,
        None,
        "Mastercard, proof of attempt: success",
    ),
    card(
        "5200000000000031",
        ThreeDsFailed,
        None,
        "Mastercard, 3DS verification fails",
    ),
    card(
        "4100000000000076",
        Declined,
        None,
        "Declined: 3DS authentication required (1A)",
    ),
    card(
        "4100000000000001",
        TimedOut,
        None,
        "Authorization times out",
    ),
    card(
        "5100000000000008",
        TimedOut,
        None,
        "Authorization times out",
    ),
    card(
        "4100000000000019",
        Approved,
        Some(TimesOut::Capture),
        "Capture times out",
    ),
    card(
        "5100000000000016",
        Approved,
        Some(TimesOut::Capture),
        "Capture times out",
    ),
    card(
        "4100000000000027",
        Approved,
        Some(TimesOut::Refund),
        "Refund times out",
    ),
    card(
        "5100000000000024",
        Approved,
        Some(TimesOut::Refund),
        "Refund times out",
    ),
    card(
        "4100000000000035",
        Approved,
        Some(TimesOut::AutoCapture),
        "Auto-capture times out",
    ),
    card(
        "5100000000000032",
        Approved,
        Some(TimesOut::AutoCapture),
        "Auto-capture times out",
    ),
    card(
        "4100000000000043",
        Approved,
        Some(TimesOut::Void),
        "Void times out",
    ),
    card(
        "5100000000000040",
        Approved,
        Some(TimesOut::Void),
        "Void times out",
    ),
    card(
        "4100000000000050",
        Approved,
        None,
        "Payment token provisioning times out (no effect here)",
    ),
    card(
        "5100000000000057",
        Approved,
        None,
        "Payment token provisioning times out (no effect here)",
    ),
];

/// Find a test card; spaces and dashes in `input` are ignored.
pub fn lookup(input: &str) -> Option<&'static TestCard> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    TEST_CARDS.iter().find(|c| c.number == digits)
}

impl TestCard {
    /// `first6******last4`.
    pub fn masked_pan(&self) -> String {
        format!("{}******{}", &self.number[..6], &self.number[12..])
    }

    /// `4000 0000 0000 0002`.
    pub fn spaced(&self) -> String {
        let n = self.number;
        format!("{} {} {} {}", &n[0..4], &n[4..8], &n[8..12], &n[12..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_spaces_and_dashes() {
        assert_eq!(
            lookup("4000 0000 0000 0002").unwrap().authorization,
            Approved
        );
        assert_eq!(
            lookup("4100-0000-0000-0076").unwrap().authorization,
            Declined
        );
        assert!(lookup("4111111111111111").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn cards_are_luhn_valid_and_well_formed() {
        for c in TEST_CARDS {
            assert_eq!(c.number.len(), 16);
            let sum: u32 = c
                .number
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        let dd = d * 2;
                        if dd > 9 {
                            dd - 9
                        } else {
                            dd
                        }
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{} is not Luhn-valid", c.number);
        }
        assert_eq!(lookup("5200000000000031").unwrap().brand, "Mastercard");
        assert_eq!(
            lookup("4000000000000002").unwrap().masked_pan(),
            "400000******0002"
        );
    }
}
