//! Figure group 2, charge → QR: the time of `Kasse::charge` minus the time of its create-session API call.
//!
//! The API time is the `dintero.call` span of that very call (a tracing layer records each
//! span's lifetime), so nothing is estimated: overhead = whole charge − its HTTP call. What
//! remains is pricing, the intent written to the log before the call (one fsync'd commit under
//! the shipped durability), the QR SVG, the `session_created` event (a second commit, without
//! an fsync of its own: see `Store::append_without_fsync`) and starting the watcher.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use dintero_sandbox::{Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::order::OrderInput;
use kasse_core::store::{Store, StoreOptions};
use kasse_core::{Kasse, KasseConfig};
use tracing::span;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::common::{self, ms, noise, Dist, Goal, Section};

/// Records the lifetime of every `dintero.call` span, with its path.
#[derive(Clone, Default)]
pub struct ApiSpans {
    done: Arc<Mutex<Vec<(String, Duration)>>>,
}

struct Started(Instant, String);

#[derive(Default)]
struct PathField(String);

impl tracing::field::Visit for PathField {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "path" {
            self.0 = format!("{value:?}");
        }
    }
}

impl ApiSpans {
    /// Takes the create-session spans recorded so far (the watcher's reads are other paths).
    pub fn take(&self) -> Vec<Duration> {
        std::mem::take(&mut *self.done.lock().unwrap_or_else(|p| p.into_inner()))
            .into_iter()
            .filter(|(path, _)| path.ends_with("/sessions-profile"))
            .map(|(_, d)| d)
            .collect()
    }
}

impl<S> Layer<S> for ApiSpans
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: LayerContext<'_, S>) {
        if attrs.metadata().name() == "dintero.call" {
            let mut path = PathField::default();
            attrs.record(&mut path);
            if let Some(span) = ctx.span(id) {
                span.extensions_mut()
                    .insert(Started(Instant::now(), path.0));
            }
        }
    }

    fn on_close(&self, id: span::Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            if let Some(Started(t, path)) = span.extensions().get::<Started>() {
                self.done
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((path.clone(), t.elapsed()));
            }
        }
    }
}

/// Installs the app's log filter (`warn`) plus the span recorder, process-wide.
pub fn install_recorder() -> Result<ApiSpans> {
    let spans = ApiSpans::default();
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::EnvFilter::new("warn"));
    let rec = spans
        .clone()
        .with_filter(tracing_subscriber::filter::filter_fn(|m| {
            m.name() == "dintero.call"
        }));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(fmt).with(rec))
        .context("installing the tracing recorder")?;
    Ok(spans)
}

#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    pub out: std::path::PathBuf,
}

/// A cadence that does not poll during the run: watchers of earlier charges would otherwise
/// share the CPU with the charge being timed (a counter has one or two open payments, the bench
/// opens hundreds).
pub(crate) fn quiet_cadence() -> Cadence {
    Cadence {
        waiting_ms: 600_000,
        paying_ms: 600_000,
        backoff_after_ms: 600_000,
        max_interval_ms: 600_000,
        ..Cadence::default()
    }
}

struct Sample {
    total: Duration,
    api: Duration,
}

async fn charges(kasse: &Kasse, spans: &ApiSpans, n: usize) -> Result<Vec<Sample>> {
    let order = OrderInput::from_json_value(&common::order_json())?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        spans.take();
        let t = Instant::now();
        let charge = kasse.charge(&order).await?;
        let total = t.elapsed();
        let api = spans.take();
        anyhow::ensure!(
            api.len() == 1,
            "expected one API call per charge, saw {}",
            api.len()
        );
        anyhow::ensure!(charge.qr_svg.starts_with("<svg"), "no QR");
        out.push(Sample { total, api: api[0] });
    }
    Ok(out)
}

pub fn run(opts: &Opts, spans: &ApiSpans) -> Result<Section> {
    common::runtime()?.block_on(measure(opts, spans))
}

async fn measure(opts: &Opts, spans: &ApiSpans) -> Result<Section> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let client = common::client_for(&sandbox.base_url())?;
    let tmp = common::scratch_dir(&opts.out, "charge-")?;
    let dir = tmp.path();
    let mut config = KasseConfig::new("KASSE1", format!("{}/_sim/return", sandbox.base_url()));
    config.cadence = quiet_cadence();
    // The shipped log: a file with the default options (WAL, synchronous=FULL).
    let file_store = Store::open_with(dir.join("kasse.sqlite"), StoreOptions::default())?;
    let kasse = common::kasse(file_store, client.clone(), config.clone());
    let demo = common::kasse(Store::open_in_memory()?, client, config);
    // Warm: token, connection, statements.
    charges(&kasse, spans, 10).await?;
    charges(&demo, spans, 10).await?;

    let n = if opts.quick { 60 } else { 400 };
    let mut file = Vec::new();
    let mut mem = Vec::new();
    for _ in 0..4 {
        file.extend(charges(&kasse, spans, n / 4).await?);
        mem.extend(charges(&demo, spans, n / 4).await?);
    }

    // The QR alone, for the breakdown.
    let url = format!(
        "{}/v1/view/T12345678.2a7Bc9dE4fG6hJ8kL1mN3p",
        sandbox.base_url()
    );
    let qr: Vec<f64> = (0..200)
        .map(|_| {
            let t = Instant::now();
            let svg = kasse_core::qr::qr_svg(&url).map(|s| s.len());
            let e = ms(t.elapsed());
            std::hint::black_box(svg).ok();
            e
        })
        .collect();

    let over = |v: &[Sample]| -> Vec<f64> {
        v.iter()
            .map(|s| ms(s.total.saturating_sub(s.api)))
            .collect()
    };
    let file_over = Dist::of(&over(&file));
    let mem_over = Dist::of(&over(&mem));
    let api = Dist::of(&file.iter().map(|s| ms(s.api)).collect::<Vec<_>>());
    let total = Dist::of(&file.iter().map(|s| ms(s.total)).collect::<Vec<_>>());
    let qr = Dist::of(&qr);

    let mut s = Section::new("2. Charge → QR");
    s.target(
        "charge.overhead.p95_ms",
        "Charge → QR, Kasse's time beyond the API call (p95, file log)",
        file_over.p95,
        "ms",
        Goal::at_most(10.0, "≤ 10 ms"),
        format!(
            "overhead {}; whole charge {}, its create-session call {} (the call's tracing span). Log: a file, WAL, synchronous=FULL (what Kasse ships): one fsync'd commit per charge (the intent before the call; the session after it is committed without waiting for the disk). The QR SVG alone: {}. Token warm, sandbox in-process; {}",
            file_over.brief("ms"),
            total.brief("ms"),
            api.brief("ms"),
            qr.brief("ms"),
            noise()
        ),
    );
    s.context(
        "charge.overhead.p50_ms",
        "Charge → QR, Kasse's time beyond the API call (p50, file log)",
        file_over.p50,
        "ms",
        file_over.brief("ms"),
    );
    s.context(
        "charge.overhead_memory.p95_ms",
        "Charge → QR overhead with the in-memory log of demo mode (p95)",
        mem_over.p95,
        "ms",
        format!(
            "{}: the difference to the file log is its fsync and the file's page writes",
            mem_over.brief("ms")
        ),
    );
    drop(kasse);
    drop(demo);
    sandbox.shutdown().await;
    Ok(s)
}
