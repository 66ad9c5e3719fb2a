//! Checking request bodies field by field, so every 400 names the field
//! (`order.items[1].amount: must be an integer`).

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::clock::{parse_time, Millis};
use crate::error::ApiError;

/// A JSON object being read, with the path used in error messages.
pub(crate) struct Obj<'a, 'p> {
    map: &'a Map<String, Value>,
    path: &'p str,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a, 'p> Obj<'a, 'p> {
    pub fn root(v: &'a Value) -> Result<Obj<'a, 'static>, ApiError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path: "" }),
            other => Err(ApiError::invalid_request(format!(
                "request body must be a JSON object, got {}",
                type_name(other)
            ))),
        }
    }

    pub fn of(map: &'a Map<String, Value>, path: &'p str) -> Obj<'a, 'p> {
        Obj { map, path }
    }

    /// An element of an array at `path` (`order.items[1]`), which must be an object.
    pub fn element(v: &'a Value, path: &'p str) -> Result<Obj<'a, 'p>, ApiError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(ApiError::field(path, "must be an object")),
        }
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> ApiError {
        ApiError::field(
            &join(self.path, key),
            &format!("must be {expected}, got {}", type_name(got)),
        )
    }

    pub fn missing(&self, key: &str) -> ApiError {
        ApiError::field(&join(self.path, key), "is required")
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, ApiError> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(ApiError::field(&join(self.path, key), "must not be empty")),
            None => Err(self.missing(key)),
        }
    }

    /// An integer within int32, as Dintero's amounts are.
    pub fn opt_int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => match n.as_i64() {
                Some(i) if i32::try_from(i).is_ok() => Ok(Some(i)),
                Some(_) => Err(ApiError::field(
                    &join(self.path, key),
                    "must fit in a 32-bit integer",
                )),
                None => Err(self.wrong(key, "an integer", v)),
            },
            Some(v) => Err(self.wrong(key, "an integer", v)),
        }
    }

    pub fn req_int(&self, key: &str) -> Result<i64, ApiError> {
        self.opt_int(key)?.ok_or_else(|| self.missing(key))
    }

    pub fn opt_number(&self, key: &str) -> Result<Option<f64>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(self.wrong(key, "a number", v)),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(key, "a boolean", v)),
        }
    }

    pub fn opt_obj(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(v) => Err(self.wrong(key, "an object", v)),
        }
    }

    pub fn req_obj(&self, key: &str) -> Result<&'a Map<String, Value>, ApiError> {
        self.opt_obj(key)?.ok_or_else(|| self.missing(key))
    }

    pub fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.wrong(key, "an array", v)),
        }
    }

    pub fn opt_time(&self, key: &str) -> Result<Option<Millis>, ApiError> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(s) => parse_time(s).map(Some).ok_or_else(|| {
                ApiError::field(&join(self.path, key), "must be an RFC 3339 date-time")
            }),
        }
    }
}

fn check_url(path: &str, s: &str) -> Result<(), ApiError> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(ApiError::field(path, "must be an absolute http(s) URL")),
    }
}

/// A checked `POST /v1/sessions-profile` body.
#[derive(Debug)]
pub(crate) struct NewSession {
    pub profile_id: String,
    pub return_url: String,
    pub callback_url: Option<String>,
    pub expires_at: Option<Millis>,
    pub amount: i64,
    pub currency: String,
    pub merchant_reference: String,
    pub auto_capture: bool,
    pub channel: String,
    pub url: Value,
    pub order: Value,
    pub customer: Option<Value>,
    pub configuration: Value,
    pub metadata: Map<String, Value>,
    /// `configuration.publish[]`: where to send the checkout link.
    pub publish: Vec<PublishAsk>,
    /// `customer.phone_number`, checked.
    pub phone_number: Option<String>,
}

/// One `configuration.publish[]` entry: `{channel: "sms"|"push", type: "checkout-link"|"app"|"terminal"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishAsk {
    pub channel: String,
    pub kind: String,
}

/// `configuration.publish`, each entry checked against dintero-api.md §5.1.2.
fn publish_asks(cfg: &Obj<'_, '_>) -> Result<Vec<PublishAsk>, ApiError> {
    let Some(list) = cfg.opt_array("publish")? else {
        return Ok(Vec::new());
    };
    let mut asks = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let path = format!("configuration.publish[{i}]");
        let o = Obj::element(entry, &path)?;
        let channel = o.req_str("channel")?;
        if !matches!(channel, "sms" | "push") {
            return Err(ApiError::field(
                &format!("{path}.channel"),
                "must be sms or push",
            ));
        }
        let kind = o.req_str("type")?;
        if !matches!(kind, "checkout-link" | "app" | "terminal") {
            return Err(ApiError::field(
                &format!("{path}.type"),
                "must be checkout-link, app or terminal",
            ));
        }
        asks.push(PublishAsk {
            channel: channel.to_owned(),
            kind: kind.to_owned(),
        });
    }
    Ok(asks)
}

/// `customer.phone_number`: ITU E.123 international form, `+` and 7 to 15 digits (the form of
/// dintero-api.md §5.1; what Dintero does with another form is UNCONFIRMED, SIM: 400). The
/// message never repeats the number.
fn phone_number(customer: Option<&Map<String, Value>>) -> Result<Option<String>, ApiError> {
    let Some(customer) = customer else {
        return Ok(None);
    };
    let Some(number) = Obj::of(customer, "customer").opt_str("phone_number")? else {
        return Ok(None);
    };
    let digits = number.strip_prefix('+').unwrap_or("");
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::field(
            "customer.phone_number",
            "must be + and the country code and number, 7 to 15 digits, e.g. +4712345678",
        ));
    }
    Ok(Some(number.to_owned()))
}

/// Check a session body. `strict` enforces `order.amount == Σ items.amount (+ shipping)`.
pub(crate) fn new_session(body: Value, strict: bool) -> Result<NewSession, ApiError> {
    let root = Obj::root(&body)?;
    let profile_id = root.req_str("profile_id")?.to_owned();
    let url = Obj::of(root.req_obj("url")?, "url");
    let return_url = url.req_str("return_url")?;
    check_url("url.return_url", return_url)?;
    let callback_url = url.opt_str("callback_url")?;
    if let Some(c) = callback_url {
        check_url("url.callback_url", c)?;
    }
    url.opt_str("merchant_terms_url")?;
    let expires_at = root.opt_time("expires_at")?;

    let order = Obj::of(root.req_obj("order")?, "order");
    let amount = order.req_int("amount")?;
    if amount < 0 {
        return Err(ApiError::field("order.amount", "must be 0 or more"));
    }
    let currency = order.req_str("currency")?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::field(
            "order.currency",
            "must be an ISO 4217 code such as NOK",
        ));
    }
    let merchant_reference = order.req_str("merchant_reference")?;
    order.opt_int("vat_amount")?;
    order.opt_str("merchant_reference_2")?;
    order.opt_str("event_reference")?;
    let partial_payment = order.opt_bool("partial_payment")?.unwrap_or(false);
    if let Some(store) = order.opt_obj("store")? {
        Obj::of(store, "order.store").req_str("id")?;
    }
    let mut items_sum: i64 = 0;
    let items = order.opt_array("items")?;
    if let Some(items) = items {
        let mut seen = HashSet::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("order.items[{i}]");
            let it = Obj::element(item, &path)?;
            let line_id = it.req_str("line_id")?;
            items_sum += it.req_int("amount")?;
            it.opt_int("vat_amount")?;
            it.opt_number("vat")?;
            it.opt_number("quantity")?;
            it.opt_str("description")?;
            it.opt_str("id")?;
            it.opt_str("type")?;
            if !seen.insert(line_id) {
                let mut e = ApiError::new(
                    400,
                    "duplicate_line_id",
                    format!("{path}.line_id: duplicate line_id {line_id:?}; line_id must be unique among the items"),
                );
                e.errors.push(serde_json::json!({"path": format!("{path}.line_id"), "message": "duplicate line_id"}));
                return Err(e);
            }
        }
    }
    if let Some(ship) = order.opt_obj("shipping_option")? {
        let s = Obj::of(ship, "order.shipping_option");
        items_sum += s.req_int("amount")?;
    }
    if strict && items.is_some() && !partial_payment && items_sum != amount {
        let mut e = ApiError::new(
            400,
            "amount_mismatch",
            format!(
                "order.amount ({amount}) must equal the sum of order.items[].amount ({items_sum})"
            ),
        );
        e.errors.push(serde_json::json!({"path": "order.amount", "message": "does not match the sum of order.items[].amount"}));
        return Err(e);
    }

    let mut auto_capture = false;
    let mut channel = "ecommerce";
    let mut publish = Vec::new();
    if let Some(cfg) = root.opt_obj("configuration")? {
        let cfg = Obj::of(cfg, "configuration");
        publish = publish_asks(&cfg)?;
        auto_capture = cfg.opt_bool("auto_capture")?.unwrap_or(false);
        if let Some(c) = cfg.opt_str("channel")? {
            if !matches!(c, "ecommerce" | "in_app" | "in_store") {
                return Err(ApiError::field(
                    "configuration.channel",
                    "must be one of ecommerce, in_app, in_store",
                ));
            }
            channel = c;
        }
    }
    let phone_number = phone_number(root.opt_obj("customer")?)?;
    if let Some(meta) = root.opt_obj("metadata")? {
        for (k, v) in meta {
            if !matches!(v, Value::String(_) | Value::Number(_)) {
                return Err(ApiError::field(
                    &format!("metadata.{k}"),
                    "must be a string or a number",
                ));
            }
        }
    }

    let (return_url, callback_url) = (return_url.to_owned(), callback_url.map(str::to_owned));
    let (channel, currency, merchant_reference) = (
        channel.to_owned(),
        currency.to_owned(),
        merchant_reference.to_owned(),
    );
    let Value::Object(mut body) = body else {
        return Err(ApiError::invalid_request(
            "request body must be a JSON object",
        ));
    };
    let mut order = body.remove("order").unwrap_or(Value::Null);
    if let Value::Object(o) = &mut order {
        o.entry("partial_payment").or_insert(Value::Bool(false));
    }
    let mut configuration = body
        .remove("configuration")
        .filter(|v| v.is_object())
        .unwrap_or_else(|| Value::Object(Map::new()));
    if let Value::Object(c) = &mut configuration {
        c.entry("channel")
            .or_insert_with(|| Value::from(channel.as_str()));
        c.entry("auto_capture").or_insert(Value::Bool(auto_capture));
        c.entry("merchant").or_insert_with(
            || serde_json::json!({"name": crate::config::MERCHANT_NAME, "country": "NO"}),
        );
    }
    let metadata = match body.remove("metadata") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(NewSession {
        profile_id,
        return_url,
        callback_url,
        expires_at,
        amount,
        currency,
        merchant_reference,
        auto_capture,
        channel,
        url: body.remove("url").unwrap_or(Value::Null),
        order,
        customer: body.remove("customer").filter(|v| !v.is_null()),
        configuration,
        metadata,
        publish,
        phone_number,
    })
}

/// A checked capture or refund body.
#[derive(Debug, Default)]
pub(crate) struct OperationBody {
    pub amount: i64,
    pub reference: Option<String>,
    pub items: Option<Vec<Value>>,
    pub metadata: Option<Map<String, Value>>,
    pub final_capture: bool,
}

/// Check a capture (`reference_key = "capture_reference"`) or refund body.
pub(crate) fn operation_body(body: Value, reference_key: &str) -> Result<OperationBody, ApiError> {
    let root = Obj::root(&body)?;
    let amount = root.req_int("amount")?;
    if amount <= 0 {
        return Err(ApiError::field("amount", "must be greater than 0"));
    }
    let reference = root.opt_str(reference_key)?.map(str::to_owned);
    root.opt_str("reason")?;
    let final_capture = root.opt_bool("final_capture")?.unwrap_or(false);
    let mut items_out = None;
    // `"items": []` is "no items" (Dintero's SDKs send it for amount-only operations); whether
    // the payment product needs items is checked against the transaction.
    if let Some(items) = root.opt_array("items")?.filter(|i| !i.is_empty()) {
        let mut sum = 0i64;
        for (i, item) in items.iter().enumerate() {
            let path = format!("items[{i}]");
            let it = Obj::element(item, &path)?;
            it.req_str("line_id")?;
            sum += it.req_int("amount")?;
            it.opt_number("quantity")?;
        }
        if sum != amount {
            let mut e = ApiError::invalid_request(format!(
                "items: the sum of items[].amount ({sum}) must equal amount ({amount})"
            ));
            e.errors.push(serde_json::json!({"path": "items", "message": "sum of items[].amount differs from amount"}));
            return Err(e);
        }
        items_out = Some(items.clone());
    }
    let metadata = match root.opt_obj("metadata")? {
        None => None,
        Some(m) => {
            for (k, v) in m {
                let path = format!("metadata.{k}");
                if !k.starts_with("ext_") {
                    return Err(ApiError::field(&path, "metadata keys must start with ext_"));
                }
                if k.chars().count() > 128 {
                    return Err(ApiError::field(&path, "key is longer than 128 characters"));
                }
                match v {
                    Value::String(s) if s.chars().count() <= 256 => {}
                    Value::String(_) => {
                        return Err(ApiError::field(
                            &path,
                            "value is longer than 256 characters",
                        ))
                    }
                    other => {
                        return Err(ApiError::field(
                            &path,
                            &format!("must be a string, got {}", type_name(other)),
                        ))
                    }
                }
            }
            Some(m.clone())
        }
    };
    Ok(OperationBody {
        amount,
        reference,
        items: items_out,
        metadata,
        final_capture,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session() -> Value {
        json!({
            "profile_id": "default",
            "url": {"return_url": "https://kasse.example/return"},
            "order": {
                "amount": 24800, "vat_amount": 4960, "currency": "NOK",
                "merchant_reference": "POS1-1",
                "items": [
                    {"line_id": "1", "amount": 17800, "vat_amount": 3560, "vat": 25, "quantity": 2},
                    {"line_id": "2", "amount": 7000, "vat_amount": 1, "vat": 25, "quantity": 1.5}
                ]
            }
        })
    }

    fn err(body: Value) -> ApiError {
        new_session(body, true).unwrap_err()
    }

    #[test]
    fn a_good_session_passes_and_inexact_vat_is_accepted() {
        let s = new_session(session(), true).unwrap();
        assert_eq!(s.amount, 24800);
        assert_eq!(s.order["partial_payment"], false);
        assert_eq!(s.configuration["channel"], "ecommerce");
    }

    #[test]
    fn errors_name_the_field() {
        let mut b = session();
        b["order"]["items"][1]["amount"] = json!("7000");
        let e = err(b);
        assert_eq!(e.code, "invalid_request");
        assert!(
            e.message.starts_with("order.items[1].amount"),
            "{}",
            e.message
        );

        let mut b = session();
        b["order"]["items"][0]["amount"] = json!(17800.5);
        assert!(err(b)
            .message
            .contains("order.items[0].amount: must be an integer"));

        for (field, path) in [
            ("profile_id", "profile_id"),
            ("url", "url"),
            ("order", "order"),
        ] {
            let mut b = session();
            b.as_object_mut().unwrap().remove(field);
            assert_eq!(err(b).message, format!("{path}: is required"));
        }
        for field in ["amount", "currency", "merchant_reference"] {
            let mut b = session();
            b["order"].as_object_mut().unwrap().remove(field);
            assert_eq!(err(b).message, format!("order.{field}: is required"));
        }
        let mut b = session();
        b["url"].as_object_mut().unwrap().remove("return_url");
        assert_eq!(err(b).message, "url.return_url: is required");
        assert!(new_session(json!([1]), true).is_err());
    }

    #[test]
    fn strict_amounts_and_unique_line_ids() {
        let mut b = session();
        b["order"]["amount"] = json!(25000);
        let e = err(b.clone());
        assert_eq!(e.code, "amount_mismatch");
        assert_eq!(
            e.message,
            "order.amount (25000) must equal the sum of order.items[].amount (24800)"
        );
        assert!(new_session(b, false).is_ok());

        let mut b = session();
        b["order"]["items"][1]["line_id"] = json!("1");
        assert_eq!(err(b).code, "duplicate_line_id");
    }

    #[test]
    fn operation_bodies() {
        let ok = operation_body(
            json!({"amount": 100, "capture_reference": "c1", "items": [{"line_id": "1", "amount": 100}], "metadata": {"ext_a": "b"}}),
            "capture_reference",
        )
        .unwrap();
        assert_eq!(ok.reference.as_deref(), Some("c1"));
        let e = operation_body(
            json!({"amount": 100, "metadata": {"a": "b"}}),
            "capture_reference",
        )
        .unwrap_err();
        assert_eq!(e.message, "metadata.a: metadata keys must start with ext_");
        let e = operation_body(
            json!({"amount": 100, "items": [{"line_id": "1", "amount": 90}]}),
            "x",
        )
        .unwrap_err();
        assert_eq!(e.code, "invalid_request");
        let e = operation_body(json!({"amount": "100"}), "x").unwrap_err();
        assert!(e.message.starts_with("amount: must be an integer"));
        let e = operation_body(json!({"amount": 0}), "x").unwrap_err();
        assert_eq!(e.message, "amount: must be greater than 0");
        let e = operation_body(json!({}), "x").unwrap_err();
        assert_eq!(e.message, "amount: is required");
        let empty = operation_body(json!({"amount": 100, "items": []}), "x").unwrap();
        assert!(empty.items.is_none(), "an empty array is no items");
        let e =
            operation_body(json!({"amount": 100, "items": [{"amount": 100}]}), "x").unwrap_err();
        assert_eq!(e.message, "items[0].line_id: is required");
    }
}
