//! The access token: the request, caching and refresh ahead of expiry, one fetch for many
//! callers (sharing its failure), bad credentials, retries of the token endpoint, `401`
//! handling (one refresh and one resend, never for an operation), and a ready token.

use super::*;

/// `n` reads of one transaction, all at once.
async fn reads_at_once(
    client: &Client,
    n: usize,
) -> Vec<Result<dintero_client::Transaction, Error>> {
    at_once(client, n, |c, _| async move {
        c.get_transaction("T12345678.abc").await
    })
    .await
}

#[tokio::test]
async fn token_request_has_basic_auth_json_body_and_audience() {
    let mock = Mock::start(ok_transaction).await;
    let client = mock.client();
    client.get_transaction("T12345678.abc").await.unwrap();

    let tokens = mock.token_log();
    assert_eq!(tokens.len(), 1);
    let request = &tokens[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v1/accounts/{ACCOUNT}/auth/token"));
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Basic {expected}").as_str())
    );
    assert!(request
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.json(),
        serde_json::json!({
            "grant_type": "client_credentials",
            "audience": format!("https://api.dintero.com/v1/accounts/{ACCOUNT}"),
        })
    );
    assert_eq!(
        client.audience(),
        format!("https://api.dintero.com/v1/accounts/{ACCOUNT}")
    );

    // The API call carried the bearer token and the system headers.
    let api = &mock.api_log()[0];
    assert_eq!(api.bearer().as_deref(), Some("tok-1-eyJhbGciOiJSUzI1NiJ9"));
    assert_eq!(api.header("dintero-system-name"), Some("kasse"));
    assert_eq!(
        api.header("dintero-system-plugin-name"),
        Some("dintero-client-rs")
    );
    assert_eq!(
        api.header("dintero-system-version"),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        api.header("dintero-system-plugin-version"),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn audience_with_default_and_slashed_bases() {
    let account = AccountId::parse("P00000000").unwrap();
    let client = Client::new(Config::new(account.clone(), "id", "secret")).unwrap();
    assert_eq!(
        client.audience(),
        "https://api.dintero.com/v1/accounts/P00000000"
    );
    assert_eq!(
        client.token_url().as_str(),
        "https://api.dintero.com/v1/accounts/P00000000/auth/token"
    );
    assert_eq!(client.environment(), Environment::Production);
    // Not derived from the URL: a token host given as the checkout host (which serves the
    // same path), a proxy or a simulator still asks for the account's own audience.
    for base in [
        "https://api.dintero.com///",
        "https://checkout.dintero.com",
        "https://proxy.example:8443",
    ] {
        let client =
            Client::new(Config::new(account.clone(), "id", "secret").with_auth_base_url(base))
                .unwrap();
        assert_eq!(
            client.audience(),
            "https://api.dintero.com/v1/accounts/P00000000",
            "{base}"
        );
    }
    // A simulator (only a test account may be reached over http) is asked for the same.
    let test = AccountId::parse("T00000000").unwrap();
    let client =
        Client::new(Config::new(test, "id", "secret").with_auth_base_url("http://127.0.0.1:8787"))
            .unwrap();
    assert_eq!(
        client.audience(),
        "https://api.dintero.com/v1/accounts/T00000000"
    );
}

#[tokio::test]
async fn token_is_cached_across_calls_and_clones() {
    let mock = Mock::start(ok_transaction).await;
    let client = mock.client();
    for _ in 0..10 {
        client.get_transaction("T12345678.abc").await.unwrap();
    }
    let clone = client.clone();
    for _ in 0..10 {
        clone.get_transaction("T12345678.abc").await.unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.api_requests(), 20);
}

#[tokio::test]
async fn token_is_refreshed_ahead_of_expiry() {
    let mock = Mock::start(ok_transaction).await;
    // expires_in 2 s: refresh once less than min(max(60 s, 10 %), half) = 1 s remains.
    mock.set_expires_in(2);
    let client = mock.client();
    client.get_transaction("T12345678.abc").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(mock.token_requests(), 1, "still fresh after 0.5 s");
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Within the last second: still valid, but refreshed now.
    client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(mock.token_requests(), 2);
    let bearers: Vec<_> = mock.api_log().iter().map(|r| r.bearer().unwrap()).collect();
    assert!(bearers[0].starts_with("tok-1-") && bearers[1].starts_with("tok-1-"));
    assert!(bearers[2].starts_with("tok-2-"), "{bearers:?}");
}

#[tokio::test]
async fn one_token_request_for_many_concurrent_cold_callers() {
    let mock = Mock::start(ok_transaction).await;
    mock.state.token_delay_ms.store(100, Ordering::SeqCst);
    let client = mock.client();
    for answer in reads_at_once(&client, 50).await {
        answer.unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.api_requests(), 50);
}

#[tokio::test]
async fn one_token_request_for_many_concurrent_callers_with_expired_token() {
    let mock = Mock::start(ok_transaction).await;
    mock.set_expires_in(1);
    let client = mock.client();
    client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(mock.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await; // token expired
    mock.state.token_delay_ms.store(100, Ordering::SeqCst);
    mock.set_expires_in(3600);
    for answer in reads_at_once(&client, 50).await {
        answer.unwrap();
    }
    assert_eq!(
        mock.token_requests(),
        2,
        "exactly one refresh for 50 callers"
    );
    let log = mock.api_log();
    assert!(log[1..]
        .iter()
        .all(|r| r.bearer().unwrap().starts_with("tok-2-")));
}

#[tokio::test]
async fn queued_callers_share_a_failed_token_fetch() {
    let mock = Mock::start(ok_transaction).await;
    mock.state.token_delay_ms.store(100, Ordering::SeqCst);
    mock.state.token_status.store(401, Ordering::SeqCst);
    let client = mock.client();
    for answer in reads_at_once(&client, 20).await {
        let err = answer.unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { status: 401, .. }),
            "{err:?}"
        );
    }
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.api_requests(), 0);
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_and_not_retried() {
    for status in [401u16, 403] {
        let mock = Mock::start(ok_transaction).await;
        mock.state.token_status.store(status, Ordering::SeqCst);
        let client = mock.client();
        let err = client.fetch_token().await.unwrap_err();
        match &err {
            Error::Unauthorized { status: s, message } => {
                assert_eq!(*s, status);
                assert!(message.contains("FORBIDDEN"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().contains("client secret was refused"),
            "{err}"
        );
        assert_eq!(mock.token_requests(), 1);
        let err = client.test_connection().await.unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }));
    }
}

#[tokio::test]
async fn token_endpoint_5xx_is_retried() {
    let mock = Mock::start(ok_transaction).await;
    mock.state.token_status.store(503, Ordering::SeqCst);
    let client = mock.client();
    let err = client.fetch_token().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(mock.token_requests(), 3);
}

#[tokio::test]
async fn fetch_token_and_test_connection() {
    let mock = Mock::start(|r, _| {
        assert_eq!(r.path, "/v1/transactions");
        assert_eq!(r.query.as_deref(), Some("limit=1"));
        Reply::json(200, serde_json::json!([]))
    })
    .await;
    mock.set_expires_in(14400);
    let client = mock.client();
    let token = client.fetch_token().await.unwrap();
    assert_eq!(token.expires_in, Duration::from_secs(14400));
    assert_eq!(token.token_type, "Bearer");
    assert!(token.access_token.expose().starts_with("tok-1-"));
    assert!(!format!("{token:?}").contains("tok-1"));
    let check = client.test_connection().await.unwrap();
    assert_eq!(check.environment, Environment::Test);
    assert_eq!(check.account_id.as_str(), ACCOUNT);
    assert_eq!(
        mock.token_requests(),
        2,
        "test_connection fetches a fresh token"
    );
    assert_eq!(
        mock.api_log()[0].bearer().unwrap(),
        "tok-2-eyJhbGciOiJSUzI1NiJ9"
    );
}

/// A server that refuses the first token (401) and answers a captured transaction to any other.
fn first_token_refused(r: &crate::common::Recorded, _: usize) -> Reply {
    if r.bearer().unwrap().starts_with("tok-1-") {
        Reply::error(401, "unauthorized", "invalid JWT token")
    } else {
        Reply::json(200, transaction("T12345678.abc", "CAPTURED"))
    }
}

#[tokio::test]
async fn api_401_refreshes_once_and_retries_once() {
    let mock = Mock::start(first_token_refused).await;
    let client = mock.client();
    let tx = client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(tx.status, TransactionStatus::Captured);
    assert_eq!(mock.token_requests(), 2);
    assert_eq!(mock.api_requests(), 2);
}

/// Capture, refund and void are never sent a second time after a 401, not even with a new
/// token: the request must leave right after the caller's intent or not at all (so the time it
/// can still be on its way is the request timeout). The 401 proves nothing was done; the token
/// is dropped, and the next call gets a new one.
#[tokio::test]
async fn an_operation_refused_with_401_is_not_sent_again() {
    let mock = Mock::start(first_token_refused).await;
    let client = mock.client();
    let err = client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.is_outcome_uncertain(), "a 401 proves it was not done");
    assert_eq!((mock.token_requests(), mock.api_requests()), (1, 1));
    // Asked again: a new token, one request.
    let op = client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap();
    assert!(!op.accepted);
    assert_eq!((mock.token_requests(), mock.api_requests()), (2, 2));
    assert_eq!(client.longest_operation(), client.config().timeouts.request);
}

#[tokio::test]
async fn second_401_is_unauthorized_without_looping() {
    let mock = Mock::start(|_, _| Reply::error(401, "unauthorized", "invalid JWT token")).await;
    let client = mock.client();
    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    match &err {
        Error::Unauthorized { status, message } => {
            assert_eq!(*status, 401);
            assert!(message.contains("invalid JWT token"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.token_requests(), 2);
    assert_eq!(mock.api_requests(), 2);
    let err = client
        .refund("T12345678.abc", &RefundRequest::new(100, "ref-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert_eq!(
        mock.api_requests(),
        3,
        "an operation is not sent again after a 401"
    );
}

/// `ready_token` leaves a token that the next POST uses as it is, so an operation logged right
/// after it goes out at once; `longest_post` bounds how long a POST can still be on its way.
#[tokio::test]
async fn a_ready_token_is_used_as_it_is_and_a_post_has_a_known_longest_time() {
    let mock = Mock::start(ok_transaction).await;
    let client = mock.client();
    client.ready_token().await.unwrap();
    assert_eq!(mock.token_log().len(), 1);
    client.ready_token().await.unwrap();
    assert_eq!(
        mock.token_log().len(),
        1,
        "a fresh token is not fetched again"
    );
    client
        .capture("T12345678.abc", &CaptureRequest::new(1, "c"))
        .await
        .unwrap();
    assert_eq!(mock.token_log().len(), 1);

    let account = AccountId::parse("T12345678").unwrap();
    let defaults = Client::new(Config::new(account.clone(), "id", "s")).unwrap();
    // Token: 3 attempts of 30 s with 2 waits of at most 5 s; the POST 30 s; twice (a 401).
    assert_eq!(defaults.longest_post(), Duration::from_secs(260));
    let quick = Client::new(
        Config::new(account, "id", "s")
            .with_timeouts(Duration::from_secs(1), Duration::from_secs(2))
            .with_retry(RetryPolicy::none()),
    )
    .unwrap();
    assert_eq!(quick.longest_post(), Duration::from_secs(8));
}
