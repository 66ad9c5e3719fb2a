//! Measure session creations per second against an in-process sandbox over keep-alive HTTP.
//! `cargo run --release -p dintero-sandbox --example session_rate -- [SECONDS] [CLIENTS]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dintero_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let clients: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let base = sandbox.base_url();
    let token = sandbox.control().access_token();
    let body = Arc::new(
        serde_json::to_vec(&json!({
            "profile_id": "default",
            "url": {"return_url": "https://kasse.example/return"},
            "order": {"amount": 24800, "vat_amount": 4960, "currency": "NOK", "merchant_reference": "BENCH",
                "items": [
                    {"line_id": "1", "description": "A", "quantity": 2, "amount": 17800, "vat_amount": 3560, "vat": 25},
                    {"line_id": "2", "description": "B", "quantity": 3, "amount": 7000, "vat_amount": 1400, "vat": 25}
                ]}
        }))
        .unwrap(),
    );
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (base, token, body, done) = (base.clone(), token.clone(), body.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            while Instant::now() < deadline {
                let r = http
                    .post(format!("{base}/v1/sessions-profile"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.as_ref().clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                r.bytes().await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = done.load(Ordering::Relaxed);
    println!(
        "{n} sessions in {secs} s with {clients} clients: {:.0} sessions/s (client and server share 2 worker threads); {} connections",
        n as f64 / secs as f64,
        sandbox.control().stats().accepted_connections
    );
}
