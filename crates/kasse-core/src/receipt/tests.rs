//! The receipts of one worked example, every figure written out by hand.
//!
//! Order: line 1 "Kaffe" 2 × 39.00 at 25 % = 78.00, VAT 78.00 × 25/125 = 15.60;
//!        line 2 "Bolle" 3 × 25.00 at 15 % = 75.00, VAT 75.00 × 15/115 = 9.78 (9.7826…).
//! Total 153.00, VAT 25.38, net 127.62. Paid by Visa ending 0002 at 10:02, captured at 10:03.
//! Refund R1 at 11:00 ("Knust kopp"): 1 Kaffe = 39.00, VAT 39.00 × 25/125 = 7.80.
//! Refund R2 at 12:00: the other Kaffe (39.00; VAT what is left of the line's 15.60: 7.80) and
//! 1 Bolle (25.00; VAT 25.00 × 15/115 = 3.26, 3.2608…).

use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::money::Currency;
use crate::order::OrderInput;
use crate::payment::PaymentKind;
use crate::sale::{LogEvent, SaleStatus};

pub(crate) fn order() -> PricedOrder {
    OrderInput::from_json_str(
        r#"{"lines":[
            {"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"},
            {"description":"Bolle","quantity":"3","unit_price":2500,"vat":"15"}]}"#,
    )
    .unwrap()
    .price(Currency::Nok)
    .unwrap()
}

fn tx(status: &str, captured: i64, refunded: i64) -> Value {
    json!({
        "id": "T12345678.abc", "status": status, "amount": 15300, "currency": "NOK",
        "payment_product_type": "dintero_psp.creditcard",
        "card": {"brand": "Visa", "masked_pan": "400000******0002"},
        "captured": captured, "refunded": refunded,
    })
}

fn observed(status: SaleStatus, dintero: &str, captured: i64, refunded: i64) -> LogEvent {
    LogEvent::StatusObserved {
        status,
        transaction_id: Some("T12345678.abc".into()),
        captured,
        refunded,
        source: "poll".into(),
        snapshot: tx(dintero, captured, refunded),
    }
}

fn refund(op: &str, n: u32, reason: Option<&str>, lines: Value, amount: i64) -> LogEvent {
    LogEvent::OperationRequested {
        op_id: op.into(),
        kind: OpKind::Refund,
        amount: Some(amount),
        lines,
        reference: format!("K1-20261207-0001-R{n}"),
        reason: reason.map(str::to_owned),
        key: None,
        basis: None,
        // The first refund was given with Mona's PIN; the second needed none.
        actor: (n == 1).then(|| crate::staff::Actor::Staff {
            name: "Mona".into(),
            role: crate::staff::Role::Manager,
        }),
    }
}

fn done(op: &str, refunded: i64) -> LogEvent {
    LogEvent::OperationSucceeded {
        op_id: op.into(),
        snapshot: tx("PARTIALLY_REFUNDED", 15300, refunded),
    }
}

/// The worked example's journal, up to and including row `upto`.
pub(crate) fn journal(upto: usize) -> (Sale, Vec<StoredEvent>) {
    let o = order();
    let rows: Vec<(LogEvent, OffsetDateTime)> = vec![
        (
            LogEvent::SaleOpened {
                merchant_reference: "K1-20261207-0001".into(),
                counter: "K1".into(),
                currency: "NOK".into(),
                amount: o.amount,
                vat_amount: o.vat_amount,
                order: serde_json::to_value(&o).unwrap(),
                auto_capture: false,
            },
            datetime!(2026-12-07 10:00 UTC),
        ),
        (
            observed(SaleStatus::Paying, "INITIATED", 0, 0),
            datetime!(2026-12-07 10:01 UTC),
        ),
        (
            observed(SaleStatus::Authorized, "AUTHORIZED", 0, 0),
            PAID_AT,
        ),
        (
            observed(SaleStatus::Captured, "CAPTURED", 15300, 0),
            datetime!(2026-12-07 10:03 UTC),
        ),
        (
            refund(
                "op1",
                1,
                Some("Knust kopp"),
                json!([{"line_id": "1", "quantity": "1", "amount": 3900}]),
                3900,
            ),
            datetime!(2026-12-07 10:59 UTC),
        ),
        (done("op1", 3900), FIRST_REFUND_AT),
        (
            refund(
                "op2",
                2,
                None,
                json!([{"line_id": "1", "quantity": "1", "amount": 3900},
                       {"line_id": "2", "quantity": "1", "amount": 2500}]),
                6400,
            ),
            datetime!(2026-12-07 11:59 UTC),
        ),
        (done("op2", 10300), datetime!(2026-12-07 12:00 UTC)),
    ];
    let events: Vec<StoredEvent> = rows
        .into_iter()
        .take(upto)
        .enumerate()
        .map(|(i, (event, at))| StoredEvent {
            seq: i as i64 + 1,
            sale_id: "s1".into(),
            at,
            event,
            hash: String::new(),
        })
        .collect();
    let sale = Sale::rebuild("s1", events.iter().map(|e| (&e.event, e.at))).unwrap();
    (sale, events)
}

fn rate(r: &str) -> VatRate {
    r.parse().unwrap()
}

/// When the example sale was authorised, and when its first refund completed.
const PAID_AT: OffsetDateTime = datetime!(2026-12-07 10:02 UTC);
const FIRST_REFUND_AT: OffsetDateTime = datetime!(2026-12-07 11:00 UTC);

/// A receipt's total, VAT total and net total.
fn totals(r: &Receipt) -> (i64, Option<i64>, Option<i64>) {
    (r.total, r.vat_total, r.net_total)
}

fn vat(r: &str, net: i64, vat: i64, gross: i64) -> ReceiptVat {
    ReceiptVat {
        rate: rate(r),
        net,
        vat,
        gross,
    }
}

fn visa() -> Option<PaymentMethod> {
    Some(PaymentMethod {
        kind: PaymentKind::Card,
        brand: Some("Visa".into()),
        last4: Some("0002".into()),
    })
}

#[test]
fn the_sale_receipt_is_dated_when_paid_with_net_vat_and_gross_per_rate() {
    let (sale, events) = journal(8);
    let r = sale_receipt(&sale, Some(&order()), &events).unwrap();
    assert_eq!(r.kind, ReceiptKind::Sale);
    assert_eq!(r.number, "K1-20261207-0001");
    assert_eq!(r.at, PAID_AT, "authorised, not opened");
    assert_eq!(r.counter.as_deref(), Some("K1"));
    assert_eq!(r.payment, visa());
    assert_eq!(r.reason, None);
    let amounts: Vec<(&str, i64, i64)> = r
        .lines
        .iter()
        .map(|l| (l.description.as_str(), l.amount, l.vat_amount))
        .collect();
    assert_eq!(amounts, [("Kaffe", 7800, 1560), ("Bolle", 7500, 978)]);
    assert_eq!(
        r.vat,
        [vat("15", 6522, 978, 7500), vat("25", 6240, 1560, 7800)]
    );
    assert_eq!(totals(&r), (15300, Some(2538), Some(12762)));
}

#[test]
fn a_refund_receipt_is_dated_numbered_and_signed_as_the_refund() {
    let (sale, _) = journal(8);
    let r = refund_receipt(&sale, Some(&order()), "op1").unwrap();
    assert_eq!(r.kind, ReceiptKind::Refund);
    assert_eq!(r.number, "K1-20261207-0001-R1");
    assert_eq!(r.sale_reference, "K1-20261207-0001");
    assert_eq!(r.at, FIRST_REFUND_AT, "the refund's completion");
    assert_eq!(r.reason.as_deref(), Some("Knust kopp"));
    assert_eq!(r.payment, visa());
    assert_eq!(r.lines.len(), 1);
    let l = &r.lines[0];
    assert_eq!(
        (
            l.description.as_str(),
            l.quantity.to_string(),
            l.unit_price,
            l.amount,
            l.vat_amount
        ),
        ("Kaffe", "1".to_owned(), 3900, -3900, -780)
    );
    assert_eq!(r.vat, [vat("25", -3120, -780, -3900)]);
    assert_eq!(totals(&r), (-3900, Some(-780), Some(-3120)));
}

#[test]
fn a_later_refund_takes_what_its_lines_have_left_of_their_vat() {
    let (sale, _) = journal(8);
    let r = refund_receipt(&sale, Some(&order()), "op2").unwrap();
    assert_eq!(r.number, "K1-20261207-0001-R2");
    assert_eq!(r.at, datetime!(2026-12-07 12:00 UTC));
    assert_eq!(r.reason, None);
    let amounts: Vec<(i64, i64)> = r.lines.iter().map(|l| (l.amount, l.vat_amount)).collect();
    assert_eq!(amounts, [(-3900, -780), (-2500, -326)]);
    assert_eq!(
        r.vat,
        [vat("15", -2174, -326, -2500), vat("25", -3120, -780, -3900)]
    );
    assert_eq!(totals(&r), (-6400, Some(-1106), Some(-5294)));
}

#[test]
fn no_receipt_for_a_refund_that_has_not_happened_or_a_sale_never_paid() {
    let (sale, _) = journal(7);
    assert!(matches!(
        refund_receipt(&sale, Some(&order()), "op2"),
        Err(CoreError::InvalidState(_))
    ));
    assert!(matches!(
        refund_receipt(&sale, Some(&order()), "nope"),
        Err(CoreError::NotFound(_))
    ));
    let (sale, events) = journal(2);
    assert!(matches!(
        sale_receipt(&sale, Some(&order()), &events),
        Err(CoreError::InvalidState(_))
    ));
}

#[test]
fn a_sale_without_lines_has_a_total_and_no_invented_vat() {
    let (mut sale, events) = journal(8);
    sale.order = Value::Null;
    let r = refund_receipt(&sale, None, "op1").unwrap();
    assert!(r.lines.is_empty() && r.vat.is_empty());
    assert_eq!((r.total, r.vat_total, r.net_total), (-3900, None, None));
    let r = sale_receipt(&sale, None, &events).unwrap();
    assert_eq!((r.total, r.vat_total), (15300, Some(2538)));
}
