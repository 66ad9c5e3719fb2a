//! The words a printed receipt uses, in the counter's language (`en`, `nb`, `sv`; English
//! for any other), and its numbers as people there write them. The screen words the same
//! receipt in the UI; paper and PDF cannot ask the UI, so they are worded here.

use time::{OffsetDateTime, UtcOffset};

use crate::money::Currency;
use crate::payment::{PaymentKind, PaymentMethod};

/// A language a receipt is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English.
    En,
    /// Norwegian Bokmål.
    Nb,
    /// Swedish.
    Sv,
}

impl Language {
    /// From the settings' code; English for any other.
    pub fn from_code(code: &str) -> Language {
        match code {
            "nb" | "no" | "nn" => Language::Nb,
            "sv" => Language::Sv,
            _ => Language::En,
        }
    }

    fn pick(self, [en, nb, sv]: [&'static str; 3]) -> &'static str {
        match self {
            Language::En => en,
            Language::Nb => nb,
            Language::Sv => sv,
        }
    }
}

/// A word on the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// Heading of a sale's receipt.
    Receipt,
    /// Heading of a refund's.
    RefundReceipt,
    /// The receipt's number.
    Number,
    /// A refund's sale.
    RefundOf,
    /// When.
    Date,
    /// The counter.
    Counter,
    /// Who gave a refund.
    ServedBy,
    /// A refund's reason.
    Reason,
    /// The total.
    Total,
    /// A refund's total.
    Refunded,
    /// VAT.
    Vat,
    /// Net.
    Net,
    /// Gross.
    Gross,
    /// Paid with.
    PaidWith,
    /// Refunded to.
    RefundedTo,
    /// Dintero's transaction.
    Transaction,
    /// Thanks at the end of a sale's receipt.
    Thanks,
    /// A test page's heading.
    TestPage,
    /// A test page's line about the paper.
    Paper,
    /// A test page's line about the letters.
    Letters,
}

impl Word {
    /// In `lang`.
    pub fn in_(self, lang: Language) -> &'static str {
        lang.pick(match self {
            Word::Receipt => ["RECEIPT", "KVITTERING", "KVITTO"],
            Word::RefundReceipt => ["REFUND", "RETUR", "RETUR"],
            Word::Number => ["Receipt no.", "Kvitteringsnr.", "Kvittonr."],
            Word::RefundOf => ["Refund of", "Retur av", "Retur av"],
            Word::Date => ["Date", "Dato", "Datum"],
            Word::Counter => ["Counter", "Kasse", "Kassa"],
            Word::ServedBy => ["Served by", "Betjent av", "Betjänad av"],
            Word::Reason => ["Reason", "Årsak", "Orsak"],
            Word::Total => ["TOTAL", "TOTALT", "TOTALT"],
            Word::Refunded => ["REFUNDED", "TILBAKEBETALT", "ÅTERBETALT"],
            Word::Vat => ["VAT", "MVA", "Moms"],
            Word::Net => ["Net", "Netto", "Netto"],
            Word::Gross => ["Gross", "Brutto", "Brutto"],
            Word::PaidWith => ["Paid with", "Betalt med", "Betalt med"],
            Word::RefundedTo => ["Refunded to", "Tilbakebetalt til", "Återbetalt till"],
            Word::Transaction => ["Transaction", "Transaksjon", "Transaktion"],
            Word::Thanks => ["Thank you!", "Takk for handelen!", "Tack för ditt köp!"],
            Word::TestPage => ["TEST PAGE", "TESTSIDE", "TESTSIDA"],
            Word::Paper => ["Paper", "Papir", "Papper"],
            Word::Letters => ["Letters", "Bokstaver", "Bokstäver"],
        })
    }
}

/// How a payment is named: `Visa **** 0002`, `Vipps`, `Card`.
pub fn payment(method: &PaymentMethod, lang: Language) -> String {
    let kind = match method.kind {
        PaymentKind::Card => lang.pick(["Card", "Kort", "Kort"]),
        PaymentKind::Vipps => "Vipps",
        PaymentKind::MobilePay => "MobilePay",
        PaymentKind::Swish => "Swish",
        PaymentKind::ApplePay => "Apple Pay",
        PaymentKind::GooglePay => "Google Pay",
        PaymentKind::ClickToPay => "Click to Pay",
        PaymentKind::Klarna => "Klarna",
        PaymentKind::Invoice => lang.pick(["Invoice", "Faktura", "Faktura"]),
        PaymentKind::Instalments => lang.pick(["Instalments", "Delbetaling", "Delbetalning"]),
        PaymentKind::Other => lang.pick(["Other", "Annet", "Annat"]),
    };
    let mut out = method.brand.clone().unwrap_or_else(|| kind.to_owned());
    if let Some(last4) = &method.last4 {
        out.push_str(" **** ");
        out.push_str(last4);
    }
    out
}

/// An amount in minor units as people write it: `1,234.50` (en), `1 234,50` (nb, sv);
/// a currency Kasse does not know is taken to have two decimals.
pub fn amount(minor: i64, currency: &str, lang: Language) -> String {
    let exponent = currency.parse::<Currency>().map_or(2, |c| c.exponent());
    let (group, point) = match lang {
        Language::En => (',', '.'),
        _ => (' ', ','),
    };
    let per = 10_u64.pow(exponent);
    let (major, minor_part) = (minor.unsigned_abs() / per, minor.unsigned_abs() % per);
    let digits = major.to_string();
    let mut out = String::new();
    if minor < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if exponent > 0 {
        out.push(point);
        out.push_str(&format!("{minor_part:0w$}", w = exponent as usize));
    }
    out
}

/// A decimal (`0.532`, a quantity or a VAT rate) with the language's decimal point.
pub fn decimal(text: &str, lang: Language) -> String {
    match lang {
        Language::En => text.to_owned(),
        _ => text.replace('.', ","),
    }
}

/// The time money moved, at `offset`: `2026-12-07 13:34` (en, sv), `07.12.2026 13:34` (nb);
/// ` UTC` after it when the offset is UTC's (the CLI, which does not know the shop's zone).
pub fn date_time(at: OffsetDateTime, offset: UtcOffset, lang: Language) -> String {
    let t = at.to_offset(offset);
    let (y, m, d, h, min) = (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute());
    let mut out = match lang {
        Language::Nb => format!("{d:02}.{m:02}.{y} {h:02}:{min:02}"),
        _ => format!("{y}-{m:02}-{d:02} {h:02}:{min:02}"),
    };
    if offset == UtcOffset::UTC {
        out.push_str(" UTC");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_people_write_them() {
        assert_eq!(amount(123_450, "NOK", Language::Nb), "1 234,50");
        assert_eq!(amount(123_450, "NOK", Language::En), "1,234.50");
        assert_eq!(amount(-7_800, "SEK", Language::Sv), "-78,00");
        assert_eq!(amount(-5, "NOK", Language::En), "-0.05");
        assert_eq!(amount(1_500, "ISK", Language::Nb), "1 500");
        assert_eq!(amount(0, "XYZ", Language::En), "0.00");
    }

    #[test]
    fn a_card_is_its_brand_and_last_digits_a_wallet_its_name() {
        let card = PaymentMethod {
            kind: PaymentKind::Card,
            brand: Some("Visa".into()),
            last4: Some("0002".into()),
        };
        assert_eq!(payment(&card, Language::Nb), "Visa **** 0002");
        let bare = PaymentMethod {
            kind: PaymentKind::Card,
            brand: None,
            last4: None,
        };
        assert_eq!(payment(&bare, Language::Nb), "Kort");
        let vipps = PaymentMethod {
            kind: PaymentKind::Vipps,
            ..bare
        };
        assert_eq!(payment(&vipps, Language::En), "Vipps");
    }

    #[test]
    fn dates_in_the_shops_zone_or_marked_utc() {
        let at = time::macros::datetime!(2026-12-07 12:34 UTC);
        let oslo = UtcOffset::from_hms(1, 0, 0).unwrap();
        assert_eq!(date_time(at, oslo, Language::Nb), "07.12.2026 13:34");
        assert_eq!(date_time(at, oslo, Language::En), "2026-12-07 13:34");
        assert_eq!(
            date_time(at, UtcOffset::UTC, Language::Sv),
            "2026-12-07 12:34 UTC"
        );
    }
}
