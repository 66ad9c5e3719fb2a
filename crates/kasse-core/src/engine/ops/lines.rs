//! Which order lines an operation takes: amounts spread over the lines ([`crate::allocate`])
//! and the quantities refunded, or still being refunded, per line.

use super::*;

/// Minor units of each line that the sale's operations of `kind` took, or may still take
/// (pending ones count).
pub(super) fn line_amounts(sale: &Sale, kind: OpKind) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for op in sale
        .operations
        .iter()
        .filter(|o| o.kind == kind && (o.applied == Some(true) || o.is_pending()))
    {
        for l in op.lines.as_array().into_iter().flatten() {
            if let (Some(id), Some(a)) = (l["line_id"].as_str(), l["amount"].as_i64()) {
                let entry = out.entry(id.to_owned()).or_default();
                *entry = entry.saturating_add(a.max(0));
            }
        }
    }
    out
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

pub(super) fn refund_quantities(
    sale: &Sale,
    counts: impl Fn(&Operation) -> bool,
) -> BTreeMap<String, Quantity> {
    let mut out: BTreeMap<String, Quantity> = BTreeMap::new();
    for op in &sale.operations {
        if op.kind != OpKind::Refund || !counts(op) {
            continue;
        }
        let Some(lines) = op.lines.as_array() else {
            continue;
        };
        for l in lines {
            let (Some(id), Some(q)) = (l["line_id"].as_str(), l["quantity"].as_str()) else {
                continue;
            };
            let Ok(q) = q.parse::<Quantity>() else {
                continue;
            };
            let entry = out.entry(id.to_owned()).or_insert(Quantity::ZERO);
            if let Some(sum) = entry.checked_add(q) {
                *entry = sum;
            }
        }
    }
    out
}
