//! How strict the sandbox is, per payment product type: asynchronous operations, required
//! items, capture at authorization. Set with [`crate::Control::set_behaviour`] or
//! `POST /_sim/behaviour`; `DELETE /_sim/behaviour` and `/_sim/reset` restore the defaults.
//!
//! Each switch follows a passage of `dintero-api.md`:
//!
//! - **`async_operations`** — §4.3: capture, refund and void may answer `202` "Request accepted
//!   for processing": "body is the Transaction, header `event-request-id` = request_id of the
//!   accepted event; the transaction later gets a new event whose `correlation_request_id`
//!   equals it". §8.1 lists the `INITIATE_CAPTURE`/`INITIATE_REFUND`/`INITIATE_VOID` events and
//!   `correction` ("status correction after a failed operation"); §12: "Captures might fail for
//!   various reasons" (§4.3) — "always check the returned `status` and the last `CAPTURE`
//!   event's `success`". The sandbox appends `INITIATE_*` at once (with the request's
//!   `event_reference`, `amount`, `items`; `request_id` = the `event-request-id`) and the
//!   completion `delay` later on the simulated clock; with `fail_probability` (drawn from the
//!   fault injector's seeded generator when the operation is accepted) the completion is a
//!   failed event (`success:false`, `error.type:["ERROR"]`, status unchanged, `correction`
//!   `{status, remaining_capture_amount, remaining_refund_amount, remaining_void_amount}`, the
//!   void amount being the authorization not yet captured or released). While an operation is
//!   in flight its amount counts against what can be captured or refunded: an operation must
//!   be allowed both now and once every in-flight operation has completed (an in-flight
//!   capture does not make money refundable early).
//! - **`requires_items`** — §12 (capture `items`): "Required for Instabank ("with `line_id`,
//!   `quantity` and `amount`")"; §13 (refund `items`): "required for Instabank"; §5.1
//!   (session `items`): "Required when Instabank/Collector are configured". Capture/refund
//!   without `items` or with `"items": []` is then 400 `invalid_request`
//!   `items are required for <payment_product_type>`. Elsewhere an empty array means "no
//!   items" (what Dintero's SDKs send for amount-only operations).
//! - **`captured_at_authorization`** — §9.1: `CAPTURED` is "also the direct result of
//!   auto-capture, Swish, terminals". Paying goes straight to `CAPTURED` with an `AUTHORIZE`
//!   event whose `transaction_status` is `CAPTURED` and no `CAPTURE` event; the captured
//!   amount is known, so refunds work.
//! - **`auto_capture_delay`** — §5.1: with `configuration.auto_capture` Dintero captures "after
//!   `AUTHORIZED`", retrying for 48 hours, and "a manual capture while auto-capture is pending
//!   stops the auto-capture"; the callback comes "only after `CAPTURED`". Zero (the default):
//!   the `CAPTURE` event follows the `AUTHORIZE` at once. Otherwise the transaction stays
//!   `AUTHORIZED` for that long on the simulated clock, then captures (or fails, with the
//!   auto-capture timeout card of §19) unless a capture or void came first; the callback waits.
//!
//! Defaults: synchronous (or `SandboxConfig::async_operations`: asynchronous with
//! [`crate::ASYNC_COMPLETION_DELAY`] and no failures), items optional, authorization only.
//! Built in per product type: `instabank.*` and `collector.*` require items; `swish.swish` is
//! captured at authorization.
//!
//! Resolution: a setting made for one product type replaces that type's whole behaviour;
//! otherwise a type gets the default for all with its built-in rules on top (so making
//! everything asynchronous keeps Instabank's required items). `POST /_sim/behaviour` changes
//! only the fields it sends, starting from what the product type (or the default) has now.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

/// Capture/refund/void answered `202` and completed later.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsyncOperations {
    /// Simulated time between the `202` and the completion event.
    pub delay: Duration,
    /// Chance (0–1) that the completion is a failed event with a `correction`.
    pub fail_probability: f64,
}

impl AsyncOperations {
    /// Completes after `delay`, never fails.
    pub fn after(delay: Duration) -> Self {
        AsyncOperations {
            delay,
            fail_probability: 0.0,
        }
    }
}

/// How the sandbox treats the payments of one payment product type.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Behaviour {
    /// `Some`: capture/refund/void answer `202` and complete later; `None`: `200` at once.
    pub async_operations: Option<AsyncOperations>,
    /// Capture and refund must send `items` (a non-empty array).
    pub requires_items: bool,
    /// Paying goes straight to `CAPTURED` (no `CAPTURE` event).
    pub captured_at_authorization: bool,
    /// How long after the authorization a session's `configuration.auto_capture` captures
    /// (simulated time; zero: at once, in the same step as the authorization).
    pub auto_capture_delay: Duration,
}

impl Behaviour {
    /// `base` with the built-in rules of `payment_product_type` on top.
    pub fn with_builtin(mut self, payment_product_type: &str) -> Behaviour {
        let product = payment_product_type
            .split_once('.')
            .map_or(payment_product_type, |(p, _)| p);
        if matches!(product, "instabank" | "collector") {
            self.requires_items = true;
        }
        if payment_product_type == "swish.swish" {
            self.captured_at_authorization = true;
        }
        self
    }

    /// The JSON shape of `POST /_sim/behaviour` (without `payment_product_type`).
    pub fn to_json(&self) -> Value {
        json!({
            "async_operations": self.async_operations.map(|a| json!({
                "delay_seconds": a.delay.as_secs_f64(),
                "fail_probability": a.fail_probability,
            })),
            "requires_items": self.requires_items,
            "captured_at_authorization": self.captured_at_authorization,
            "auto_capture_delay_seconds": self.auto_capture_delay.as_secs_f64(),
        })
    }
}

/// The behaviours in force: the default for all and the per-product-type settings.
#[derive(Debug)]
pub(crate) struct Behaviours {
    initial: Behaviour,
    default: Behaviour,
    products: HashMap<&'static str, Behaviour>,
}

impl Behaviours {
    /// `initial` is the default for all (from the configuration).
    pub fn new(initial: Behaviour) -> Self {
        Behaviours {
            initial,
            default: initial,
            products: HashMap::new(),
        }
    }

    /// Back to the configuration's default and the built-in rules.
    pub fn reset(&mut self) {
        self.default = self.initial;
        self.products.clear();
    }

    /// What a payment of `payment_product_type` gets.
    pub fn resolve(&self, payment_product_type: &str) -> Behaviour {
        self.products
            .get(payment_product_type)
            .copied()
            .unwrap_or_else(|| self.default.with_builtin(payment_product_type))
    }

    /// The behaviour of a scope: a product type, or the default for all (`None`).
    pub fn scope(&self, payment_product_type: Option<&str>) -> Behaviour {
        match payment_product_type {
            Some(t) => self.resolve(t),
            None => self.default,
        }
    }

    /// Replace the behaviour of a scope.
    pub fn set(&mut self, payment_product_type: Option<&'static str>, behaviour: Behaviour) {
        match payment_product_type {
            Some(t) => {
                self.products.insert(t, behaviour);
            }
            None => self.default = behaviour,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_sit_on_the_default_and_product_settings_replace_them() {
        let mut b = Behaviours::new(Behaviour::default());
        assert!(b.resolve("instabank.finance").requires_items);
        assert!(b.resolve("collector.invoice_b2b").requires_items);
        assert!(!b.resolve("vipps").requires_items);
        assert!(b.resolve("swish.swish").captured_at_authorization);
        assert!(!b.resolve("payex.swish").captured_at_authorization);
        let slow = AsyncOperations::after(Duration::from_secs(120));
        b.set(
            None,
            Behaviour {
                async_operations: Some(slow),
                ..Behaviour::default()
            },
        );
        let insta = b.resolve("instabank.finance");
        assert_eq!(insta.async_operations, Some(slow));
        assert!(
            insta.requires_items,
            "built-in rule kept under a new default"
        );
        b.set(Some("instabank.finance"), Behaviour::default());
        assert_eq!(b.resolve("instabank.finance"), Behaviour::default());
        assert!(b.resolve("instabank.invoice").requires_items);
        b.reset();
        assert_eq!(b.scope(None), Behaviour::default());
        assert!(b.resolve("instabank.finance").requires_items);
    }
}
