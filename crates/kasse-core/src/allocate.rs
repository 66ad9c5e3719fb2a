//! Spreading an amount over an order's lines, so that every capture and refund can name the
//! lines it takes (Dintero's `items`: some payment methods refuse an operation without them,
//! dintero-api.md §12–13).
//!
//! Lines are filled in order, each up to what is left of it after earlier operations of the
//! same kind. A line's parts telescope like [`crate::order::line_part_amount`]'s: the amount
//! taken so far decides the cumulative quantity and VAT, and a part is the difference of two
//! cumulative values, so the parts of a line add up to exactly its quantity, amount and VAT once
//! all of it is taken.

use std::collections::BTreeMap;

use crate::money::{self, Quantity};
use crate::order::{LinePart, PricedLine, PricedOrder};

/// An amount cannot be spread over what is left of the lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{amount} is more than what is left of the order's lines ({left})")]
pub struct AllocateError {
    /// The amount asked for.
    pub amount: i64,
    /// What is left of all lines together.
    pub left: i64,
}

/// `amount` spread over `order`'s lines in order; `taken` is how much of each line (by
/// `line_id`, minor units) earlier operations of the same kind took. Each part is the line with
/// the quantity, amount and VAT of its share; lines with nothing to give are left out.
pub fn allocate<'a>(
    order: &'a PricedOrder,
    taken: &BTreeMap<String, i64>,
    amount: i64,
) -> Result<Vec<(&'a PricedLine, LinePart)>, AllocateError> {
    let before = |line: &PricedLine| {
        taken
            .get(&line.line_id)
            .copied()
            .unwrap_or(0)
            .clamp(0, line.amount)
    };
    let left: i64 = order
        .lines
        .iter()
        .map(|l| l.amount - before(l))
        .fold(0, i64::saturating_add);
    if amount <= 0 || amount > left {
        return Err(AllocateError { amount, left });
    }
    let mut rest = amount;
    let mut parts = Vec::new();
    for line in &order.lines {
        if rest == 0 {
            break;
        }
        let already = before(line);
        let share = (line.amount - already).min(rest);
        if share <= 0 {
            continue;
        }
        rest -= share;
        let (q0, v0) = cumulative(line, already);
        let (q1, v1) = cumulative(line, already + share);
        let quantity = Quantity::from_thousandths(q1 - q0).unwrap_or(Quantity::ZERO);
        parts.push((
            line,
            LinePart {
                quantity,
                amount: share,
                vat_amount: v1 - v0,
            },
        ));
    }
    Ok(parts)
}

/// The quantity (thousandths) and VAT that `amount` of `line` stands for, cumulatively.
pub(crate) fn cumulative(line: &PricedLine, amount: i64) -> (i64, i64) {
    if amount >= line.amount {
        return (line.quantity.thousandths(), line.vat_amount);
    }
    let thousandths = match std::num::NonZeroU64::new(line.amount.unsigned_abs()) {
        Some(whole) => money::div_round_half_away_from_zero(
            i128::from(line.quantity.thousandths()) * i128::from(amount),
            whole,
        ),
        None => 0,
    };
    let thousandths = i64::try_from(thousandths)
        .unwrap_or(0)
        .clamp(0, line.quantity.thousandths());
    (thousandths, line.vat_up_to(amount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::order::OrderInput;

    fn order() -> PricedOrder {
        OrderInput::from_json_str(
            r#"{"lines":[
                {"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"},
                {"description":"Bolle","quantity":"1","unit_price":2500,"vat":"15"},
                {"description":"Epler","quantity":"0.375","unit_price":12990,"vat":"25.5"}]}"#,
        )
        .unwrap()
        .price(Currency::Nok)
        .unwrap()
    }

    fn sums(parts: &[(&PricedLine, LinePart)]) -> (i64, i64) {
        parts
            .iter()
            .fold((0, 0), |(a, v), (_, p)| (a + p.amount, v + p.vat_amount))
    }

    #[test]
    fn the_whole_order_is_its_lines() {
        let o = order();
        let parts = allocate(&o, &BTreeMap::new(), o.amount).unwrap();
        assert_eq!(parts.len(), 3);
        for (line, part) in &parts {
            assert_eq!(
                (part.quantity, part.amount, part.vat_amount),
                (line.quantity, line.amount, line.vat_amount)
            );
        }
        assert_eq!(sums(&parts), (o.amount, o.vat_amount));
    }

    #[test]
    fn parts_fill_lines_in_order_and_telescope_to_the_lines() {
        let o = order();
        let mut taken: BTreeMap<String, i64> = BTreeMap::new();
        let mut totals: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        // 7 800 + 2 500 + 4 871 = 15 171 in uneven slices.
        for amount in [1_000, 3_333, 5_000, 17, 5_821] {
            let parts = allocate(&o, &taken, amount).unwrap();
            assert_eq!(sums(&parts).0, amount);
            for (line, part) in parts {
                *taken.entry(line.line_id.clone()).or_default() += part.amount;
                let t = totals.entry(line.line_id.clone()).or_default();
                t.0 += part.quantity.thousandths();
                t.1 += part.amount;
                t.2 += part.vat_amount;
            }
        }
        for line in &o.lines {
            assert_eq!(
                totals[&line.line_id],
                (line.quantity.thousandths(), line.amount, line.vat_amount),
                "line {}",
                line.line_id
            );
        }
        // Nothing is left.
        assert_eq!(
            allocate(&o, &taken, 1),
            Err(AllocateError { amount: 1, left: 0 })
        );
    }

    #[test]
    fn a_line_taken_already_is_skipped_and_too_much_is_refused() {
        let o = order();
        let taken = BTreeMap::from([("1".to_owned(), 7_800)]);
        let parts = allocate(&o, &taken, 3_000).unwrap();
        assert_eq!(parts[0].0.line_id, "2");
        assert_eq!(parts[0].1.amount, 2_500);
        assert_eq!(parts[1].0.line_id, "3");
        assert_eq!(parts[1].1.amount, 500);
        let left = o.amount - 7_800;
        assert_eq!(
            allocate(&o, &taken, left + 1),
            Err(AllocateError {
                amount: left + 1,
                left
            })
        );
        assert!(allocate(&o, &taken, 0).is_err());
    }
}
