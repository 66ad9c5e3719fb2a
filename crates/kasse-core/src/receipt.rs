//! A receipt as one document, built here so every way of showing it (the app's preview, a
//! printer, a PDF) prints the same figures: a sale's receipt, and one for each refund that
//! happened. Renderer-neutral: amounts in minor units, quantities and VAT rates as decimals,
//! the time as a timestamp, the payment method as facts, and no sentence or formatted amount.
//! A refund's amounts are negative, its VAT and net like its total; a refund's lines are the
//! ones its intent logged, each line's VAT the part of the line's VAT that its earlier refunds
//! left (so a line's refunds sum to its VAT exactly, as Dintero was told). A sale's receipt
//! shows each discounted line's price before its discounts, what they took and the result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::engine::SaleDetail;
use crate::error::CoreError;
use crate::money::{Quantity, VatRate};
use crate::order::{LineDiscount, OrderDiscount, PricedLine, PricedOrder};
use crate::payment::PaymentMethod;
use crate::sale::{LogEvent, OpKind, Operation, Sale};
use crate::staff::Actor;
use crate::store::StoredEvent;

/// Which receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// The sale's.
    Sale,
    /// One refund's.
    Refund,
}

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptLine {
    /// The order line (`"1"`, `"2"`, …).
    pub line_id: String,
    /// What was sold.
    pub description: String,
    /// How many (sold, or refunded).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub quantity: Quantity,
    /// Price of one, minor units incl. VAT (as sold: never negative).
    pub unit_price: i64,
    /// The line's VAT rate, percent.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub vat_rate: VatRate,
    /// Minor units incl. VAT; negative on a refund.
    pub amount: i64,
    /// Its VAT, minor units; negative on a refund.
    pub vat_amount: i64,
    /// On a sale's receipt, what discounts took off the line: its price before them
    /// (`before`), its own discount and its share of the order's; `amount` is the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub discount: Option<LineDiscount>,
}

/// Net, VAT and gross of one VAT rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptVat {
    /// Percent.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub rate: VatRate,
    /// Gross minus VAT.
    pub net: i64,
    /// The VAT.
    pub vat: i64,
    /// Incl. VAT.
    pub gross: i64,
}

/// The shop as its receipts name it (Settings): empty fields are left off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shop {
    /// The shop's name.
    pub name: String,
    /// Its address, one line per printed line.
    pub address: String,
    /// Its organisation number, nine digits without spaces (checked when saved); printed
    /// `Org.nr 923 609 016 MVA`.
    pub org_number: Option<String>,
}

/// A receipt: everything a renderer prints, nothing it must compute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    /// A sale's, or a refund's.
    pub kind: ReceiptKind,
    /// The receipt's number: the sale's merchant reference, or the refund's own reference
    /// (the sale's with `-R1`, `-R2`, …).
    pub number: String,
    /// The sale (Kasse's id).
    pub sale_id: String,
    /// The sale's merchant reference.
    pub sale_reference: String,
    /// When the money moved: the payment's authorisation for a sale, the refund's completion
    /// for a refund. UTC.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
    /// The counter that sold (its id in the reference), when known.
    pub counter: Option<String>,
    /// The shop (empty when the receipt was built without one).
    #[serde(default)]
    pub shop: Shop,
    /// The counter's name as the shop calls it (Settings), when given.
    #[serde(default)]
    pub counter_name: Option<String>,
    /// Who did it, when the log names them: the staff member whose PIN a refund was given
    /// with (a sale is not signed by anyone).
    #[serde(default)]
    pub staff: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// How it was paid (a refund goes back the same way).
    pub payment: Option<PaymentMethod>,
    /// Dintero's transaction id.
    pub transaction_id: Option<String>,
    /// A refund's reason, as given.
    pub reason: Option<String>,
    /// The lines (none for a sale imported without lines).
    pub lines: Vec<ReceiptLine>,
    /// Per VAT rate, lowest rate first (none without lines).
    pub vat: Vec<ReceiptVat>,
    /// The total incl. VAT; negative on a refund.
    pub total: i64,
    /// The total's VAT (`None`: not known, a sale or refund without lines).
    pub vat_total: Option<i64>,
    /// The total without VAT, likewise.
    pub net_total: Option<i64>,
    /// On a sale's receipt, the order's own discount (spread over the lines' `discount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub order_discount: Option<OrderDiscount>,
    /// On a sale's receipt, everything discounts took off (0: none).
    pub discount_total: i64,
}

/// The sale's receipt, from the sale, its order (`None` when imported) and its journal rows.
/// Refused for a sale that was never paid.
pub fn sale_receipt(
    sale: &Sale,
    order: Option<&PricedOrder>,
    events: &[StoredEvent],
) -> Result<Receipt, CoreError> {
    let at = paid_at(&sale.id, events).ok_or_else(|| {
        CoreError::InvalidState(format!(
            "no receipt: sale {} was not paid (it is {})",
            sale.merchant_reference, sale.status
        ))
    })?;
    let lines: Vec<ReceiptLine> = order
        .map(|o| {
            o.lines
                .iter()
                .map(|l| ReceiptLine {
                    discount: l.discount,
                    ..line(l, l.quantity, l.amount, l.vat_amount)
                })
                .collect()
        })
        .unwrap_or_default();
    let vat_total = match order {
        Some(o) => Some(o.vat_amount),
        None => sale.vat_amount,
    };
    let mut receipt = finish(
        sale,
        ReceiptKind::Sale,
        sale.merchant_reference.clone(),
        at,
        None,
        lines,
        sale.amount,
        vat_total,
    );
    receipt.order_discount = order.and_then(|o| o.discount);
    receipt.discount_total = order.map_or(0, PricedOrder::discount_total);
    Ok(receipt)
}

/// The receipt of the sale's refund `op_id`, once it happened.
pub fn refund_receipt(
    sale: &Sale,
    order: Option<&PricedOrder>,
    op_id: &str,
) -> Result<Receipt, CoreError> {
    let refunds: Vec<&Operation> = sale
        .operations
        .iter()
        .filter(|o| o.kind == OpKind::Refund && o.applied == Some(true))
        .collect();
    let Some(pos) = refunds.iter().position(|o| o.op_id == op_id) else {
        return Err(match sale.operation(op_id) {
            Some(o) if o.kind == OpKind::Refund => CoreError::InvalidState(format!(
                "no receipt: refund {} did not happen (it is {})",
                o.reference, o.state
            )),
            _ => CoreError::NotFound(format!(
                "sale {} has no refund {op_id}",
                sale.merchant_reference
            )),
        });
    };
    let op = refunds[pos];
    // What the refunds before this one took of each line.
    let mut before: BTreeMap<&str, i64> = BTreeMap::new();
    for earlier in &refunds[..pos] {
        for (id, _, amount) in logged_lines(earlier) {
            *before.entry(id).or_default() += amount;
        }
    }
    let mut lines = Vec::new();
    for (id, quantity, amount) in logged_lines(op) {
        let Some(l) = order.and_then(|o| o.line(id)) else {
            continue;
        };
        let b = before.get(id).copied().unwrap_or(0);
        let vat = l.vat_up_to(b.saturating_add(amount)) - l.vat_up_to(b);
        lines.push(line(l, quantity, -amount, -vat));
    }
    let total = -op
        .amount
        .unwrap_or_else(|| lines.iter().map(|l| -l.amount).sum());
    let covered = !lines.is_empty() && lines.iter().map(|l| l.amount).sum::<i64>() == total;
    let vat_total = covered.then(|| lines.iter().map(|l| l.vat_amount).sum());
    Ok(finish(
        sale,
        ReceiptKind::Refund,
        op.reference.clone(),
        op.updated_at,
        op.reason.clone(),
        lines,
        total,
        vat_total,
    ))
}

/// The receipt of a sale (`refund` = `None`) or of its refund `refund` (an operation id, or
/// its reference), with the shop and the counter's name, and on a refund who gave it when the
/// log names them: what the shells show, print and save.
pub fn for_sale(
    detail: &SaleDetail,
    refund: Option<&str>,
    shop: &Shop,
    counter_name: &str,
) -> Result<Receipt, CoreError> {
    let order = detail.order.as_ref();
    let mut receipt = match refund {
        None => sale_receipt(&detail.sale, order, &detail.events)?,
        Some(which) => {
            let op_id = detail
                .sale
                .operations
                .iter()
                .find(|o| o.kind == OpKind::Refund && refund_named(o, which))
                .map_or(which, |o| o.op_id.as_str());
            let mut r = refund_receipt(&detail.sale, order, op_id)?;
            r.staff = detail.events.iter().find_map(|e| match &e.event {
                LogEvent::OperationRequested {
                    op_id: id,
                    actor: Some(Actor::Staff { name, .. }),
                    ..
                } if id == op_id => Some(name.clone()),
                _ => None,
            });
            r
        }
    };
    receipt.shop = shop.clone();
    receipt.counter_name = Some(counter_name.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(receipt)
}

/// Whether `which` names refund `op`: its id, its reference (`KASSE1-0001-R2`), its suffix
/// (`R2`) or its number (`2`).
fn refund_named(op: &Operation, which: &str) -> bool {
    let which = which.trim();
    let suffix = op.reference.rsplit('-').next().unwrap_or("");
    op.op_id == which
        || op.reference == which
        || suffix.eq_ignore_ascii_case(which)
        || suffix.get(1..) == Some(which)
}

/// When the sale was first seen paid (its journal replayed row by row).
fn paid_at(id: &str, events: &[StoredEvent]) -> Option<OffsetDateTime> {
    let (first, rest) = events.split_first()?;
    let mut view = Sale::open(id, &first.event, first.at).ok()?;
    if view.status.is_paid() {
        return Some(first.at);
    }
    rest.iter().find_map(|e| {
        view.apply(&e.event, e.at);
        view.status.is_paid().then_some(e.at)
    })
}

/// The lines an operation's intent logged: line id, quantity, amount.
fn logged_lines(op: &Operation) -> impl Iterator<Item = (&str, Quantity, i64)> {
    op.lines.as_array().into_iter().flatten().filter_map(|l| {
        Some((
            l["line_id"].as_str()?,
            l["quantity"].as_str()?.parse().ok()?,
            l["amount"].as_i64()?.max(0),
        ))
    })
}

fn line(l: &PricedLine, quantity: Quantity, amount: i64, vat_amount: i64) -> ReceiptLine {
    ReceiptLine {
        line_id: l.line_id.clone(),
        description: l.description.clone(),
        quantity,
        unit_price: l.unit_price,
        vat_rate: l.vat,
        amount,
        vat_amount,
        discount: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    sale: &Sale,
    kind: ReceiptKind,
    number: String,
    at: OffsetDateTime,
    reason: Option<String>,
    lines: Vec<ReceiptLine>,
    total: i64,
    vat_total: Option<i64>,
) -> Receipt {
    let mut by_rate: BTreeMap<VatRate, (i64, i64)> = BTreeMap::new();
    for l in &lines {
        let e = by_rate.entry(l.vat_rate).or_default();
        e.0 += l.amount;
        e.1 += l.vat_amount;
    }
    let vat = by_rate
        .into_iter()
        .map(|(rate, (gross, vat))| ReceiptVat {
            rate,
            net: gross - vat,
            vat,
            gross,
        })
        .collect();
    Receipt {
        kind,
        number,
        sale_id: sale.id.clone(),
        sale_reference: sale.merchant_reference.clone(),
        at,
        counter: sale.counter.clone(),
        shop: Shop::default(),
        counter_name: None,
        staff: None,
        currency: sale.currency.clone(),
        payment: sale.payment_method(),
        transaction_id: sale.transaction_id.clone(),
        reason,
        lines,
        vat,
        total,
        net_total: vat_total.map(|v| total - v),
        vat_total,
        order_discount: None,
        discount_total: 0,
    }
}

#[cfg(test)]
pub(crate) mod tests;
