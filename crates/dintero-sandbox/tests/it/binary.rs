//! The `dintero-sandbox` binary keeps its contract: first stdout line, then serving.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_the_contract_line_and_serves_a_demo_checkout() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_dintero-sandbox"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--demo-session",
                "--token-ttl",
                "60",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        for _ in 0..5 {
            let mut l = String::new();
            reader.read_line(&mut l).unwrap();
            lines.push(l.trim_end().to_owned());
            if l.starts_with("demo checkout:") {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(10), lines)
        .await
        .unwrap()
        .unwrap();
    let first = &lines[0];
    let base = first
        .strip_prefix("dintero-sandbox listening on ")
        .unwrap_or_else(|| panic!("bad first line {first:?}"));
    let port: u16 = base
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0, "the real port is printed");
    let demo = lines
        .iter()
        .find_map(|l| l.strip_prefix("demo checkout: "))
        .expect("demo checkout line");
    assert!(demo.starts_with(&format!("{base}/v1/view/T12345678.")));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http.get(demo).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Cinnamon bun"));
    let token: serde_json::Value = http
        .post(format!("{base}/v1/accounts/T12345678/auth/token"))
        .basic_auth("kasse-demo", Some("kasse-demo-secret"))
        .json(&serde_json::json!({"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T12345678"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 60);
}

#[test]
fn refuses_a_bad_account_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_dintero-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--account", "bogus"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid account id"));
}
