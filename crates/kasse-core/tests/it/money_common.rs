//! Strategies and the reference rounding shared by the money and order property tests.

use kasse_core::money::{Quantity, VatRate};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

/// The reference rounding: half away from zero, by rust_decimal.
pub fn round_ref(d: Decimal) -> i128 {
    let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    r.mantissa() / 10_i128.pow(r.scale())
}

/// Quantities: whole units up to `max_whole`, small weights (up to 5), and any up to
/// `max_thousandths`.
pub fn quantity(max_whole: i64, max_thousandths: i64) -> impl Strategy<Value = Quantity> {
    prop_oneof![
        (1..=max_thousandths).prop_map(|t| Quantity::from_thousandths(t).unwrap()),
        (1..=max_whole).prop_map(|u| Quantity::whole(u).unwrap()),
        (1_i64..=5_000).prop_map(|t| Quantity::from_thousandths(t).unwrap()),
    ]
}

/// VAT rates: the common ones, and any.
pub fn vat_rate() -> impl Strategy<Value = VatRate> {
    prop_oneof![
        prop::sample::select(vec![0_u32, 600, 1000, 1200, 1400, 1500, 2400, 2500, 2550])
            .prop_map(|h| VatRate::from_hundredths(h).unwrap()),
        (0_u32..=9999).prop_map(|h| VatRate::from_hundredths(h).unwrap()),
    ]
}
