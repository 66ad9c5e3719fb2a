//! Dintero's payment product types (dintero-api.md §8, `payment_product_type`): the list a
//! simulated payment may name, the `payment_product` each belongs to, and which carry `card`.

use crate::error::ApiError;

/// What a simulated payment is unless it names another product type.
pub const DEFAULT_PAYMENT_PRODUCT_TYPE: &str = "dintero_psp.creditcard";

/// Every `payment_product_type` of the spec's enum (dintero-api.md §8). A simulated payment
/// must name one of these, so a typo (`"swish"` for `"swish.swish"`) is a 400, not a silent
/// new product.
pub const PAYMENT_PRODUCT_TYPES: &[&str] = &[
    "bambora.applepay",
    "bambora.creditcard",
    "bambora.googlepay",
    "bambora.mobilepay",
    "bambora.vipps",
    "collector.invoice",
    "collector.invoice_b2b",
    "collector.invoice_b2b_preapproved",
    "collector.installment",
    "dintero.zero",
    "dintero.wallets",
    "dintero.external",
    "dintero_psp.creditcard",
    "dintero_psp.vipps",
    "dintero_psp.googlepay",
    "dintero_psp.applepay",
    "dintero_psp.clicktopay",
    "instabank.finance",
    "instabank.invoice",
    "instabank.installment",
    "instabank.postponement",
    "klarna.klarna",
    "klarna.billie",
    "kravia.invoice_b2b",
    "kravia.invoice_b2b_grouped",
    "kravia.invoice_b2c",
    "two.invoice_b2b",
    "netaxept.creditcard",
    "payex.creditcard",
    "payex.mobilepay",
    "payex.swish",
    "payex.vipps",
    "payex.applepay",
    "payex.clicktopay",
    "payex.googlepay",
    "santander.debit_account",
    "seitatech.in_person",
    "swish.swish",
    "vipps",
];

/// The static spelling of a known product type.
pub fn lookup(payment_product_type: &str) -> Option<&'static str> {
    PAYMENT_PRODUCT_TYPES
        .iter()
        .copied()
        .find(|t| *t == payment_product_type)
}

/// A known product type, or the 400 naming `payment_product_type`.
pub(crate) fn known(payment_product_type: &str) -> Result<&'static str, ApiError> {
    lookup(payment_product_type).ok_or_else(|| {
        ApiError::field(
            "payment_product_type",
            &format!(
                "{payment_product_type:?} is not a Dintero payment product type (dintero-api.md §8)"
            ),
        )
    })
}

/// The `payment_product`: the part before the dot (`vipps` for `vipps`).
pub fn product_of(payment_product_type: &'static str) -> &'static str {
    payment_product_type
        .split_once('.')
        .map_or(payment_product_type, |(p, _)| p)
}

/// Whether the transaction carries `card` (§8.2): card payments, the card wallets (Apple Pay,
/// Google Pay, Click to Pay, which pay with a tokenised card) and terminal payments. Vipps,
/// Swish, MobilePay, invoices and instalments do not (SIM choice; the spec says "for card
/// products").
pub fn is_card_product(payment_product_type: &str) -> bool {
    let kind = payment_product_type
        .split_once('.')
        .map_or(payment_product_type, |(_, k)| k);
    matches!(
        kind,
        "creditcard" | "applepay" | "googlepay" | "clicktopay" | "in_person"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_and_cards() {
        assert_eq!(lookup("vipps"), Some("vipps"));
        assert_eq!(lookup("swish"), None);
        assert_eq!(product_of(lookup("vipps").unwrap()), "vipps");
        assert_eq!(product_of(lookup("swish.swish").unwrap()), "swish");
        assert_eq!(product_of(DEFAULT_PAYMENT_PRODUCT_TYPE), "dintero_psp");
        assert!(is_card_product("dintero_psp.creditcard"));
        assert!(is_card_product("payex.applepay"));
        assert!(!is_card_product("vipps"));
        assert!(!is_card_product("dintero_psp.vipps"));
        assert!(!is_card_product("instabank.finance"));
        assert!(lookup(DEFAULT_PAYMENT_PRODUCT_TYPE).is_some());
    }
}
