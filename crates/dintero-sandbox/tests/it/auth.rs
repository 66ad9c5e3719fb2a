//! Token endpoint and bearer checks over real HTTP.

use std::time::Duration;

use reqwest::StatusCode;

use crate::common::*;
use dintero_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

async fn token_call(env: &Env, aid: &str, auth: Option<String>, body: Value) -> (u16, Value) {
    let mut req = env
        .http
        .post(env.url(&format!("/v1/accounts/{aid}/auth/token")))
        .json(&body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// `GET /v1/transactions` with `token` as the bearer.
async fn list_with(env: &Env, token: &str) -> (StatusCode, Value) {
    answer(env.http.get(env.url("/v1/transactions")).bearer_auth(token)).await
}

/// A token of another sandbox, started with `config`.
async fn token_of(config: SandboxConfig) -> String {
    let other = Sandbox::start(config).await.unwrap();
    other.control().access_token()
}

fn body(aud: &str) -> Value {
    json!({"grant_type": "client_credentials", "audience": aud})
}

#[tokio::test]
async fn token_endpoint_accepts_only_dintero_s_own_audience() {
    let env = env().await;
    let good = || Some(basic("kasse-demo", "kasse-demo-secret"));
    let port = env.sandbox.local_addr().port();
    let (s, v) = token_call(
        &env,
        "T12345678",
        good(),
        body("https://api.dintero.com/v1/accounts/T12345678"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 14400);
    let t = v["access_token"].as_str().unwrap();
    assert_eq!(t.split('.').count(), 3, "JWT-shaped");
    // An audience derived from the URL the client was given is not a grant of the client, at
    // Dintero as here: the checkout host, the sandbox's own address, a trailing slash.
    for aud in [
        "https://checkout.dintero.com/v1/accounts/T12345678".to_owned(),
        format!("{}/v1/accounts/T12345678", env.base),
        format!("http://127.0.0.1:{port}/v1/accounts/T12345678"),
        "https://api.dintero.com/v1/accounts/T12345678/".to_owned(),
    ] {
        let (s, v) = token_call(&env, "T12345678", good(), body(&aud)).await;
        assert_eq!(s, 403, "{aud}: {v}");
    }
}

#[tokio::test]
async fn token_endpoint_error_classes() {
    let env = env().await;
    let aud = "https://api.dintero.com/v1/accounts/T12345678";
    let cases: Vec<(&str, Option<String>, Value, u16, &str)> = vec![
        ("T12345678", None, body(aud), 401, "unauthorized"),
        (
            "T12345678",
            Some(basic("kasse-demo", "wrong")),
            body(aud),
            401,
            "unauthorized",
        ),
        (
            "T12345678",
            Some(basic("someone", "kasse-demo-secret")),
            body(aud),
            401,
            "unauthorized",
        ),
        (
            "T12345678",
            Some("Basic !!!".into()),
            body(aud),
            401,
            "unauthorized",
        ),
        (
            "T12345678",
            Some(basic("kasse-demo", "kasse-demo-secret")),
            json!({"grant_type": "password", "audience": aud}),
            400,
            "invalid_request",
        ),
        (
            "T12345678",
            Some(basic("kasse-demo", "kasse-demo-secret")),
            json!({"grant_type": "client_credentials"}),
            400,
            "invalid_request",
        ),
        (
            "T87654321",
            Some(basic("kasse-demo", "kasse-demo-secret")),
            body("https://api.dintero.com/v1/accounts/T87654321"),
            403,
            "forbidden",
        ),
        (
            "T12345678",
            Some(basic("kasse-demo", "kasse-demo-secret")),
            body("https://api.dintero.com/v1/accounts/T87654321"),
            403,
            "forbidden",
        ),
        (
            "T12345678",
            Some(basic("kasse-demo", "kasse-demo-secret")),
            body("https://evil.example/v1/accounts/T12345678"),
            403,
            "forbidden",
        ),
    ];
    for (aid, auth, b, status, code) in cases {
        let (s, v) = token_call(&env, aid, auth.clone(), b.clone()).await;
        assert_eq!(
            (s, error_code(&v)),
            (status, code),
            "{aid} {auth:?} {b}: {v}"
        );
        assert!(v["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn checkout_endpoints_require_a_valid_bearer() {
    let env = env().await;
    for auth in [
        None,
        Some("Bearer nonsense"),
        Some("Basic abc"),
        Some("Bearer a.b.c"),
    ] {
        let mut req = env.http.get(env.url("/v1/transactions"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let (s, v) = answer(req).await;
        assert_eq!(s, 401, "{auth:?}");
        assert_eq!(error_code(&v), "unauthorized");
    }
    let (s, _) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn tokens_expire_on_the_sim_clock() {
    let env = env_tweaked(|c| c.token_ttl = Duration::from_secs(5)).await;
    let (s, _) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
    env.sandbox.control().advance_clock(Duration::from_secs(6));
    let (s, v) = env.get("/v1/transactions").await;
    assert_eq!(s, 401);
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
    // A fresh token works again.
    let token = env.fetch_token().await;
    assert_eq!(list_with(&env, &token).await.0, 200);
}

#[tokio::test]
async fn a_token_for_another_account_is_forbidden() {
    let env = env().await;
    let foreign = token_of(SandboxConfig {
        account_id: "T99999999".into(),
        ..test_config()
    })
    .await;
    let (s, v) = list_with(&env, &foreign).await;
    assert_eq!(s, 403);
    assert_eq!(error_code(&v), "forbidden");
    // A sandbox with another secret does not even recognise the signature: 401.
    let stranger = token_of(SandboxConfig {
        client_secret: "other".into(),
        ..test_config()
    })
    .await;
    assert_eq!(list_with(&env, &stranger).await.0, 401);
}

#[tokio::test]
async fn invalid_account_id_is_refused_at_start() {
    let e = Sandbox::start(SandboxConfig {
        account_id: "X1".into(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("invalid account id"));
}
