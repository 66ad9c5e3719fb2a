//! Property tests: exact decimals, enum round-trips, and no panics on mangled responses.

use dintero_client::{OrderItem, Session, Transaction, TransactionStatus};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Up to 15 significant digits survive a JSON number round trip exactly, and the text is
    /// the shortest form.
    #[test]
    fn decimals_round_trip_exactly(mantissa in -999_999_999_999_999i64..=999_999_999_999_999, scale in 0u32..=8) {
        let value = Decimal::new(mantissa, scale);
        let item = OrderItem { quantity: Some(value), vat: Some(value), ..OrderItem::default() };
        let text = serde_json::to_string(&item).unwrap();
        let back: OrderItem = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back.quantity, Some(value));
        prop_assert_eq!(back.vat, Some(value));
        let json: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(json["quantity"].is_number());
        prop_assert_eq!(json["quantity"].to_string(), value.normalize().to_string());
        // From a string, too.
        let from_string: OrderItem = serde_json::from_value(serde_json::json!({"quantity": value.to_string()})).unwrap();
        prop_assert_eq!(from_string.quantity, Some(value));
    }

    /// Any string is a status: known ones map to their variant, the rest round-trip verbatim.
    #[test]
    fn any_status_string_round_trips(text in "\\PC{0,24}") {
        let status: TransactionStatus = serde_json::from_value(Value::String(text.clone())).unwrap();
        prop_assert_eq!(status.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_value(&status).unwrap(), Value::String(text));
    }

    /// Replacing any field of a real response with a value of another type gives a value or an
    /// error, never a panic.
    #[test]
    fn mangled_responses_never_panic(choice in any::<prop::sample::Index>(), replacement in 0usize..7, fixture in 0usize..3) {
        let name = ["transaction_captured", "session_paid", "transaction_partially_refunded"][fixture];
        let mut json = crate::common::fixture(name);
        let mut paths = Vec::new();
        collect_paths(&json, &mut Vec::new(), &mut paths);
        let path = choice.get(&paths).clone();
        let new_value = match replacement {
            0 => Value::Null,
            1 => serde_json::json!(-1.5),
            2 => serde_json::json!("🦀"),
            3 => serde_json::json!([1, "x"]),
            4 => serde_json::json!({"k": {}}),
            5 => serde_json::json!(true),
            _ => serde_json::json!(1e300),
        };
        *pointer_mut(&mut json, &path) = new_value;
        let _ = serde_json::from_value::<Transaction>(json.clone());
        let _ = serde_json::from_value::<Session>(json.clone());
        let text = json.to_string();
        for cut in [0, text.len() / 3, text.len() / 2] {
            let _ = serde_json::from_slice::<Transaction>(&text.as_bytes()[..cut]);
        }
    }
}

fn collect_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(key.clone());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(i.to_string());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn pointer_mut<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    let pointer: String = path
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect();
    value.pointer_mut(&pointer).unwrap()
}
