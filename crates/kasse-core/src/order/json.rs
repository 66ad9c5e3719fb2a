//! Reading the JSON contract (the module docs of [`crate::order`]): shape, types, decimals and
//! unknown fields, each error naming its path. Ranges, texts and amounts are checked by
//! [`OrderInput::price`].

use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::price::check_line_count;
use super::UnitPriceError;
use super::{Discount, DiscountError, LineInput, LineType, OrderError, OrderInput, PricedOrder};
use crate::money::{json_kind, quote_cut, Currency, DecimalError};

const ORDER_FIELDS: &str = "currency, lines, discount";
/// The fields of a line in the JSON contract (any other is refused).
pub const LINE_KEYS: [&str; 7] = [
    "description",
    "quantity",
    "unit_price",
    "vat",
    "product_id",
    "type",
    "discount",
];
const LINE_FIELDS: &str = "description, quantity, unit_price, vat, product_id, type, discount";

impl<'de> Deserialize<'de> for OrderInput {
    /// Same checks and messages as [`OrderInput::from_json_value`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        OrderInput::from_json_value(&value).map_err(serde::de::Error::custom)
    }
}

impl OrderInput {
    /// Parses the JSON contract, reporting the first problem with its field path.
    pub fn from_json_str(json: &str) -> Result<OrderInput, OrderError> {
        let value: Value = serde_json::from_str(json).map_err(|e| OrderError::InvalidJson {
            message: e.to_string(),
        })?;
        OrderInput::from_json_value(&value)
    }

    /// Reads an already parsed JSON value (shape, types, decimals and unknown fields are checked
    /// here; ranges, texts and amounts by [`OrderInput::price`]).
    pub fn from_json_value(value: &Value) -> Result<OrderInput, OrderError> {
        let obj = as_object(value, "order", "a JSON object with \"lines\"")?;
        reject_unknown(obj, "", &["currency", "lines", "discount"], ORDER_FIELDS)?;

        let currency = match obj.get("currency") {
            None | Some(Value::Null) => None,
            Some(Value::String(code)) => {
                Some(
                    Currency::from_code(code).map_err(|e| OrderError::UnknownCurrency {
                        field: "currency".to_owned(),
                        code: e.code,
                    })?,
                )
            }
            Some(other) => {
                return Err(wrong_type(
                    "currency",
                    "a currency code such as \"NOK\"",
                    other,
                ))
            }
        };

        let lines_value = obj.get("lines").ok_or_else(|| OrderError::MissingField {
            field: "lines".to_owned(),
        })?;
        let Value::Array(raw_lines) = lines_value else {
            return Err(wrong_type("lines", "an array of lines", lines_value));
        };
        check_line_count(raw_lines.len())?;

        let lines = raw_lines
            .iter()
            .enumerate()
            .map(|(i, raw)| parse_line(raw, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        let discount = parse_discount(obj.get("discount"), "discount", false)?;
        Ok(OrderInput {
            currency,
            lines,
            discount,
        })
    }
}

/// Parses and prices the JSON contract in one go (what `kasse-cli charge --order` does).
pub fn price_order_json(json: &str, default_currency: Currency) -> Result<PricedOrder, OrderError> {
    OrderInput::from_json_str(json)?.price(default_currency)
}

fn wrong_type(field: impl Into<String>, expected: &'static str, got: &Value) -> OrderError {
    OrderError::WrongType {
        field: field.into(),
        expected,
        got: json_kind(got),
    }
}

fn as_object<'a>(
    value: &'a Value,
    field: &str,
    expected: &'static str,
) -> Result<&'a Map<String, Value>, OrderError> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(field, expected, value))
}

/// `prefix` is `""` for the order, `"lines[N]."` for a line.
fn reject_unknown(
    obj: &Map<String, Value>,
    prefix: &str,
    known: &[&str],
    expected: &'static str,
) -> Result<(), OrderError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => {
            // Quote odd keys so the path stays readable (and a huge key stays short).
            let shown = if !key.is_empty()
                && key.chars().count() <= 40
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                key.clone()
            } else {
                quote_cut(key)
            };
            Err(OrderError::UnknownField {
                field: format!("{prefix}{shown}"),
                expected,
            })
        }
        None => Ok(()),
    }
}

fn parse_line(raw: &Value, n: usize) -> Result<LineInput, OrderError> {
    let path = format!("lines[{n}]");
    let obj = as_object(raw, &path, "an object")?;
    reject_unknown(obj, &format!("{path}."), &LINE_KEYS, LINE_FIELDS)?;
    let field = |name: &str| format!("{path}.{name}");
    let required = |name: &str| {
        obj.get(name)
            .filter(|v| !v.is_null())
            .ok_or_else(|| OrderError::MissingField { field: field(name) })
    };

    let description = match required("description")? {
        Value::String(s) => s.clone(),
        other => return Err(wrong_type(field("description"), "a string", other)),
    };

    let quantity = decimal(required("quantity")?, field("quantity"), |field, reason| {
        OrderError::InvalidQuantity { field, reason }
    })?;
    let unit_price = parse_unit_price(required("unit_price")?, &field("unit_price"))?;
    let vat = decimal(required("vat")?, field("vat"), |field, reason| {
        OrderError::InvalidVat { field, reason }
    })?;

    let product_id = match obj.get("product_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Some(other) => {
            return Err(wrong_type(
                field("product_id"),
                "a string (or an integer)",
                other,
            ))
        }
    };

    let line_type = match obj.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(
                s.parse::<LineType>()
                    .map_err(|()| OrderError::InvalidLineType {
                        field: field("type"),
                        got: quote_cut(s),
                    })?,
            )
        }
        Some(other) => return Err(wrong_type(field("type"), "a string", other)),
    };

    let discount = parse_discount(obj.get("discount"), &field("discount"), true)?;
    Ok(LineInput {
        description,
        quantity,
        unit_price,
        vat,
        product_id,
        line_type,
        discount,
    })
}

/// A discount (`{"percent":"10"}`, `{"amount":500}`, on a line also `{"price":2900}`); `null`
/// or absent is none. Ranges against the line or order are checked when pricing.
fn parse_discount(
    value: Option<&Value>,
    field: &str,
    line: bool,
) -> Result<Option<Discount>, OrderError> {
    let invalid = |reason| OrderError::InvalidDiscount {
        field: field.to_owned(),
        reason,
    };
    let obj = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(obj)) if obj.len() == 1 => obj,
        Some(_) => return Err(invalid(DiscountError::Shape { line })),
    };
    let (key, v) = obj
        .iter()
        .next()
        .ok_or(invalid(DiscountError::Shape { line }))?;
    let minor = |v: &Value| match v {
        Value::Number(n) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
        Value::Number(n) if n.as_u64().is_some() => Ok(i64::MAX),
        other => Err(wrong_type(
            format!("{field}.{key}"),
            "a whole number of minor units (500 for 5.00)",
            other,
        )),
    };
    Ok(Some(match key.as_str() {
        "percent" => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(wrong_type(
                        format!("{field}.percent"),
                        "a decimal number (a string such as \"10\" or a number)",
                        other,
                    ))
                }
            };
            Discount::Percent(
                text.parse()
                    .map_err(|e| invalid(DiscountError::of_percent(e)))?,
            )
        }
        "amount" => Discount::Amount(minor(v)?),
        "price" if line => Discount::Price(minor(v)?),
        _ => return Err(invalid(DiscountError::Shape { line })),
    }))
}

/// A quantity or VAT value: a string parsed as is, a number by its JSON text; `invalid` says
/// which field a bad decimal is.
fn decimal<T: FromStr<Err = DecimalError>>(
    value: &Value,
    field: String,
    invalid: fn(String, DecimalError) -> OrderError,
) -> Result<T, OrderError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(wrong_type(
                field,
                "a decimal number (a string such as \"1.5\" or a number)",
                other,
            ))
        }
    };
    text.parse().map_err(|reason| invalid(field, reason))
}

fn parse_unit_price(value: &Value, field: &str) -> Result<i64, OrderError> {
    const EXPECTED: &str = "a whole number of minor units (3900 for 39.00)";
    let Value::Number(n) = value else {
        return Err(wrong_type(field, EXPECTED, value));
    };
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if let Some(u) = n.as_u64() {
        return Err(OrderError::InvalidUnitPrice {
            field: field.to_owned(),
            reason: UnitPriceError::TooLarge { got: i128::from(u) },
        });
    }
    Err(wrong_type(field, EXPECTED, value))
}
