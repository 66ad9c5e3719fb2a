//! From Kasse's priced order to Dintero's request bodies. The amounts are taken as priced, never
//! recomputed here, so `order.amount == Σ items.amount` holds by construction. A discounted
//! line is sent as its discounted amount and VAT (`items[].amount` is "after discounts",
//! dintero-api.md §5.1); `discount_lines` is not sent, as the reference names it without its
//! fields.

use dintero_client::{
    Channel, Configuration, Metadata, Order, OrderItem, SessionCreateRequest, SessionUrl,
};
use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::money::{Quantity, VatRate};
use crate::order::{LinePart, LineType, PricedLine, PricedOrder};

/// The checkout language Dintero's view takes (`language`, ISO 639-1: `no`, `sv`, `en`) for a
/// counter's UI language (`nb`, `sv`, `en`); `None` for one it does not know.
pub fn checkout_language(ui: &str) -> Option<&'static str> {
    match ui {
        "nb" | "nn" | "no" => Some("no"),
        "sv" => Some("sv"),
        "en" => Some("en"),
        _ => None,
    }
}

/// The hosted checkout `url` asking for `language` (dintero-api.md §5.5), so the customer
/// reads it in the counter's language; `url` as it is without one.
pub fn view_url(url: &str, language: Option<&str>) -> String {
    match language {
        None => url.to_owned(),
        Some(l) if url.contains('?') => format!("{url}&language={l}"),
        Some(l) => format!("{url}?language={l}"),
    }
}

/// The decimal Dintero gets for a quantity (`2`, `0.375`).
pub fn quantity_decimal(q: Quantity) -> Decimal {
    Decimal::new(q.thousandths(), 3).normalize()
}

/// The decimal Dintero gets for a VAT rate (`25`, `25.5`).
pub fn vat_decimal(v: VatRate) -> Decimal {
    Decimal::new(i64::from(v.hundredths()), 2).normalize()
}

/// One order line as a Dintero item: the whole line as one part.
pub fn item(line: &PricedLine) -> OrderItem {
    let whole = LinePart {
        quantity: line.quantity,
        amount: line.amount,
        vat_amount: line.vat_amount,
    };
    part_item(line, &whole)
}

/// The line's Dintero `type`, when it has one.
fn item_type(line: &PricedLine) -> Option<dintero_client::ItemType> {
    line.line_type.map(|t| match t {
        LineType::Physical => dintero_client::ItemType::Physical,
        LineType::Digital => dintero_client::ItemType::Digital,
        LineType::Service => dintero_client::ItemType::Service,
        LineType::GiftCard => dintero_client::ItemType::GiftCard,
        LineType::Shipping => dintero_client::ItemType::Shipping,
        LineType::Surcharge => dintero_client::ItemType::Surcharge,
    })
}

/// A part of a line (refund or capture by line) as a Dintero item.
pub fn part_item(line: &PricedLine, part: &LinePart) -> OrderItem {
    let mut item = OrderItem::new(
        line.line_id.clone(),
        line.description.clone(),
        quantity_decimal(part.quantity),
        part.amount,
        part.vat_amount,
        vat_decimal(line.vat),
    );
    item.id = line.product_id.clone();
    item.item_type = item_type(line);
    item
}

/// What the session request needs besides the order.
#[derive(Debug, Clone)]
pub struct SessionParams<'a> {
    /// Payment profile.
    pub profile_id: &'a str,
    /// Where the customer's browser goes after the checkout.
    pub return_url: &'a str,
    /// Server-to-server notification URL, if any.
    pub callback_url: Option<&'a str>,
    /// The counter's name (sent as `ext_counter` metadata).
    pub counter: &'a str,
    /// The sale's reference.
    pub merchant_reference: &'a str,
    /// When the checkout stops being available.
    pub expires_at: OffsetDateTime,
    /// Capture at once on authorisation.
    pub auto_capture: bool,
    /// The shop, sent as `order.store` with the counter as `terminal_id`.
    pub store: Option<&'a super::StoreRef>,
}

/// The `POST /v1/sessions-profile` body for a priced order.
pub fn session_request(order: &PricedOrder, p: &SessionParams<'_>) -> SessionCreateRequest {
    let dintero_order = Order {
        amount: order.amount,
        currency: order.currency.code().to_owned(),
        merchant_reference: p.merchant_reference.to_owned(),
        vat_amount: Some(order.vat_amount),
        items: order.lines.iter().map(item).collect(),
        store: p.store.map(|s| dintero_client::Store {
            id: s.id.clone(),
            name: s.name.clone(),
            terminal_id: Some(p.counter.to_owned()),
            ..dintero_client::Store::default()
        }),
        ..Order::default()
    };
    let mut req = SessionCreateRequest::new(p.profile_id, p.return_url, dintero_order);
    req.url = SessionUrl {
        return_url: p.return_url.to_owned(),
        callback_url: p.callback_url.map(str::to_owned),
        ..SessionUrl::default()
    };
    req.expires_at = Some(p.expires_at);
    req.configuration = Some(Configuration {
        auto_capture: Some(p.auto_capture),
        channel: Some(Channel::InStore),
        ..Configuration::default()
    });
    let mut metadata = Metadata::new();
    metadata.insert("ext_counter".into(), p.counter.into());
    req.metadata = metadata;
    req
}

/// Asks Dintero to send the checkout link of `req` by SMS to `phone` (dintero-api.md §5.1.2:
/// `configuration.publish` with `customer.phone_number`), in the same create-session POST.
pub fn send_link_by_sms(req: &mut SessionCreateRequest, phone: &crate::phone::PhoneNumber) {
    req.customer = Some(dintero_client::Customer::with_phone(phone.e164()));
    req.configuration
        .get_or_insert_with(Configuration::default)
        .publish = vec![dintero_client::Publish::sms_checkout_link()];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::order::OrderInput;

    fn priced(json: &str) -> PricedOrder {
        OrderInput::from_json_str(json)
            .unwrap()
            .price(Currency::Nok)
            .unwrap()
    }

    #[test]
    fn session_request_carries_the_priced_amounts() {
        let order = priced(
            r#"{"lines":[{"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"15"},
                         {"description":"Epler","quantity":"0.375","unit_price":12990,"vat":"25.5","product_id":"EPL"}]}"#,
        );
        let at = time::macros::datetime!(2026-11-24 12:00 UTC);
        let params = |store| SessionParams {
            profile_id: "default",
            return_url: "https://example.com/takk",
            callback_url: None,
            counter: "KASSE1",
            merchant_reference: "KASSE1-20261124-0001",
            expires_at: at,
            auto_capture: false,
            store,
        };
        let req = session_request(&order, &params(None));
        let json = serde_json::to_value(&req).unwrap();
        assert!(json["order"].get("store").is_none());
        let shop = crate::engine::StoreRef {
            id: "oslo-sentrum".into(),
            name: Some("Papirbutikken".into()),
        };
        let with_store = session_request(&order, &params(Some(&shop)));
        let store = &serde_json::to_value(&with_store).unwrap()["order"]["store"];
        assert_eq!(
            *store,
            serde_json::json!({"id": "oslo-sentrum", "name": "Papirbutikken", "terminal_id": "KASSE1"})
        );
        let items = json["order"]["items"].as_array().unwrap();
        let sum: i64 = items.iter().map(|i| i["amount"].as_i64().unwrap()).sum();
        assert_eq!(json["order"]["amount"].as_i64().unwrap(), sum);
        assert_eq!(items[0]["line_id"], "1");
        assert_eq!(items[1]["line_id"], "2");
        assert_eq!(items[1]["quantity"].to_string(), "0.375");
        assert_eq!(items[1]["vat"].to_string(), "25.5");
        assert_eq!(items[1]["id"], "EPL");
        assert_eq!(json["order"]["merchant_reference"], "KASSE1-20261124-0001");
        assert_eq!(json["configuration"]["channel"], "in_store");
        assert_eq!(json["metadata"]["ext_counter"], "KASSE1");
        assert!(json["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-24T12:00"));
    }
}

#[cfg(test)]
mod type_tests {
    use super::*;
    use crate::money::Currency;
    use crate::order::OrderInput;

    /// A line's `type` reaches Dintero on the session and on every capture/refund item.
    #[test]
    fn the_line_type_is_sent() {
        let order = OrderInput::from_json_str(
            r#"{"lines":[{"description":"Gavekort","quantity":"1","unit_price":50000,"vat":"0","type":"gift_card"},
                         {"description":"Kaffe","quantity":"1","unit_price":3900,"vat":"15"}]}"#,
        )
        .unwrap()
        .price(Currency::Nok)
        .unwrap();
        let whole = serde_json::to_value(item(&order.lines[0])).unwrap();
        assert_eq!(whole["type"], "gift_card");
        let part = order.lines[0].part(Quantity::ZERO, Quantity::ONE).unwrap();
        let part = serde_json::to_value(part_item(&order.lines[0], &part)).unwrap();
        assert_eq!(part["type"], "gift_card");
        let untyped = serde_json::to_value(item(&order.lines[1])).unwrap();
        assert!(untyped.get("type").is_none());
    }
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn the_checkout_url_asks_for_the_counters_language() {
        assert_eq!(checkout_language("nb"), Some("no"));
        assert_eq!(checkout_language("sv"), Some("sv"));
        assert_eq!(checkout_language("en"), Some("en"));
        assert_eq!(checkout_language("xx"), None);
        let url = "https://checkout.dintero.com/v1/view/T1.abc";
        assert_eq!(view_url(url, Some("no")), format!("{url}?language=no"));
        assert_eq!(
            view_url(&format!("{url}?ui=fullscreen"), Some("sv")),
            format!("{url}?ui=fullscreen&language=sv")
        );
        assert_eq!(view_url(url, None), url);
    }
}
