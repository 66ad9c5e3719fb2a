//! The money rules: any quantity and VAT text, any unit price, any already-refunded part: the
//! parsers give a value or a typed error, a line is priced once (half away from zero), its
//! parts never exceed it, and refunding it part by part adds up to the whole.
#![no_main]

use kasse_core::money::{format_minor, Currency, Quantity, VatRate};
use kasse_core::order::price_order_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String, i64, String, String)| {
    let (quantity, vat, unit_price, first, second) = input;
    let q = quantity.parse::<Quantity>();
    let v = vat.parse::<VatRate>();
    if let Ok(q) = q {
        assert_eq!(q.to_string().parse::<Quantity>().unwrap(), q);
    }
    if let Ok(v) = v {
        assert_eq!(v.to_string().parse::<VatRate>().unwrap(), v);
    }
    let _ = format_minor(unit_price, Currency::Nok);
    let order = serde_json::json!({"lines": [
        {"description": "x", "quantity": quantity, "unit_price": unit_price, "vat": vat}]});
    let Ok(priced) = price_order_json(&order.to_string(), Currency::Nok) else {
        return;
    };
    let line = &priced.lines[0];
    let (Ok(a), Ok(b)) = (first.parse::<Quantity>(), second.parse::<Quantity>()) else {
        return;
    };
    let Ok(p1) = line.part(Quantity::ZERO, a) else {
        return;
    };
    assert!(p1.amount.abs() <= line.amount.abs());
    let Some(after) = Quantity::ZERO.checked_add(a) else {
        return;
    };
    if let Ok(p2) = line.part(after, b) {
        assert!((p1.amount + p2.amount).abs() <= line.amount.abs());
        // The last part takes what is left: the parts add up to the line exactly.
        if after.checked_add(b) == Some(line.quantity) {
            assert_eq!(p1.amount + p2.amount, line.amount);
            assert_eq!(p1.vat_amount + p2.vat_amount, line.vat_amount);
        }
    }
});
