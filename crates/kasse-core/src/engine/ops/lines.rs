//! Which order lines an operation takes: amounts spread over the lines ([`crate::allocate`])
//! and the quantities refunded, or still being refunded, per line.

use super::*;
use crate::order::{LinePart, PricedLine};

/// Whether an operation took its lines, or may still take them (pending: in flight at Dintero,
/// or with an unknown outcome): not to be given again.
fn took_or_may_take(op: &Operation) -> bool {
    op.applied == Some(true) || op.is_pending()
}

/// Minor units of each line that the sale's operations of `kind` took, or may still take.
pub(super) fn line_amounts(sale: &Sale, kind: OpKind) -> BTreeMap<String, i64> {
    sale.per_line(
        kind,
        took_or_may_take,
        |l| l["amount"].as_i64().map(|a| a.max(0)),
        0,
        i64::saturating_add,
    )
}

/// `amount` spread over the order's lines ([`crate::allocate`]) as Dintero items, and the
/// lines as the operation logs them; none for a sale without order lines (imported) or, with a
/// warning, when the lines cannot take it (operations from before lines were logged).
pub(super) fn allocated_items(
    sale: &Sale,
    kind: OpKind,
    amount: i64,
) -> (Vec<dintero_client::OrderItem>, Value) {
    let Some(order) = order_of(sale) else {
        return (Vec::new(), Value::Null);
    };
    match crate::allocate::allocate(&order, &line_amounts(sale, kind), amount) {
        Ok(parts) => {
            let items = parts
                .iter()
                .map(|(line, part)| payload::part_item(line, part))
                .collect();
            let lines = parts
                .iter()
                .map(|(line, part)| {
                    json!({"line_id": line.line_id, "quantity": part.quantity.to_string(), "amount": part.amount})
                })
                .collect();
            (items, Value::Array(lines))
        }
        Err(e) => {
            tracing::warn!(sale = %sale.id, %kind, error = %e, "amount not spread over lines; sent without items");
            (Vec::new(), Value::Null)
        }
    }
}

/// Quantities refunded per line, from the sale's refund operations that happened.
pub fn refunded_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    refund_quantities(sale, |op| op.applied == Some(true))
}

/// Quantities per line of the sale's refunds that are still pending (in flight at Dintero, or
/// with an unknown outcome): not refunded yet, but not to be refunded again either.
pub fn pending_refund_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    refund_quantities(sale, Operation::is_pending)
}

/// Quantities per line that the sale's refunds took or may still take: what a refund by line
/// can no longer give.
pub(super) fn taken_refund_quantities(sale: &Sale) -> BTreeMap<String, Quantity> {
    refund_quantities(sale, took_or_may_take)
}

fn refund_quantities(
    sale: &Sale,
    counts: impl Fn(&Operation) -> bool,
) -> BTreeMap<String, Quantity> {
    sale.per_line(
        OpKind::Refund,
        counts,
        |l| l["quantity"].as_str()?.parse::<Quantity>().ok(),
        Quantity::ZERO,
        |sum, q| sum.checked_add(q).unwrap_or(sum),
    )
}

/// What refunding `lines` (line id, quantity) of `sale` gives back, line by line: each part
/// priced by the order's own rules from what the line's earlier refunds took or may still take
/// (pending). The refund by lines asks exactly this, and a screen shows its amount before.
pub fn refund_parts(
    sale: &Sale,
    lines: &[(String, Quantity)],
) -> Result<Vec<(PricedLine, LinePart)>, CoreError> {
    if lines.is_empty() {
        return Err(CoreError::input(
            "lines",
            "choose at least one line to refund",
        ));
    }
    let order = order_of(sale).ok_or_else(|| {
        CoreError::input(
            "lines",
            "this sale has no order lines in the log (imported); refund an amount instead",
        )
    })?;
    let mut already = taken_refund_quantities(sale);
    let mut parts = Vec::new();
    for (line_id, qty) in lines {
        let line = order.line(line_id).ok_or_else(|| {
            CoreError::input(
                format!("lines[{line_id}]"),
                format!(
                    "the sale has no line {line_id} (it has lines 1 to {})",
                    order.lines.len()
                ),
            )
        })?;
        let before = already.get(line_id).copied().unwrap_or(Quantity::ZERO);
        let part = line.part(before, *qty)?;
        if let Some(after) = before.checked_add(*qty) {
            already.insert(line_id.clone(), after);
        }
        parts.push((line.clone(), part));
    }
    Ok(parts)
}
