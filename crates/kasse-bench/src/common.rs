//! What every figure shares: the figure record, percentiles, the output file, the sandbox as a
//! separate process, and a description of the machine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// One measured figure, as written to `summary.json` and to BENCHMARKS.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Which part of DESIGN.md §5 (`1. Client overhead`, …).
    pub section: String,
    /// Stable key (`client.create_session.ratio`).
    pub id: String,
    /// What it is, for people.
    pub name: String,
    /// The measured value (a median, a percentile, a rate or a ratio; the name says which).
    pub value: f64,
    /// `ms`, `×`, `events/s`, `MB`, …
    pub unit: String,
    /// The target as DESIGN.md §5 writes it, `None` for a context figure (no target).
    pub target: Option<String>,
    /// Whether the value meets the target (always true without a target).
    pub meets: bool,
    /// How it was measured, the spread, what limits it.
    pub notes: String,
}

/// Builds figures of one section.
#[derive(Debug)]
pub struct Section {
    name: &'static str,
    pub figures: Vec<Figure>,
}

/// A target: the bound a figure's value must respect, and how DESIGN.md §5 writes it.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    text: &'static str,
    /// `Some(x)`: value ≤ x; else `at_least`.
    at_most: Option<f64>,
    at_least: Option<f64>,
}

impl Goal {
    pub fn at_most(x: f64, text: &'static str) -> Goal {
        Goal {
            text,
            at_most: Some(x),
            at_least: None,
        }
    }

    pub fn at_least(x: f64, text: &'static str) -> Goal {
        Goal {
            text,
            at_most: None,
            at_least: Some(x),
        }
    }

    fn met_by(&self, value: f64) -> bool {
        self.at_most.is_none_or(|x| value <= x) && self.at_least.is_none_or(|x| value >= x)
    }
}

impl Section {
    pub fn new(name: &'static str) -> Section {
        Section {
            name,
            figures: Vec::new(),
        }
    }

    /// A figure with a target.
    pub fn target(
        &mut self,
        id: &str,
        name: &str,
        value: f64,
        unit: &str,
        goal: Goal,
        notes: impl Into<String>,
    ) {
        self.context(id, name, value, unit, notes);
        let figure = self.figures.last_mut().expect("context pushed a figure");
        figure.target = Some(goal.text.to_owned());
        figure.meets = goal.met_by(value);
    }

    /// A context figure (no target).
    pub fn context(
        &mut self,
        id: &str,
        name: &str,
        value: f64,
        unit: &str,
        notes: impl Into<String>,
    ) {
        self.figures.push(Figure {
            section: self.name.to_owned(),
            id: id.to_owned(),
            name: name.to_owned(),
            value,
            unit: unit.to_owned(),
            target: None,
            meets: true,
            notes: notes.into(),
        });
    }
}

/// A fresh directory under `out/tmp` named `prefix…`, removed when dropped.
pub fn scratch_dir(out: &Path, prefix: &str) -> Result<tempfile::TempDir> {
    let parent = out.join("tmp");
    std::fs::create_dir_all(&parent)?;
    Ok(tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&parent)?)
}

/// An engine on `store` and `client` with the system clock and random ids, as Kasse runs.
pub fn kasse(
    store: kasse_core::store::Store,
    client: dintero_client::Client,
    config: kasse_core::KasseConfig,
) -> kasse_core::Kasse {
    use kasse_core::clock::{RandomIds, SystemClock};
    let (clock, ids) = (
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(RandomIds),
    );
    kasse_core::Kasse::new(store, client, clock, ids, config)
}

/// The two-thread runtime every asynchronous figure group runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// A sandbox access token for the bench's account, fetched with `http` from `base`.
pub async fn access_token(http: &reqwest::Client, base: &str) -> Result<String> {
    let answer: serde_json::Value = http
        .post(format!("{base}/v1/accounts/{ACCOUNT}/auth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&serde_json::json!({
            "grant_type": "client_credentials",
            "audience": format!("https://api.dintero.com/v1/accounts/{ACCOUNT}"),
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = answer["access_token"].as_str().context("no access_token")?;
    Ok(token.to_owned())
}

/// A value with sensible digits for a table.
pub fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_owned()
    } else if a >= 10_000.0 {
        group_thousands(v.round() as i64)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Percentiles of a set of samples (nearest rank on the sorted samples).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Dist {
    pub n: usize,
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Dist {
    /// Panics on no samples: every caller measures at least one.
    pub fn of(samples: &[f64]) -> Dist {
        assert!(!samples.is_empty(), "no samples");
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let rank = (p * s.len() as f64).ceil() as usize;
            s[rank.clamp(1, s.len()) - 1]
        };
        Dist {
            n: s.len(),
            min: s[0],
            p50: q(0.50),
            p95: q(0.95),
            p99: q(0.99),
            max: s[s.len() - 1],
            mean: s.iter().sum::<f64>() / s.len() as f64,
        }
    }

    /// `p50 1.23 / p95 2.34 / p99 3.45 ms (n=200)`.
    pub fn brief(&self, unit: &str) -> String {
        format!(
            "p50 {} / p95 {} / p99 {} {unit} (n={})",
            fmt_value(self.p50),
            fmt_value(self.p95),
            fmt_value(self.p99),
            self.n
        )
    }
}

/// The median of some values.
pub fn median(values: &[f64]) -> f64 {
    Dist::of(values).p50
}

/// Milliseconds of a duration, as f64.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Microseconds of a duration, as f64.
pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

/// The workspace's `target/` directory (where the bench binary lives: `target/release/`).
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// A binary next to this one (`target/release/NAME`).
pub fn sibling_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe
        .parent()
        .map(|d| d.join(name))
        .context("no directory for the bench binary")?;
    if !path.exists() {
        bail!(
            "{} is missing: build it with `cargo build --release -p dintero-sandbox` (cargo xtask bench does)",
            path.display()
        );
    }
    Ok(path)
}

/// `dintero-sandbox` running as a separate process; killed when dropped.
#[derive(Debug)]
pub struct SandboxProcess {
    child: Child,
    pub base_url: String,
}

impl SandboxProcess {
    /// Starts the release `dintero-sandbox` binary on a free loopback port and reads its
    /// contract line (`dintero-sandbox listening on http://HOST:PORT`).
    pub fn start() -> Result<SandboxProcess> {
        let bin = sibling_binary("dintero-sandbox")?;
        let mut child = Command::new(&bin)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("sandbox stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("dintero-sandbox listening on ") else {
            let _ = child.kill();
            bail!("unexpected first line from dintero-sandbox: {line:?}");
        };
        let base_url = url.to_owned();
        // Keep draining stdout so the sandbox never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Ok(SandboxProcess { child, base_url })
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /_sim/stats` over its own keep-alive connection, with its own access token (which
/// its `Debug` leaves out).
pub struct StatsReader {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl std::fmt::Debug for StatsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsReader")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct SimStats {
    pub accepted_connections: u64,
    pub requests: u64,
}

impl StatsReader {
    /// Opens the connection (so later reads do not count as a new connection).
    pub async fn new(base_url: &str) -> Result<StatsReader> {
        let http = reqwest::Client::builder().no_proxy().build()?;
        let token = access_token(&http, base_url).await?;
        let r = StatsReader {
            http,
            url: format!("{base_url}/_sim/stats"),
            token,
        };
        r.read().await?;
        Ok(r)
    }

    /// The counters now. This request itself counts as one request.
    pub async fn read(&self) -> Result<SimStats> {
        let answer = self.http.get(&self.url).bearer_auth(&self.token).send();
        Ok(answer.await?.error_for_status()?.json().await?)
    }
}

/// Loads of the machine while a figure ran, to judge the noise.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// How many compilers (rustc, cc1, ld) other people run right now.
pub fn busy_compilers() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .filter(|comm| {
            matches!(
                comm.trim(),
                "rustc" | "cc1" | "cc1plus" | "ld" | "node" | "esbuild"
            )
        })
        .count()
}

/// `load 1.2 0.9 0.8, 3 compilers running` for the notes.
pub fn noise() -> String {
    format!(
        "load {} at the end, {} compiler/bundler processes of other work running",
        loadavg(),
        busy_compilers()
    )
}

/// The realistic order every figure charges: three lines, two VAT rates.
pub fn order_json() -> serde_json::Value {
    serde_json::json!({
        "currency": "NOK",
        "lines": [
            {"description": "Kaffe latte stor", "quantity": "2", "unit_price": 4900, "vat": "15"},
            {"description": "Kanelbolle", "quantity": "1", "unit_price": 3900, "vat": "15"},
            {"description": "Termokopp", "quantity": "1", "unit_price": 24900, "vat": "25"}
        ]
    })
}

/// The session Kasse would create for [`order_json`], as the engine builds it.
pub fn session_request() -> Result<dintero_client::SessionCreateRequest> {
    let order = kasse_core::order::OrderInput::from_json_value(&order_json())?
        .price(kasse_core::money::Currency::Nok)?;
    Ok(kasse_core::engine::payload::session_request(
        &order,
        &kasse_core::engine::payload::SessionParams {
            profile_id: "default",
            return_url: "https://kasse.example/return",
            callback_url: None,
            counter: "KASSE1",
            merchant_reference: "KASSE1-20261124-0001",
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::minutes(15),
            auto_capture: false,
            store: None,
        },
    ))
}

/// The sandbox's demo credentials (its defaults).
pub const ACCOUNT: &str = "T12345678";
pub const CLIENT_ID: &str = "kasse-demo";
pub const CLIENT_SECRET: &str = "kasse-demo-secret";
/// An approved sandbox test card.
pub const CARD_OK: &str = "4000000000000002";

/// A `dintero-client` at `base_url`, configured as Kasse configures it.
pub fn client_for(base_url: &str) -> Result<dintero_client::Client> {
    let config = dintero_client::Config::new(
        dintero_client::AccountId::parse(ACCOUNT)?,
        CLIENT_ID,
        CLIENT_SECRET,
    )
    .with_base_url(base_url)
    .with_system("kasse", env!("CARGO_PKG_VERSION"));
    Ok(dintero_client::Client::new(config)?)
}
