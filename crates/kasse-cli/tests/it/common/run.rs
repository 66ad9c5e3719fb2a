//! A `kasse-cli` child: finished ([`Run`], with the checks of its JSON Lines and error line), or
//! still running and read line by line ([`Following`], for `--wait`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::PATIENCE;

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

    /// Asserts a JSON error (see [`Run::json_error`]) with `code`; returns its message.
    #[track_caller]
    pub fn refused(&self, code: &str) -> String {
        let (got, message) = self.json_error();
        assert_eq!(got, code, "{message}");
        message
    }

    /// [`Run::refused`], with a message that names `part`.
    #[track_caller]
    pub fn refused_naming(&self, code: &str, part: &str) -> String {
        let message = self.refused(code);
        assert!(
            message.contains(part),
            "the message names {part:?}: {message}"
        );
        message
    }

    /// Asserts that stdout holds `part`.
    #[track_caller]
    pub fn says(&self, part: &str) {
        assert!(self.stdout.contains(part), "{part:?} on stdout: {self:#?}");
    }

    /// Asserts a failure in text mode: nothing on stdout, one `error: …` line on stderr.
    #[track_caller]
    pub fn text_error(&self) -> &str {
        assert!(!self.ok(), "kasse-cli should have failed: {self:#?}");
        assert_eq!(self.stdout, "", "nothing on stdout on an error: {self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{:?}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{:?}", self.stderr);
        &self.stderr
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

/// The keys of a `--wait` progress line, sorted.
pub const PROGRESS_KEYS: [&str; 3] = ["session_id", "status", "transaction_id"];

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

/// A running `kasse-cli` whose stdout is read line by line on a thread, so a test can act on
/// each line (pay once the checkout is printed, …); stderr is collected meanwhile.
pub struct Following {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    seen: Vec<String>,
}

impl Following {
    pub fn spawn(mut cmd: Command) -> Following {
        let mut child = cmd.spawn().expect("kasse-cli starts");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = drain(child.stderr.take().expect("stderr"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Following {
            child,
            lines: rx,
            stderr,
            seen: Vec::new(),
        }
    }

    /// The next line as JSON; panics at the end of the output or after [`PATIENCE`].
    pub fn next_json(&mut self) -> Value {
        let line = match self.lines.recv_timeout(PATIENCE) {
            Ok(l) => l,
            Err(e) => panic!(
                "no next line from kasse-cli ({e}); so far: {:#?}",
                self.seen
            ),
        };
        self.seen.push(line.clone());
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Waits for the end: the exit status, the lines not read yet as stdout, and stderr.
    pub fn end(mut self) -> Run {
        let status = wait_for(&mut self.child, PATIENCE);
        let rest: Vec<String> = self.lines.iter().collect();
        Run {
            status,
            stdout: rest.join("\n"),
            stderr: self.stderr.join().unwrap(),
        }
    }
}
