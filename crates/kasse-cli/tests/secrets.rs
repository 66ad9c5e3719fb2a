//! Secrets never leak from `kasse-cli` (issue 6 §5): with a known client secret and `RUST_LOG`
//! at `trace`, every command is run (text and `--json`; charge, wait, capture, refund by line,
//! void, cancel, sync, transactions, show, journal verify) plus the error paths (a wrong secret,
//! a 503, a refused token). Neither the secret (raw, or inside the Basic credentials) nor any
//! access token (every token this sandbox issues starts with the same JWT header; two fetched
//! here are also looked for verbatim) appears in any stdout or stderr — logs included — or in
//! any byte of any file under the data dir (the SQLite file, WAL and SHM).

mod common;

use common::*;
use dintero_sandbox::{FaultRule, SandboxConfig};

const SECRET: &str = "S3CR3T-cli-9e02c4d1-must-never-show";
const WRONG: &str = "WR0NG-cli-5d1f0a3b-must-never-show";
const TOKEN_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRpbnRlcm8tc2FuZGJveCJ9";

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn neither_the_secret_nor_a_token_shows_in_output_logs_or_files() {
    assert_eq!(base64(b"ab:c"), "YWI6Yw==");
    let mut w = World::with_config(SandboxConfig {
        client_secret: SECRET.into(),
        ..SandboxConfig::default()
    });
    w.extra_env = vec![
        ("KASSE_CLIENT_SECRET".into(), SECRET.into()),
        ("RUST_LOG".into(), "trace".into()),
    ];
    let mut out: Vec<String> = Vec::new();
    let mut run = |w: &World, args: &[&str]| -> Run {
        let r = w.run(args);
        out.push(format!("{args:?}\n{}\n{}", r.stdout, r.stderr));
        r
    };
    let order = w.order_file(ORDER);
    let order = order.to_str().unwrap();

    for json in [true, false] {
        let j = |args: &[&'static str]| -> Vec<String> {
            let mut v: Vec<String> = if json { vec!["--json".into()] } else { vec![] };
            v.extend(args.iter().map(|s| s.to_string()));
            v
        };
        let go = |run: &mut dyn FnMut(&World, &[&str]) -> Run, w: &World, args: Vec<String>| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run(w, &args);
            assert!(r.ok(), "{args:?}: {r:#?}");
            r
        };
        // Sell, pay, capture, refund a line.
        let r = go(&mut run, &w, {
            let mut a = j(&["charge", "--order"]);
            a.push(order.into());
            a
        });
        let reference = w
            .control
            .sessions()
            .last()
            .map(|s| {
                s["order"]["merchant_reference"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .unwrap();
        let session = w.control.sessions().last().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(r.stdout.contains(&reference) || r.stdout.contains(&session));
        w.control.pay(&session, CARD_OK).unwrap();
        go(&mut run, &w, {
            let mut a = j(&["wait"]);
            a.push(session.clone());
            a
        });
        // A capture answered 503 after it happened: settled by reference.
        w.control.set_faults(vec![FaultRule {
            method: Some("POST".into()),
            path: Some("/v1/transactions/*/capture".into()),
            after: true,
            status: Some(503),
            times: Some(1),
            ..FaultRule::default()
        }]);
        go(&mut run, &w, {
            let mut a = j(&["capture"]);
            a.push(reference.clone());
            a
        });
        go(&mut run, &w, {
            let mut a = j(&["refund", "--line", "1:1", "--reason", "returned"]);
            a.push(reference.clone());
            a
        });
        go(&mut run, &w, {
            let mut a = j(&["show"]);
            a.push(reference.clone());
            a
        });
        // Void one, cancel one.
        go(&mut run, &w, {
            let mut a = j(&["charge", "--order"]);
            a.push(order.into());
            a
        });
        let s = w.control.sessions().last().unwrap().clone();
        w.control.pay(s["id"].as_str().unwrap(), CARD_OK).unwrap();
        let r = reference_of(&s);
        go(&mut run, &w, {
            let mut a = j(&["wait"]);
            a.push(r.clone());
            a
        });
        go(&mut run, &w, {
            let mut a = j(&["void"]);
            a.push(r);
            a
        });
        go(&mut run, &w, {
            let mut a = j(&["charge", "--order"]);
            a.push(order.into());
            a
        });
        let s = w.control.sessions().last().unwrap().clone();
        go(&mut run, &w, {
            let mut a = j(&["cancel"]);
            a.push(reference_of(&s));
            a
        });
        go(&mut run, &w, j(&["sync"]));
        go(&mut run, &w, j(&["transactions"]));
        go(&mut run, &w, j(&["journal", "verify"]));
    }

    // Errors: a wrong secret, a refused token, a capture of nothing.
    let mut wrong = World::with_config(SandboxConfig {
        client_secret: SECRET.into(),
        ..SandboxConfig::default()
    });
    wrong.extra_env = vec![
        ("KASSE_CLIENT_SECRET".into(), WRONG.into()),
        ("RUST_LOG".into(), "trace".into()),
    ];
    let r = run(&wrong, &["--json", "charge", "--order", order]);
    // The error is the one JSON line on stderr among the TRACE log lines.
    let last: serde_json::Value = r
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("error").is_some())
        .unwrap_or_default();
    assert_eq!(last["error"]["code"], "unauthorized", "{r:#?}");
    assert!(!r.ok());
    let r = run(&wrong, &["charge", "--order", order]);
    assert!(!r.ok());
    w.control.set_faults(vec![FaultRule {
        path: Some("/v1/accounts/*/auth/token".into()),
        status: Some(401),
        ..FaultRule::default()
    }]);
    let r = run(&w, &["--json", "sync"]);
    assert!(!r.ok(), "{r:#?}");
    w.control.clear_faults();

    // What to look for.
    let client = dintero_client::Client::new(
        dintero_client::Config::new(
            dintero_client::AccountId::parse("T12345678").unwrap(),
            "kasse-demo",
            SECRET,
        )
        .with_base_url(&w.url),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fetched = rt.block_on(client.fetch_token()).unwrap();
    let tokens = [
        fetched.access_token.expose().to_owned(),
        w.control.access_token(),
    ];
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("the client secret", SECRET.as_bytes().to_vec()),
        ("a wrong secret", WRONG.as_bytes().to_vec()),
        (
            "the Basic credentials",
            base64(format!("kasse-demo:{SECRET}").as_bytes()).into_bytes(),
        ),
        ("an access token", TOKEN_HEADER.as_bytes().to_vec()),
        ("access token #1", tokens[0].as_bytes().to_vec()),
        ("access token #2", tokens[1].as_bytes().to_vec()),
    ];
    assert!(tokens.iter().all(|t| t.starts_with(TOKEN_HEADER)));

    // A process still running (charge --wait) holds the WAL and SHM files: read them too.
    let sessions = w.control.sessions().len();
    let waiting = w
        .cmd(&["--json", "charge", "--wait", "--order", order])
        .spawn()
        .unwrap();
    let session = w.until("the waiting charge's session", || {
        let all = w.control.sessions();
        (all.len() > sessions).then(|| all.last().unwrap()["id"].as_str().unwrap().to_owned())
    });
    let mut live = Vec::new();
    files(&w.data_dir(), &mut live);
    let mut live_names = Vec::new();
    for p in &live {
        let bytes = std::fs::read(p).unwrap();
        for (what, needle) in &needles {
            assert!(
                !find(&bytes, needle),
                "{what} in {} (while running)",
                p.display()
            );
        }
        live_names.push(p.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert!(
        live_names.iter().any(|n| n.ends_with("-wal")),
        "{live_names:?}"
    );
    w.control.pay(&session, CARD_OK).unwrap();
    let r = finish(waiting, PATIENCE);
    assert!(r.ok(), "{r:#?}");
    out.push(format!("charge --wait\n{}\n{}", r.stdout, r.stderr));

    let all = out.join("\n");
    assert!(
        all.contains("TRACE") || all.contains("DEBUG"),
        "logs at the finest level were printed"
    );
    assert!(
        all.contains("dintero.call"),
        "the client's calls were logged"
    );
    for (what, needle) in &needles {
        assert!(
            !find(all.as_bytes(), needle),
            "{what} in the output of kasse-cli"
        );
    }
    let mut names = Vec::new();
    for dir in [w.data_dir(), wrong.data_dir()] {
        let mut paths = Vec::new();
        files(&dir, &mut paths);
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            for (what, needle) in &needles {
                assert!(!find(&bytes, needle), "{what} in {}", p.display());
            }
            names.push(format!(
                "{} ({} bytes)",
                p.file_name().unwrap().to_string_lossy(),
                bytes.len()
            ));
        }
    }
    assert!(
        names.iter().any(|n| n.starts_with("kasse.sqlite ")),
        "{names:?}"
    );
    println!(
        "secrets: {} kasse-cli runs, {} bytes of output and TRACE logs, files {names:?} (and {live_names:?} while one ran): no secret, no token",
        out.len(),
        all.len()
    );
}

fn reference_of(session: &serde_json::Value) -> String {
    session["order"]["merchant_reference"]
        .as_str()
        .unwrap()
        .to_owned()
}
