//! What one sale did in a period `[from, to)`, replayed from its events: the money captured
//! and refunded in it (counted when the journal saw it move, not when the sale was opened),
//! its VAT per rate, where the sale stood at the period's end (an authorisation still open)
//! and whether it ended in the period as an attempt that took no money.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::allocate::{allocate, cumulative};
use crate::money::VatRate;
use crate::order::PricedOrder;
use crate::sale::{OpKind, Sale, SaleStatus};
use crate::store::StoredEvent;

/// Gross and VAT per rate, minor units.
pub(super) type ByRate = BTreeMap<VatRate, (i64, i64)>;

/// One sale's part in a period.
pub(super) struct Moves {
    /// The sale as it stood at the period's end.
    pub sale: Sale,
    /// Whether anything happened to it in the period.
    pub touched: bool,
    /// Captured in the period.
    pub captured: i64,
    /// Refunded in the period.
    pub refunded: i64,
    /// Authorised and neither captured nor released at the period's end.
    pub open: i64,
    /// It ended in the period declined, failed, cancelled or expired.
    pub failed: bool,
    /// Captured minus refunded in the period, per VAT rate (none for a sale without lines).
    pub vat: ByRate,
    /// What discounts took off the sale's order (0: none, or no lines).
    pub discount: i64,
}

/// An attempt that took no money.
fn is_failed_attempt(s: SaleStatus) -> bool {
    matches!(
        s,
        SaleStatus::ChargeFailed
            | SaleStatus::Declined
            | SaleStatus::Failed
            | SaleStatus::Cancelled
            | SaleStatus::Expired
    )
}

/// The statuses in which a sale may hold an authorisation not yet captured or released.
pub(super) const MAY_HOLD_AUTHORISATION: [SaleStatus; 3] = [
    SaleStatus::Authorized,
    SaleStatus::PartiallyCaptured,
    SaleStatus::PartiallyCapturedRefunded,
];

/// The sale's view after its events before `t`; `None` when it was not opened yet.
fn view_before(id: &str, events: &[StoredEvent], t: OffsetDateTime) -> Option<Sale> {
    let before: Vec<_> = events
        .iter()
        .take_while(|e| e.at < t)
        .map(|e| (&e.event, e.at))
        .collect();
    Sale::rebuild(id, before).ok()
}

/// Minor units of each line that `kind` took in `sale`: the lines its operations logged, and
/// what the sale's total says was taken beyond them (captured at Dintero without Kasse asking,
/// or logged before operations named lines) spread over the rest in order, as Kasse spreads an
/// amount.
fn taken(order: &PricedOrder, sale: &Sale, kind: OpKind, total: i64) -> BTreeMap<String, i64> {
    let mut taken = sale.applied_line_amounts(kind);
    let logged = taken.values().fold(0i64, |a, b| a.saturating_add(*b));
    let rest = total.min(order.amount).saturating_sub(logged);
    if rest > 0 {
        if let Ok(parts) = allocate(order, &taken, rest) {
            let parts: Vec<(String, i64)> = parts
                .into_iter()
                .map(|(line, part)| (line.line_id.clone(), part.amount))
                .collect();
            for (id, amount) in parts {
                *taken.entry(id).or_insert(0) += amount;
            }
        }
    }
    taken
}

/// Gross and VAT per rate of what `kind` took in `sale` so far (nothing without a view); a
/// line's VAT is that of its amount taken, so the parts of a line telescope to its VAT.
fn taken_by_rate(order: &PricedOrder, sale: Option<&Sale>, kind: OpKind) -> ByRate {
    let mut out = ByRate::new();
    let Some(sale) = sale else {
        return out;
    };
    let total = match kind {
        OpKind::Refund => sale.refunded,
        _ => sale.captured,
    };
    let taken = taken(order, sale, kind, total);
    for line in &order.lines {
        let amount = taken
            .get(&line.line_id)
            .copied()
            .unwrap_or(0)
            .clamp(0, line.amount);
        if amount == 0 {
            continue;
        }
        let (_, vat) = cumulative(line, amount);
        let e = out.entry(line.vat).or_insert((0, 0));
        e.0 = e.0.saturating_add(amount);
        e.1 = e.1.saturating_add(vat);
    }
    out
}

fn add(into: &mut ByRate, rows: ByRate, sign: i64) {
    for (rate, (gross, vat)) in rows {
        let e = into.entry(rate).or_insert((0, 0));
        e.0 = e.0.saturating_add(gross.saturating_mul(sign));
        e.1 = e.1.saturating_add(vat.saturating_mul(sign));
    }
}

/// The sale `id`'s part in `[from, to)` from its events (oldest first); `None` when it was
/// opened at or after `to`.
pub(super) fn moves(
    id: &str,
    events: &[StoredEvent],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Option<Moves> {
    let end = view_before(id, events, to)?;
    let start = view_before(id, events, from);
    let touched = events.iter().any(|e| e.at >= from && e.at < to);
    Some(between(start.as_ref(), end, touched))
}

/// Whether all of `sale`'s history (opened at `created_at`, last changed at `updated_at`) lies
/// in `[from, to)`: then its stored view is its part, and its events need not be replayed.
pub(super) fn wholly_within(sale: &Sale, from: OffsetDateTime, to: OffsetDateTime) -> bool {
    sale.created_at >= from && sale.updated_at < to
}

/// The part of a sale whose whole history lies in the period ([`wholly_within`]).
pub(super) fn whole(sale: Sale) -> Moves {
    between(None, sale, true)
}

/// Whether `sale` last changed before the period began: it stood at the period's start as it
/// stands now, so its stored view is its part and its events need not be replayed. Like
/// [`wholly_within`] and the report's choice of sales, this takes `updated_at` as the time of
/// the sale's newest event.
pub(super) fn settled_before(sale: &Sale, from: OffsetDateTime) -> bool {
    sale.updated_at < from
}

/// The part of a sale [`settled_before`] the period: nothing moved, an authorisation it still
/// holds is open at the period's end.
pub(super) fn unchanged(sale: Sale) -> Moves {
    let start = sale.clone();
    between(Some(&start), sale, false)
}

/// What happened between the sale's view at the period's start (`None`: not opened yet) and
/// its view at the end.
fn between(start: Option<&Sale>, end: Sale, touched: bool) -> Moves {
    let (cap0, ref0, status0) =
        start.map_or((0, 0, None), |s| (s.captured, s.refunded, Some(s.status)));
    let open = match MAY_HOLD_AUTHORISATION.contains(&end.status) {
        true => end.amount.saturating_sub(end.captured).max(0),
        false => 0,
    };
    let mut vat = ByRate::new();
    let mut discount = 0;
    if let Ok(order) = serde_json::from_value::<PricedOrder>(end.order.clone()) {
        discount = order.discount_total();
        add(
            &mut vat,
            taken_by_rate(&order, Some(&end), OpKind::Capture),
            1,
        );
        add(&mut vat, taken_by_rate(&order, start, OpKind::Capture), -1);
        add(
            &mut vat,
            taken_by_rate(&order, Some(&end), OpKind::Refund),
            -1,
        );
        add(&mut vat, taken_by_rate(&order, start, OpKind::Refund), 1);
    }
    Moves {
        touched,
        captured: end.captured.saturating_sub(cap0),
        refunded: end.refunded.saturating_sub(ref0),
        open,
        failed: is_failed_attempt(end.status) && status0 != Some(end.status),
        vat,
        discount,
        sale: end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::LogEvent;
    use crate::store::{NewSale, Store};
    use serde_json::json;
    use time::macros::datetime;
    use time::Duration;

    fn observed(status: SaleStatus, captured: i64, refunded: i64) -> LogEvent {
        LogEvent::StatusObserved {
            status,
            transaction_id: Some("T1.held".into()),
            captured,
            refunded,
            source: "poll".into(),
            snapshot: json!({"id": "T1.held"}),
        }
    }

    /// A sale left as each status the report may meet, replayed over a later period, gives
    /// exactly the part [`unchanged`] reads from its stored view.
    #[test]
    fn a_sale_settled_before_the_period_is_its_stored_view_unchanged() {
        let day = datetime!(2026-11-24 00:00 UTC);
        let order = crate::order::OrderInput::from_json_str(
            r#"{"lines":[{"description":"Jakke","quantity":"1","unit_price":10000,"vat":"25"},
                {"description":"Bok","quantity":"1","unit_price":11500,"vat":"15"}]}"#,
        )
        .unwrap()
        .price(crate::money::Currency::Nok)
        .unwrap();
        let ends = [
            vec![observed(SaleStatus::Authorized, 0, 0)],
            vec![
                observed(SaleStatus::Authorized, 0, 0),
                observed(SaleStatus::PartiallyCaptured, 10_000, 0),
            ],
            vec![
                observed(SaleStatus::Captured, 21_500, 0),
                observed(SaleStatus::PartiallyRefunded, 21_500, 10_000),
            ],
            vec![observed(SaleStatus::Declined, 0, 0)],
        ];
        for events in ends {
            let store = Store::open_in_memory().unwrap();
            let new = NewSale {
                counter: "K1".into(),
                currency: "NOK".into(),
                amount: order.amount,
                vat_amount: order.vat_amount,
                order: serde_json::to_value(&order).unwrap(),
                auto_capture: false,
            };
            store.open_sale("held", &new, day).unwrap();
            for (i, e) in events.iter().enumerate() {
                store
                    .append("held", e, day + Duration::minutes(i as i64 + 1))
                    .unwrap();
            }
            let stored = store.sale("held").unwrap().unwrap();
            let from = day + Duration::days(2);
            assert!(settled_before(&stored, from));
            assert!(!settled_before(&stored, day + Duration::minutes(1)));
            let replayed = moves(
                "held",
                &store.events("held").unwrap(),
                from,
                from + Duration::days(1),
            )
            .unwrap();
            let fast = unchanged(stored);
            let part = |m: &Moves| {
                (
                    m.touched,
                    m.captured,
                    m.refunded,
                    m.open,
                    m.failed,
                    m.vat.clone(),
                    m.discount,
                    m.sale.clone(),
                )
            };
            assert_eq!(part(&fast), part(&replayed), "{events:?}");
        }
    }
}
