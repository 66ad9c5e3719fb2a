//! Currency, Quantity, VatRate and the two rounding rules, by example.

use std::num::NonZeroU64;

use kasse_core::money::{
    div_round_half_away_from_zero, format_minor, line_amount, vat_included, Currency, DecimalError,
    Quantity, VatRate,
};

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}
fn v(s: &str) -> VatRate {
    s.parse().unwrap()
}

#[test]
fn currencies_have_codes_and_exponents() {
    let expected = [
        (Currency::Nok, "NOK", 2),
        (Currency::Sek, "SEK", 2),
        (Currency::Dkk, "DKK", 2),
        (Currency::Eur, "EUR", 2),
        (Currency::Isk, "ISK", 0),
        (Currency::Usd, "USD", 2),
        (Currency::Gbp, "GBP", 2),
    ];
    for (currency, code, exponent) in expected {
        assert_eq!(currency.code(), code);
        assert_eq!(currency.to_string(), code);
        assert_eq!(currency.exponent(), exponent);
        assert_eq!(currency.minor_per_major(), 10_i64.pow(exponent));
        assert_eq!(Currency::from_code(code), Ok(currency));
        assert_eq!(code.to_lowercase().parse::<Currency>(), Ok(currency));
    }
    assert_eq!(Currency::ALL.len(), expected.len());
}

#[test]
fn currency_parsing_is_case_insensitive_and_errors_are_typed() {
    assert_eq!(Currency::from_code("nOk"), Ok(Currency::Nok));
    assert_eq!(Currency::from_code(" eur "), Ok(Currency::Eur));
    let err = Currency::from_code("XYZ").unwrap_err();
    assert_eq!(err.to_string(), r#"unknown currency "XYZ""#);
    assert_eq!(err.code, "XYZ");
    assert!(Currency::from_code("").is_err());
    assert!(Currency::from_code("NOKK").is_err());
}

#[test]
fn currency_serde_uses_the_code() {
    assert_eq!(serde_json::to_string(&Currency::Sek).unwrap(), r#""SEK""#);
    assert_eq!(
        serde_json::from_str::<Currency>(r#""dkk""#).unwrap(),
        Currency::Dkk
    );
    let err = serde_json::from_str::<Currency>(r#""XYZ""#).unwrap_err();
    assert!(
        err.to_string().contains(r#"unknown currency "XYZ""#),
        "{err}"
    );
}

#[test]
fn format_minor_is_plain_text() {
    assert_eq!(format_minor(123_450, Currency::Nok), "1234.50 NOK");
    assert_eq!(format_minor(3900, Currency::Sek), "39.00 SEK");
    assert_eq!(format_minor(5, Currency::Eur), "0.05 EUR");
    assert_eq!(format_minor(0, Currency::Dkk), "0.00 DKK");
    assert_eq!(format_minor(-5, Currency::Nok), "-0.05 NOK");
    assert_eq!(format_minor(-123_450, Currency::Nok), "-1234.50 NOK");
    assert_eq!(format_minor(1500, Currency::Isk), "1500 ISK");
    assert_eq!(
        format_minor(i64::MIN, Currency::Nok),
        "-92233720368547758.08 NOK"
    );
    assert_eq!(
        format_minor(i64::MAX, Currency::Isk),
        "9223372036854775807 ISK"
    );
}

#[test]
fn quantity_parses_exact_decimals() {
    assert_eq!(q("2").thousandths(), 2000);
    assert_eq!(q("0.5").thousandths(), 500);
    assert_eq!(q("1.125").thousandths(), 1125);
    assert_eq!(q("0.001").thousandths(), 1);
    assert_eq!(q("1.500").thousandths(), 1500, "trailing zeros are fine");
    assert_eq!(q("2.0000000").thousandths(), 2000);
    assert_eq!(q("+3").thousandths(), 3000);
    assert_eq!(q(" 4 ").thousandths(), 4000);
    assert_eq!(q("1000000").thousandths(), 1_000_000_000);
    assert_eq!(q("1e2").thousandths(), 100_000, "JSON exponent form");
    assert_eq!(q("1.25e-1").thousandths(), 125);
    assert_eq!(q("0.1").to_string(), "0.1");
    assert_eq!(q("1.125").to_string(), "1.125");
    assert_eq!(q("2.000").to_string(), "2");
    assert_eq!(q("0.375").to_string(), "0.375");
}

#[test]
fn quantity_errors() {
    let err = |s: &str| s.parse::<Quantity>().unwrap_err();
    assert_eq!(
        err("1.1255"),
        DecimalError::TooManyDecimals {
            max: 3,
            got: r#""1.1255""#.into()
        }
    );
    assert_eq!(
        err("1.1255").to_string(),
        r#"at most 3 decimals (got "1.1255")"#
    );
    assert_eq!(err("0"), DecimalError::NotPositive);
    assert_eq!(err("0.000"), DecimalError::NotPositive);
    assert_eq!(err("-1"), DecimalError::NotPositive);
    assert_eq!(err("-1").to_string(), "must be greater than zero");
    assert_eq!(
        err("1000000.001").to_string(),
        r#"must be at most 1000000 (got "1000000.001")"#
    );
    assert!(matches!(err("1e30"), DecimalError::TooLarge { .. }));
    // Absurdly large input still gets the range message, and its sign is kept.
    assert_eq!(
        err("1e40").to_string(),
        r#"must be at most 1000000 (got "1e40")"#
    );
    assert_eq!(err("-1e40"), DecimalError::NotPositive);
    assert!(matches!(
        err("99999999999999999999999999999999999999999999"),
        DecimalError::TooLarge { .. }
    ));
    for bad in [
        "", " ", "abc", "1,5", "1.2.3", "0x10", "NaN", "inf", "1e", "--1", "½",
    ] {
        assert!(
            matches!(err(bad), DecimalError::NotANumber { .. }),
            "{bad:?} → {:?}",
            err(bad)
        );
    }
    assert_eq!(
        err("abc").to_string(),
        r#"must be a decimal number (got "abc")"#
    );
    // Long garbage is cut in the message.
    let long = "x".repeat(10_000);
    assert!(err(&long).to_string().len() < 100);
}

#[test]
fn quantity_constructors_and_arithmetic() {
    assert_eq!(Quantity::from_thousandths(375).unwrap(), q("0.375"));
    assert_eq!(Quantity::whole(2).unwrap(), q("2"));
    assert_eq!(Quantity::ONE, q("1"));
    assert_eq!(
        Quantity::from_thousandths(0),
        Err(DecimalError::NotPositive)
    );
    assert_eq!(Quantity::whole(-1), Err(DecimalError::NotPositive));
    assert!(Quantity::whole(1_000_001).is_err());
    assert_eq!(
        Quantity::from_thousandths(2_000_000_500)
            .unwrap_err()
            .to_string(),
        r#"must be at most 1000000 (got "2000000.5")"#
    );
    assert!(Quantity::whole(i64::MAX).is_err());
    assert_eq!(Quantity::MAX, q("1000000"));
    assert_eq!(q("1.5").checked_add(q("0.5")), Some(q("2")));
    assert_eq!(Quantity::MAX.checked_add(q("0.001")), None);
    assert_eq!(q("2").checked_sub(q("0.5")), Some(q("1.5")));
    assert_eq!(q("2").checked_sub(q("2")), Some(Quantity::ZERO));
    assert_eq!(q("1").checked_sub(q("2")), None);
    assert!(Quantity::ZERO.is_zero());
    assert!(q("0.001") < q("0.01"));
}

#[test]
fn quantity_serde_accepts_strings_and_numbers() {
    let from = |json: &str| serde_json::from_str::<Quantity>(json);
    assert_eq!(from(r#""1.125""#).unwrap(), q("1.125"));
    assert_eq!(from("1.125").unwrap(), q("1.125"));
    assert_eq!(
        from("0.1").unwrap().thousandths(),
        100,
        "0.1 is exactly 0.1"
    );
    assert_eq!(from("2").unwrap(), q("2"));
    assert_eq!(from("2.0").unwrap(), q("2"));
    assert_eq!(from("0.375").unwrap().thousandths(), 375);
    assert_eq!(from("1e2").unwrap(), q("100"));
    assert!(from("1.1255")
        .unwrap_err()
        .to_string()
        .contains("at most 3 decimals"));
    assert!(from("0")
        .unwrap_err()
        .to_string()
        .contains("greater than zero"));
    assert!(from("-0.5")
        .unwrap_err()
        .to_string()
        .contains("greater than zero"));
    assert!(from("true").is_err());
    assert!(from("null").is_err());
    assert!(from("[1]").is_err());
    assert_eq!(serde_json::to_string(&q("1.125")).unwrap(), r#""1.125""#);
    assert_eq!(serde_json::to_string(&q("3")).unwrap(), r#""3""#);
}

#[test]
fn quantity_as_dintero_number() {
    assert_eq!(q("2").to_json_number().to_string(), "2");
    assert!(q("2").to_json_number().is_u64());
    assert_eq!(q("1.125").to_json_number().to_string(), "1.125");
    assert_eq!(q("0.1").to_json_number().to_string(), "0.1");
    assert_eq!(q("999999.999").to_json_number().to_string(), "999999.999");
}

#[test]
fn vat_rate_parses() {
    for (text, hundredths, shown) in [
        ("25", 2500, "25"),
        ("15", 1500, "15"),
        ("12", 1200, "12"),
        ("25.5", 2550, "25.5"),
        ("0", 0, "0"),
        ("14", 1400, "14"),
        ("24", 2400, "24"),
        ("6", 600, "6"),
        ("12.00", 1200, "12"),
        ("0.01", 1, "0.01"),
        ("99.99", 9999, "99.99"),
        ("-0", 0, "0"),
    ] {
        let rate = v(text);
        assert_eq!(rate.hundredths(), hundredths, "{text}");
        assert_eq!(rate.to_string(), shown, "{text}");
    }
    assert_eq!(VatRate::from_percent(25).unwrap(), v("25"));
    assert_eq!(VatRate::from_hundredths(2550).unwrap(), v("25.5"));
    assert_eq!(VatRate::ZERO, v("0"));
}

#[test]
fn vat_rate_errors() {
    let err = |s: &str| s.parse::<VatRate>().unwrap_err();
    assert_eq!(
        err("25.555").to_string(),
        r#"at most 2 decimals (got "25.555")"#
    );
    assert_eq!(
        err("100").to_string(),
        r#"must be less than 100 (got "100")"#
    );
    assert!(matches!(err("100.00"), DecimalError::TooLarge { .. }));
    assert!(matches!(err("250"), DecimalError::TooLarge { .. }));
    assert_eq!(err("-1").to_string(), r#"must not be negative (got "-1")"#);
    assert!(matches!(err("-0.01"), DecimalError::Negative { .. }));
    assert!(matches!(err("25%"), DecimalError::NotANumber { .. }));
    assert!(matches!(err("0.25.0"), DecimalError::NotANumber { .. }));
    assert_eq!(
        err("1e40").to_string(),
        r#"must be less than 100 (got "1e40")"#
    );
    assert_eq!(
        err("-1e40").to_string(),
        r#"must not be negative (got "-1e40")"#
    );
    assert!(VatRate::from_percent(100).is_err());
    assert!(VatRate::from_hundredths(10_000).is_err());
    assert_eq!(
        VatRate::from_hundredths(10_000).unwrap_err().to_string(),
        r#"must be less than 100 (got "100")"#
    );
}

#[test]
fn vat_rate_serde() {
    let from = |json: &str| serde_json::from_str::<VatRate>(json);
    assert_eq!(from("25.5").unwrap(), v("25.5"));
    assert_eq!(from(r#""25.5""#).unwrap(), v("25.5"));
    assert_eq!(from("25").unwrap(), v("25"));
    assert_eq!(from("0").unwrap(), VatRate::ZERO);
    assert_eq!(from("0.1").unwrap().hundredths(), 10);
    assert!(from("25.555").is_err());
    assert!(from("100").is_err());
    assert_eq!(serde_json::to_string(&v("25.5")).unwrap(), r#""25.5""#);
    assert_eq!(v("25.5").to_json_number().to_string(), "25.5");
    assert_eq!(v("25").to_json_number().to_string(), "25");
}

#[test]
fn division_rounds_half_away_from_zero() {
    let d = |n: i128, d: u64| div_round_half_away_from_zero(n, NonZeroU64::new(d).unwrap());
    assert_eq!(d(5, 2), 3);
    assert_eq!(d(-5, 2), -3);
    assert_eq!(d(7, 2), 4);
    assert_eq!(d(-7, 2), -4);
    assert_eq!(d(4, 3), 1);
    assert_eq!(d(5, 3), 2);
    assert_eq!(d(-4, 3), -1);
    assert_eq!(d(-5, 3), -2);
    assert_eq!(d(1499, 1000), 1);
    assert_eq!(d(1500, 1000), 2);
    assert_eq!(d(-1500, 1000), -2);
    assert_eq!(d(0, 7), 0);
    assert_eq!(d(i128::MIN, 1), i128::MIN);
    assert_eq!(d(i128::MAX, 1), i128::MAX);
    assert_eq!(d(i128::MAX, 2), i128::MAX / 2 + 1);
    assert_eq!(d(i128::MIN, 2), i128::MIN / 2);
    assert_eq!(d(1, u64::MAX), 0);
}

#[test]
fn rule_line_amount() {
    assert_eq!(line_amount(q("2"), 3900), 7800);
    // Weighed goods: 0.375 kg × 129.90 kr/kg = 48.7125 kr → 48.71
    assert_eq!(line_amount(q("0.375"), 12990), 4871);
    // 0.5 × 3 = 1.5 → 2 (half away from zero)
    assert_eq!(line_amount(q("0.5"), 3), 2);
    assert_eq!(line_amount(q("0.5"), -3), -2);
    assert_eq!(line_amount(q("0.125"), 4), 1, "0.5 → 1");
    assert_eq!(line_amount(q("0.001"), 499), 0, "0.499 → 0");
    assert_eq!(line_amount(q("0.001"), 500), 1, "0.5 → 1");
    assert_eq!(line_amount(q("1.125"), 1999), 2249, "2248.875 → 2249");
    // Never overflows, even far beyond anything Dintero accepts.
    assert_eq!(
        line_amount(Quantity::MAX, i64::MAX),
        i128::from(i64::MAX) * 1_000_000
    );
}

#[test]
fn rule_vat_included() {
    // 25 %: exactly a fifth when divisible by 5.
    assert_eq!(vat_included(7800, v("25")), 1560);
    assert_eq!(
        vat_included(29990, v("25")),
        5998,
        "Dintero's own example, done right"
    );
    // 12.5 → 13 half away from zero: 62.5 × 25/125 = 12.5
    assert_eq!(vat_included(63, v("25")), 13, "12.6");
    assert_eq!(vat_included(62, v("25")), 12, "12.4");
    // 23 × 15/115 = 3 exactly.
    assert_eq!(vat_included(23, v("15")), 3);
    // True ties need a rate where amount × rate / (100 + rate) can end in .5: at 20 % it is a/6.
    // (At 25 % it is a/5, which never ends in .5.)
    assert_eq!(vat_included(3, v("20")), 1, "0.5 → 1");
    assert_eq!(vat_included(9, v("20")), 2, "1.5 → 2");
    assert_eq!(vat_included(-9, v("20")), -2, "-1.5 → -2");
    // Finnish 25.5 %: 1000 × 25.5 / 125.5 = 203.187… → 203
    assert_eq!(vat_included(1000, v("25.5")), 203);
    // 12550 × 25.5/125.5 = 2550 exactly
    assert_eq!(vat_included(12550, v("25.5")), 2550);
    // 251 × 25.5 / 125.5 = 51 exactly
    assert_eq!(vat_included(251, v("25.5")), 51);
    // 502 × 25.5 / 125.5 = 102 exactly; 753 → 153
    assert_eq!(vat_included(753, v("25.5")), 153);
    // 0 %
    assert_eq!(vat_included(12345, VatRate::ZERO), 0);
    // 99.99 % never exceeds the amount
    assert_eq!(vat_included(1, v("99.99")), 0, "0.49998 → 0");
    assert_eq!(vat_included(2, v("99.99")), 1);
    assert!(vat_included(i64::MAX, v("99.99")) < i64::MAX);
    assert!(vat_included(i64::MIN, v("99.99")) > i64::MIN);
}
