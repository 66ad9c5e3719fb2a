//! One sale from the cart to its last step.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use dintero_sandbox::PayOptions;
use kasse_core::order::OrderInput;
use kasse_core::sale::{OpKind, Sale, SaleStatus};
use kasse_core::{Kasse, RefundSpec};

use crate::cashier::{as_cashier, note_error, settled, AtSale, Ended, PressFn, Pressed};
use crate::counter::Counter;
use crate::plan::{Give, Pay, Plan, Press, Take};
use crate::{CARD_DECLINED, CARD_OK};

/// One sale: a cashier of the plan's window charges, the customer pays (with the plan's
/// product), and the after-sale steps follow.
pub async fn sell(counter: Arc<Counter>, plan: Plan) {
    let seat = counter.floor.seat(plan.window).await;
    let checkout = checkout(&counter, &plan).await;
    counter.floor.checked_out.fetch_add(1, Ordering::SeqCst);
    let Some(sale) = checkout else { return };
    let mut at = AtSale {
        counter: &counter,
        window: plan.window,
        seat: Some(seat),
        id: sale.id.clone(),
    };
    after_sale(&mut at, &plan, sale).await;
}

fn finish(counter: &Counter, id: &str, plan: &Plan, ended: Ended, captured: i64, refunded: i64) {
    counter
        .record
        .lock()
        .unwrap()
        .sales
        .insert(id.to_owned(), (plan.clone(), ended, captured, refunded));
}

/// The sale ended because the cashier gave up on `what` after `e`; `captured` was taken.
fn gave_up(
    counter: &Counter,
    id: &str,
    plan: &Plan,
    what: &'static str,
    e: &dyn std::fmt::Display,
    captured: i64,
) {
    let ended = Ended::GaveUp(what, e.to_string());
    finish(counter, id, plan, ended, captured, 0);
}

/// Charge, the customer, and the watcher settling the sale. Returns the paid sale, or `None`
/// when the sale ended without a payment (recorded).
async fn checkout(counter: &Counter, plan: &Plan) -> Option<Sale> {
    let kasse: &Kasse = &counter.windows[plan.window];
    let record = &counter.record;
    let order = OrderInput::from_json_str(&plan.order).expect("plan order");
    let started = Instant::now();
    // Charge: a failed charge is its own (failed) sale; the cashier presses Charge again.
    let mut charge = None;
    for _ in 0..3 {
        record.lock().unwrap().actions += 1;
        match kasse.charge(&order).await {
            Ok(c) => {
                charge = Some(c);
                break;
            }
            Err(e) => {
                note_error(record, "charge", &e);
                // The failed charge is a sale of its own in the log (checked at the end).
                record
                    .lock()
                    .unwrap()
                    .failed_charges
                    .push(e.code().to_owned());
            }
        }
    }
    let Some(charge) = charge else {
        record.lock().unwrap().no_checkout += 1;
        return None;
    };
    let id = charge.sale.id.clone();
    let pay = |card: &str| PayOptions {
        card: Some(card.into()),
        payment_product_type: plan.product.map(Into::into),
        ..PayOptions::default()
    };
    match plan.pay {
        Pay::Ok => {
            counter
                .control
                .pay_with(&charge.session_id, pay(CARD_OK))
                .expect("pay");
        }
        Pay::Declined => {
            let _ = counter
                .control
                .pay_with(&charge.session_id, pay(CARD_DECLINED));
        }
        Pay::WalkAway => {
            let r = as_cashier(
                kasse,
                record,
                &id,
                "cancel",
                |s| !s.is_open(),
                || kasse.cancel(&id),
            )
            .await;
            if let Err(e) = r {
                gave_up(counter, &id, plan, "cancel", &e, 0);
                return None;
            }
        }
    }
    let sale = settled(kasse, &id).await;
    record
        .lock()
        .unwrap()
        .followed_ms
        .push(started.elapsed().as_millis() as u64);
    if plan.pay != Pay::Ok {
        finish(counter, &id, plan, Ended::Done, 0, 0);
        return None;
    }
    assert_eq!(
        sale.status,
        SaleStatus::Authorized,
        "a paid sale settles as authorised: {sale:#?}"
    );
    Some(sale)
}

/// Capture (all, half) or void, then refund (an amount, a line, or nothing).
async fn after_sale(at: &mut AtSale<'_>, plan: &Plan, sale: Sale) {
    let (counter, id) = (at.counter, at.id.clone());
    let amount = sale.amount;
    let captured = match plan.take {
        Take::Void => {
            let void: Box<PressFn> = {
                let id = id.clone();
                Box::new(move |k: Kasse, key: String| -> Pressed {
                    let id = id.clone();
                    Box::pin(async move { k.void_once(&id, &key, None).await })
                })
            };
            let r = at.step(OpKind::Void, "void", plan.presses[0], &*void).await;
            let ended = match r {
                Ok(()) => Ended::Done,
                Err(e) => Ended::GaveUp("void", e.to_string()),
            };
            finish(counter, &id, plan, ended, 0, 0);
            return;
        }
        Take::Full => amount,
        Take::Half => (amount / 2).max(1),
    };
    let ask = (plan.take == Take::Half).then_some(captured);
    let capture: Box<PressFn> = {
        let id = id.clone();
        Box::new(move |k: Kasse, key: String| -> Pressed {
            let id = id.clone();
            Box::pin(async move { k.capture_once(&id, ask, &key).await })
        })
    };
    let r = at
        .step(OpKind::Capture, "capture", plan.presses[0], &*capture)
        .await;
    if let Err(e) = r {
        gave_up(counter, &id, plan, "capture", &e, captured);
        return;
    }

    let (spec, refunded) = match plan.give {
        Give::Nothing => {
            finish(counter, &id, plan, Ended::Done, captured, 0);
            return;
        }
        Give::Amount(per_mille) => {
            let a = (captured * per_mille / 1000).max(1);
            (RefundSpec::Amount(a), a)
        }
        Give::Line => {
            let order = OrderInput::from_json_str(&plan.order).expect("plan order");
            let priced = counter.windows[0].price(&order).expect("price");
            let line = &priced.lines[0];
            // One unit of line 1, as the engine prices a part of a line; a half capture may
            // not cover it, then the cashier refunds an amount instead.
            let part = line
                .part(kasse_core::money::Quantity::ZERO, "1".parse().unwrap())
                .expect("part");
            if part.amount <= captured {
                (
                    RefundSpec::Lines(vec![("1".into(), "1".parse().unwrap())]),
                    part.amount,
                )
            } else {
                (RefundSpec::Amount(captured), captured)
            }
        }
    };
    // Two different presses at once only where one alone can be done.
    let mut first = plan.presses[1];
    if first == Press::DiffKeys
        && (refunded * 2 <= captured || matches!(spec, RefundSpec::Lines(_)))
    {
        first = Press::SameKey;
    }
    let refund: Box<PressFn> = {
        let id = id.clone();
        Box::new(move |k: Kasse, key: String| -> Pressed {
            let (id, spec) = (id.clone(), spec.clone());
            Box::pin(async move {
                k.refund_once(&id, spec, Some("fault suite".into()), &key, None)
                    .await
            })
        })
    };
    let r = at.step(OpKind::Refund, "refund", first, &*refund).await;
    match r {
        Ok(()) => finish(counter, &id, plan, Ended::Done, captured, refunded),
        Err(e) => gave_up(counter, &id, plan, "refund", &e, captured),
    }
}
