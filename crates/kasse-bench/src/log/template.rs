//! The sales the log figures write: one real sale of each kind run through `Kasse` against an
//! in-process sandbox (charged, paid, captured, refunded, declined, cancelled, voided), kept as
//! templates with Dintero's real JSON snapshots, then copied with fresh ids, references and
//! amounts by a deterministic generator.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use dintero_sandbox::{Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::clock::{RandomIds, SystemClock};
use kasse_core::money::Currency;
use kasse_core::order::{OrderInput, PricedOrder};
use kasse_core::sale::{format_merchant_reference, LogEvent, SaleStatus};
use kasse_core::store::Store;
use kasse_core::{Kasse, KasseConfig, RefundSpec};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::common;

/// Declined sandbox test card.
const CARD_DECLINED: &str = "4100000000000076";
/// The template order's unit prices: odd numbers that appear nowhere else in the JSON.
const T_PRICE_1: i64 = 4711;
const T_PRICE_2: i64 = 31337;
/// Sales are spread over the year before this moment (2026-11-24T00:00Z).
const END_MS: i64 = 1_795_478_400_000;
const YEAR_MS: i64 = 365 * 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Captured,
    Refunded,
    PartRefunded,
    Declined,
    Cancelled,
    Authorized,
    Voided,
}

/// The mix, per thousand sales.
pub const MIX: &[(Flow, u32)] = &[
    (Flow::Captured, 815),
    (Flow::Refunded, 30),
    (Flow::PartRefunded, 20),
    (Flow::Declined, 60),
    (Flow::Cancelled, 40),
    (Flow::Authorized, 20),
    (Flow::Voided, 15),
];

/// One real sale's journal, to copy.
#[derive(Debug, Clone)]
pub struct Template {
    flow: Flow,
    events: Vec<Value>,
    session_id: String,
    transaction_id: Option<String>,
    reference: String,
    op_ids: Vec<String>,
}

fn template_order(p1: i64, p2: i64) -> Result<PricedOrder> {
    let json = serde_json::json!({
        "currency": "NOK",
        "lines": [
            {"description": "Kaffe latte stor", "quantity": "1", "unit_price": p1, "vat": "15"},
            {"description": "Termokopp", "quantity": "1", "unit_price": p2, "vat": "25"}
        ]
    });
    Ok(OrderInput::from_json_value(&json)?.price(Currency::Nok)?)
}

/// The numbers of a priced order that templates carry: line amounts and VAT, totals.
fn order_numbers(o: &PricedOrder) -> Vec<i64> {
    let mut v = Vec::new();
    for l in &o.lines {
        v.push(l.amount);
        v.push(l.vat_amount);
    }
    v.push(o.amount);
    v.push(o.vat_amount);
    v
}

async fn wait_for(kasse: &Kasse, id: &str, what: impl Fn(SaleStatus) -> bool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !what(kasse.find(id)?.status) {
        if Instant::now() > deadline {
            bail!("template sale {id} stuck in {}", kasse.find(id)?.status);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Runs one real sale of each flow and keeps their journals.
pub async fn capture_templates() -> Result<Vec<Template>> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let control = sandbox.control();
    let client = common::client_for(&sandbox.base_url())?;
    let mut config = KasseConfig::new("KASSE1", format!("{}/_sim/return", sandbox.base_url()));
    config.cadence = Cadence {
        waiting_ms: 20,
        paying_ms: 10,
        backoff_after_ms: 600_000,
        max_interval_ms: 100,
        burst: 100_000,
        refill_per_minute: 1_000_000,
    };
    let kasse = Kasse::new(
        Store::open_in_memory()?,
        client,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        config,
    );
    let order = serde_json::json!({
        "currency": "NOK",
        "lines": [
            {"description": "Kaffe latte stor", "quantity": "1", "unit_price": T_PRICE_1, "vat": "15"},
            {"description": "Termokopp", "quantity": "1", "unit_price": T_PRICE_2, "vat": "25"}
        ]
    });
    let order = OrderInput::from_json_value(&order)?;
    let mut out = Vec::new();
    for &(flow, _) in MIX {
        let ch = kasse.charge(&order).await?;
        let id = ch.sale.id.clone();
        control.visit(&ch.session_id)?;
        wait_for(&kasse, &id, |s| s == SaleStatus::Paying).await?;
        match flow {
            Flow::Cancelled => {
                kasse.cancel(&id).await?;
                wait_for(&kasse, &id, |s| !s.is_open()).await?;
            }
            Flow::Declined => {
                control.pay(&ch.session_id, CARD_DECLINED)?;
                wait_for(&kasse, &id, |s| !s.is_open()).await?;
            }
            _ => {
                control.pay(&ch.session_id, common::CARD_OK)?;
                wait_for(&kasse, &id, |s| !s.is_open()).await?;
                match flow {
                    Flow::Captured => {
                        kasse.capture(&id, None).await?;
                    }
                    Flow::Refunded => {
                        kasse.capture(&id, None).await?;
                        kasse.refund(&id, RefundSpec::Full, None).await?;
                    }
                    Flow::PartRefunded => {
                        kasse.capture(&id, None).await?;
                        kasse
                            .refund(&id, RefundSpec::Amount(T_PRICE_1), Some("one line".into()))
                            .await?;
                    }
                    Flow::Voided => {
                        kasse.void(&id).await?;
                    }
                    _ => {}
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let sale = kasse.find(&id)?;
        let expected = match flow {
            Flow::Captured => SaleStatus::Captured,
            Flow::Refunded => SaleStatus::Refunded,
            Flow::PartRefunded => SaleStatus::PartiallyRefunded,
            Flow::Declined => SaleStatus::Declined,
            Flow::Cancelled => SaleStatus::Cancelled,
            Flow::Authorized => SaleStatus::Authorized,
            Flow::Voided => SaleStatus::Voided,
        };
        if sale.status != expected {
            bail!(
                "template {flow:?} ended {}, expected {expected}",
                sale.status
            );
        }
        let events = kasse.store().events(&id)?;
        out.push(Template {
            flow,
            op_ids: events
                .iter()
                .filter_map(|e| e.event.op_id().map(str::to_owned))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            events: events
                .iter()
                .map(|e| serde_json::to_value(&e.event))
                .collect::<Result<_, _>>()?,
            session_id: ch.session_id.clone(),
            transaction_id: sale.transaction_id.clone(),
            reference: sale.merchant_reference.clone(),
        });
    }
    drop(kasse);
    sandbox.shutdown().await;
    Ok(out)
}

/// Replaces template strings (substrings, or whole values when `exact`) and numbers.
fn subst(v: &mut Value, strs: &[(String, String, bool)], nums: &[(i64, i64)]) {
    match v {
        Value::String(s) => {
            for (from, to, exact) in strs {
                if *exact {
                    if s == from {
                        *s = to.clone();
                    }
                } else if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if let Some((_, to)) = nums.iter().find(|(from, _)| *from == i) {
                    *v = Value::from(*to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| subst(x, strs, nums)),
        Value::Object(o) => o.values_mut().for_each(|x| subst(x, strs, nums)),
        _ => {}
    }
}

fn dintero_id(rng: &mut StdRng) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let tail: String = (0..22)
        .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
        .collect();
    format!("{}.{tail}", common::ACCOUNT)
}

/// Makes sales from templates, deterministically (same seed → same sales).
pub struct Generator {
    templates: Vec<Template>,
    template_numbers: Vec<i64>,
    rng: StdRng,
    seq: HashMap<(u32, Date), u32>,
    n: u64,
    i: u64,
}

/// One generated sale: its id and events with their times.
pub type GenSale = (String, Vec<(LogEvent, OffsetDateTime)>);

impl Generator {
    pub fn new(templates: Vec<Template>, n: u64) -> Result<Generator> {
        let template_numbers = order_numbers(&template_order(T_PRICE_1, T_PRICE_2)?);
        let mut uniq = template_numbers.clone();
        uniq.sort_unstable();
        uniq.dedup();
        if uniq.len() != template_numbers.len() {
            bail!("the template order's numbers are not distinct");
        }
        Ok(Generator {
            templates,
            template_numbers,
            rng: StdRng::seed_from_u64(0x004b_4153_5345),
            seq: HashMap::new(),
            n,
            i: 0,
        })
    }

    pub fn next_sale(&mut self) -> Result<GenSale> {
        let i = self.i;
        self.i += 1;
        let rng = &mut self.rng;
        // Evenly over the year, a little jitter, in order.
        let step = YEAR_MS / self.n as i64;
        let created_ms = END_MS - YEAR_MS + i as i64 * step + rng.gen_range(0..step.max(1));
        let created =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(created_ms) * 1_000_000)?;
        let counter = (i % 3) as u32 + 1;
        let day = created.date();
        let seq = self.seq.entry((counter, day)).or_insert(0);
        *seq += 1;
        let reference = format_merchant_reference(&format!("KASSE{counter}"), day, *seq);
        let pick = rng.gen_range(0..1000u32);
        let mut acc = 0;
        let flow = MIX
            .iter()
            .find(|(_, w)| {
                acc += w;
                pick < acc
            })
            .map(|(f, _)| *f)
            .unwrap_or(Flow::Captured);
        let t = self
            .templates
            .iter()
            .find(|t| t.flow == flow)
            .context("template missing")?;
        // A basket between ~NOK 20 and ~NOK 700.
        let p1 = rng.gen_range(10..60) * 100 - if rng.gen_bool(0.5) { 10 } else { 0 };
        let p2 = rng.gen_range(10..650) * 100 + rng.gen_range(0..10) * 10;
        let numbers = order_numbers(&template_order(p1, p2)?);
        let nums: Vec<(i64, i64)> = self.template_numbers.iter().copied().zip(numbers).collect();
        let mut strs = vec![
            (t.reference.clone(), reference, false),
            (t.session_id.clone(), dintero_id(rng), false),
        ];
        if let Some(tid) = &t.transaction_id {
            strs.push((tid.clone(), dintero_id(rng), false));
        }
        for op in &t.op_ids {
            strs.push((
                op.clone(),
                kasse_core::clock::time_ordered_id(created_ms as u64, rng.gen()),
                false,
            ));
        }
        strs.push(("KASSE1".into(), format!("KASSE{counter}"), true));
        // Ids as Kasse makes them (clock::RandomIds).
        let sale_id = kasse_core::clock::time_ordered_id(created_ms as u64, rng.gen());
        let mut events = Vec::with_capacity(t.events.len());
        for (k, ev) in t.events.iter().enumerate() {
            let mut ev = ev.clone();
            subst(&mut ev, &strs, &nums);
            let at = created + time::Duration::seconds(4 * k as i64);
            events.push((serde_json::from_value(ev)?, at));
        }
        Ok((sale_id, events))
    }
}
