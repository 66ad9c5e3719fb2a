//! `dintero-sandbox`: run the Dintero simulator until killed.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use dintero_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

/// A faithful, stateful simulator of the Dintero Checkout API with a hosted test checkout.
#[derive(Parser)]
#[command(name = "dintero-sandbox", version)]
struct Args {
    /// Address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// The account id served (T… = test, P… = production).
    #[arg(long, default_value = "T12345678")]
    account: String,
    /// API client id accepted by the token endpoint.
    #[arg(long, default_value = "kasse-demo")]
    client_id: String,
    /// API client secret accepted by the token endpoint.
    #[arg(long, default_value = "kasse-demo-secret")]
    client_secret: String,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 14_400)]
    token_ttl: u64,
    /// First callback retry delay in milliseconds (doubles per retry, capped at 60 s).
    #[arg(long, default_value_t = 1_000)]
    callback_retry_base_ms: u64,
    /// Sign callbacks with this secret (Dintero-Signature header).
    #[arg(long, env = "DINTERO_SANDBOX_SIGNATURE_SECRET")]
    signature_secret: Option<String>,
    /// Create one sample session at start and print its checkout URL.
    #[arg(long)]
    demo_session: bool,
    /// Answer capture/refund/void with 202 and complete them shortly after.
    #[arg(long)]
    async_operations: bool,
    /// Seed for ids (reproducible runs).
    #[arg(long)]
    seed: Option<u64>,
}

fn demo_order(now: time::OffsetDateTime, base: &str) -> serde_json::Value {
    let expires = now + time::Duration::hours(1);
    json!({
        "profile_id": "default",
        "url": {"return_url": format!("{base}/_sim/return")},
        "expires_at": dintero_sandbox::format_millis((expires.unix_timestamp_nanos() / 1_000_000) as i64),
        "order": {
            "amount": 12300,
            "vat_amount": 2460,
            "currency": "NOK",
            "merchant_reference": "DEMO-1",
            "items": [
                {"line_id": "1", "id": "coffee", "description": "Coffee", "quantity": 2, "amount": 7800, "vat_amount": 1560, "vat": 25},
                {"line_id": "2", "id": "bun", "description": "Cinnamon bun", "quantity": 1, "amount": 4500, "vat_amount": 900, "vat": 25}
            ]
        },
        "configuration": {"channel": "in_store"}
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let config = SandboxConfig {
        listen: args.listen,
        account_id: args.account.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        token_ttl: Duration::from_secs(args.token_ttl),
        callback_retry_base: Duration::from_millis(args.callback_retry_base_ms),
        signature_secret: args.signature_secret.clone(),
        async_operations: args.async_operations,
        seed: args.seed,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config)
        .await
        .context("starting the sandbox")?;
    let base = sandbox.base_url();
    let mut out = std::io::stdout().lock();
    writeln!(out, "dintero-sandbox listening on {base}")?;
    out.flush()?;
    writeln!(
        out,
        "account {} · client id {} · client secret {}",
        args.account, args.client_id, args.client_secret
    )?;
    writeln!(
        out,
        "token: POST {base}/v1/accounts/{}/auth/token (Basic auth, audience https://api.dintero.com/v1/accounts/{})",
        args.account, args.account
    )?;
    writeln!(
        out,
        "sessions: POST {base}/v1/sessions-profile · control: {base}/_sim/… (with a token; see the crate README)"
    )?;
    if args.demo_session {
        let control = sandbox.control();
        let created = control
            .create_session(demo_order(control.now(), &base))
            .map_err(|e| anyhow::anyhow!("creating the demo session: {e}"))?;
        writeln!(
            out,
            "demo checkout: {}",
            created["url"].as_str().unwrap_or_default()
        )?;
    }
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await.ok();
    sandbox.shutdown().await;
    Ok(())
}
