//! The day report's worked example: every kind of sale over three days, and the X report of
//! each day written out by hand. Money counts on the day it moved (capture, refund), not on the
//! day the sale was opened; attempts that took no money are counted apart from paid sales.
//!
//! Every sale is the same order: 1 × 100.00 at 25 % (VAT 20.00) and 1 × 115.00 at 15 % (VAT
//! 15.00), 215.00 in all. A part refund takes the order's lines in order (the 25 % line first).

use kasse_core::order::{OrderInput, PricedOrder};
use kasse_core::report::{day_report, DayReport, VatLine};
use kasse_core::sale::{LogEvent, SaleStatus};
use kasse_core::store::{NewSale, Store};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const WHOLE: i64 = 21_500;

fn order() -> PricedOrder {
    priced(
        r#"{"lines":[{"description":"Jakke","quantity":"1","unit_price":10000,"vat":"25"},{"description":"Bok","quantity":"1","unit_price":11500,"vat":"15"}]}"#,
    )
}

/// The order of `json`, priced in NOK.
fn priced(json: &str) -> PricedOrder {
    let input = OrderInput::from_json_str(json).unwrap();
    input.price(kasse_core::money::Currency::Nok).unwrap()
}

fn open(store: &Store, id: &str, at: OffsetDateTime) {
    open_order(store, id, &order(), at);
}

/// Opens sale `id` of `order` at counter K1.
fn open_order(store: &Store, id: &str, order: &PricedOrder, at: OffsetDateTime) {
    let new = NewSale {
        counter: "K1".into(),
        currency: "NOK".into(),
        amount: order.amount,
        vat_amount: order.vat_amount,
        order: serde_json::to_value(order).unwrap(),
        auto_capture: false,
    };
    store.open_sale(id, &new, at).unwrap();
}

fn observe(
    store: &Store,
    id: &str,
    status: SaleStatus,
    captured: i64,
    refunded: i64,
    at: OffsetDateTime,
) {
    let ev = LogEvent::StatusObserved {
        status,
        transaction_id: Some(format!("T12345678.{id}")),
        captured,
        refunded,
        source: "poll".into(),
        snapshot: json!({"id": format!("T12345678.{id}"), "payment_product_type": "dintero_psp.creditcard"}),
    };
    store.append(id, &ev, at).unwrap();
}

/// The three days' journal.
fn worked_example() -> Store {
    use SaleStatus::*;
    let s = Store::open_in_memory().unwrap();
    let d0 = datetime!(2026-11-23 00:00 UTC);
    let d1 = datetime!(2026-11-24 00:00 UTC);
    let d2 = datetime!(2026-11-25 00:00 UTC);
    let h = |d: OffsetDateTime, hh: i64, mm: i64| d + Duration::hours(hh) + Duration::minutes(mm);
    // Day 0: authorised, captured the next morning.
    open(&s, "late", h(d0, 15, 0));
    observe(&s, "late", Authorized, 0, 0, h(d0, 15, 1));
    observe(&s, "late", Captured, WHOLE, 0, h(d1, 9, 0));
    // Day 1.
    open(&s, "whole", h(d1, 10, 0));
    observe(&s, "whole", Captured, WHOLE, 0, h(d1, 10, 1));
    open(&s, "part", h(d1, 10, 5));
    observe(&s, "part", Captured, WHOLE, 0, h(d1, 10, 6));
    observe(&s, "part", PartiallyRefunded, WHOLE, 10_000, h(d1, 11, 0));
    open(&s, "back", h(d1, 10, 10));
    observe(&s, "back", Captured, WHOLE, 0, h(d1, 10, 11));
    observe(&s, "back", Refunded, WHOLE, WHOLE, h(d1, 12, 0));
    open(&s, "tomorrow", h(d1, 10, 15));
    observe(&s, "tomorrow", Captured, WHOLE, 0, h(d1, 10, 16));
    observe(&s, "tomorrow", Refunded, WHOLE, WHOLE, h(d2, 9, 0));
    open(&s, "held", h(d1, 10, 20));
    observe(&s, "held", Authorized, 0, 0, h(d1, 10, 21));
    open(&s, "voided", h(d1, 10, 25));
    observe(&s, "voided", Authorized, 0, 0, h(d1, 10, 26));
    observe(&s, "voided", Voided, 0, 0, h(d1, 10, 30));
    open(&s, "declined", h(d1, 10, 35));
    observe(&s, "declined", Declined, 0, 0, h(d1, 10, 36));
    open(&s, "cancelled", h(d1, 10, 40));
    observe(&s, "cancelled", Cancelled, 0, 0, h(d1, 10, 41));
    open(&s, "failed", h(d1, 10, 45));
    let failed = LogEvent::ChargeFailed {
        error_code: "invalid_request".into(),
        message: "no".into(),
        outcome_unknown: false,
    };
    s.append("failed", &failed, h(d1, 10, 46)).unwrap();
    open(&s, "evening", h(d1, 16, 0));
    observe(&s, "evening", Authorized, 0, 0, h(d1, 16, 1));
    observe(&s, "evening", Captured, WHOLE, 0, h(d2, 9, 30));
    s
}

fn day(store: &Store, from: OffsetDateTime) -> DayReport {
    day_report(store, from, from + Duration::days(1), false, "NOK").unwrap()
}

fn vat(rows: &[(&str, i64, i64)]) -> Vec<VatLine> {
    rows.iter()
        .map(|&(vat, gross, vat_amount)| VatLine {
            vat: vat.into(),
            gross,
            vat_amount,
        })
        .collect()
}

#[test]
fn day_report_counts_money_on_the_day_it_moved() {
    let store = worked_example();

    // Day 0: one authorisation, nothing captured; it is open at the day's end.
    let r = day(&store, datetime!(2026-11-23 00:00 UTC));
    assert_eq!((r.sales, r.failed_attempts), (0, 0));
    assert_eq!((r.captured, r.refunded, r.net), (0, 0, 0));
    assert_eq!(r.open_authorisations, WHOLE);
    assert_eq!(r.by_vat, vat(&[]));

    // Day 1: captured: late, whole, part, back, tomorrow (5 × 215.00 = 1075.00); refunded:
    // part 100.00 (the 25 % line), back 215.00: 315.00; net 760.00. Open at the day's end:
    // held and evening (2 × 215.00). Attempts: declined, cancelled, failed (voided is an
    // authorisation released, neither a sale nor a failed attempt).
    // VAT 25 %: 5 × 100.00 − 100.00 − 100.00 = 300.00 gross, 5 × 20.00 − 2 × 20.00 = 60.00.
    // VAT 15 %: 5 × 115.00 − 115.00 = 460.00 gross, 5 × 15.00 − 15.00 = 60.00.
    let r = day(&store, datetime!(2026-11-24 00:00 UTC));
    assert_eq!((r.sales, r.failed_attempts), (5, 3));
    assert_eq!((r.captured, r.refunded, r.net), (107_500, 31_500, 76_000));
    assert_eq!(r.open_authorisations, 2 * WHOLE);
    assert_eq!(
        r.by_vat,
        vat(&[("25", 30_000, 6_000), ("15", 46_000, 6_000)])
    );
    let gross: i64 = r.by_vat.iter().map(|l| l.gross).sum();
    assert_eq!(gross, r.net, "the VAT table sums to the net");

    // Day 2: evening captured (215.00), tomorrow refunded (215.00): net 0, VAT rows net to
    // nothing and are left out; held is still open.
    let r = day(&store, datetime!(2026-11-25 00:00 UTC));
    assert_eq!((r.sales, r.failed_attempts), (1, 0));
    assert_eq!((r.captured, r.refunded, r.net), (WHOLE, WHOLE, 0));
    assert_eq!(r.open_authorisations, WHOLE);
    assert_eq!(r.by_vat, vat(&[]));
}

#[test]
fn a_z_report_closes_its_period_and_the_next_sale_belongs_to_the_next() {
    use kasse_core::report::{close_period, open_period};
    use kasse_core::staff::Guarded;
    let store = worked_example();
    let d1 = datetime!(2026-11-24 00:00 UTC);
    let ms = Duration::milliseconds(1);
    let (noon, two) = (d1 + Duration::hours(12) - ms, d1 + Duration::hours(14));
    assert_eq!(open_period(&store).unwrap().from, None);
    // No manager PIN is set: closing the day is anyone's.
    let allowed = kasse_core::access::guard(&store, Guarded::CloseDay, None, d1).unwrap();

    // Closed a millisecond before noon, asked for the whole day: the period ends then
    // (including that millisecond).
    let z1 = close_period(&store, &allowed, d1, d1 + Duration::days(1), "NOK", noon).unwrap();
    assert_eq!((z1.from, z1.to, z1.z_number), (d1, noon + ms, Some(1)));
    // Everything of day 1 before noon: the refund of "back" at 12:00 is not in it.
    assert_eq!((z1.sales, z1.captured, z1.refunded), (5, 107_500, 10_000));
    let period = open_period(&store).unwrap();
    assert_eq!((period.from, period.next_z), (Some(noon + ms), 2));

    // A refund at 12:00 and a sale at 13:00 after the Z: the next Z, asked for the same day,
    // starts where the first ended.
    open(&store, "after", d1 + Duration::hours(13));
    observe(
        &store,
        "after",
        SaleStatus::Captured,
        WHOLE,
        0,
        d1 + Duration::hours(13),
    );
    let z2 = close_period(&store, &allowed, d1, d1 + Duration::days(1), "NOK", two).unwrap();
    assert_eq!(
        (z2.from, z2.to, z2.z_number),
        (noon + ms, two + ms, Some(2))
    );
    assert_eq!((z2.sales, z2.captured, z2.refunded), (1, WHOLE, WHOLE));
    assert_eq!(open_period(&store).unwrap().next_z, 3);
}

/// A refund of the 15 % line (the second) is deducted from the 15 % row, not spread over the
/// lines in order; what Dintero captured without lines is spread in order.
#[test]
fn a_refund_by_line_comes_off_its_own_rate() {
    let store = Store::open_in_memory().unwrap();
    let d = datetime!(2026-11-24 00:00 UTC);
    let at = |m: i64| d + Duration::hours(10) + Duration::minutes(m);
    open(&store, "lines", at(0));
    observe(&store, "lines", SaleStatus::Captured, WHOLE, 0, at(1));
    let bok = order().lines[1].line_id.clone();
    let asked = LogEvent::OperationRequested {
        op_id: "op-1".into(),
        kind: kasse_core::sale::OpKind::Refund,
        amount: Some(11_500),
        lines: json!([{"line_id": bok, "quantity": "1", "amount": 11_500}]),
        reference: "lines-r1".into(),
        reason: Some("Damaged".into()),
        key: None,
        basis: None,
        actor: None,
    };
    store.append("lines", &asked, at(2)).unwrap();
    let done = LogEvent::OperationSucceeded {
        op_id: "op-1".into(),
        snapshot: json!({}),
    };
    store.append("lines", &done, at(3)).unwrap();
    observe(
        &store,
        "lines",
        SaleStatus::PartiallyRefunded,
        WHOLE,
        11_500,
        at(4),
    );

    // Captured 215.00 (100.00 at 25 %, 115.00 at 15 %), the 15 % line refunded: 25 % keeps
    // 100.00 gross (VAT 20.00), 15 % nets to nothing and is left out.
    let r = day(&store, d);
    assert_eq!((r.captured, r.refunded, r.net), (WHOLE, 11_500, 10_000));
    assert_eq!(r.by_vat, vat(&[("25", 10_000, 2_000)]));
}

/// Two counters closing at once: the second Z, made on the open period both read, is refused
/// rather than journaled with the first one's number and period.
#[test]
fn a_z_report_closed_meanwhile_elsewhere_takes_the_number() {
    use kasse_core::report::open_period;
    use kasse_core::store::StoreError;
    let store = worked_example();
    let d1 = datetime!(2026-11-24 00:00 UTC);
    let read_by_both = open_period(&store).unwrap();
    assert_eq!(read_by_both.next_z, 1);
    let closed = |to: OffsetDateTime| LogEvent::DayClosed {
        actor: kasse_core::staff::Actor::Unguarded,
        from: d1,
        to,
        currency: "NOK".into(),
        sales: 0,
        net: 0,
        journal_head: None,
    };
    let noon = d1 + Duration::hours(12);
    store.journal_day_closed(&closed(noon), 1, noon).unwrap();
    let late = store.journal_day_closed(&closed(noon), read_by_both.next_z, noon);
    assert!(
        matches!(late, Err(StoreError::DayClosedMeanwhile { z_number: 1 })),
        "{late:?}"
    );
    assert_eq!(open_period(&store).unwrap().next_z, 2);
    store.journal_day_closed(&closed(noon), 2, noon).unwrap();
}

/// A paid sale and a declined one: the report and the CSV count the paid sale by VAT rate, and
/// the declined one as an attempt.
#[test]
fn report_and_csv_count_paid_sales_by_vat() {
    let store = Store::open_in_memory().unwrap();
    let at = datetime!(2026-11-24 10:00 UTC);
    let order = priced(
        r#"{"lines":[{"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"},{"description":"Bolle","quantity":"1","unit_price":3500,"vat":"15"}]}"#,
    );
    for (id, paid) in [("s1", true), ("s2", false)] {
        open_order(&store, id, &order, at);
        if paid {
            observe(&store, id, SaleStatus::Captured, order.amount, 0, at);
        } else {
            observe(&store, id, SaleStatus::Declined, 0, 0, at);
        }
    }
    let (from, to) = (at - Duration::hours(1), at + Duration::hours(1));
    let r = day_report(&store, from, to, false, "NOK").unwrap();
    // The declined sale is an attempt, not a sale.
    assert_eq!((r.sales, r.failed_attempts), (1, 1));
    assert_eq!(r.captured, 11300);
    assert_eq!(r.net, 11300);
    assert_eq!(r.by_vat.len(), 2);
    assert_eq!(r.by_vat[0].vat, "25");
    assert_eq!((r.by_vat[0].gross, r.by_vat[0].vat_amount), (7800, 1560));
    assert_eq!(r.by_status.iter().map(|l| l.count).sum::<u32>(), 2);
    let csv = kasse_core::report::csv(&store, from, to).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("K1-20261124-0001,captured,NOK,11300"));
}
