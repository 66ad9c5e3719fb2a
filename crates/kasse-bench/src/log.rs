//! Figure group 4, the log at scale: a million sales with realistic events; list and search latency; event
//! append throughput under the durability Kasse ships; file size per sale.
//!
//! **Realistic events.** The generator first runs one real sale of each kind through `Kasse`
//! against an in-process sandbox (charged, opened, paid and captured; refunded in full; refunded
//! in part; declined; cancelled; authorised only; voided) and keeps each sale's journal as a
//! template: the same event kinds, in the same order, with Dintero's real JSON snapshots. Each
//! generated sale copies a template (picked by a fixed status mix) with fresh ids, a merchant
//! reference of its counter and day, and its own amounts, and is written through
//! `Store::append_many` (5,000 sales per transaction), so the journal, its hash chain and the
//! projection are exactly what Kasse writes. The database is built once and cached under
//! `target/bench/cache/`, keyed by the schema version and the generator's version. A log cached
//! for an older schema (same generator) is not rebuilt: it is opened with `Store::open`, which
//! migrates it as Kasse does at start (timed, and reported with the file size), then renamed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use dintero_sandbox::{Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::clock::{RandomIds, SystemClock};
use kasse_core::money::Currency;
use kasse_core::order::{OrderInput, PricedOrder};
use kasse_core::sale::{format_merchant_reference, LogEvent, SaleStatus};
use kasse_core::store::{AmountFilter, Durability, ListQuery, Store, StoreOptions, LATEST_VERSION};
use kasse_core::{Kasse, KasseConfig, RefundSpec};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::common::{self, fmt_value, group_thousands, median, ms, noise, Dist, Goal, Section};

/// Bump when the generated data changes (invalidates the cache).
const GENERATOR: u32 = 1;
/// Declined sandbox test card.
const CARD_DECLINED: &str = "4100000000000076";
/// The template order's unit prices: odd numbers that appear nowhere else in the JSON.
const T_PRICE_1: i64 = 4711;
const T_PRICE_2: i64 = 31337;
/// Sales are spread over the year before this moment (2026-11-24T00:00Z).
const END_MS: i64 = 1_795_478_400_000;
const YEAR_MS: i64 = 365 * 86_400_000;
/// Sales per `append_many` transaction while building.
const BATCH_SALES: usize = 5_000;

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Captured,
    Refunded,
    PartRefunded,
    Declined,
    Cancelled,
    Authorized,
    Voided,
}

/// The mix, per thousand sales.
const MIX: &[(Flow, u32)] = &[
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
struct Template {
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
async fn capture_templates() -> Result<Vec<Template>> {
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
struct Generator {
    templates: Vec<Template>,
    template_numbers: Vec<i64>,
    rng: StdRng,
    seq: HashMap<(u32, Date), u32>,
    n: u64,
    i: u64,
}

/// One generated sale: its id and events with their times.
type GenSale = (String, Vec<(LogEvent, OffsetDateTime)>);

impl Generator {
    fn new(templates: Vec<Template>, n: u64) -> Result<Generator> {
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

    fn next_sale(&mut self) -> Result<GenSale> {
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
                uuid::Uuid::from_u128(rng.gen()).to_string(),
                false,
            ));
        }
        strs.push(("KASSE1".into(), format!("KASSE{counter}"), true));
        let sale_id = uuid::Uuid::from_u128(rng.gen()).to_string();
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

fn db_path_for(cache: &Path, n: u64, schema: i64) -> PathBuf {
    cache.join(format!("log-{n}-schema{schema}-gen{GENERATOR}.sqlite"))
}

fn db_path(cache: &Path, n: u64) -> PathBuf {
    db_path_for(cache, n, LATEST_VERSION)
}

/// The newest cached log of `n` sales from this generator but an older schema, if any.
fn older_db(cache: &Path, n: u64) -> Option<(PathBuf, i64)> {
    (1..LATEST_VERSION)
        .rev()
        .map(|v| (db_path_for(cache, n, v), v))
        .find(|(p, _)| p.exists())
}

/// Where the cached log came from this run.
enum Cached {
    /// Cached by an earlier run.
    Hit,
    /// Built now, in this many seconds.
    Built(f64),
    /// Cached for schema `from` and migrated now by `Store::open`, in this many seconds.
    Migrated { from: i64, secs: f64 },
}

/// Migrates a log cached for an older schema in place, as Kasse does when it opens the file
/// (`Store::open` with the shipped options), and renames it to `path`.
fn migrate_cached(old: &Path, from: i64, path: &Path) -> Result<Cached> {
    println!(
        "  migrating the cached log {} from schema {from} to {LATEST_VERSION} …",
        old.display()
    );
    let started = Instant::now();
    let store = Store::open(old)?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(store.schema_version()? == LATEST_VERSION, "not migrated");
    drop(store);
    println!("  … migrated in {secs:.1} s");
    let conn = rusqlite::Connection::open(old)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    std::fs::rename(old, path)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", old.display()));
    }
    Ok(Cached::Migrated { from, secs })
}

/// Builds the cached database of `n` sales (if missing; an older schema's is migrated).
async fn ensure_db(cache: &Path, n: u64) -> Result<(PathBuf, Cached)> {
    let path = db_path(cache, n);
    if path.exists() {
        return Ok((path, Cached::Hit));
    }
    if let Some((old, from)) = older_db(cache, n) {
        let how = migrate_cached(&old, from, &path)?;
        return Ok((path, how));
    }
    std::fs::create_dir_all(cache)?;
    println!(
        "  building the {} sale log (cached for later runs) …",
        group_thousands(n as i64)
    );
    let started = Instant::now();
    let templates = capture_templates().await?;
    let partial = path.with_extension("partial");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    {
        let store = Store::open_with(
            &partial,
            StoreOptions {
                durability: Durability::Normal,
                cache_kib: 256 * 1024,
                ..StoreOptions::default()
            },
        )?;
        let mut gen = Generator::new(templates, n)?;
        let mut done = 0;
        while done < n {
            let k = (BATCH_SALES as u64).min(n - done);
            let sales: Vec<GenSale> = (0..k).map(|_| gen.next_sale()).collect::<Result<_>>()?;
            store.append_many(
                sales
                    .iter()
                    .flat_map(|(id, evs)| evs.iter().map(move |(e, at)| (id.as_str(), e, *at))),
            )?;
            done += k;
            if done % 100_000 == 0 {
                println!(
                    "  … {} sales in {:.0} s",
                    group_thousands(done as i64),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    let conn = rusqlite::Connection::open(&partial)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    std::fs::rename(&partial, &path)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    Ok((path, Cached::Built(started.elapsed().as_secs_f64())))
}

/// A sale to search for.
struct Probe {
    reference: String,
    amount: i64,
    created_ms: i64,
    transaction_id: Option<String>,
}

fn probes(path: &Path, n: u64, count: usize) -> Result<Vec<Probe>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT merchant_reference, amount, created_at, transaction_id FROM sales WHERE rowid = ?1",
    )?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let rowid = rng.gen_range(1..=n as i64);
        if let Ok(p) = stmt.query_row([rowid], |r| {
            Ok(Probe {
                reference: r.get(0)?,
                amount: r.get(1)?,
                created_ms: r.get(2)?,
                transaction_id: r.get(3)?,
            })
        }) {
            out.push(p);
        }
    }
    Ok(out)
}

fn day_bounds(ms_: i64) -> Result<(OffsetDateTime, OffsetDateTime)> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms_) * 1_000_000)?;
    let start = t.date().midnight().assume_utc();
    Ok((start, start + time::Duration::days(1)))
}

type QueryFn = Box<dyn Fn(&Probe, Option<String>) -> Result<ListQuery>>;

fn queries() -> Vec<(&'static str, &'static str, QueryFn)> {
    vec![
        (
            "first_page",
            "first page (newest 50)",
            Box::new(|_, _| Ok(ListQuery::new())),
        ),
        (
            "next_page",
            "next page (keyset cursor)",
            Box::new(|_, cursor| Ok(ListQuery::new().after(cursor))),
        ),
        (
            "search_reference",
            "search: a whole merchant reference",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference.clone()))),
        ),
        (
            "search_reference_day",
            "search: reference prefix of one day (`KASSE2-20260312`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference[..15].to_owned()))),
        ),
        (
            "search_reference_month",
            "search: reference prefix of one month (`KASSE2-202603`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.reference[..13].to_owned()))),
        ),
        (
            "search_transaction",
            "search: a whole transaction id",
            Box::new(|p, _| {
                Ok(ListQuery::new().search(
                    p.transaction_id
                        .clone()
                        .unwrap_or_else(|| p.reference.clone()),
                ))
            }),
        ),
        (
            "search_amount",
            "search: an amount typed as text (`34900`)",
            Box::new(|p, _| Ok(ListQuery::new().search(p.amount.to_string()))),
        ),
        (
            "filter_amount",
            "filter: exact amount",
            Box::new(|p, _| Ok(ListQuery::new().amount(AmountFilter::Exact(p.amount)))),
        ),
        (
            "filter_status_common",
            "filter: status captured (82 %)",
            Box::new(|_, _| Ok(ListQuery::new().status(SaleStatus::Captured))),
        ),
        (
            "filter_status_rare",
            "filter: status partially refunded (2 %)",
            Box::new(|_, _| Ok(ListQuery::new().status(SaleStatus::PartiallyRefunded))),
        ),
        (
            "filter_day",
            "filter: one day",
            Box::new(|p, _| {
                let (a, b) = day_bounds(p.created_ms)?;
                Ok(ListQuery::new().created(Some(a), Some(b)))
            }),
        ),
        (
            "filter_status_day",
            "filter: status refunded + one day",
            Box::new(|p, _| {
                let (a, b) = day_bounds(p.created_ms)?;
                Ok(ListQuery::new()
                    .status(SaleStatus::Refunded)
                    .created(Some(a), Some(b)))
            }),
        ),
    ]
}

/// Appends the events of `sales` to a fresh file log; returns events per second.
fn append_rate(
    dir: &Path,
    sales: &[GenSale],
    durability: Durability,
    threads: usize,
) -> Result<f64> {
    let tmp = tempfile::Builder::new().prefix("append-").tempdir_in(dir)?;
    let store = Store::open_with(
        tmp.path().join("kasse.sqlite"),
        StoreOptions {
            durability,
            ..StoreOptions::default()
        },
    )?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();
    let started = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let per = sales.len().div_ceil(threads);
        let handles: Vec<_> = sales
            .chunks(per)
            .map(|part| {
                let store = &store;
                scope.spawn(move || -> Result<()> {
                    for (id, evs) in part {
                        for (e, at) in evs {
                            store.append(id, e, *at)?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("appender panicked"))??;
        }
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    let report = store.verify_journal()?;
    anyhow::ensure!(
        report.ok && report.rows == events as u64,
        "journal: {report:?}"
    );
    Ok(events as f64 / secs)
}

/// The generated sales whose events the append figures write.
fn append_sales(rt: &tokio::runtime::Runtime, count: usize) -> Result<Vec<GenSale>> {
    let templates = rt.block_on(capture_templates())?;
    let mut gen = Generator::new(templates, count as u64)?;
    (0..count).map(|_| gen.next_sale()).collect()
}

/// `kasse-bench appends`: [`append_rate`] with one writer, printed per run (no figures
/// written), to profile an append by hand (`perf record … kasse-bench appends`).
pub fn appends(out: &Path, durability: &str, count: usize, runs: usize) -> Result<()> {
    let durability = match durability {
        "full" => Durability::Full,
        "normal" => Durability::Normal,
        other => bail!("--durability {other}: full or normal"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let tmp = out.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let sales = append_sales(&rt, count)?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();
    for run in 0..runs {
        let rate = append_rate(&tmp, &sales, durability, 1)?;
        println!(
            "run {run}: {} events/s ({events} events, {durability:?}, one writer)",
            fmt_value(rate)
        );
    }
    Ok(())
}

/// The disk's own rate of 4 KiB write + fdatasync, for context.
fn fsync_rate(dir: &Path, secs: f64) -> Result<f64> {
    use std::io::Write;
    let path = dir.join(format!("fsync-probe-{}", std::process::id()));
    let mut f = std::fs::File::create(&path)?;
    let block = [0x5au8; 4096];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < secs {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

pub fn run(opts: &Opts) -> Result<Section> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let cache = opts.out.join("cache");
    let full_n = 1_000_000;
    // --quick uses the million-sale log when a full run has built it (for this schema or an
    // older one, then migrated), else a smaller one.
    let n = if opts.quick && !db_path(&cache, full_n).exists() && older_db(&cache, full_n).is_none()
    {
        100_000
    } else {
        full_n
    };
    let (path, cached) = rt.block_on(ensure_db(&cache, n))?;

    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    let store = Store::open(&path)?;
    let sales = store.count_sales()?;
    anyhow::ensure!(
        sales as u64 == n,
        "the cached log has {sales} sales, expected {n}"
    );
    let runs = if opts.quick { 40 } else { 200 };
    let probes = probes(&path, n, runs)?;
    let first = store.list(&ListQuery::new())?;
    let cursor = first.next_cursor.clone();

    let mut s = Section::new("4. The log at scale");
    for (id, name, q) in queries() {
        // Warm-up (statement cache, pages).
        for p in probes.iter().take(3) {
            store.list(&q(p, cursor.clone())?)?;
        }
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        for p in &probes {
            let query = q(p, cursor.clone())?;
            let t = Instant::now();
            let page = store.list(&query)?;
            times.push(ms(t.elapsed()));
            rows += page.items.len();
        }
        let d = Dist::of(&times);
        let plan = store
            .explain_list(&q(&probes[0], cursor.clone())?)
            .map(|p| format!("{p:?}"))
            .unwrap_or_default();
        s.target(
            &format!("log.{id}.p95_ms"),
            &format!("List at {} sales: {name} (p95)", group_thousands(n as i64)),
            d.p95,
            "ms",
            Goal::at_most(20.0, "p95 ≤ 20 ms"),
            format!(
                "{}; {runs} queries with random parameters, {:.1} rows per page on average; plan: {}",
                d.brief("ms"),
                rows as f64 / runs as f64,
                plan.chars().take(300).collect::<String>()
            ),
        );
    }
    drop(store);

    s.context(
        "log.bytes_per_sale",
        "File size per sale (journal + projection + indexes)",
        bytes as f64 / n as f64 / 1000.0,
        "kB",
        format!(
            "{:.2} GB for {} sales ({:.1} events per sale; the mix: 81.5 % captured, 6 % declined, 4 % cancelled, 3 % refunded, 2 % partially refunded, 2 % authorised, 1.5 % voided){}",
            bytes as f64 / 1e9,
            group_thousands(n as i64),
            {
                let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
                let ev: i64 = conn.query_row("SELECT max(seq) FROM events", [], |r| r.get(0))?;
                ev as f64 / n as f64
            },
            match cached {
                Cached::Built(secs) => format!("; built in {secs:.0} s this run"),
                Cached::Hit => "; cached from an earlier run".to_owned(),
                Cached::Migrated { from, secs } => format!(
                    "; cached for schema {from} and migrated to {LATEST_VERSION} this run by Store::open in {secs:.1} s (the start-up cost of the upgrade at this size)"
                ),
            }
        ),
    );

    // Appends: fresh logs on the same disk, events of generated sales.
    let tmp = opts.out.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let count = if opts.quick { 500 } else { 3_000 };
    let sales = append_sales(&rt, count)?;
    let events: usize = sales.iter().map(|(_, e)| e.len()).sum();
    let reps = 3;
    let mut one = Vec::new();
    let mut four = Vec::new();
    let mut sixteen = Vec::new();
    let mut normal = Vec::new();
    for _ in 0..reps {
        one.push(append_rate(&tmp, &sales, Durability::Full, 1)?);
        four.push(append_rate(&tmp, &sales, Durability::Full, 4)?);
        sixteen.push(append_rate(&tmp, &sales, Durability::Full, 16)?);
        normal.push(append_rate(&tmp, &sales, Durability::Normal, 1)?);
    }
    let fsync = fsync_rate(&tmp, if opts.quick { 1.0 } else { 3.0 })?;
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| fmt_value(*x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    s.target(
        "log.append.one_per_commit",
        "Event appends, synchronous=FULL, one event per commit, one writer (median)",
        median(&one),
        "events/s",
        Goal::at_least(5000.0, "≥ 5,000 events/s"),
        format!(
            "{} events of {count} generated sales into a fresh file log, {reps} runs: {}; every commit is an fsync of the WAL, so one writer gets about the disk's fsync rate: this disk did {} 4 KiB write+fdatasync per second just after; {}",
            group_thousands(events as i64),
            list(&one),
            fmt_value(fsync),
            noise()
        ),
    );
    s.target(
        "log.append.group_commit_4",
        "Event appends, synchronous=FULL, 4 concurrent writers (group commit, median)",
        median(&four),
        "events/s",
        Goal::at_least(5000.0, "≥ 5,000 events/s"),
        format!(
            "runs: {}; the writers' appends queued while one commits share its fsync",
            list(&four)
        ),
    );
    s.context(
        "log.append.group_commit_16",
        "Event appends, synchronous=FULL, 16 concurrent writers (median)",
        median(&sixteen),
        "events/s",
        format!("runs: {}", list(&sixteen)),
    );
    s.context(
        "log.append.normal",
        "Event appends, synchronous=NORMAL, one writer (median)",
        median(&normal),
        "events/s",
        format!("runs: {}; no fsync per commit (survives a crash, not a power cut): the CPU cost of an append", list(&normal)),
    );
    s.context(
        "log.disk.fsync_rate",
        "This disk: 4 KiB write + fdatasync per second",
        fsync,
        "ops/s",
        "measured in target/bench/tmp, the same file system as the logs above",
    );
    Ok(s)
}
