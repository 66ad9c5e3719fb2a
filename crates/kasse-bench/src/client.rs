//! Figure group 1, client overhead: `dintero-client` vs a raw keep-alive HTTP call of the same request to the
//! same sandbox (a separate process), vs Dintero's official Python SDK; connections per 100 calls.
//!
//! The raw call is `reqwest` (the HTTP stack the client itself uses) sending the same bytes with
//! the same headers and a fixed bearer token, and reading the body as bytes: no serialization,
//! no parsing, no token cache, no tracing. What `dintero-client` costs beyond it is the client's
//! overhead. Client and raw calls alternate in rounds, so drift of the machine hits both alike.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use crate::common::{self, fmt_value, noise, us, Dist, Goal, Section, StatsReader};

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Opts {
    pub quick: bool,
    /// The venv's python with `dintero` installed (`None`: skip the SDK).
    pub python: Option<std::path::PathBuf>,
    pub out: std::path::PathBuf,
}

/// The same request, ready to send raw.
struct Raw {
    http: reqwest::Client,
    base: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    async fn new(base: &str, body: Vec<u8>) -> Result<Raw> {
        // The same reqwest options as dintero-client's pool.
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("dintero-client-rs/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let token = common::access_token(&http, base).await?;
        let mut headers = HeaderMap::new();
        let mut put = |k: &'static str, v: &str| -> Result<()> {
            headers.insert(HeaderName::from_static(k), HeaderValue::from_str(v)?);
            Ok(())
        };
        // Exactly what dintero-client sends (user-agent aside, set per client).
        put("accept", "application/json")?;
        put("authorization", &format!("Bearer {token}"))?;
        put("dintero-system-name", "kasse")?;
        put("dintero-system-version", env!("CARGO_PKG_VERSION"))?;
        put("dintero-system-plugin-name", "dintero-client-rs")?;
        put("dintero-system-plugin-version", env!("CARGO_PKG_VERSION"))?;
        Ok(Raw {
            http,
            base: base.to_owned(),
            headers,
            body,
        })
    }

    async fn create_session(&self) -> Result<bytes::Bytes> {
        let r = self
            .http
            .post(format!("{}/v1/sessions-profile", self.base))
            .headers(self.headers.clone())
            .header("dintero-feature-toggles", "strict-session-amounts")
            .header("content-type", "application/json")
            .body(self.body.clone())
            .send()
            .await?;
        body_of(r, "create session").await
    }

    async fn get_transaction(&self, id: &str) -> Result<bytes::Bytes> {
        let r = self
            .http
            .get(format!("{}/v1/transactions/{id}", self.base))
            .headers(self.headers.clone())
            .send()
            .await?;
        body_of(r, "get transaction").await
    }
}

/// The p50 of `f` in µs, over 2,000 runs after 200 to warm up.
fn micro(f: &mut dyn FnMut()) -> f64 {
    for _ in 0..200 {
        f();
    }
    let mut v = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let t = Instant::now();
        f();
        v.push(us(t.elapsed()));
    }
    Dist::of(&v).p50
}

/// [`micro`] of reading `bytes` as a `T` the way the client does (UTF-8, then JSON).
fn parse_us<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> f64 {
    micro(&mut || {
        let text = std::str::from_utf8(bytes).ok();
        std::hint::black_box(text.and_then(|t| serde_json::from_str::<T>(t).ok()));
    })
}

/// The body of a raw call's 200 answer; any other status fails the run.
async fn body_of(answer: reqwest::Response, what: &str) -> Result<bytes::Bytes> {
    if answer.status() != 200 {
        bail!("raw {what}: {}", answer.status());
    }
    Ok(answer.bytes().await?)
}

/// What `python/sdk_bench.py` prints.
#[derive(Debug, Deserialize)]
struct PyResult {
    create_session_us: Vec<f64>,
    get_transaction_us: Vec<f64>,
    sdk_version: String,
    python: String,
}

fn run_python(python: &Path, base: &str, body: &Path, tid: &str, n: usize) -> Result<PyResult> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sdk_bench.py");
    let out = Command::new(python)
        .arg(&script)
        .args(["--base", base, "--body"])
        .arg(body)
        .args(["--tid", tid, "--n", &n.to_string()])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "the Python SDK bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

pub fn run(opts: &Opts) -> Result<Section> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(measure(opts))
}

async fn measure(opts: &Opts) -> Result<Section> {
    let sandbox = common::SandboxProcess::start()?;
    let base = sandbox.base_url.clone();
    let stats = StatsReader::new(&base).await?;

    let request = common::session_request()?;
    let body = serde_json::to_vec(&request)?;

    // A paid transaction to read.
    let client = common::client_for(&base)?;
    let created = client.create_session(&request).await?;
    let http = reqwest::Client::new();
    let paid: serde_json::Value = http
        .post(format!("{base}/_sim/sessions/{}/pay", created.id))
        .bearer_auth(common::access_token(&http, &base).await?)
        .json(&serde_json::json!({"card": common::CARD_OK}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let tid = paid["id"]
        .as_str()
        .context("paid transaction id")?
        .to_owned();

    let raw = Raw::new(&base, body.clone()).await?;
    // Warm both (token, connection, allocator).
    for _ in 0..50 {
        client.create_session(&request).await?;
        client.get_transaction(&tid).await?;
        raw.create_session().await?;
        raw.get_transaction(&tid).await?;
    }

    let (rounds, per_round) = if opts.quick { (10, 20) } else { (40, 50) };
    let py_chunks = if opts.quick { 2 } else { 4 };
    let py_per_chunk = if opts.quick { 40 } else { 150 };
    let body_file = opts.out.join("client-session-body.json");
    std::fs::create_dir_all(&opts.out)?;
    std::fs::write(&body_file, &body)?;

    let mut c_create = Vec::new();
    let mut c_get = Vec::new();
    let mut r_create = Vec::new();
    let mut r_get = Vec::new();
    let mut py_create = Vec::new();
    let mut py_get = Vec::new();
    let mut py_meta = None;
    let mut py_error = None;
    for round in 0..rounds {
        // Alternate who goes first.
        for which in [round % 2, 1 - round % 2] {
            for _ in 0..per_round {
                if which == 0 {
                    let t = Instant::now();
                    client.create_session(&request).await?;
                    c_create.push(us(t.elapsed()));
                    let t = Instant::now();
                    client.get_transaction(&tid).await?;
                    c_get.push(us(t.elapsed()));
                } else {
                    let t = Instant::now();
                    raw.create_session().await?;
                    r_create.push(us(t.elapsed()));
                    let t = Instant::now();
                    raw.get_transaction(&tid).await?;
                    r_get.push(us(t.elapsed()));
                }
            }
        }
        // The Python SDK runs in a few chunks spread over the rounds.
        if let Some(python) = &opts.python {
            if py_error.is_none() && round % (rounds / py_chunks) == 0 {
                match run_python(python, &base, &body_file, &tid, py_per_chunk) {
                    Ok(r) => {
                        py_create.extend(r.create_session_us);
                        py_get.extend(r.get_transaction_us);
                        py_meta = Some((r.sdk_version, r.python));
                    }
                    Err(e) => py_error = Some(format!("{e:#}")),
                }
            }
        }
    }

    // Connections opened for 100 consecutive calls by a fresh client (token fetch included).
    let fresh = common::client_for(&base)?;
    let before = stats.read().await?;
    for i in 0..100 {
        if i % 2 == 0 {
            fresh.create_session(&request).await?;
        } else {
            fresh.get_transaction(&tid).await?;
        }
    }
    let after = stats.read().await?;
    let client_conns = after.accepted_connections - before.accepted_connections;
    let client_requests = after.requests - before.requests - 1;

    let py_conns = match (&opts.python, &py_error) {
        (Some(python), None) => {
            let before = stats.read().await?;
            // 50 + 50 calls, plus one warm-up pair and the token inside the script.
            run_python(python, &base, &body_file, &tid, 49)?;
            let after = stats.read().await?;
            Some((
                after.accepted_connections - before.accepted_connections,
                after.requests - before.requests - 1,
            ))
        }
        _ => None,
    };

    // What the typed client does on top of the exchange, measured alone: serializing the
    // request, parsing the typed answers.
    let session_bytes = raw.create_session().await?;
    let tx_bytes = raw.get_transaction(&tid).await?;
    let ser_us = micro(&mut || {
        std::hint::black_box(serde_json::to_vec(&request).map(|v| v.len()).ok());
    });
    let parse_session_us = parse_us::<dintero_client::SessionCreated>(&session_bytes);
    let parse_tx_us = parse_us::<dintero_client::Transaction>(&tx_bytes);

    let mut s = Section::new("1. Client overhead");
    let dc = Dist::of(&c_create);
    let dr = Dist::of(&r_create);
    let gc = Dist::of(&c_get);
    let gr = Dist::of(&r_get);
    let how = format!(
        "{rounds} rounds × {per_round} calls each, client and raw alternating; sandbox in a separate process on loopback; {}",
        noise()
    );
    overhead_ratio(
        &mut s,
        "create_session",
        (&dc, &dr),
        format!(
            "serializing the typed request ({ser_us:.1} µs alone) and parsing the typed answer ({parse_session_us:.1} µs alone, in a warm loop: cold caches after the network wait make it slower in the call); the rest is the client's per-call work (its 30 s whole-request timer, which the raw call does not set, URL, headers, token cache, tracing span). {how}"
        ),
    );
    overhead_ratio(
        &mut s,
        "get_transaction",
        (&gc, &gr),
        format!(
            "parsing the {}-byte answer into a typed Transaction ({parse_tx_us:.1} µs alone, in a warm loop: slower in the call, with caches cold after the network wait), which the raw call does not do.",
            tx_bytes.len()
        ),
    );
    s.context(
        "client.create_session.p50_us",
        "dintero-client create session latency on loopback (p50)",
        dc.p50,
        "µs",
        dc.brief("µs"),
    );
    s.target(
        "client.connections_per_100",
        "Connections opened for 100 consecutive calls (dintero-client)",
        client_conns as f64,
        "connections",
        Goal::at_most(1.0, "1"),
        format!(
            "fresh Client, 50 create-session + 50 get-transaction calls, token fetch included ({client_requests} requests); the sandbox serves the token path at the same origin — against Dintero, whose token host (api.dintero.com) differs from checkout.dintero.com, it is one connection per host, 2 in all"
        ),
    );

    match (py_error, py_meta) {
        (Some(e), _) => s.context(
            "client.python_sdk.error",
            "Python SDK: not measured",
            0.0,
            "",
            e,
        ),
        (None, Some((version, python))) => {
            let pc = Dist::of(&py_create);
            let pg = Dist::of(&py_get);
            s.context(
                "client.python_sdk.create_session.ratio",
                "Python SDK (dintero on PyPI) create session ÷ raw keep-alive (p50)",
                pc.p50 / dr.p50,
                "×",
                format!(
                    "dintero {version} on Python {python}: {}. The SDK takes api_url/checkout_url as constructor arguments, so it runs unpatched against the sandbox; it calls requests.post/get at module level (no Session), so every call opens a new TCP connection",
                    pc.brief("µs")
                ),
            );
            s.context(
                "client.python_sdk.get_transaction.ratio",
                "Python SDK get transaction ÷ raw keep-alive (p50)",
                pg.p50 / gr.p50,
                "×",
                format!(
                    "{}; dintero-client is {}× faster at p50",
                    pg.brief("µs"),
                    fmt_value(pg.p50 / gc.p50)
                ),
            );
            if let Some((conns, requests)) = py_conns {
                s.context(
                    "client.python_sdk.connections_per_100",
                    "Connections opened for 100 consecutive calls (Python SDK)",
                    conns as f64 * 100.0 / requests.max(1) as f64,
                    "connections",
                    format!("{conns} connections for {requests} requests (token and warm-up included), scaled to 100"),
                );
            }
        }
        (None, None) => s.context(
            "client.python_sdk.error",
            "Python SDK: not measured",
            0.0,
            "",
            "no Python venv given (cargo xtask bench creates target/bench/venv)",
        ),
    }
    drop(sandbox);
    Ok(s)
}

/// The figure `client.{call}.ratio`: dintero-client ÷ raw keep-alive at p50 for one call, with
/// both distributions in its notes and `includes` saying what the difference at p50 is made of.
fn overhead_ratio(s: &mut Section, call: &str, (client, raw): (&Dist, &Dist), includes: String) {
    s.target(
        &format!("client.{call}.ratio"),
        &format!(
            "Client overhead: {}, dintero-client ÷ raw keep-alive (p50)",
            call.replace('_', " ")
        ),
        client.p50 / raw.p50,
        "×",
        Goal::at_most(1.15, "≤ 1.15×"),
        format!(
            "dintero-client {}, raw reqwest {}; p95 ratio {:.2}. The difference at p50, {:.1} µs, includes {includes}",
            client.brief("µs"),
            raw.brief("µs"),
            client.p95 / raw.p95,
            client.p50 - raw.p50,
        ),
    );
}
