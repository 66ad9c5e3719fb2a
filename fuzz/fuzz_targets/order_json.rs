//! The CLI's order JSON (`kasse-cli charge --order`, the UI's cart): any bytes give a priced
//! order whose total is the sum of its rounded lines, or a typed error naming a field.
#![no_main]

use kasse_core::money::Currency;
use kasse_core::order::price_order_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match price_order_json(text, Currency::Nok) {
        Ok(order) => {
            assert_eq!(
                order.amount,
                order.lines.iter().map(|l| l.amount).sum::<i64>()
            );
            assert_eq!(
                order.vat_amount,
                order.lines.iter().map(|l| l.vat_amount).sum::<i64>()
            );
            assert!(order.amount > 0 && order.amount <= i64::from(i32::MAX));
            for (i, line) in order.lines.iter().enumerate() {
                assert_eq!(line.line_id, (i + 1).to_string());
                assert!(line.vat_amount.abs() <= line.amount.abs());
            }
            // What was priced prices the same again from its own JSON.
            let json = serde_json::to_string(&order).unwrap();
            let again: kasse_core::order::PricedOrder = serde_json::from_str(&json).unwrap();
            assert_eq!(again.amount, order.amount);
        }
        Err(e) => {
            assert!(!e.field().is_empty());
            assert!(!e.code().is_empty());
            assert!(e.to_string().starts_with(&format!("{}: ", e.field())));
        }
    }
});
