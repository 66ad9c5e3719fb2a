//! The order JSON contract (DESIGN.md §4.3), pricing by example, and every error with its field.

use kasse_core::money::{Currency, DecimalError, Quantity, VatRate};
use kasse_core::order::{
    line_part_amount, price_order_json, LineInput, LinePartError, LineType, OrderError, OrderInput,
    PricedOrder, TextError, UnitPriceError, MAX_LINES, MAX_TEXT_CHARS,
};
use serde_json::json;

fn price(value: serde_json::Value) -> Result<PricedOrder, OrderError> {
    price_order_json(&value.to_string(), Currency::Nok)
}

fn err(value: serde_json::Value) -> OrderError {
    price(value).unwrap_err()
}

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

/// An order with one line whose `key` is replaced by `value` (or removed when `value` is None).
fn one_line_with(key: &str, value: Option<serde_json::Value>) -> serde_json::Value {
    let mut line = json!({"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"});
    match value {
        Some(v) => line[key] = v,
        None => {
            line.as_object_mut().unwrap().remove(key);
        }
    }
    json!({"currency":"NOK","lines":[line]})
}

#[test]
fn the_design_example() {
    let order = price_order_json(
        r#"{"currency":"NOK","lines":[{"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"}]}"#,
        Currency::Sek,
    )
    .unwrap();
    assert_eq!(order.currency, Currency::Nok);
    assert_eq!(order.amount, 7800);
    assert_eq!(order.vat_amount, 1560);
    assert_eq!(order.net_amount(), 6240);
    let line = &order.lines[0];
    assert_eq!(line.line_id, "1");
    assert_eq!(line.description, "Coffee");
    assert_eq!(line.quantity, q("2"));
    assert_eq!(line.unit_price, 3900);
    assert_eq!(line.vat, VatRate::from_percent(25).unwrap());
    assert_eq!(line.amount, 7800);
    assert_eq!(line.vat_amount, 1560);
    assert_eq!(line.product_id, None);
    assert_eq!(line.line_type, None);
}

#[test]
fn currency_defaults_to_the_callers() {
    let order = price_order_json(
        r#"{"lines":[{"description":"Kaffe","quantity":1,"unit_price":100,"vat":25}]}"#,
        Currency::Sek,
    )
    .unwrap();
    assert_eq!(order.currency, Currency::Sek);
    let order = price_order_json(
        r#"{"currency":null,"lines":[{"description":"Kaffe","quantity":1,"unit_price":100,"vat":25}]}"#,
        Currency::Dkk,
    )
    .unwrap();
    assert_eq!(order.currency, Currency::Dkk);
    let order = price(
        json!({"currency":"eur","lines":[{"description":"x","quantity":1,"unit_price":1,"vat":0}]}),
    )
    .unwrap();
    assert_eq!(order.currency, Currency::Eur);
}

#[test]
fn numbers_and_strings_for_quantity_and_vat() {
    let order = price(json!({"lines":[
        {"description":"Apples","quantity":0.1,"unit_price":1000,"vat":15},
        {"description":"Cheese","quantity":"1.125","unit_price":1999,"vat":"15"},
        {"description":"Pulla","quantity":3,"unit_price":250,"vat":25.5},
        {"description":"Book","quantity":"1","unit_price":34900,"vat":"0"},
        {"description":"Bread","quantity":"2.000","unit_price":4500,"vat":"12.00"},
    ]}))
    .unwrap();
    let amounts: Vec<i64> = order.lines.iter().map(|l| l.amount).collect();
    // 0.1 × 1000 = 100; 1.125 × 1999 = 2248.875 → 2249; 3 × 250; 34900; 2 × 4500
    assert_eq!(amounts, [100, 2249, 750, 34900, 9000]);
    let vats: Vec<i64> = order.lines.iter().map(|l| l.vat_amount).collect();
    // 100 × 15/115 = 13.04 → 13; 2249 × 15/115 = 293.35 → 293; 750 × 25.5/125.5 = 152.39 → 152;
    // 0; 9000 × 12/112 = 964.29 → 964
    assert_eq!(vats, [13, 293, 152, 0, 964]);
    assert_eq!(order.amount, 100 + 2249 + 750 + 34900 + 9000);
    assert_eq!(order.vat_amount, 13 + 293 + 152 + 964);
    let ids: Vec<&str> = order.lines.iter().map(|l| l.line_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert_eq!(order.lines[0].quantity.thousandths(), 100);
    assert_eq!(order.lines[2].vat.hundredths(), 2550);
}

#[test]
fn weighed_goods() {
    // 0.375 kg at 129.90 kr/kg, 15 % food VAT: 48.7125 → 48.71 kr; VAT 4871 × 15/115 = 635.35
    let order = price(json!({"lines":[
        {"description":"Reker","quantity":"0.375","unit_price":12990,"vat":"15"}
    ]}))
    .unwrap();
    assert_eq!(order.amount, 4871);
    assert_eq!(order.vat_amount, 635);
}

#[test]
fn finnish_vat_25_5() {
    let order = price(json!({"currency":"EUR","lines":[
        {"description":"Kahvi","quantity":"1","unit_price":350,"vat":"25.5"},
        {"description":"Pulla","quantity":"2","unit_price":290,"vat":25.5},
        {"description":"Ruisleipä","quantity":"1","unit_price":12550,"vat":"25.5"},
        {"description":"Lehti","quantity":"1","unit_price":600,"vat":"14"}
    ]}))
    .unwrap();
    // 350 × 25.5/125.5 = 71.12 → 71; 580 → 117.85 → 118; 12550 → 2550 exactly; 600 × 14/114 =
    // 73.68 → 74
    let vats: Vec<i64> = order.lines.iter().map(|l| l.vat_amount).collect();
    assert_eq!(vats, [71, 118, 2550, 74]);
    assert_eq!(order.amount, 350 + 580 + 12550 + 600);
    assert_eq!(order.vat_amount, 71 + 118 + 2550 + 74);
    let summary = order.vat_summary();
    let rate = |s: &str| s.parse::<VatRate>().unwrap();
    assert_eq!(
        summary,
        vec![
            (rate("25.5"), 350 + 580 + 12550, 71 + 118 + 2550),
            (rate("14"), 600, 74)
        ]
    );
}

#[test]
fn vat_summary_groups_and_sums_the_lines() {
    let order = price(json!({"lines":[
        {"description":"a","quantity":"1","unit_price":1001,"vat":"25"},
        {"description":"b","quantity":"1","unit_price":999,"vat":"15"},
        {"description":"c","quantity":"1","unit_price":1001,"vat":"25"},
        {"description":"d","quantity":"1","unit_price":500,"vat":"0"},
    ]}))
    .unwrap();
    let summary = order.vat_summary();
    let rates: Vec<String> = summary.iter().map(|r| r.0.to_string()).collect();
    assert_eq!(rates, ["25", "15", "0"], "highest rate first");
    // Per-line rounding: 1001/5 = 200.2 → 200 per line, so 400 (not round(2002/5) = 400 either
    // way here); 999 × 15/115 = 130.3 → 130.
    assert_eq!(summary[0].1, 2002);
    assert_eq!(summary[0].2, 400);
    assert_eq!(summary[1], (VatRate::from_percent(15).unwrap(), 999, 130));
    assert_eq!(summary[2], (VatRate::ZERO, 500, 0));
    assert_eq!(summary.iter().map(|r| r.1).sum::<i64>(), order.amount);
    assert_eq!(summary.iter().map(|r| r.2).sum::<i64>(), order.vat_amount);
}

#[test]
fn product_id_type_and_trimming() {
    let order = price(json!({"lines":[
        {"description":"  Kulepenn blå ","quantity":"1","unit_price":1500,"vat":"25","product_id":"SKU-20017","type":"physical"},
        {"description":"Gavekort","quantity":"1","unit_price":50000,"vat":"0","product_id":10442,"type":"gift_card"},
        {"description":"Frakt","quantity":"1","unit_price":4900,"vat":"25","product_id":null,"type":null},
    ]}))
    .unwrap();
    assert_eq!(order.lines[0].description, "Kulepenn blå");
    assert_eq!(order.lines[0].product_id.as_deref(), Some("SKU-20017"));
    assert_eq!(order.lines[0].line_type, Some(LineType::Physical));
    assert_eq!(order.lines[1].product_id.as_deref(), Some("10442"));
    assert_eq!(order.lines[1].line_type, Some(LineType::GiftCard));
    assert_eq!(order.lines[2].product_id, None);
    assert_eq!(order.lines[2].line_type, None);
    for t in LineType::ALL {
        let o = price(one_line_with("type", Some(json!(t.as_str())))).unwrap();
        assert_eq!(o.lines[0].line_type, Some(t));
    }
}

#[test]
fn serde_round_trips() {
    let text = r#"{"currency":"NOK","lines":[{"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"},{"description":"Reker","quantity":0.375,"unit_price":12990,"vat":15,"product_id":"P-1","type":"physical"}]}"#;
    let input: OrderInput = serde_json::from_str(text).unwrap();
    assert_eq!(input, OrderInput::from_json_str(text).unwrap());
    let again: OrderInput = serde_json::from_str(&serde_json::to_string(&input).unwrap()).unwrap();
    assert_eq!(again, input);
    assert_eq!(
        serde_json::to_value(&input).unwrap()["lines"][1],
        json!({"description":"Reker","quantity":"0.375","unit_price":12990,"vat":"15","product_id":"P-1","type":"physical"})
    );

    let priced = input.price(Currency::Nok).unwrap();
    let stored = serde_json::to_string(&priced).unwrap();
    let back: PricedOrder = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, priced);
    let v = serde_json::to_value(&priced).unwrap();
    assert_eq!(v["amount"], 7800 + 4871);
    assert_eq!(v["lines"][1]["line_id"], "2");
    assert_eq!(v["lines"][1]["type"], "physical");
    assert_eq!(v["lines"][1]["quantity"], "0.375");

    // serde's own error carries the same field-named message.
    let e = serde_json::from_str::<OrderInput>(
        r#"{"lines":[{"description":"x","quantity":"0","unit_price":1,"vat":0}]}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("lines[1].quantity: must be greater than zero"),
        "{e}"
    );
}

#[test]
fn orders_built_in_code_are_checked_the_same_way() {
    let mut input = OrderInput {
        currency: None,
        lines: vec![LineInput::new(
            "Coffee",
            q("2"),
            3900,
            VatRate::from_percent(25).unwrap(),
        )],
        discount: None,
    };
    assert_eq!(input.price(Currency::Nok).unwrap().amount, 7800);

    input.lines[0].quantity = Quantity::ZERO;
    let e = input.price(Currency::Nok).unwrap_err();
    assert_eq!(
        e.to_string(),
        "lines[1].quantity: must be greater than zero"
    );

    input.lines[0].quantity = q("1");
    input.lines[0].unit_price = -5;
    assert_eq!(
        input.price(Currency::Nok).unwrap_err().to_string(),
        "lines[1].unit_price: must be greater than zero"
    );
    input.lines.clear();
    assert_eq!(
        input.price(Currency::Nok).unwrap_err().code(),
        "empty_order"
    );
}

/// Every error: its field, code and message.
#[test]
fn every_error_names_its_field() {
    let line = json!({"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"});
    let many = |n: usize| json!({"lines": vec![line.clone(); n]});
    let long = "é".repeat(300);

    let cases: Vec<(OrderError, &str, &str, &str)> = vec![
        (
            price_order_json("{\"lines\":[", Currency::Nok).unwrap_err(),
            "order",
            "invalid_json",
            "order: not valid JSON (EOF while parsing a list at line 1 column 10)",
        ),
        (err(json!([1])), "order", "invalid_type", r#"order: must be a JSON object with "lines" (got an array)"#),
        (err(json!({})), "lines", "missing_field", "lines: required"),
        (
            err(json!({"lines":[], "merchant_reference":"x"})),
            "merchant_reference",
            "unknown_field",
            "merchant_reference: unknown field (expected one of: currency, lines, discount)",
        ),
        (err(json!({"lines":{}})), "lines", "invalid_type", "lines: must be an array of lines (got an object)"),
        (err(json!({"lines":[]})), "lines", "empty_order", "lines: an order needs at least one line"),
        (
            err(many(MAX_LINES + 1)),
            "lines",
            "too_many_lines",
            "lines: at most 500 lines in one order (got 501)",
        ),
        (
            err(json!({"currency":"NOKK","lines":[line]})),
            "currency",
            "unknown_currency",
            r#"currency: unknown currency "NOKK""#,
        ),
        (
            err(json!({"currency":578,"lines":[line]})),
            "currency",
            "invalid_type",
            r#"currency: must be a currency code such as "NOK" (got 578)"#,
        ),
        (err(json!({"lines":["Coffee"]})), "lines[1]", "invalid_type", r#"lines[1]: must be an object (got "Coffee")"#),
        (
            err(one_line_with("quantity", Some(json!("0")))),
            "lines[1].quantity",
            "invalid_quantity",
            "lines[1].quantity: must be greater than zero",
        ),
        (
            err(one_line_with("quantity", Some(json!(-1)))),
            "lines[1].quantity",
            "invalid_quantity",
            "lines[1].quantity: must be greater than zero",
        ),
        (
            err(one_line_with("quantity", Some(json!("1.1255")))),
            "lines[1].quantity",
            "invalid_quantity",
            r#"lines[1].quantity: at most 3 decimals (got "1.1255")"#,
        ),
        (
            err(one_line_with("quantity", Some(json!("2000000")))),
            "lines[1].quantity",
            "invalid_quantity",
            r#"lines[1].quantity: must be at most 1000000 (got "2000000")"#,
        ),
        (
            err(one_line_with("quantity", Some(json!("two")))),
            "lines[1].quantity",
            "invalid_quantity",
            r#"lines[1].quantity: must be a decimal number (got "two")"#,
        ),
        (
            err(one_line_with("quantity", Some(json!(true)))),
            "lines[1].quantity",
            "invalid_type",
            r#"lines[1].quantity: must be a decimal number (a string such as "1.5" or a number) (got true)"#,
        ),
        (
            err(one_line_with("quantity", None)),
            "lines[1].quantity",
            "missing_field",
            "lines[1].quantity: required",
        ),
        (
            err(one_line_with("quantity", Some(json!(null)))),
            "lines[1].quantity",
            "missing_field",
            "lines[1].quantity: required",
        ),
        (
            err(one_line_with("vat", Some(json!("25.555")))),
            "lines[1].vat",
            "invalid_vat",
            r#"lines[1].vat: at most 2 decimals (got "25.555")"#,
        ),
        (
            err(one_line_with("vat", Some(json!(100)))),
            "lines[1].vat",
            "invalid_vat",
            r#"lines[1].vat: must be less than 100 (got "100")"#,
        ),
        (
            err(one_line_with("vat", Some(json!(-25)))),
            "lines[1].vat",
            "invalid_vat",
            r#"lines[1].vat: must not be negative (got "-25")"#,
        ),
        (err(one_line_with("vat", None)), "lines[1].vat", "missing_field", "lines[1].vat: required"),
        (
            err(one_line_with("unit_price", Some(json!(0)))),
            "lines[1].unit_price",
            "invalid_unit_price",
            "lines[1].unit_price: must be greater than zero",
        ),
        (
            err(one_line_with("unit_price", Some(json!(-3900)))),
            "lines[1].unit_price",
            "invalid_unit_price",
            "lines[1].unit_price: must be greater than zero",
        ),
        (
            err(one_line_with("unit_price", Some(json!(3_000_000_000_u64)))),
            "lines[1].unit_price",
            "invalid_unit_price",
            "lines[1].unit_price: must be at most 2 147 483 647 minor units (got 3 000 000 000)",
        ),
        (
            err(one_line_with("unit_price", Some(json!(u64::MAX)))),
            "lines[1].unit_price",
            "invalid_unit_price",
            "lines[1].unit_price: must be at most 2 147 483 647 minor units (got 18 446 744 073 709 551 615)",
        ),
        (
            err(one_line_with("unit_price", Some(json!(39.5)))),
            "lines[1].unit_price",
            "invalid_type",
            "lines[1].unit_price: must be a whole number of minor units (3900 for 39.00) (got 39.5)",
        ),
        (
            err(one_line_with("unit_price", Some(json!(3900.0)))),
            "lines[1].unit_price",
            "invalid_type",
            "lines[1].unit_price: must be a whole number of minor units (3900 for 39.00) (got 3900.0)",
        ),
        (
            err(one_line_with("unit_price", Some(json!("3900")))),
            "lines[1].unit_price",
            "invalid_type",
            r#"lines[1].unit_price: must be a whole number of minor units (3900 for 39.00) (got "3900")"#,
        ),
        (
            err(one_line_with("description", Some(json!("")))),
            "lines[1].description",
            "invalid_description",
            "lines[1].description: must not be empty",
        ),
        (
            err(one_line_with("description", Some(json!("   ")))),
            "lines[1].description",
            "invalid_description",
            "lines[1].description: must not be empty",
        ),
        (
            err(one_line_with("description", Some(json!(long)))),
            "lines[1].description",
            "invalid_description",
            "lines[1].description: at most 255 characters (got 300)",
        ),
        (
            err(one_line_with("description", Some(json!("Coffee\nand cake")))),
            "lines[1].description",
            "invalid_description",
            "lines[1].description: must not contain control characters such as line breaks or tabs",
        ),
        (
            err(one_line_with("description", Some(json!(42)))),
            "lines[1].description",
            "invalid_type",
            "lines[1].description: must be a string (got 42)",
        ),
        (
            err(one_line_with("description", None)),
            "lines[1].description",
            "missing_field",
            "lines[1].description: required",
        ),
        (
            err(one_line_with("product_id", Some(json!("")))),
            "lines[1].product_id",
            "invalid_product_id",
            "lines[1].product_id: must not be empty",
        ),
        (
            err(one_line_with("product_id", Some(json!(["a"])))),
            "lines[1].product_id",
            "invalid_type",
            "lines[1].product_id: must be a string (or an integer) (got an array)",
        ),
        (
            err(one_line_with("type", Some(json!("food")))),
            "lines[1].type",
            "invalid_line_type",
            r#"lines[1].type: unknown line type "food" (expected one of: physical, digital, service, gift_card, shipping, surcharge)"#,
        ),
        (
            err(one_line_with("quantiy", Some(json!("2")))),
            "lines[1].quantiy",
            "unknown_field",
            "lines[1].quantiy: unknown field (expected one of: description, quantity, unit_price, vat, product_id, type, discount)",
        ),
        (
            err(json!({"lines":[{"description":"Tiny","quantity":"0.001","unit_price":499,"vat":"25"}]})),
            "lines[1].amount",
            "zero_amount",
            "lines[1].amount: 0.001 × 499 rounds to 0 minor units",
        ),
        (
            err(json!({"lines":[{"description":"Gold","quantity":"1000","unit_price":3_000_000,"vat":"25"}]})),
            "lines[1].amount",
            "amount_too_large",
            "lines[1].amount: the line total 3 000 000 000 exceeds what Dintero accepts (2 147 483 647)",
        ),
        (
            err(json!({"lines":[
                {"description":"Car","quantity":"1","unit_price":1_500_000_000,"vat":"25"},
                {"description":"Boat","quantity":"1","unit_price":1_500_000_000,"vat":"25"}
            ]})),
            "amount",
            "amount_too_large",
            "amount: the order total 3 000 000 000 exceeds what Dintero accepts (2 147 483 647)",
        ),
    ];

    for (error, field, code, message) in &cases {
        assert_eq!(error.field(), *field, "{error}");
        assert_eq!(error.code(), *code, "{error}");
        assert_eq!(error.to_string(), *message);
        assert!(
            error.to_string().starts_with(&format!("{field}: ")),
            "{error}"
        );
    }
    // Every variant is covered above.
    let mut codes: Vec<&str> = cases.iter().map(|c| c.0.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 15, "{codes:?}");
}

#[test]
fn the_failing_line_is_named_by_its_line_id() {
    let e = err(json!({"lines":[
        {"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"},
        {"description":"Tea","quantity":"0","unit_price":2900,"vat":"25"},
        {"description":"Bun","quantity":"1","unit_price":2500,"vat":"25.555"}
    ]}));
    assert_eq!(
        e.to_string(),
        "lines[2].quantity: must be greater than zero"
    );
    let e = err(json!({"lines":[
        {"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"},
        {"description":"Tea","quantity":"1","unit_price":2900,"vat":"25"},
        {"description":"Bun","quantity":"1","unit_price":2500,"vat":"25.555"}
    ]}));
    assert_eq!(
        e.to_string(),
        r#"lines[3].vat: at most 2 decimals (got "25.555")"#
    );
    assert_eq!(
        e,
        OrderError::InvalidVat {
            field: "lines[3].vat".into(),
            reason: DecimalError::TooManyDecimals {
                max: 2,
                got: "\"25.555\"".into()
            }
        }
    );
}

#[test]
fn typed_error_payloads() {
    assert_eq!(
        err(one_line_with("description", Some(json!("x".repeat(256))))),
        OrderError::InvalidDescription {
            field: "lines[1].description".into(),
            reason: TextError::TooLong {
                max: MAX_TEXT_CHARS,
                got: 256
            }
        }
    );
    // Exactly at the limits is fine.
    let ok = price(one_line_with("description", Some(json!("ø".repeat(255))))).unwrap();
    assert_eq!(ok.lines[0].description.chars().count(), 255);
    assert!(price(many_lines(MAX_LINES)).is_ok());
    assert!(price(json!({"lines":[{"description":"Max","quantity":"1","unit_price":2_147_483_647_i64,"vat":"25"}]})).is_ok());
    assert_eq!(
        err(one_line_with("unit_price", Some(json!(0)))),
        OrderError::InvalidUnitPrice {
            field: "lines[1].unit_price".into(),
            reason: UnitPriceError::NotPositive
        }
    );
    // A very long unknown key is quoted and cut.
    let key = "k".repeat(5000);
    let e = err(json!({"lines":[], key: 1}));
    assert_eq!(e.code(), "unknown_field");
    assert!(e.field().len() < 60, "{}", e.field());
}

fn many_lines(n: usize) -> serde_json::Value {
    let line = json!({"description":"Coffee","quantity":"1","unit_price":100,"vat":"25"});
    json!({"lines": vec![line; n]})
}

#[test]
fn line_parts_telescope_to_the_line() {
    let order = price(json!({"lines":[
        {"description":"Reker","quantity":"0.375","unit_price":12990,"vat":"15"},
        {"description":"Kulepenn","quantity":"3","unit_price":1500,"vat":"25"}
    ]}))
    .unwrap();
    let reker = &order.lines[0];
    let eighth = q("0.125");
    let p1 = line_part_amount(reker, Quantity::ZERO, eighth).unwrap();
    let p2 = line_part_amount(reker, eighth, eighth).unwrap();
    let p3 = reker.part(q("0.25"), eighth).unwrap();
    assert_eq!((p1.amount, p2.amount, p3.amount), (1624, 1624, 1623));
    assert_eq!(p1.amount + p2.amount + p3.amount, reker.amount);
    assert_eq!(
        p1.vat_amount + p2.vat_amount + p3.vat_amount,
        reker.vat_amount
    );
    assert_eq!(p3.quantity, eighth);
    let whole = line_part_amount(reker, Quantity::ZERO, reker.quantity).unwrap();
    assert_eq!(
        (whole.amount, whole.vat_amount),
        (reker.amount, reker.vat_amount)
    );

    let pens = &order.lines[1];
    let one = line_part_amount(pens, Quantity::ZERO, q("1")).unwrap();
    assert_eq!(
        (one.amount, one.vat_amount),
        (1500, 300),
        "the refund example of dintero-api §13"
    );

    let e = line_part_amount(pens, q("2"), q("2")).unwrap_err();
    assert_eq!(e.code(), "quantity_exceeds_line");
    assert_eq!(e.field(), "lines[2].quantity");
    assert_eq!(
        e.to_string(),
        "lines[2].quantity: 2 is more than what is left of the line (1 of 3)"
    );
    let e = line_part_amount(pens, q("3"), q("0.001")).unwrap_err();
    assert!(
        matches!(e, LinePartError::ExceedsLine { remaining, .. } if remaining == Quantity::ZERO)
    );
    let e = line_part_amount(pens, Quantity::ZERO, Quantity::ZERO).unwrap_err();
    assert_eq!(e.code(), "invalid_quantity");
    assert_eq!(
        e.to_string(),
        "lines[2].quantity: must be greater than zero"
    );
    // Even a corrupt "already" beyond the line is an error, not a panic.
    assert!(line_part_amount(pens, Quantity::MAX, Quantity::MAX).is_err());
}
