//! Discounts by example: the rounding rule with awkward numbers (lines of 33.33, 15 % and 25 %
//! VAT, a weighed line, 10 % off the order), every refusal with its field and code, the share
//! the manager's limit is held against, and a refund by line giving back what was paid.

use kasse_core::money::{Currency, Quantity};
use kasse_core::order::{price_order_json, Discount, DiscountError, OrderError, PricedOrder};
use serde_json::json;

fn price(value: serde_json::Value) -> Result<PricedOrder, OrderError> {
    price_order_json(&value.to_string(), Currency::Nok)
}

fn line(unit_price: i64, vat: &str) -> serde_json::Value {
    json!({"description":"Vare","quantity":"1","unit_price":unit_price,"vat":vat})
}

fn amounts(o: &PricedOrder) -> Vec<(i64, i64)> {
    o.lines.iter().map(|l| (l.amount, l.vat_amount)).collect()
}

/// The order's totals are its lines' sums, and each line's VAT is rule 2 on its own amount.
fn assert_exact(o: &PricedOrder) {
    assert_eq!(o.amount, o.lines.iter().map(|l| l.amount).sum::<i64>());
    assert_eq!(
        o.vat_amount,
        o.lines.iter().map(|l| l.vat_amount).sum::<i64>()
    );
    for l in &o.lines {
        assert_eq!(
            l.vat_amount,
            kasse_core::money::vat_included(l.amount, l.vat)
        );
    }
    assert_eq!(o.before_discounts(), o.amount + o.discount_total());
}

#[test]
fn ten_percent_off_three_lines_of_33_33_spreads_to_the_ore() {
    let o = price(json!({
        "lines": [line(3333, "25"), line(3333, "15"), line(3333, "25")],
        "discount": {"percent": "10"}
    }))
    .unwrap();
    // 10 % of 99.99 is 9.999 → 10.00, spread 3.33 + 3.34 + 3.33 by cumulative rounding.
    assert_eq!(o.discount.unwrap().amount, 1000);
    assert_eq!(amounts(&o), vec![(3000, 600), (2999, 391), (3000, 600)]);
    assert_eq!((o.amount, o.vat_amount), (8999, 1591));
    let shares: Vec<i64> = o.lines.iter().map(|l| l.discount.unwrap().order).collect();
    assert_eq!(shares, vec![333, 334, 333]);
    assert_exact(&o);
}

#[test]
fn a_weighed_line_takes_its_share_of_the_order_discount() {
    let o = price(json!({
        "lines": [
            line(3333, "25"), line(3333, "15"), line(3333, "25"),
            {"description":"Epler","quantity":"0.375","unit_price":12990,"vat":"15"}
        ],
        "discount": {"percent": "10"}
    }))
    .unwrap();
    // 99.99 + 48.71 = 148.70; 10 % is 14.87: 3.33 + 3.34 + 3.33 + 4.87.
    assert_eq!(o.discount.unwrap().subtotal, 14870);
    assert_eq!(o.discount_total(), 1487);
    assert_eq!(
        amounts(&o),
        vec![(3000, 600), (2999, 391), (3000, 600), (4384, 572)]
    );
    assert_eq!((o.amount, o.vat_amount), (13383, 2163));
    assert_exact(&o);
}

#[test]
fn line_discounts_then_the_order_discount() {
    let o = price(json!({
        "lines": [
            {"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25","discount":{"percent":"12.5"}},
            {"description":"Bolle","quantity":"3","unit_price":2500,"vat":"15","discount":{"amount":500}},
            {"description":"Ost","quantity":"0.375","unit_price":12990,"vat":"15","discount":{"price":9990}}
        ],
        "discount": {"amount": 1001}
    }))
    .unwrap();
    // 78.00 − 9.75 = 68.25; 75.00 − 5.00 = 70.00; 0.375 kg at 99.90 = 37.46 (11.25 off).
    let own: Vec<i64> = o.lines.iter().map(|l| l.discount.unwrap().line).collect();
    assert_eq!(own, vec![975, 500, 1125]);
    let d = o.discount.unwrap();
    assert_eq!((d.subtotal, d.amount), (17571, 1001));
    // 10.01 spread over 68.25 / 70.00 / 37.46: round(1001×6825/17571) = 389, then 399, 213.
    let shares: Vec<i64> = o.lines.iter().map(|l| l.discount.unwrap().order).collect();
    assert_eq!(shares.iter().sum::<i64>(), 1001);
    assert_eq!(shares, vec![389, 399, 213]);
    assert_eq!(o.amount, 17571 - 1001);
    assert_eq!(o.before_discounts(), 7800 + 7500 + 4871);
    assert_exact(&o);
    // The largest share: 12.5 % on the coffee (the cheese's 23.1 % is more).
    assert_eq!(o.largest_discount_share(), 2310);
}

#[test]
fn refusals_name_the_field_and_say_why() {
    let cases = [
        (
            json!({"lines":[line(1000,"25")],"discount":{"percent":"100.5"}}),
            "discount",
            "discount_percent_too_large",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"percent":"-5"}}),
            "discount",
            "discount_negative",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"amount":-1}}),
            "discount",
            "discount_negative",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"amount":1001}}),
            "discount",
            "discount_exceeds_order",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"amount":1000}}),
            "amount",
            "discount_leaves_nothing",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"price":900}}),
            "discount",
            "invalid_discount",
        ),
        (
            json!({"lines":[line(1000,"25")],"discount":{"percent":"5","amount":5}}),
            "discount",
            "invalid_discount",
        ),
        (
            json!({"lines":[{"description":"A","quantity":"1","unit_price":1000,"vat":"25","discount":{"amount":1001}}]}),
            "lines[1].discount",
            "discount_exceeds_line",
        ),
        (
            json!({"lines":[{"description":"A","quantity":"1","unit_price":1000,"vat":"25","discount":{"price":1001}}]}),
            "lines[1].discount",
            "discount_price_above",
        ),
        (
            json!({"lines":[{"description":"A","quantity":"1","unit_price":1000,"vat":"25","discount":{"price":-1}}]}),
            "lines[1].discount",
            "discount_negative",
        ),
        (
            json!({"lines":[{"description":"A","quantity":"1","unit_price":1000,"vat":"25","discount":{"percent":"101"}}]}),
            "lines[1].discount",
            "discount_percent_too_large",
        ),
        (
            json!({"lines":[{"description":"A","quantity":"1","unit_price":1000,"vat":"25","discount":"10%"}]}),
            "lines[1].discount",
            "invalid_discount",
        ),
    ];
    for (order, field, code) in cases {
        let e = price(order.clone()).unwrap_err();
        assert_eq!((e.field(), e.code()), (field, code), "{order}: {e}");
    }
    let e = price(json!({"lines":[line(1000,"25")],"discount":{"amount":1001}})).unwrap_err();
    assert_eq!(
        e,
        OrderError::InvalidDiscount {
            field: "discount".into(),
            reason: DiscountError::ExceedsOrder {
                discount: 1001,
                order: 1000
            }
        }
    );
    assert_eq!(
        e.to_string(),
        "discount: 1001 is more than the order (1000)"
    );
}

#[test]
fn a_free_line_is_allowed_while_the_order_has_something_to_pay() {
    let o = price(json!({"lines":[
        {"description":"Kaffe","quantity":"1","unit_price":3900,"vat":"25","discount":{"percent":"100"}},
        line(2500, "15")
    ]}))
    .unwrap();
    assert_eq!(amounts(&o), vec![(0, 0), (2500, 326)]);
    assert_eq!(o.largest_discount_share(), 10_000);
    assert_exact(&o);
}

#[test]
fn no_discount_prices_as_before_and_serializes_as_before() {
    let plain = json!({"lines":[line(3900, "25")]});
    let o = price(plain.clone()).unwrap();
    assert!(o.discount.is_none() && o.lines[0].discount.is_none());
    assert_eq!(o.largest_discount_share(), 0);
    let stored = serde_json::to_value(&o).unwrap();
    assert!(stored.get("discount").is_none());
    assert!(stored["lines"][0].get("discount").is_none());
    // Zero off is no discount.
    let zero = price(json!({"lines":[line(3900, "25")],"discount":{"percent":"0"}})).unwrap();
    assert_eq!(zero, o);
    // A discounted order reads back as it was stored (the journal keeps it).
    let d = price(json!({"lines":[line(3900, "25")],"discount":{"amount":100}})).unwrap();
    let back: PricedOrder = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    assert_eq!(d.discount.unwrap().asked, Discount::Amount(100));
}

#[test]
fn a_refund_by_line_gives_back_what_was_paid_for_those_units() {
    let o = price(json!({"lines":[
        {"description":"Kaffe","quantity":"3","unit_price":3900,"vat":"25","discount":{"percent":"10"}}
    ]}))
    .unwrap();
    let l = &o.lines[0];
    // 117.00 − 11.70 = 105.30: each cup 35.10, never its 39.00.
    assert_eq!(l.amount, 10530);
    let one = Quantity::whole(1).unwrap();
    let first = l.part(Quantity::ZERO, one).unwrap();
    let second = l.part(one, one).unwrap();
    let third = l.part(Quantity::whole(2).unwrap(), one).unwrap();
    assert_eq!(
        (first.amount, second.amount, third.amount),
        (3510, 3510, 3510)
    );
    assert_eq!(
        first.vat_amount + second.vat_amount + third.vat_amount,
        l.vat_amount
    );
    // A weighed, discounted line telescopes to its discounted amount.
    let w = price(json!({"lines":[
        {"description":"Ost","quantity":"0.375","unit_price":12990,"vat":"15","discount":{"amount":71}}
    ]}))
    .unwrap();
    let w = &w.lines[0];
    let eighth = Quantity::from_thousandths(125).unwrap();
    let parts: Vec<i64> = (0..3)
        .map(|i| {
            w.part(
                Quantity::from_thousandths(125 * i).unwrap_or(Quantity::ZERO),
                eighth,
            )
            .unwrap()
            .amount
        })
        .collect();
    assert_eq!(parts.iter().sum::<i64>(), 4800);
    assert!(parts.iter().all(|p| *p <= 1600), "{parts:?}");
}
