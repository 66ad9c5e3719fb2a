//! Tokens: fetching and the connection check, expiry and transparent refresh, another
//! account's token, one token request for many concurrent callers, and one connection for
//! many calls.

use super::*;

#[tokio::test]
async fn fetch_token_and_test_connection() {
    let env = Env::start().await;
    let token = env.client.fetch_token().await.unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, TOKEN_TTL);
    assert_eq!(
        token.access_token.expose().split('.').count(),
        3,
        "JWT-shaped"
    );
    assert_eq!(
        env.client.audience(),
        format!("https://api.dintero.com/v1/accounts/{ACCOUNT}")
    );

    let check = env.client.test_connection().await.unwrap();
    assert_eq!(check.account_id.as_str(), ACCOUNT);
    assert_eq!(check.environment, Environment::Test);
    assert_eq!(check.token_expires_in, TOKEN_TTL);
}

#[tokio::test]
async fn expired_token_is_refreshed_transparently() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    env.client.get_transaction(&tid).await.unwrap();
    // While the token is valid, a call is one request.
    let before = env.stats();
    env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(env.requests_since(before), 1);

    env.control
        .advance_clock(TOKEN_TTL + Duration::from_secs(60));
    let before = env.stats();
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.id, tid);
    assert_eq!(
        env.requests_since(before),
        3,
        "GET refused (401), a second token, the GET again"
    );
    // The new token is cached.
    let before = env.stats();
    env.capture(&tid, 400, "after-refresh").await.unwrap();
    assert_eq!(env.requests_since(before), 1);

    // A capture refused with 401 (expired token) is not sent again: the 401 proves it was not
    // carried out, and an operation leaves right after its caller logged it, or not at all.
    // Asked again, it goes out with a new token, and happens exactly once.
    env.control
        .advance_clock(TOKEN_TTL + Duration::from_secs(60));
    let before = env.stats();
    let err = env.capture(&tid, 600, "after-expiry").await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(env.requests_since(before), 1);
    let before = env.stats();
    let tx = env
        .capture(&tid, 600, "after-expiry")
        .await
        .unwrap()
        .transaction;
    assert_eq!(env.requests_since(before), 2, "a new token, the capture");
    assert_eq!(tx.events_with_reference("after-expiry").count(), 1);
    assert_eq!(tx.status, S::Captured);
}

#[tokio::test]
async fn a_token_for_another_account_is_forbidden() {
    // Two sandboxes with the same client secret: tokens of one verify at the other, which
    // refuses them for the account (403), as a valid token without rights would be.
    let env = Env::start().await;
    let other = Env::start_with(SandboxConfig {
        account_id: "T87654321".to_owned(),
        ..sandbox_config()
    })
    .await;
    let (_, tid) = env.authorized(1000).await;
    let client = Client::new(
        Config::new(AccountId::parse("T87654321").unwrap(), CLIENT_ID, SECRET)
            .with_auth_base_url(other.base.clone())
            .with_checkout_base_url(env.base.clone()),
    )
    .unwrap();
    let before = env.stats();
    let err = client.get_transaction(&tid).await.unwrap_err();
    match &err {
        Error::Forbidden { message } => assert!(
            message.contains("cannot access account T12345678"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    assert_eq!(env.requests_since(before), 1, "no refresh, no retry on 403");

    // Signed with another secret: 401, one refresh, 401 again.
    let foreign = Env::start_with(SandboxConfig {
        client_secret: "another-secret".to_owned(),
        ..sandbox_config()
    })
    .await;
    let client = Client::new(
        Config::new(
            AccountId::parse(ACCOUNT).unwrap(),
            CLIENT_ID,
            "another-secret",
        )
        .with_auth_base_url(foreign.base.clone())
        .with_checkout_base_url(env.base.clone()),
    )
    .unwrap();
    let before = env.stats();
    let err = client.get_transaction(&tid).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { status: 401, message } if message.contains("invalid JWT")),
        "{err:?}"
    );
    assert_eq!(
        env.requests_since(before),
        2,
        "the GET, and once more after a refresh"
    );
}

async fn concurrent_gets(client: &Client, tid: &str, n: usize) {
    let answers = at_once(client, n, |c, _| {
        let tid = tid.to_owned();
        async move { c.get_transaction(&tid).await }
    })
    .await;
    for answer in answers {
        assert_eq!(answer.unwrap().id, tid);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_token_request_for_fifty_cold_callers() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    let client = env.new_client(|c| c); // cold cache
    let before = env.stats();
    concurrent_gets(&client, &tid, 50).await;
    assert_eq!(
        env.requests_since(before),
        51,
        "50 GETs and exactly one token request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_for_fifty_callers_after_expiry() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    env.client.get_transaction(&tid).await.unwrap();
    env.control
        .advance_clock(TOKEN_TTL + Duration::from_secs(1));
    // The next token request passes; any further one is refused with a 400 (not retried), so
    // a second refresh would fail one of the calls.
    let token_path = format!("/v1/accounts/{ACCOUNT}/auth/token");
    env.control.set_faults(vec![
        FaultRule {
            times: Some(1),
            ..FaultRule::on("POST", &token_path)
        },
        FaultRule {
            status: Some(400),
            ..FaultRule::on("POST", &token_path)
        },
    ]);
    let before = env.stats();
    concurrent_gets(&env.client, &tid, 50).await;
    // Every caller that sent with the expired token got one 401 and retried once; the others
    // waited for the new token (how many is up to the scheduler).
    let requests = env.requests_since(before);
    assert!(
        (52..=101).contains(&requests),
        "50 GETs, one token, 1 to 50 refused GETs: {requests}"
    );
    // The pass-through rule is spent: exactly one token request was made.
    let err = env.client.fetch_token().await.unwrap_err();
    assert_api(&err, 400, "sim_fault");
}

#[tokio::test]
async fn hundred_sequential_calls_use_one_connection() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(100_000).await;
    let client = env.new_client(|c| c);
    let before = env.stats();
    for i in 0..100 {
        if i % 4 == 3 {
            client
                .capture(&tid, &CaptureRequest::new(10, format!("c{i}")))
                .await
                .unwrap();
        } else {
            client.get_transaction(&tid).await.unwrap();
        }
    }
    let after = env.stats();
    assert_eq!(after.requests - before.requests, 101, "token + 100 calls");
    assert_eq!(
        after.accepted_connections - before.accepted_connections,
        1,
        "keep-alive: one connection for everything"
    );
}
