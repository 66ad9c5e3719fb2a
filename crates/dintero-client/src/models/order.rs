//! Orders, order lines, stores, customers, URLs and checkout configuration.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::enums::{
    Channel, ItemType, PaymentProductType, PublishChannel, PublishStatus, PublishType,
};
use super::serde_helpers::{decimal, lenient_string};
use super::Metadata;

/// The order of a session (`order`, spec `SessionOrder`). Amounts are in minor units.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Order {
    /// Total to authorize incl. VAT; equals Σ `items[].amount` (+ shipping).
    pub amount: i64,
    /// ISO 4217 currency, e.g. `NOK`.
    pub currency: String,
    /// The merchant's reference for this sale.
    pub merchant_reference: String,
    /// Second merchant reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference_2: Option<String>,
    /// VAT part of `amount` (display only at Dintero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<i64>,
    /// Order lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// Whether `amount` may be below the sum of the lines (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_payment: Option<bool>,
    /// The store, copied to the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Store>,
    /// Default `event_reference` of capture/refund events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_reference: Option<String>,
    /// Seller id for Dintero Payout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_destination_id: Option<String>,
    /// Billing address (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<serde_json::Value>,
    /// Shipping address (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<serde_json::Value>,
    /// Shipping line (untyped); moved into the transaction's items on payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_option: Option<serde_json::Value>,
    /// Read-only: amount before discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_amount: Option<i64>,
    /// Read-only: whether the order was changed during checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_changed: Option<bool>,
}

/// An order line (spec `OrderItem`). `amount` is the line total incl. VAT, not the unit price.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrderItem {
    /// Line id, unique within the order; used to name lines in capture/refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id: Option<String>,
    /// Product id / SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Line text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quantity, possibly decimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "decimal::option")]
    pub quantity: Option<Decimal>,
    /// Line total incl. VAT, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// VAT contained in `amount`, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_amount: Option<i64>,
    /// VAT percentage, e.g. `25` or `12.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "decimal::option")]
    pub vat: Option<Decimal>,
    /// Line type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<ItemType>,
    /// Product groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ItemGroup>,
    /// Whether discounts apply (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible_for_discount: Option<bool>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Read-only: amount before discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_amount: Option<i64>,
}

impl OrderItem {
    /// A line with id, text, quantity, total, VAT amount and VAT rate.
    pub fn new(
        line_id: impl Into<String>,
        description: impl Into<String>,
        quantity: Decimal,
        amount: i64,
        vat_amount: i64,
        vat: Decimal,
    ) -> Self {
        Self {
            line_id: Some(line_id.into()),
            description: Some(description.into()),
            quantity: Some(quantity),
            amount: Some(amount),
            vat_amount: Some(vat_amount),
            vat: Some(vat),
            ..Self::default()
        }
    }
}

/// A product group of an order line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemGroup {
    /// Group id.
    pub id: String,
    /// Group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A store (`order.store`, transaction `store`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Store {
    /// Store id (a list filter: `store_id`).
    pub id: String,
    /// Store name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Legal business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<StoreAddress>,
    /// Chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Global location number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub gln: Option<String>,
    /// Organization number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub organization_number: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub phone_number: Option<String>,
    /// Merchant category code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub mcc: Option<String>,
    /// BAX number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub bax: Option<String>,
    /// POS terminal / workstation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// Payout destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_destination_id: Option<String>,
}

/// A store's address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoreAddress {
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line: Option<String>,
    /// Second address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Postal place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_place: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The customer (`customer`). Its e-mail and phone number are personal data: its `Debug` shows
/// neither (only a phone number's last three digits), so a request or a transaction formatted
/// into a log line does not carry them. They are sent to Dintero as they are.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Customer {
    /// Merchant's customer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number with `+` and country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient_string::deserialize")]
    pub phone_number: Option<String>,
    /// My Dintero data (untyped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_dintero: Option<serde_json::Value>,
}

impl Customer {
    /// A customer known only by a phone number (E.164, `+4799999999`): what an SMS publish
    /// needs (dintero-api.md §5.1).
    pub fn with_phone(phone_number: impl Into<String>) -> Customer {
        Customer {
            phone_number: Some(phone_number.into()),
            ..Customer::default()
        }
    }
}

impl std::fmt::Debug for Customer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer")
            .field("customer_id", &self.customer_id)
            .field("email", &self.email.as_ref().map(|_| "<personal>"))
            .field(
                "phone_number",
                &self.phone_number.as_deref().map(masked_tail),
            )
            .field(
                "my_dintero",
                &self.my_dintero.as_ref().map(|_| "<personal>"),
            )
            .finish()
    }
}

/// `+4799999123` as `…123`: enough to tell two numbers apart in a log, not to call one.
fn masked_tail(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(3)..].iter().collect();
    format!("…{tail}")
}

/// A session's URLs (`url`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionUrl {
    /// Where the browser goes when the checkout ends (query parameters are appended).
    pub return_url: String,
    /// Server-to-server notification URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Merchant's terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_terms_url: Option<String>,
}

/// A transaction's URLs (`url`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransactionUrl {
    /// Redirect URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Approval URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_url: Option<String>,
    /// Callback URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

/// Checkout configuration (`configuration`): the fields a POS uses are typed; everything else
/// (payment products, merchant, theme, …) is kept untyped in `other`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Configuration {
    /// Capture automatically after authorization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_capture: Option<bool>,
    /// Sales channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Publish the checkout link (e.g. by SMS).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<Publish>,
    /// Preselected payment type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_payment_type: Option<PaymentProductType>,
    /// Every other configuration field, as sent or resolved by Dintero.
    #[serde(flatten)]
    pub other: Metadata,
}

/// A publish request or result (`configuration.publish[]`, `publish[]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Publish {
    /// `sms` or `push`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<PublishChannel>,
    /// `checkout-link`, `app` or `terminal`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub publish_type: Option<PublishType>,
    /// Read-only id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Read-only outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PublishStatus>,
}

impl Publish {
    /// Send the checkout link by SMS to `customer.phone_number`
    /// (`{"channel":"sms","type":"checkout-link"}`).
    pub fn sms_checkout_link() -> Publish {
        Publish {
            channel: Some(PublishChannel::Sms),
            publish_type: Some(PublishType::CheckoutLink),
            ..Publish::default()
        }
    }
}

/// Lower-case `dintero-system-*` request headers as Dintero echoes them.
pub type RequestHeaders = BTreeMap<String, serde_json::Value>;
