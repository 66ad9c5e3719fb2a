//! Property tests of priced orders: totals are sums of lines, VAT bounds, the reference rounding,
//! line parts telescoping to the line, and no panic on any input.

use super::money_common::{self, vat_rate};

use kasse_core::money::{Currency, Quantity};
use kasse_core::order::{
    line_part_amount, price_order_json, LineInput, OrderInput, PricedLine, LINE_KEYS, MAX_AMOUNT,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn round_ref(d: Decimal) -> i64 {
    i64::try_from(money_common::round_ref(d)).unwrap()
}

fn quantity() -> impl Strategy<Value = Quantity> {
    money_common::quantity(20, 100_000)
}

fn line_input() -> impl Strategy<Value = LineInput> {
    (
        quantity(),
        1_i64..=250_000,
        vat_rate(),
        "[A-Za-zæøåÆØÅ ]{0,12}",
    )
        .prop_map(|(q, price, vat, name)| LineInput::new(format!("Item {name}"), q, price, vat))
        // Lines that round to nothing are rejected by design; keep the generator to real lines.
        .prop_filter("line rounds to 0", |l| {
            i128::from(l.quantity.thousandths()) * i128::from(l.unit_price) >= 500
        })
}

fn order_input() -> impl Strategy<Value = OrderInput> {
    prop::collection::vec(line_input(), 1..20).prop_map(|lines| OrderInput {
        currency: Some(Currency::Nok),
        lines,
        discount: None,
    })
}

/// A line priced from a generated input (quantity up to 100, price up to 2 500.00).
fn priced_line() -> impl Strategy<Value = PricedLine> {
    line_input().prop_map(|line| {
        OrderInput {
            currency: None,
            lines: vec![line],
            discount: None,
        }
        .price(Currency::Nok)
        .unwrap()
        .lines
        .remove(0)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn totals_are_sums_of_rounded_lines(input in order_input()) {
        let order = input.price(Currency::Nok).unwrap();
        prop_assert_eq!(order.lines.len(), input.lines.len());
        prop_assert_eq!(order.amount, order.lines.iter().map(|l| l.amount).sum::<i64>());
        prop_assert_eq!(order.vat_amount, order.lines.iter().map(|l| l.vat_amount).sum::<i64>());
        prop_assert!(order.amount > 0 && order.amount <= MAX_AMOUNT);
        prop_assert!(order.vat_amount >= 0 && order.vat_amount <= order.amount);
        for (i, (line, asked)) in order.lines.iter().zip(&input.lines).enumerate() {
            prop_assert_eq!(&line.line_id, &(i + 1).to_string());
            // Independent reference: rust_decimal with the same rounding mode.
            let exact = Decimal::new(asked.quantity.thousandths(), 3) * Decimal::from(asked.unit_price);
            prop_assert_eq!(line.amount, round_ref(exact));
            let rate = Decimal::new(i64::from(asked.vat.hundredths()), 2);
            let vat = Decimal::from(line.amount) * rate / (Decimal::from(100) + rate);
            prop_assert_eq!(line.vat_amount, round_ref(vat));
            prop_assert!(line.vat_amount >= 0 && line.vat_amount <= line.amount);
        }
        let summary = order.vat_summary();
        prop_assert_eq!(summary.iter().map(|r| r.1).sum::<i64>(), order.amount);
        prop_assert_eq!(summary.iter().map(|r| r.2).sum::<i64>(), order.vat_amount);
        prop_assert!(summary.windows(2).all(|w| w[0].0 > w[1].0));
    }

    /// The JSON contract and the typed input price identically, with numbers or strings.
    #[test]
    fn json_and_typed_input_agree(input in order_input(), as_numbers in any::<bool>()) {
        let lines: Vec<Value> = input.lines.iter().map(|l| {
            if as_numbers {
                json!({"description": l.description, "quantity": l.quantity.to_json_number(),
                       "unit_price": l.unit_price, "vat": l.vat.to_json_number()})
            } else {
                json!({"description": l.description, "quantity": l.quantity.to_string(),
                       "unit_price": l.unit_price, "vat": l.vat.to_string()})
            }
        }).collect();
        let text = json!({"currency": "nok", "lines": lines}).to_string();
        let from_json = price_order_json(&text, Currency::Eur).unwrap();
        let typed = input.price(Currency::Eur).unwrap();
        prop_assert_eq!(from_json, typed);
    }

    /// Any split of a line's quantity into parts: every part is ≥ 0 with 0 ≤ VAT ≤ amount, the
    /// running total never exceeds the line, and the last part tops it up to exactly the line.
    #[test]
    fn line_parts_telescope(line in priced_line(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let total = line.quantity.thousandths();
        let mut points: Vec<i64> = cuts.iter().map(|c| c.index(total as usize) as i64).filter(|p| *p > 0).collect();
        points.push(total);
        points.sort_unstable();
        points.dedup();
        let mut before = Quantity::ZERO;
        let (mut amount_sum, mut vat_sum) = (0_i64, 0_i64);
        for point in points {
            let after = Quantity::from_thousandths(point).unwrap();
            let qty = after.checked_sub(before).unwrap();
            let part = line_part_amount(&line, before, qty).unwrap();
            prop_assert_eq!(part.quantity, qty);
            prop_assert!(part.amount >= 0);
            prop_assert!(part.vat_amount >= 0 && part.vat_amount <= part.amount);
            // A part differs from pricing it alone by at most one minor unit.
            let alone = round_ref(Decimal::new(qty.thousandths(), 3) * Decimal::from(line.unit_price));
            prop_assert!((part.amount - alone).abs() <= 1, "{} vs {}", part.amount, alone);
            amount_sum += part.amount;
            vat_sum += part.vat_amount;
            prop_assert!(amount_sum <= line.amount);
            prop_assert!(vat_sum <= line.vat_amount);
            before = after;
        }
        prop_assert_eq!(amount_sum, line.amount);
        prop_assert_eq!(vat_sum, line.vat_amount);
        // Nothing is left.
        prop_assert!(line_part_amount(&line, line.quantity, Quantity::from_thousandths(1).unwrap()).is_err());
    }

    /// Whole units of an integer-quantity line are exact: k × unit price.
    #[test]
    fn whole_unit_parts_are_exact(units in 1_i64..=20, price in 1_i64..=100_000, k in 1_i64..=20, rate in vat_rate()) {
        let k = k.min(units);
        let line = OrderInput {
            currency: None,
            lines: vec![LineInput::new("x", Quantity::whole(units).unwrap(), price, rate)],
            discount: None,
        }.price(Currency::Nok).unwrap().lines.remove(0);
        let part = line_part_amount(&line, Quantity::ZERO, Quantity::whole(k).unwrap()).unwrap();
        prop_assert_eq!(part.amount, k * price);
    }

    /// Any JSON document: a priced order or a typed error naming a field, never a panic.
    #[test]
    fn any_json_is_handled(value in arb_json()) {
        check_no_panic(&value.to_string());
        // And the same wrapped as an order so the line code is reached.
        check_no_panic(&json!({"lines": [value.clone()]}).to_string());
        check_no_panic(&json!({"lines": value}).to_string());
    }

    /// A valid order with one field of one line replaced by anything: either still valid, or an
    /// error that names that line (or the order total).
    #[test]
    fn mutated_field_errors_name_the_line(
        input in order_input(),
        which in any::<prop::sample::Index>(),
        key in prop::sample::select(vec!["description", "quantity", "unit_price", "vat", "product_id", "type", "extra"]),
        value in arb_json(),
    ) {
        let mut doc = serde_json::to_value(&input).unwrap();
        let i = which.index(input.lines.len());
        doc["lines"][i][key] = value;
        match price_order_json(&doc.to_string(), Currency::Nok) {
            Ok(order) => prop_assert_eq!(order.amount, order.lines.iter().map(|l| l.amount).sum::<i64>()),
            Err(e) => {
                let prefix = format!("lines[{}]", i + 1);
                prop_assert!(e.field().starts_with(&prefix) || e.field() == "amount", "{}", e);
                let field_prefix = format!("{}: ", e.field());
                prop_assert!(e.to_string().starts_with(&field_prefix), "{}", e);
            }
        }
    }

    #[test]
    fn any_text_is_handled(text in "\\PC{0,200}") {
        check_no_panic(&text);
    }
}

fn check_no_panic(text: &str) {
    match price_order_json(text, Currency::Nok) {
        Ok(order) => {
            assert_eq!(
                order.amount,
                order.lines.iter().map(|l| l.amount).sum::<i64>()
            );
            assert!(order.amount <= MAX_AMOUNT);
        }
        Err(e) => {
            assert!(!e.field().is_empty());
            assert!(!e.code().is_empty());
            assert!(
                e.to_string().starts_with(&format!("{}: ", e.field())),
                "{e}"
            );
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        (-1000_i64..1000, 0_u32..6).prop_map(|(m, s)| json!(m as f64 / 10_f64.powi(s as i32))),
        "\\PC{0,12}".prop_map(Value::String),
        "-?[0-9]{0,8}(\\.[0-9]{0,5})?".prop_map(Value::String),
        prop::sample::select(vec![
            "NOK",
            "nok",
            "XYZ",
            "25.5",
            "physical",
            "description",
            "quantity"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select([&["currency", "lines", "x"][..], &LINE_KEYS].concat())
                    .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
