//! The demo simulator's control API for the end-to-end tests that act as the customer's phone
//! (`/_sim/*`, which answers only the demo account's bearer token).

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// The demo simulator's control API, with the token its account gets from the token endpoint.
pub async fn control(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<Value> {
    let demo = dintero_sandbox::SandboxConfig::default();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/v1/accounts/{}/auth/token", demo.account_id))
        .basic_auth(&demo.client_id, Some(&demo.client_secret))
        .json(&json!({
            "grant_type": "client_credentials",
            "audience": format!("https://api.dintero.com/v1/accounts/{}", demo.account_id),
        }))
        .send()
        .await
        .context("token")?
        .json()
        .await?;
    let bearer = token["access_token"].as_str().unwrap_or_default();
    let mut request = http
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(bearer);
    if !body.is_null() {
        request = request.json(&body);
    }
    let answer = request
        .send()
        .await
        .with_context(|| format!("{method} {path}"))?;
    if !answer.status().is_success() {
        bail!("{method} {path}: {}", answer.status());
    }
    Ok(answer.json().await?)
}
