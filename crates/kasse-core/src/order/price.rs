//! Validation and pricing: an [`OrderInput`] checked (ranges, texts, amounts) and priced by
//! the two rules of [`crate::money`] into a [`PricedOrder`] whose totals are the sums of its
//! lines.

use serde::{Deserialize, Serialize};

use super::discount::{self, spread, Discount, DiscountError, LineDiscount, OrderDiscount};
use super::{LineInput, LineType, OrderError, OrderInput, TextError, UnitPriceError};
use super::{MAX_AMOUNT, MAX_LINES, MAX_TEXT_CHARS};
use crate::money::{self, quote_cut, Currency, DecimalError, Percent, Quantity, VatRate};
use crate::staff::Actor;

impl OrderInput {
    /// Validates and prices the order. `default_currency` is used when the order names none.
    ///
    /// Checks, in order: at least one and at most [`MAX_LINES`] lines; then for each line (in
    /// order) description, quantity, unit price, product id, line amount (> 0, ≤ int32); then the
    /// order total (≤ int32). The first problem is returned.
    pub fn price(&self, default_currency: Currency) -> Result<PricedOrder, OrderError> {
        check_line_count(self.lines.len())?;
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            lines.push(price_line(line, i + 1)?);
        }
        let subtotal: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
        let subtotal = fit_amount(subtotal, "amount".to_owned())?;
        let discount = match self.discount {
            None => None,
            Some(asked) => order_discount(&mut lines, asked, subtotal)?,
        };
        let amount: i64 = lines.iter().map(|l| l.amount).sum();
        if amount == 0 {
            return Err(OrderError::InvalidDiscount {
                field: "amount".to_owned(),
                reason: DiscountError::NothingLeft,
            });
        }
        // 0 ≤ each line's VAT ≤ its amount, so the sum fits as the amounts' did.
        let vat_amount = lines.iter().map(|l| l.vat_amount).sum();
        Ok(PricedOrder {
            currency: self.currency.unwrap_or(default_currency),
            lines,
            amount,
            vat_amount,
            discount,
            discount_approved_by: None,
        })
    }
}

/// Takes the order's discount off `lines` (summing to `subtotal`), spread by the rule of
/// [`super::discount`]; each line's VAT follows its new amount.
fn order_discount(
    lines: &mut [PricedLine],
    asked: Discount,
    subtotal: i64,
) -> Result<Option<OrderDiscount>, OrderError> {
    let off =
        discount::order_off(asked, subtotal).map_err(|reason| OrderError::InvalidDiscount {
            field: "discount".to_owned(),
            reason,
        })?;
    if off == 0 {
        return Ok(None);
    }
    let amounts: Vec<i64> = lines.iter().map(|l| l.amount).collect();
    for (line, share) in lines.iter_mut().zip(spread(off, &amounts)) {
        if share == 0 {
            continue;
        }
        let before = line.amount;
        line.amount -= share;
        line.vat_amount = money::vat_included(line.amount, line.vat);
        let d = line.discount.get_or_insert(LineDiscount {
            asked: None,
            before,
            line: 0,
            order: 0,
        });
        d.order = share;
    }
    Ok(Some(OrderDiscount {
        asked,
        subtotal,
        amount: off,
    }))
}

pub(super) fn check_line_count(count: usize) -> Result<(), OrderError> {
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
    let before = fit_amount(exact, field("amount"))?;
    let off =
        match line.discount {
            None => 0,
            Some(asked) => discount::line_off(asked, before, line.quantity, line.unit_price)
                .map_err(|reason| OrderError::InvalidDiscount {
                    field: field("discount"),
                    reason,
                })?,
        };
    let amount = before - off;
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
        discount: (off > 0).then_some(LineDiscount {
            asked: line.discount,
            before,
            line: off,
            order: 0,
        }),
    })
}

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
    /// `round(quantity × unit_price)` less its discounts, minor units incl. VAT;
    /// `0 ..= 2 147 483 647` (0 only when a discount took all of it).
    pub amount: i64,
    /// `round(amount × vat / (100 + vat))`; `0 ..= amount`.
    pub vat_amount: i64,
    /// What discounts took off the line (`None`: nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<LineDiscount>,
}

impl PricedLine {
    /// The line before discounts: `round(quantity × unit_price)`.
    pub fn before_discount(&self) -> i64 {
        self.discount.map_or(self.amount, |d| d.before)
    }
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
    /// The order's own discount (its share of each line is in the line's `discount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<OrderDiscount>,
    /// Who allowed discounts above the manager's limit (set by the engine after the guard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_approved_by: Option<Actor>,
}

impl PricedOrder {
    /// Everything discounts took off the order, minor units.
    pub fn discount_total(&self) -> i64 {
        self.lines
            .iter()
            .filter_map(|l| l.discount.map(|d| d.total()))
            .sum()
    }

    /// The order before discounts: `amount + discount_total()`.
    pub fn before_discounts(&self) -> i64 {
        self.amount + self.discount_total()
    }

    /// The largest discount in the order as a share of what it was taken off, in hundredths
    /// of a percent, rounded up: each line's own discount of its line, and the order's of
    /// the lines after theirs. 0 without discounts. What the manager's limit is held against
    /// ([`crate::staff::Guarded::Discount`]).
    pub fn largest_discount_share(&self) -> u32 {
        let lines = self
            .lines
            .iter()
            .filter_map(|l| l.discount)
            .map(|d| Percent::share_hundredths(d.line, d.before));
        let order = self
            .discount
            .map(|d| Percent::share_hundredths(d.amount, d.subtotal));
        lines.chain(order).max().unwrap_or(0)
    }

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
