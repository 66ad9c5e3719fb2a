//! Harness for the `kasse-cli` tests: an in-process `dintero-sandbox` (HTTP on a free loopback
//! port, served by a runtime of its own), a data dir, and the real `kasse-cli` binary run as a
//! child process with only the environment a user would set.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dintero_sandbox::{Control, Sandbox, SandboxConfig};
use serde_json::Value;

/// Approved (3DS frictionless).
pub const CARD_OK: &str = "4000000000000002";
/// Declined by the issuer.
pub const CARD_DECLINED: &str = "4100000000000076";

/// How long a test waits for a child or a condition before it gives up and shows what it has
/// (a guard against hanging, not a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Two lines: Coffee 2 × 39.00 (25 % VAT) and Bun 1 × 25.00 (15 % VAT) = 103.00 NOK.
pub const ORDER: &str = r#"{"currency":"NOK","lines":[{"description":"Coffee","quantity":"2","unit_price":3900,"vat":"25"},{"description":"Bun","quantity":1,"unit_price":2500,"vat":15}]}"#;
pub const ORDER_AMOUNT: i64 = 10_300;

/// A sandbox with its own runtime, and a data dir for the log.
pub struct World {
    sandbox: Option<Sandbox>,
    pub control: Control,
    pub url: String,
    pub dir: tempfile::TempDir,
    /// `KASSE_COUNTER` for this world's counter.
    pub counter: String,
    /// Extra environment for every child.
    pub extra_env: Vec<(String, String)>,
    rt: tokio::runtime::Runtime,
}

impl World {
    pub fn new() -> World {
        World::with_config(SandboxConfig::default())
    }

    pub fn with_config(config: SandboxConfig) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = rt.block_on(Sandbox::start(config)).expect("sandbox starts");
        World {
            control: sandbox.control(),
            url: sandbox.base_url(),
            sandbox: Some(sandbox),
            dir: tempfile::tempdir().expect("tempdir"),
            counter: "KASSE1".into(),
            extra_env: Vec::new(),
            rt,
        }
    }

    /// Runs a future on the sandbox's runtime (e.g. a Dintero API call made "elsewhere").
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("kasse.sqlite")
    }

    /// `kasse-cli ARGS` with a clean environment: credentials for the sandbox, this world's data
    /// dir and counter, and `extra_env`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_at(&self.data_dir(), &self.counter, args)
    }

    /// `kasse-cli ARGS` as another counter: its own data dir and name, the same Dintero account.
    pub fn cmd_at(&self, data_dir: &Path, counter: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kasse-cli"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("KASSE_ACCOUNT_ID", "T12345678")
            .env("KASSE_CLIENT_ID", "kasse-demo")
            .env("KASSE_CLIENT_SECRET", "kasse-demo-secret")
            .env("KASSE_API_URL", &self.url)
            .env("KASSE_DATA_DIR", data_dir)
            .env("KASSE_COUNTER", counter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs `kasse-cli ARGS` to its end (stdin from `input` when given).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.cmd(args), None)
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        self.run_cmd(self.cmd(args), Some(input))
    }

    pub fn run_cmd(&self, mut cmd: Command, input: Option<&str>) -> Run {
        if input.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("kasse-cli starts");
        if let Some(text) = input {
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(text.as_bytes()).expect("write stdin");
        }
        finish(child, PATIENCE)
    }

    /// Writes the standard two-line order into the world's dir and returns its path.
    pub fn order_file(&self, json: &str) -> PathBuf {
        let p = self
            .dir
            .path()
            .join(format!("order-{}.json", unique_suffix()));
        std::fs::write(&p, json).expect("write order");
        p
    }

    /// Waits until `f` gives a value (polling every 10 ms), or panics after [`PATIENCE`].
    pub fn until<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < deadline, "gave up waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The sandbox's transaction for a session, when there is one.
    pub fn sandbox_transaction_of(&self, session_id: &str) -> Option<Value> {
        self.control
            .transactions()
            .into_iter()
            .find(|t| t["session_id"] == session_id)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            let _guard = self.rt.enter();
            drop(s);
        }
    }
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A finished `kasse-cli`.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Asserts exit 0 and returns stdout's JSON Lines.
    #[track_caller]
    pub fn json_ok(&self) -> Vec<Value> {
        assert!(self.ok(), "kasse-cli failed: {self:#?}");
        json_lines(&self.stdout)
    }

    /// Asserts exit 0 and exactly one JSON line.
    #[track_caller]
    pub fn one(&self) -> Value {
        let lines = self.json_ok();
        assert_eq!(lines.len(), 1, "one JSON line expected: {self:#?}");
        lines.into_iter().next().unwrap()
    }

    /// Asserts a failure with `{"error":{"code","message"}}` (and nothing else) on stderr and
    /// nothing on stdout; returns (code, message).
    #[track_caller]
    pub fn json_error(&self) -> (String, String) {
        assert!(!self.ok(), "kasse-cli should have failed: {self:#?}");
        assert_eq!(self.stdout, "", "nothing on stdout on an error: {self:#?}");
        let lines = json_lines(&self.stderr);
        assert_eq!(lines.len(), 1, "one JSON line on stderr: {self:#?}");
        let e = &lines[0];
        assert_eq!(keys(e), ["error"], "{e}");
        assert_eq!(keys(&e["error"]), ["code", "message"], "{e}");
        (
            e["error"]["code"].as_str().unwrap().to_owned(),
            e["error"]["message"].as_str().unwrap().to_owned(),
        )
    }
}

/// Parses JSON Lines, panicking on any line that is not a JSON object.
#[track_caller]
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}\nin:\n{text}"));
            assert!(v.is_object(), "a JSON Lines object expected: {l}");
            v
        })
        .collect()
}

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// The exact keys of a sale line (DESIGN.md §4.3, and `pending`: the operations Dintero is
/// still processing or whose outcome is being checked), sorted.
pub const SALE_KEYS: [&str; 10] = [
    "amount",
    "captured",
    "created_at",
    "currency",
    "merchant_reference",
    "pending",
    "refunded",
    "session_id",
    "status",
    "transaction_id",
];

#[track_caller]
pub fn assert_sale_shape(v: &Value) {
    assert_eq!(keys(v), SALE_KEYS, "sale line: {v}");
    assert!(v["amount"].is_i64() && v["captured"].is_i64() && v["refunded"].is_i64());
    assert!(v["status"].is_string() && v["currency"].is_string());
    assert!(v["merchant_reference"].is_string());
    for op in v["pending"].as_array().expect("pending is a list") {
        assert_eq!(keys(op), ["amount", "kind", "reference", "state"], "{op}");
        assert!(["requested", "unknown", "in_flight"].contains(&op["state"].as_str().unwrap()));
    }
    let created = v["created_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "created_at is RFC 3339: {created}"
    );
}

/// Waits for a child to end (killing it after `patience`, then panicking) and collects output.
pub fn finish(mut child: Child, patience: Duration) -> Run {
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let status = wait_for(&mut child, patience);
    Run {
        status,
        stdout: stdout.map(|h| h.join().unwrap()).unwrap_or_default(),
        stderr: stderr.map(|h| h.join().unwrap()).unwrap_or_default(),
    }
}

fn drain(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// Waits for a child to exit; after `patience` kills it and panics (a hang guard).
pub fn wait_for(child: &mut Child, patience: Duration) -> ExitStatus {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kasse-cli did not finish within {patience:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads a child's stdout line by line on a thread, so a test can react to each line.
pub struct Lines {
    rx: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Lines {
    pub fn new(stdout: ChildStdout) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
        }
    }

    /// The next line, or `None` at the end of the output; panics after [`PATIENCE`].
    pub fn next(&mut self) -> Option<String> {
        match self.rx.recv_timeout(PATIENCE) {
            Ok(l) => {
                self.seen.push(l.clone());
                Some(l)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("no output from kasse-cli; so far: {:#?}", self.seen)
            }
        }
    }

    /// The next line as JSON.
    pub fn next_json(&mut self) -> Value {
        let line = self.next().expect("another line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Every remaining line.
    pub fn rest(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(l) = self.next() {
            out.push(l);
        }
        out
    }
}

/// Stderr of a child, collected on a thread.
pub fn collect_stderr(child: &mut Child) -> std::thread::JoinHandle<String> {
    drain(child.stderr.take().expect("stderr"))
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
