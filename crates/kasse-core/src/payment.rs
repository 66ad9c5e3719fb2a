//! How a sale was paid, as people say it: the kind of payment (card, Vipps, Swish, …) and, for a
//! card, its brand and last four digits, read from Dintero's `payment_product_type` and the
//! transaction's `card`. Structured facts: each shell words them in its language (a card brand is
//! a name and stays as Dintero gives it); a raw product id such as `dintero_psp.creditcard` is
//! never what a person reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kind of payment, whoever processed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A payment card (Visa, Mastercard, …).
    Card,
    /// Vipps.
    Vipps,
    /// MobilePay.
    MobilePay,
    /// Swish.
    Swish,
    /// Apple Pay.
    ApplePay,
    /// Google Pay.
    GooglePay,
    /// Click to Pay.
    ClickToPay,
    /// Klarna.
    Klarna,
    /// An invoice (to a person or a business).
    Invoice,
    /// Instalments or financing.
    Instalments,
    /// Anything else Dintero may name.
    Other,
}

impl PaymentKind {
    /// The kind of a Dintero payment product (`provider.method`, or a bare `vipps`).
    pub fn of_product(product: &str) -> PaymentKind {
        let method = product.rsplit('.').next().unwrap_or(product);
        match method {
            "creditcard" => PaymentKind::Card,
            "vipps" => PaymentKind::Vipps,
            "mobilepay" => PaymentKind::MobilePay,
            "swish" => PaymentKind::Swish,
            "applepay" => PaymentKind::ApplePay,
            "googlepay" => PaymentKind::GooglePay,
            "clicktopay" => PaymentKind::ClickToPay,
            "klarna" => PaymentKind::Klarna,
            m if m.starts_with("invoice") || m == "billie" => PaymentKind::Invoice,
            "installment" | "finance" | "postponement" => PaymentKind::Instalments,
            _ => PaymentKind::Other,
        }
    }
}

/// A card as a transaction showed it: its brand and its last four digits (the rest of the
/// masked number is not kept).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSeen {
    /// As Dintero names it: `Visa`, `Mastercard`, ….
    pub brand: Option<String>,
    /// The last four digits of the card number.
    pub last4: Option<String>,
}

impl CardSeen {
    /// From Dintero's `brand` and `masked_pan` (`400000******0002`); `None` when neither says
    /// anything.
    pub fn new(brand: Option<&str>, masked_pan: Option<&str>) -> Option<CardSeen> {
        let brand = brand
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned);
        let last4 = masked_pan.and_then(|pan| {
            let tail: Vec<char> = pan.trim_end().chars().rev().take(4).collect();
            (tail.len() == 4 && tail.iter().all(char::is_ascii_digit))
                .then(|| tail.iter().rev().collect())
        });
        (brand.is_some() || last4.is_some()).then_some(CardSeen { brand, last4 })
    }

    /// The `card` of a Dintero transaction JSON, read through dintero-client's model.
    pub fn of_transaction(v: &Value) -> Option<CardSeen> {
        let card = dintero_client::models::transaction::Card::deserialize(v.get("card")?).ok()?;
        CardSeen::new(card.brand.as_deref(), card.masked_pan.as_deref())
    }
}

/// How a sale was paid: what a list, a receipt or a report names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentMethod {
    /// The kind of payment.
    pub kind: PaymentKind,
    /// A card's brand, when the kind is a card and Dintero named it.
    pub brand: Option<String>,
    /// A card's last four digits, likewise.
    pub last4: Option<String>,
}

/// The payment method of a sale paid with Dintero `product` (its `payment_product_type`, else
/// `payment_product`) and, for a card, the `card` its transaction showed; `None` while nothing
/// names one.
pub fn payment_method(product: Option<&str>, card: Option<&CardSeen>) -> Option<PaymentMethod> {
    let kind = match product.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => PaymentKind::of_product(p),
        None if card.is_some() => PaymentKind::Card,
        None => return None,
    };
    let card = card.filter(|_| kind == PaymentKind::Card);
    Some(PaymentMethod {
        kind,
        brand: card.and_then(|c| c.brand.clone()),
        last4: card.and_then(|c| c.last4.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn method(kind: PaymentKind, brand: Option<&str>, last4: Option<&str>) -> PaymentMethod {
        PaymentMethod {
            kind,
            brand: brand.map(str::to_owned),
            last4: last4.map(str::to_owned),
        }
    }

    #[test]
    fn a_card_is_its_brand_and_last_four_digits_never_the_product_id() {
        let card = CardSeen::new(Some("Visa"), Some("400000******0002")).unwrap();
        assert_eq!(card.last4.as_deref(), Some("0002"));
        assert_eq!(
            payment_method(Some("dintero_psp.creditcard"), Some(&card)),
            Some(method(PaymentKind::Card, Some("Visa"), Some("0002")))
        );
        // A card without its details is still a card.
        assert_eq!(
            payment_method(Some("payex.creditcard"), None),
            Some(method(PaymentKind::Card, None, None))
        );
        // Card details without a product: a card.
        assert_eq!(
            payment_method(None, Some(&card)),
            Some(method(PaymentKind::Card, Some("Visa"), Some("0002")))
        );
        assert_eq!(payment_method(None, None), None);
        assert_eq!(payment_method(Some(" "), None), None);
    }

    #[test]
    fn wallets_and_invoices_are_named_by_what_they_are_whoever_processes_them() {
        let card = CardSeen::new(Some("Visa"), Some("400000******0002"));
        for (product, kind) in [
            ("vipps", PaymentKind::Vipps),
            ("dintero_psp.vipps", PaymentKind::Vipps),
            ("payex.vipps", PaymentKind::Vipps),
            ("swish.swish", PaymentKind::Swish),
            ("payex.swish", PaymentKind::Swish),
            ("bambora.mobilepay", PaymentKind::MobilePay),
            ("dintero_psp.applepay", PaymentKind::ApplePay),
            ("payex.googlepay", PaymentKind::GooglePay),
            ("dintero_psp.clicktopay", PaymentKind::ClickToPay),
            ("klarna.klarna", PaymentKind::Klarna),
            ("collector.invoice_b2b_preapproved", PaymentKind::Invoice),
            ("klarna.billie", PaymentKind::Invoice),
            ("instabank.installment", PaymentKind::Instalments),
            ("dintero.zero", PaymentKind::Other),
            ("something.new", PaymentKind::Other),
        ] {
            // A wallet paid with a card is named as the wallet: no card digits beside it.
            assert_eq!(
                payment_method(Some(product), card.as_ref()),
                Some(method(kind, None, None)),
                "{product}"
            );
        }
    }

    #[test]
    fn the_card_is_read_from_a_transaction_and_only_its_last_digits_are_kept() {
        let tx = json!({"id": "T1", "card": {"brand": "Mastercard", "masked_pan": "520000******0031", "expiry_date": "12/2028"}});
        assert_eq!(
            CardSeen::of_transaction(&tx),
            Some(CardSeen {
                brand: Some("Mastercard".into()),
                last4: Some("0031".into())
            })
        );
        assert_eq!(CardSeen::of_transaction(&json!({"id": "T1"})), None);
        assert_eq!(CardSeen::of_transaction(&json!({"card": {}})), None);
        // A number that does not end in digits gives no digits.
        assert_eq!(
            CardSeen::new(None, Some("4000********")),
            None,
            "no last four digits"
        );
        assert_eq!(CardSeen::new(Some(" "), Some("12")), None);
    }
}
