//! Property tests of the money rules against independent references (rust_decimal, and the
//! definition of rounding itself), and of decimal parsing.

use super::money_common::{self, round_ref, vat_rate};

use std::num::NonZeroU64;

use kasse_core::money::{
    div_round_half_away_from_zero, line_amount, vat_included, DecimalError, Quantity, VatRate,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn quantity() -> impl Strategy<Value = Quantity> {
    money_common::quantity(50, 1_000_000_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The result is the nearest integer, and on a tie the one farther from zero — checked from
    /// the definition in exact integers, and against rust_decimal.
    #[test]
    fn division_matches_definition_and_decimal(n in any::<i64>(), d in 1_u64..=2_000_000) {
        let r = div_round_half_away_from_zero(i128::from(n), NonZeroU64::new(d).unwrap());
        let n = i128::from(n);
        let d_i = i128::from(d);
        let twice_error = 2 * (n - r * d_i).abs();
        prop_assert!(twice_error <= d_i, "not nearest: {n}/{d} → {r}");
        if twice_error == d_i {
            prop_assert!((r * d_i).abs() > n.abs(), "tie not away from zero: {n}/{d} → {r}");
        }
        let reference = round_ref(Decimal::from_i128_with_scale(n, 0) / Decimal::from(d));
        prop_assert_eq!(r, reference);
    }

    #[test]
    fn line_amount_matches_decimal(q in quantity(), unit in -3_000_000_000_i64..=3_000_000_000) {
        let exact = Decimal::new(q.thousandths(), 3) * Decimal::from(unit);
        prop_assert_eq!(line_amount(q, unit), round_ref(exact));
    }

    #[test]
    fn vat_matches_decimal(amount in -3_000_000_000_i64..=3_000_000_000, rate in vat_rate()) {
        let r = Decimal::new(i64::from(rate.hundredths()), 2);
        let exact = Decimal::from(amount) * r / (Decimal::from(100) + r);
        prop_assert_eq!(i128::from(vat_included(amount, rate)), round_ref(exact));
    }

    /// 0 ≤ VAT ≤ amount, and more amount never means less VAT.
    #[test]
    fn vat_is_bounded_and_monotone(amount in 0_i64..=i64::from(i32::MAX), step in 0_i64..1000, rate in vat_rate()) {
        let vat = vat_included(amount, rate);
        prop_assert!(vat >= 0);
        prop_assert!(vat <= amount);
        if rate == VatRate::ZERO {
            prop_assert_eq!(vat, 0);
        }
        let more = vat_included(amount + step, rate);
        prop_assert!(more >= vat);
        prop_assert!(more - vat <= step, "VAT grew faster than the amount");
    }

    #[test]
    fn quantity_text_round_trips(t in 1_i64..=1_000_000_000, zeros in 0_usize..4) {
        let q = Quantity::from_thousandths(t).unwrap();
        let text = q.to_string();
        prop_assert_eq!(text.parse::<Quantity>().unwrap(), q);
        // Trailing zeros do not count as decimals.
        let padded = if text.contains('.') {
            format!("{text}{}", "0".repeat(zeros))
        } else {
            format!("{text}.{}", "0".repeat(zeros.max(1)))
        };
        prop_assert_eq!(padded.parse::<Quantity>().unwrap(), q);
        // As a string and as a JSON number (a float when fractional).
        prop_assert_eq!(serde_json::from_str::<Quantity>(&format!("\"{text}\"")).unwrap(), q);
        let float = t as f64 / 1000.0;
        prop_assert_eq!(serde_json::from_str::<Quantity>(&float.to_string()).unwrap(), q);
        prop_assert_eq!(serde_json::from_value::<Quantity>(serde_json::json!(float)).unwrap(), q);
        // Dintero's number prints as the same decimal.
        prop_assert_eq!(q.to_json_number().to_string().parse::<Quantity>().unwrap(), q);
        // Serialize → deserialize.
        let json = serde_json::to_string(&q).unwrap();
        prop_assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), q);
    }

    #[test]
    fn quantity_rejects_a_fourth_decimal(t in 0_i64..=999_999_999, last in 1_u8..=9) {
        let q = Quantity::from_thousandths(t.max(1)).unwrap();
        let text = q.to_string();
        let base = if text.contains('.') { text.clone() } else { format!("{text}.") };
        // pad to exactly 3 decimals, then one more non-zero digit
        let decimals = base.split('.').nth(1).unwrap_or("").len();
        let four = format!("{base}{}{last}", "0".repeat(3 - decimals));
        prop_assert!(
            matches!(four.parse::<Quantity>(), Err(DecimalError::TooManyDecimals { max: 3, .. })),
            "{} parsed", four
        );
    }

    #[test]
    fn vat_rate_text_round_trips(h in 0_u32..=9999) {
        let rate = VatRate::from_hundredths(h).unwrap();
        let text = rate.to_string();
        prop_assert_eq!(text.parse::<VatRate>().unwrap(), rate);
        let float = f64::from(h) / 100.0;
        prop_assert_eq!(serde_json::from_str::<VatRate>(&float.to_string()).unwrap(), rate);
        prop_assert_eq!(rate.to_json_number().to_string().parse::<VatRate>().unwrap(), rate);
        prop_assert_eq!(serde_json::from_str::<VatRate>(&serde_json::to_string(&rate).unwrap()).unwrap(), rate);
    }

    /// Any text at all: a value or a typed error, never a panic; accepted values print back to
    /// something that parses to the same value.
    #[test]
    fn decimal_parsing_never_panics(s in "\\PC{0,40}|[-+ ]?[0-9]{0,25}(\\.[0-9]{0,6})?([eE][-+]?[0-9]{1,4})?") {
        if let Ok(q) = s.parse::<Quantity>() {
            prop_assert!(q > Quantity::ZERO && q <= Quantity::MAX);
            prop_assert_eq!(q.to_string().parse::<Quantity>().unwrap(), q);
        }
        if let Ok(r) = s.parse::<VatRate>() {
            prop_assert!(r.hundredths() < 10_000);
            prop_assert_eq!(r.to_string().parse::<VatRate>().unwrap(), r);
        }
    }
}
