//! Why an order was refused: errors that name their field (`lines[N].quantity`, with N the
//! line's 1-based `line_id`) and carry a stable code for the shells.

use super::DiscountError;
use crate::money::{group_thousands, quote_cut, DecimalError, Quantity};

/// Why a text field was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty or only whitespace.
    #[error("must not be empty")]
    Empty,
    /// Longer than [`MAX_TEXT_CHARS`](super::MAX_TEXT_CHARS) (after trimming).
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
    /// Above [`MAX_AMOUNT`](super::MAX_AMOUNT).
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
    /// More than [`MAX_LINES`](super::MAX_LINES) lines (field `lines`). Code `too_many_lines`.
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
    /// A discount that cannot be given (`lines[N].discount`, `discount`, or `amount` when the
    /// discounts leave nothing to pay). Code: [`DiscountError::code`].
    #[error("{field}: {reason}")]
    InvalidDiscount {
        /// Where.
        field: String,
        /// Why.
        reason: DiscountError,
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
            | OrderError::InvalidDiscount { field, .. }
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
            OrderError::InvalidDiscount { reason, .. } => reason.code(),
            OrderError::AmountTooLarge { .. } => "amount_too_large",
        }
    }
}
