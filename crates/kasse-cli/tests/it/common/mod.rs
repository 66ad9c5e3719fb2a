//! The harness: an in-process `dintero-sandbox` (HTTP on a free loopback port, served by a
//! runtime of its own), a data dir, and the real `kasse-cli` binary run as a child process with
//! only the environment a user would set. `run` holds what a child printed and how it ended.

mod run;

pub use run::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dintero_sandbox::{Control, FaultRule, Sandbox, SandboxConfig};
use serde_json::Value;

/// Approved (3DS frictionless).
pub const CARD_OK: &str = "4000000000000002";
/// Declined by the issuer.
pub const CARD_DECLINED: &str = "4100000000000076";

/// The client secret of the sandbox's account, which every child gets.
pub const CLIENT_SECRET: &str = "kasse-demo-secret";

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
    extra_env: Vec<(String, String)>,
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

    /// Sets the extra environment of every child from now on (replacing what was set).
    pub fn set_env(&mut self, vars: &[(&str, &str)]) {
        self.extra_env = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
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
    /// dir and counter, and the extra environment.
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
            .env("KASSE_CLIENT_SECRET", CLIENT_SECRET)
            .env("KASSE_API_URL", &self.url)
            .env("KASSE_DATA_DIR", data_dir)
            .env("KASSE_COUNTER", counter)
            // The flows here capture by hand; capture at payment has tests of its own.
            .env("KASSE_CAPTURE_AT_PAYMENT", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// `kasse-cli --demo ARGS` as a person without an account runs it: no credentials, no data
    /// dir (the demo's throw-away one goes under this world's dir).
    pub fn demo_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd(&[&["--demo"][..], args].concat());
        for k in [
            "KASSE_ACCOUNT_ID",
            "KASSE_CLIENT_ID",
            "KASSE_CLIENT_SECRET",
            "KASSE_API_URL",
            "KASSE_DATA_DIR",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("TMPDIR", self.dir.path());
        cmd
    }

    /// Runs `kasse-cli ARGS` to its end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.cmd(args), None)
    }

    /// Runs `kasse-cli ARGS` to its end with `input` on its stdin.
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

    /// Writes an order into the world's dir and returns its path.
    pub fn order_file(&self, json: &str) -> PathBuf {
        let p = self
            .dir
            .path()
            .join(format!("order-{}.json", unique_suffix()));
        std::fs::write(&p, json).expect("write order");
        p
    }

    /// `--json charge --order FILE` of [`ORDER`]: the one charge line.
    pub fn charge(&self) -> Value {
        let order = self.order_file(ORDER);
        self.run(&["--json", "charge", "--order", path_str(&order)])
            .one()
    }

    /// A sale the customer has paid (authorised), followed to the end with `wait`.
    /// Returns (charge line, transaction id).
    pub fn paid_sale(&self) -> (Value, String) {
        let c = self.charge();
        let sid = c["session_id"].as_str().unwrap();
        self.control.pay(sid, CARD_OK).expect("pay");
        let lines = self.run(&["--json", "wait", sid]).json_ok();
        let last = lines.last().unwrap();
        assert_eq!(last["status"], "authorized", "{lines:?}");
        (c, last["transaction_id"].as_str().unwrap().to_owned())
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

    /// A Dintero client of this world's account with `secret`, for calls made "elsewhere" (the
    /// backoffice, another tool) and for fetching a token the way Kasse does.
    pub fn dintero_client(&self, secret: &str) -> dintero_client::Client {
        dintero_client::Client::new(
            dintero_client::Config::new(
                dintero_client::AccountId::parse("T12345678").unwrap(),
                "kasse-demo",
                secret,
            )
            .with_base_url(self.url.clone()),
        )
        .expect("a client of the sandbox")
    }

    /// The sandbox's transaction for a session, when there is one.
    pub fn sandbox_transaction_of(&self, session_id: &str) -> Option<Value> {
        self.control
            .transactions()
            .into_iter()
            .find(|t| t["session_id"] == session_id)
    }

    /// The first checkout session at the sandbox that is not in `known`, when there is one.
    pub fn new_session(&self, known: &std::collections::BTreeSet<String>) -> Option<Value> {
        self.control
            .sessions()
            .into_iter()
            .find(|s| s["id"].as_str().is_some_and(|id| !known.contains(id)))
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

/// `POST <path>` once: the start of a fault rule for one operation.
pub fn post_once(path: &str) -> FaultRule {
    FaultRule {
        method: Some("POST".into()),
        path: Some(path.into()),
        times: Some(1),
        ..FaultRule::default()
    }
}

/// The merchant reference of a sandbox session.
pub fn reference_of(session: &Value) -> String {
    session["order"]["merchant_reference"]
        .as_str()
        .expect("the session's merchant reference")
        .to_owned()
}

/// The successful events of a sandbox transaction.
pub fn sandbox_events(tx: &Value) -> impl Iterator<Item = &Value> {
    tx["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["success"] == true)
}

/// The sum of the successful events named `name` (`CAPTURE`, `REFUND`) of a sandbox
/// transaction.
pub fn sandbox_sum(tx: &Value, name: &str) -> i64 {
    sandbox_events(tx)
        .filter(|e| e["event"] == name)
        .map(|e| e["amount"].as_i64().unwrap_or(0))
        .sum()
}

/// `f` of each element of a JSON list.
pub fn each<'a, T>(list: &'a Value, f: impl FnMut(&'a Value) -> T) -> Vec<T> {
    list.as_array()
        .expect("a JSON list")
        .iter()
        .map(f)
        .collect()
}

/// Today (UTC) as in merchant references: `YYYYMMDD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
