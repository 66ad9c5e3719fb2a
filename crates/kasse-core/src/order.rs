//! Orders: what a cashier (or `kasse-cli charge --order FILE`) asks for, validated and priced.
//!
//! ```text
//! {"currency":"NOK","lines":[{"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"}]}
//!        │ OrderInput::from_json_str / serde            (shape, types, decimals, unknown fields)
//!        ▼
//!   OrderInput ── price(default_currency) ──▶ PricedOrder   (ranges, texts, amounts, totals)
//! ```
//!
//! # The JSON contract (DESIGN.md §4.3)
//!
//! | field | | |
//! |---|---|---|
//! | `currency` | optional | ISO code, any case; omitted or `null` → the caller's default |
//! | `lines` | required | 1 ..= [`MAX_LINES`] lines |
//! | `lines[].description` | required | 1 ..= [`MAX_TEXT_CHARS`] characters, no control characters; trimmed |
//! | `lines[].quantity` | required | decimal string or number, > 0, ≤ 3 decimals, ≤ 1 000 000 |
//! | `lines[].unit_price` | required | JSON **integer**, minor units incl. VAT, 1 ..= 2 147 483 647 |
//! | `lines[].vat` | required | decimal string or number, 0 ≤ vat < 100, ≤ 2 decimals |
//! | `lines[].product_id` | optional | string (or integer), becomes Dintero's item `id` |
//! | `lines[].type` | optional | `physical`, `digital`, `service`, `gift_card`, `shipping`, `surcharge` |
//!
//! **Unknown fields are rejected** (`lines[1].quantiy: unknown field …`) so a typo can never
//! silently drop a value. A fractional `unit_price` (`39.50`, even `3900.0`) is rejected rather
//! than guessed at: it is almost always a price in kroner where øre were meant.
//!
//! # Error paths
//!
//! Every [`OrderError`] names its field as `currency`, `lines`, `lines[N].quantity`, `amount`, …
//! where **N is 1-based and equal to the line's `line_id`** (the first line is `lines[1]`), so
//! the number in an error is the number people use for the line everywhere else.
//!
//! # Amounts
//!
//! Each line is priced by the two rules of [`crate::money`]; the order's `amount` and
//! `vat_amount` are the sums of the lines' rounded values, so `amount == Σ lines[].amount` holds
//! by construction (Dintero's `strict-session-amounts`). Every line amount and the order total
//! must fit Dintero's int32.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::money::{
    self, group_thousands, json_kind, quote_cut, Currency, DecimalError, Quantity, VatRate,
};

/// Most lines in one order.
pub const MAX_LINES: usize = 500;
/// Longest `description` and `product_id`, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 255;
/// Largest amount Dintero accepts (its amounts are int32), for a line and for the order.
pub const MAX_AMOUNT: i64 = i32::MAX as i64;

const ORDER_FIELDS: &str = "currency, lines";
const LINE_FIELDS: &str = "description, quantity, unit_price, vat, product_id, type";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a text field was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty or only whitespace.
    #[error("must not be empty")]
    Empty,
    /// Longer than [`MAX_TEXT_CHARS`] (after trimming).
    #[error("at most {max} characters (got {got})")]
    TooLong {
        /// The limit.
        max: usize,
        /// Characters given.
        got: usize,
    },
    /// Contains a control character (line break, tab, escape, …).
    #[error("must not contain control characters such as line breaks or tabs")]
    ControlCharacter,
}

/// Why a unit price was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitPriceError {
    /// Zero or negative.
    #[error("must be greater than zero")]
    NotPositive,
    /// Above [`MAX_AMOUNT`].
    #[error("must be at most 2 147 483 647 minor units (got {})", group_thousands(*got))]
    TooLarge {
        /// The price given.
        got: i128,
    },
}

/// A bad order. `Display` is `"{field}: {message}"`, e.g.
/// `lines[2].quantity: must be greater than zero`; [`OrderError::field`] and
/// [`OrderError::code`] give the parts for a UI or `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The text is not JSON at all (field `order`). Code `invalid_json`.
    #[error("order: not valid JSON ({message})")]
    InvalidJson {
        /// serde_json's description, with line and column.
        message: String,
    },
    /// A value of the wrong JSON type (`"unit_price":"3900"`, `"lines":{}`). Code `invalid_type`.
    #[error("{field}: must be {expected} (got {got})")]
    WrongType {
        /// Path of the value.
        field: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        got: String,
    },
    /// A required field is absent. Code `missing_field`.
    #[error("{field}: required")]
    MissingField {
        /// Path of the missing field.
        field: String,
    },
    /// A field Kasse does not know (typo?). Code `unknown_field`.
    #[error("{field}: unknown field (expected one of: {expected})")]
    UnknownField {
        /// Path of the unknown field.
        field: String,
        /// The fields allowed there.
        expected: &'static str,
    },
    /// No lines (field `lines`). Code `empty_order`.
    #[error("{field}: an order needs at least one line")]
    EmptyOrder {
        /// `lines`.
        field: String,
    },
    /// More than [`MAX_LINES`] lines (field `lines`). Code `too_many_lines`.
    #[error("{field}: at most {max} lines in one order (got {got})")]
    TooManyLines {
        /// `lines`.
        field: String,
        /// The limit.
        max: usize,
        /// Lines given.
        got: usize,
    },
    /// Code `unknown_currency`.
    #[error("{field}: unknown currency {}", quote_cut(code))]
    UnknownCurrency {
        /// `currency`.
        field: String,
        /// The code given (cut to 41 characters if longer).
        code: String,
    },
    /// Code `invalid_quantity`.
    #[error("{field}: {reason}")]
    InvalidQuantity {
        /// `lines[N].quantity`.
        field: String,
        /// Why.
        reason: DecimalError,
    },
    /// Code `invalid_vat`.
    #[error("{field}: {reason}")]
    InvalidVat {
        /// `lines[N].vat`.
        field: String,
        /// Why.
        reason: DecimalError,
    },
    /// Code `invalid_unit_price`.
    #[error("{field}: {reason}")]
    InvalidUnitPrice {
        /// `lines[N].unit_price`.
        field: String,
        /// Why.
        reason: UnitPriceError,
    },
    /// Code `invalid_description`.
    #[error("{field}: {reason}")]
    InvalidDescription {
        /// `lines[N].description`.
        field: String,
        /// Why.
        reason: TextError,
    },
    /// Code `invalid_product_id`.
    #[error("{field}: {reason}")]
    InvalidProductId {
        /// `lines[N].product_id`.
        field: String,
        /// Why.
        reason: TextError,
    },
    /// Code `invalid_line_type`.
    #[error("{field}: unknown line type {got} (expected one of: physical, digital, service, gift_card, shipping, surcharge)")]
    InvalidLineType {
        /// `lines[N].type`.
        field: String,
        /// The value given, quoted.
        got: String,
    },
    /// quantity × unit price rounds to nothing (`0.001 × 1`). Code `zero_amount`.
    #[error("{field}: {quantity} × {unit_price} rounds to 0 minor units")]
    ZeroLineAmount {
        /// `lines[N].amount`.
        field: String,
        /// The line's quantity.
        quantity: Quantity,
        /// The line's unit price.
        unit_price: i64,
    },
    /// A line or the order total does not fit Dintero's int32. Code `amount_too_large`.
    #[error(
        "{field}: the {} total {} exceeds what Dintero accepts (2 147 483 647)",
        if field == "amount" { "order" } else { "line" },
        group_thousands(*amount)
    )]
    AmountTooLarge {
        /// `lines[N].amount` or `amount`.
        field: String,
        /// The exact amount that was too large.
        amount: i128,
    },
}

impl OrderError {
    /// The field the error is about, as shown in the message: `order` (the whole document),
    /// `currency`, `lines`, `lines[N]`, `lines[N].quantity`, `lines[N].amount`, `amount`, …
    pub fn field(&self) -> &str {
        match self {
            OrderError::InvalidJson { .. } => "order",
            OrderError::WrongType { field, .. }
            | OrderError::MissingField { field }
            | OrderError::UnknownField { field, .. }
            | OrderError::EmptyOrder { field }
            | OrderError::TooManyLines { field, .. }
            | OrderError::UnknownCurrency { field, .. }
            | OrderError::InvalidQuantity { field, .. }
            | OrderError::InvalidVat { field, .. }
            | OrderError::InvalidUnitPrice { field, .. }
            | OrderError::InvalidDescription { field, .. }
            | OrderError::InvalidProductId { field, .. }
            | OrderError::InvalidLineType { field, .. }
            | OrderError::ZeroLineAmount { field, .. }
            | OrderError::AmountTooLarge { field, .. } => field,
        }
    }

    /// A stable machine-readable code (for `{"error":{"code","message"}}`).
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::InvalidJson { .. } => "invalid_json",
            OrderError::WrongType { .. } => "invalid_type",
            OrderError::MissingField { .. } => "missing_field",
            OrderError::UnknownField { .. } => "unknown_field",
            OrderError::EmptyOrder { .. } => "empty_order",
            OrderError::TooManyLines { .. } => "too_many_lines",
            OrderError::UnknownCurrency { .. } => "unknown_currency",
            OrderError::InvalidQuantity { .. } => "invalid_quantity",
            OrderError::InvalidVat { .. } => "invalid_vat",
            OrderError::InvalidUnitPrice { .. } => "invalid_unit_price",
            OrderError::InvalidDescription { .. } => "invalid_description",
            OrderError::InvalidProductId { .. } => "invalid_product_id",
            OrderError::InvalidLineType { .. } => "invalid_line_type",
            OrderError::ZeroLineAmount { .. } => "zero_amount",
            OrderError::AmountTooLarge { .. } => "amount_too_large",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// Dintero's `items[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    /// `physical`
    Physical,
    /// `digital`
    Digital,
    /// `service`
    Service,
    /// `gift_card`
    GiftCard,
    /// `shipping`
    Shipping,
    /// `surcharge` (e.g. a rounding line)
    Surcharge,
}

impl LineType {
    /// Every line type.
    pub const ALL: [LineType; 6] = [
        LineType::Physical,
        LineType::Digital,
        LineType::Service,
        LineType::GiftCard,
        LineType::Shipping,
        LineType::Surcharge,
    ];

    /// The wire value (`gift_card`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LineType::Physical => "physical",
            LineType::Digital => "digital",
            LineType::Service => "service",
            LineType::GiftCard => "gift_card",
            LineType::Shipping => "shipping",
            LineType::Surcharge => "surcharge",
        }
    }
}

impl fmt::Display for LineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LineType {
    type Err = ();
    /// Exact wire values only (`gift_card`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LineType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(())
    }
}

/// One line as asked for. Build it directly (the app's cart) or get it from JSON through
/// [`OrderInput`]; [`OrderInput::price`] checks everything either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineInput {
    /// Line text shown to the customer and on receipts.
    pub description: String,
    /// How many (or how much, for weighed goods).
    pub quantity: Quantity,
    /// Price of one unit in minor units, VAT included.
    pub unit_price: i64,
    /// VAT rate of the line.
    pub vat: VatRate,
    /// Product id / SKU (Dintero item `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Dintero item `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub line_type: Option<LineType>,
}

impl LineInput {
    /// A line with no product id and no type.
    pub fn new(
        description: impl Into<String>,
        quantity: Quantity,
        unit_price: i64,
        vat: VatRate,
    ) -> LineInput {
        LineInput {
            description: description.into(),
            quantity,
            unit_price,
            vat,
            product_id: None,
            line_type: None,
        }
    }
}

/// An order as asked for (the CLI's `--order` JSON, the app's cart). Serializes to the same JSON
/// contract it is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderInput {
    /// `None`: the caller's default currency (`KASSE_CURRENCY`, settings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The lines, in order; line N gets `line_id` `"N"`.
    pub lines: Vec<LineInput>,
}

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
        reject_unknown(obj, "", &["currency", "lines"], ORDER_FIELDS)?;

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
        Ok(OrderInput { currency, lines })
    }

    /// Validates and prices the order. `default_currency` is used when the order names none.
    ///
    /// Checks, in order: at least one and at most [`MAX_LINES`] lines; then for each line (in
    /// order) description, quantity, unit price, product id, line amount (> 0, ≤ int32); then the
    /// order total (≤ int32). The first problem is returned.
    pub fn price(&self, default_currency: Currency) -> Result<PricedOrder, OrderError> {
        check_line_count(self.lines.len())?;
        let mut lines = Vec::with_capacity(self.lines.len());
        let mut total: i128 = 0;
        let mut vat_total: i128 = 0;
        for (i, line) in self.lines.iter().enumerate() {
            let priced = price_line(line, i + 1)?;
            total += i128::from(priced.amount);
            vat_total += i128::from(priced.vat_amount);
            lines.push(priced);
        }
        let amount = fit_amount(total, "amount".to_owned())?;
        // 0 ≤ vat_total ≤ total, so it fits too.
        let vat_amount = i64::try_from(vat_total).unwrap_or(amount);
        Ok(PricedOrder {
            currency: self.currency.unwrap_or(default_currency),
            lines,
            amount,
            vat_amount,
        })
    }
}

/// Parses and prices the JSON contract in one go (what `kasse-cli charge --order` does).
pub fn price_order_json(json: &str, default_currency: Currency) -> Result<PricedOrder, OrderError> {
    OrderInput::from_json_str(json)?.price(default_currency)
}

fn check_line_count(count: usize) -> Result<(), OrderError> {
    if count == 0 {
        return Err(OrderError::EmptyOrder {
            field: "lines".to_owned(),
        });
    }
    if count > MAX_LINES {
        return Err(OrderError::TooManyLines {
            field: "lines".to_owned(),
            max: MAX_LINES,
            got: count,
        });
    }
    Ok(())
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
    reject_unknown(
        obj,
        &format!("{path}."),
        &[
            "description",
            "quantity",
            "unit_price",
            "vat",
            "product_id",
            "type",
        ],
        LINE_FIELDS,
    )?;
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

    let quantity = decimal_text(required("quantity")?, &field("quantity"))?
        .parse::<Quantity>()
        .map_err(|reason| OrderError::InvalidQuantity {
            field: field("quantity"),
            reason,
        })?;

    let unit_price = parse_unit_price(required("unit_price")?, &field("unit_price"))?;

    let vat = decimal_text(required("vat")?, &field("vat"))?
        .parse::<VatRate>()
        .map_err(|reason| OrderError::InvalidVat {
            field: field("vat"),
            reason,
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

    Ok(LineInput {
        description,
        quantity,
        unit_price,
        vat,
        product_id,
        line_type,
    })
}

/// The decimal text of a quantity or VAT value: a string as is, a number by its JSON text.
fn decimal_text(value: &Value, field: &str) -> Result<String, OrderError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(wrong_type(
            field,
            "a decimal number (a string such as \"1.5\" or a number)",
            other,
        )),
    }
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

fn check_text(text: &str) -> Result<String, TextError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    let count = trimmed.chars().count();
    if count > MAX_TEXT_CHARS {
        return Err(TextError::TooLong {
            max: MAX_TEXT_CHARS,
            got: count,
        });
    }
    Ok(trimmed.to_owned())
}

fn fit_amount(amount: i128, field: String) -> Result<i64, OrderError> {
    if amount > i128::from(MAX_AMOUNT) {
        return Err(OrderError::AmountTooLarge { field, amount });
    }
    // Callers only pass non-negative sums of checked amounts.
    Ok(i64::try_from(amount).unwrap_or(MAX_AMOUNT))
}

fn price_line(line: &LineInput, n: usize) -> Result<PricedLine, OrderError> {
    let field = |name: &str| format!("lines[{n}].{name}");

    let description =
        check_text(&line.description).map_err(|reason| OrderError::InvalidDescription {
            field: field("description"),
            reason,
        })?;
    if line.quantity.thousandths() <= 0 {
        return Err(OrderError::InvalidQuantity {
            field: field("quantity"),
            reason: DecimalError::NotPositive,
        });
    }
    if line.quantity > Quantity::MAX {
        return Err(OrderError::InvalidQuantity {
            field: field("quantity"),
            reason: DecimalError::TooLarge {
                limit: "at most 1000000",
                got: quote_cut(&line.quantity.to_string()),
            },
        });
    }
    if line.unit_price <= 0 {
        return Err(OrderError::InvalidUnitPrice {
            field: field("unit_price"),
            reason: UnitPriceError::NotPositive,
        });
    }
    if line.unit_price > MAX_AMOUNT {
        return Err(OrderError::InvalidUnitPrice {
            field: field("unit_price"),
            reason: UnitPriceError::TooLarge {
                got: i128::from(line.unit_price),
            },
        });
    }
    let product_id = line
        .product_id
        .as_deref()
        .map(check_text)
        .transpose()
        .map_err(|reason| OrderError::InvalidProductId {
            field: field("product_id"),
            reason,
        })?;

    let exact = money::line_amount(line.quantity, line.unit_price);
    if exact == 0 {
        return Err(OrderError::ZeroLineAmount {
            field: field("amount"),
            quantity: line.quantity,
            unit_price: line.unit_price,
        });
    }
    let amount = fit_amount(exact, field("amount"))?;
    let vat_amount = money::vat_included(amount, line.vat);

    Ok(PricedLine {
        line_id: n.to_string(),
        description,
        product_id,
        line_type: line.line_type,
        quantity: line.quantity,
        unit_price: line.unit_price,
        vat: line.vat,
        amount,
        vat_amount,
    })
}

// ---------------------------------------------------------------------------------------------
// Priced order
// ---------------------------------------------------------------------------------------------

/// One priced line. `amount` and `vat_amount` are Dintero's `items[].amount` / `vat_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// 1-based position in the order: `"1"`, `"2"`, … (Dintero `line_id`).
    pub line_id: String,
    /// Trimmed description.
    pub description: String,
    /// Trimmed product id (Dintero item `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Dintero item `type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub line_type: Option<LineType>,
    /// Quantity sold.
    pub quantity: Quantity,
    /// Unit price, minor units incl. VAT.
    pub unit_price: i64,
    /// VAT rate.
    pub vat: VatRate,
    /// `round(quantity × unit_price)`, minor units incl. VAT; `1 ..= 2 147 483 647`.
    pub amount: i64,
    /// `round(amount × vat / (100 + vat))`; `0 ..= amount`.
    pub vat_amount: i64,
}

/// A validated order with its totals. `amount == Σ lines[].amount` and
/// `vat_amount == Σ lines[].vat_amount` always.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedOrder {
    /// The order's currency.
    pub currency: Currency,
    /// The priced lines, `line_id` `"1"`, `"2"`, … in order.
    pub lines: Vec<PricedLine>,
    /// Total incl. VAT, minor units; fits int32.
    pub amount: i64,
    /// VAT part of `amount`, minor units.
    pub vat_amount: i64,
}

impl PricedOrder {
    /// The line with this `line_id`.
    pub fn line(&self, line_id: &str) -> Option<&PricedLine> {
        self.lines.iter().find(|l| l.line_id == line_id)
    }

    /// `amount − vat_amount`.
    pub fn net_amount(&self) -> i64 {
        self.amount - self.vat_amount
    }

    /// Totals per VAT rate for reports: `(rate, gross incl. VAT, VAT)`, highest rate first. Each
    /// row sums the lines' own rounded values, so the rows add up to `amount` and `vat_amount`
    /// exactly.
    pub fn vat_summary(&self) -> Vec<(VatRate, i64, i64)> {
        let mut rows: Vec<(VatRate, i64, i64)> = Vec::new();
        for line in &self.lines {
            match rows.iter_mut().find(|(rate, _, _)| *rate == line.vat) {
                Some(row) => {
                    row.1 = row.1.saturating_add(line.amount);
                    row.2 = row.2.saturating_add(line.vat_amount);
                }
                None => rows.push((line.vat, line.amount, line.vat_amount)),
            }
        }
        rows.sort_by_key(|row| std::cmp::Reverse(row.0));
        rows
    }
}

// ---------------------------------------------------------------------------------------------
// Parts of a line (refund or capture by line)
// ---------------------------------------------------------------------------------------------

/// Amount and VAT for part of a line's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePart {
    /// The quantity of this part.
    pub quantity: Quantity,
    /// Minor units incl. VAT (may be 0 for a tiny part of a cheap line).
    pub amount: i64,
    /// VAT in `amount`.
    pub vat_amount: i64,
}

/// A part of a line that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinePartError {
    /// The part's quantity is zero. Code `invalid_quantity`.
    #[error("lines[{line_id}].quantity: must be greater than zero")]
    ZeroQuantity {
        /// The line.
        line_id: String,
    },
    /// Already taken + this part exceeds the line's quantity. Code `quantity_exceeds_line`.
    #[error("lines[{line_id}].quantity: {requested} is more than what is left of the line ({remaining} of {line_quantity})")]
    ExceedsLine {
        /// The line.
        line_id: String,
        /// The line's quantity.
        line_quantity: Quantity,
        /// What was left before this part.
        remaining: Quantity,
        /// What was asked for.
        requested: Quantity,
    },
}

impl LinePartError {
    /// `lines[N].quantity`.
    pub fn field(&self) -> String {
        match self {
            LinePartError::ZeroQuantity { line_id }
            | LinePartError::ExceedsLine { line_id, .. } => {
                format!("lines[{line_id}].quantity")
            }
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            LinePartError::ZeroQuantity { .. } => "invalid_quantity",
            LinePartError::ExceedsLine { .. } => "quantity_exceeds_line",
        }
    }
}

impl PricedLine {
    /// Amount and VAT of the first `taken` units of this line, by the same two rules as the line
    /// itself, never above the line's own values, and exactly the line's values for its whole
    /// quantity.
    fn cumulative(&self, taken: Quantity) -> (i64, i64) {
        if taken >= self.quantity {
            return (self.amount, self.vat_amount);
        }
        let exact = money::line_amount(taken, self.unit_price);
        let amount = i64::try_from(exact.clamp(0, i128::from(self.amount))).unwrap_or(0);
        let vat = money::vat_included(amount, self.vat).clamp(0, self.vat_amount.max(0));
        (amount, vat)
    }

    /// See [`line_part_amount`].
    pub fn part(&self, already: Quantity, quantity: Quantity) -> Result<LinePart, LinePartError> {
        line_part_amount(self, already, quantity)
    }
}

/// The amount and VAT for `quantity` more of `line`, when `already` of it was taken before (by
/// earlier refunds, or captures).
///
/// **Rounding.** A part is the difference of two cumulative values:
/// `amount = round(unit_price × (already + quantity)) − round(unit_price × already)`, and its VAT
/// likewise `vat(cumulative after) − vat(cumulative before)` with `vat(a) = round(a × rate /
/// (100 + rate))` (rules 1 and 2 of [`crate::money`]). So the parts of a line *telescope*: however
/// its quantity is split, the parts sum to exactly `line.amount` and `line.vat_amount` once the
/// whole quantity is taken, and never more before that. The whole quantity in one part gives the
/// line's values exactly. For whole units of a line with an integer quantity every part is exact
/// (`unit_price × quantity`); for weighed goods a part's rounding may differ by one minor unit
/// from rounding it alone (`0.375 kg × 12990` = 4871 refunded as 0.125 + 0.125 + 0.125 gives
/// 1624 + 1624 + 1623). A very small part can be 0.
pub fn line_part_amount(
    line: &PricedLine,
    already: Quantity,
    quantity: Quantity,
) -> Result<LinePart, LinePartError> {
    if quantity.is_zero() {
        return Err(LinePartError::ZeroQuantity {
            line_id: line.line_id.clone(),
        });
    }
    let remaining = line.quantity.checked_sub(already).unwrap_or(Quantity::ZERO);
    let after = already
        .checked_add(quantity)
        .filter(|after| *after <= line.quantity)
        .ok_or_else(|| LinePartError::ExceedsLine {
            line_id: line.line_id.clone(),
            line_quantity: line.quantity,
            remaining,
            requested: quantity,
        })?;
    let (amount_before, vat_before) = line.cumulative(already);
    let (amount_after, vat_after) = line.cumulative(after);
    Ok(LinePart {
        quantity,
        amount: amount_after - amount_before,
        vat_amount: vat_after - vat_before,
    })
}
