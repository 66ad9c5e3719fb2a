//! What each sale is to be: the order, how the customer pays and with what, what the cashier
//! captures and refunds, from which window, and which presses reach both windows at once.

use rand::rngs::StdRng;
use rand::Rng;

use crate::ASYNC_PRODUCTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pay {
    Ok,
    Declined,
    /// The customer walks away; the cashier cancels.
    WalkAway,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Full,
    Half,
    Void,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    Nothing,
    /// Refund this share (per mille) of what was captured.
    Amount(i64),
    /// Refund one unit of line 1.
    Line,
}

/// How the first press of an after-sale step reaches the engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// From the cashier's own window (engine).
    Own,
    /// From the other window: the engine that did not charge the sale.
    Other,
    /// One press reaching both windows at once: the same idempotency key from both engines.
    SameKey,
    /// Both windows pressed at once, each with its own key. Only for steps of which one alone
    /// can be done (capture all, void, refund more than half); others press [`Press::SameKey`].
    DiffKeys,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub order: String,
    pub pay: Pay,
    /// The payment product; `None` is the default card, answered at once. The products of
    /// [`ASYNC_PRODUCTS`] are answered `202` and completed later.
    pub product: Option<&'static str>,
    pub take: Take,
    pub give: Give,
    /// The window (engine, "process") whose cashier charges the sale and presses.
    pub window: usize,
    /// How the capture (or void) and the refund are first pressed.
    pub presses: [Press; 2],
}

fn press(rng: &mut StdRng) -> Press {
    match rng.gen_range(0..100) {
        0..=11 => Press::SameKey,
        12..=19 => Press::DiffKeys,
        20..=31 => Press::Other,
        _ => Press::Own,
    }
}

pub fn plan(rng: &mut StdRng, index: usize, async_share: f64) -> Plan {
    let lines = rng.gen_range(1..=3);
    let vats = ["25", "15", "12", "0"];
    let lines: Vec<String> = (0..lines)
        .map(|i| {
            format!(
                r#"{{"description":"Vare {i}","quantity":"{}","unit_price":{},"vat":"{}"}}"#,
                rng.gen_range(1..=3),
                rng.gen_range(500..20_000),
                vats[rng.gen_range(0..vats.len())]
            )
        })
        .collect();
    let order = format!(r#"{{"currency":"NOK","lines":[{}]}}"#, lines.join(","));
    let pay = match rng.gen_range(0..100) {
        0..=7 => Pay::Declined,
        8..=15 => Pay::WalkAway,
        _ => Pay::Ok,
    };
    let take = match rng.gen_range(0..100) {
        0..=5 => Take::Void,
        6..=25 => Take::Half,
        _ => Take::Full,
    };
    let give = match rng.gen_range(0..100) {
        0..=34 => Give::Nothing,
        35..=69 => Give::Amount(rng.gen_range(100..=1000)),
        _ => Give::Line,
    };
    let product = rng
        .gen_bool(async_share.clamp(0.0, 1.0))
        .then(|| ASYNC_PRODUCTS[rng.gen_range(0..ASYNC_PRODUCTS.len())]);
    let mut presses = [press(rng), press(rng)];
    if presses[0] == Press::DiffKeys && take == Take::Half {
        presses[0] = Press::SameKey;
    }
    Plan {
        order,
        pay,
        product,
        take,
        give,
        window: index % 2,
        presses,
    }
}
