//! The client against local mock servers over real HTTP.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{fixture, transaction, Mock, Reply, ACCOUNT, CLIENT_ID, SECRET};
use dintero_client::{
    AccountId, CaptureRequest, Client, Config, CreateSessionOptions, Environment, Error, Order,
    OrderItem, RefundRequest, RetryPolicy, SessionCreateRequest, SessionInclude,
    TransactionInclude, TransactionQuery, TransactionStatus,
};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn ok_transaction(_: &common::Recorded, _: usize) -> Reply {
    Reply::json(200, transaction("T12345678.abc", "AUTHORIZED"))
}

// ---------------------------------------------------------------- token

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
        "http://127.0.0.1:8787",
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
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_transaction("T12345678.abc").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
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
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_transaction("T12345678.abc").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
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
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_transaction("T12345678.abc").await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
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

// ---------------------------------------------------------------- 401 handling

/// A server that refuses the first token (401) and answers a captured transaction to any other.
fn first_token_refused(r: &common::Recorded, _: usize) -> Reply {
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

// ---------------------------------------------------------------- error classes

#[tokio::test]
async fn dintero_400_body_becomes_api_error() {
    let mock = Mock::start(|_, _| Reply::json(400, fixture("error_amount_mismatch"))).await;
    let client = mock.client();
    let request = SessionCreateRequest::new(
        "default",
        "https://example.com/return",
        Order {
            amount: 25000,
            currency: "NOK".into(),
            merchant_reference: "POS1-1".into(),
            ..Order::default()
        },
    );
    let err = client.create_session(&request).await.unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            message,
            errors,
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code.as_deref(), Some("amount_mismatch"));
            assert_eq!(
                message,
                "order.amount (25000) must equal the sum of order.items[].amount (24800)"
            );
            assert!(errors.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("amount_mismatch"));
    assert!(!err.is_retryable());
    assert_eq!(mock.api_requests(), 1);
}

#[tokio::test]
async fn forbidden_and_not_found() {
    let mock = Mock::start(|r, _| {
        if r.path.ends_with("missing") {
            Reply::error(404, "not_found", "Transaction not found")
        } else {
            Reply::error(403, "forbidden", "Missing scope read:checkout")
        }
    })
    .await;
    let client = mock.client();
    let err = client
        .get_transaction("T12345678.missing")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message } if message == "Transaction not found"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "not found at Dintero (HTTP 404): Transaction not found"
    );
    let err = client.get_session("T12345678.other").await.unwrap_err();
    assert!(matches!(&err, Error::Forbidden { .. }), "{err:?}");
    assert_eq!(err.status(), Some(403));
    assert_eq!(mock.api_requests(), 2, "4xx are not retried");
}

#[tokio::test]
async fn get_429_waits_retry_after_then_succeeds() {
    let mock = Mock::start(|_, n| {
        if n == 0 {
            Reply::error(429, "rate_limited", "slow down").with_header("retry-after", "0")
        } else {
            Reply::json(200, transaction("T12345678.abc", "AUTHORIZED"))
        }
    })
    .await;
    let client = mock.client();
    client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(mock.api_requests(), 2);

    // Retry-After within the policy's cap is honoured.
    let mock = Mock::start(|_, n| {
        if n == 0 {
            Reply::error(429, "rate_limited", "slow down").with_header("retry-after", "1")
        } else {
            Reply::json(200, transaction("T12345678.abc", "AUTHORIZED"))
        }
    })
    .await;
    let client = Client::new(mock.config().with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    }))
    .unwrap();
    let started = Instant::now();
    client.get_transaction("T12345678.abc").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.api_requests(), 2);
}

#[tokio::test]
async fn long_retry_after_and_post_429_give_rate_limited() {
    let mock = Mock::start(|_, _| {
        Reply::error(429, "rate_limited", "slow down").with_header("retry-after", "120")
    })
    .await;
    let client = mock.client();
    let started = Instant::now();
    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    match err {
        Error::RateLimited { retry_after } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        mock.api_requests(),
        1,
        "more than the cap: handed to the caller"
    );

    let err = client.void("T12345678.abc").await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }));
    assert!(err.is_retryable());
    assert_eq!(mock.api_requests(), 2, "POST not retried");
}

#[tokio::test]
async fn get_5xx_is_retried_then_succeeds() {
    let mock = Mock::start(|_, n| match n {
        0 => Reply::error(500, "internal", "boom"),
        1 => Reply::raw(503, "<html>unavailable</html>"),
        _ => Reply::json(200, transaction("T12345678.abc", "AUTHORIZED")),
    })
    .await;
    let client = mock.client();
    let tx = client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(tx.status, TransactionStatus::Authorized);
    assert_eq!(mock.api_requests(), 3);
}

#[tokio::test]
async fn get_5xx_exhausts_retries() {
    let mock = Mock::start(|_, _| Reply::raw(502, "bad gateway")).await;
    let client = mock.client();
    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "Dintero failed to handle the request (HTTP 502): Bad Gateway: bad gateway"
    );
    assert_eq!(mock.api_requests(), 3);
}

#[tokio::test]
async fn post_5xx_is_not_retried() {
    let mock = Mock::start(|_, _| Reply::error(503, "processor_unavailable", "try later")).await;
    let client = mock.client();
    let err = client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert!(err.is_outcome_uncertain());
    assert_eq!(mock.api_requests(), 1);
    let request = SessionCreateRequest::new("default", "https://example.com/r", Order::default());
    client.create_session(&request).await.unwrap_err();
    client.cancel_session("T12345678.s").await.unwrap_err();
    assert_eq!(mock.api_requests(), 3);
}

#[tokio::test]
async fn post_timeout_is_outcome_unknown_and_sent_once() {
    let mock = Mock::start(|_, _| {
        Reply::json(200, transaction("T12345678.abc", "CAPTURED")).delayed(Duration::from_secs(2))
    })
    .await;
    let client = Client::new(
        mock.config()
            .with_timeouts(Duration::from_secs(1), Duration::from_millis(300)),
    )
    .unwrap();
    let err = client
        .refund("T12345678.abc", &RefundRequest::new(1500, "RET-1"))
        .await
        .unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            method,
            path,
            reason,
        } => {
            assert_eq!(method, "POST");
            assert_eq!(path, "/v1/transactions/T12345678.abc/refund");
            assert!(reason.contains("timeout"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert!(err.is_outcome_uncertain());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.api_requests(), 1, "never resent");

    // A GET that times out is retried, then reported as Timeout.
    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(mock.api_requests(), 4);
}

/// A server that issues tokens itself and drops every other connection after reading the
/// request, without answering.
async fn dropping_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buffer.len() < end + 4 + length {
                        continue;
                    }
                    if text.contains("/auth/token") {
                        let body = r#"{"access_token":"tok-drop","token_type":"Bearer","expires_in":3600}"#;
                        let response = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        socket.write_all(response.as_bytes()).await.unwrap();
                        buffer.clear();
                        continue;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    return; // drop the connection unanswered
                }
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn dropped_connection_on_post_is_outcome_unknown() {
    let (base, seen) = dropping_server().await;
    let config = Config::new(AccountId::parse(ACCOUNT).unwrap(), CLIENT_ID, SECRET)
        .with_base_url(base)
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        });
    let client = Client::new(config).unwrap();
    let err = client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert!(
        err.to_string().contains("check its result at Dintero"),
        "{err}"
    );
    assert!(err.to_string().contains("(connection lost: "), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 4, "GET retried 3 times");
}

#[tokio::test]
async fn connection_refused_is_transport_even_for_post() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = Config::new(AccountId::parse(ACCOUNT).unwrap(), CLIENT_ID, SECRET)
        .with_base_url(base)
        .with_retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        });
    let client = Client::new(config).unwrap();
    let err = client.void("T12345678.abc").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(
        text.starts_with("could not reach Dintero: could not connect to 127.0.0.1:"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[tokio::test]
async fn malformed_json_is_decode_error() {
    let mock = Mock::start(|r, _| {
        if r.path.ends_with("/capture") {
            Reply::raw(200, "{\"id\": \"T1.x\", \"status\": ")
        } else {
            Reply::json(200, serde_json::json!({"id": "T1.x", "amount": "lots"}))
        }
    })
    .await;
    let client = mock.client();
    let err = client.get_transaction("T1.x").await.unwrap_err();
    match &err {
        Error::Decode { what, message } => {
            assert_eq!(what, "Transaction");
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.api_requests(), 1, "decode errors are not retried");
}

/// A success status whose body cannot be read (a proxy's HTML page, a body cut short) says
/// that a POST arrived and took effect, not what it did: an unknown outcome to be settled by
/// reading the resource, never a refusal (which would let the cashier press again).
#[tokio::test]
async fn an_unreadable_success_answer_to_a_post_is_an_unknown_outcome() {
    let mock = Mock::start(|r, _| {
        if r.path.ends_with("/capture") {
            Reply::raw(200, "{\"id\": \"T1.x\", \"status\": ")
        } else if r.path.ends_with("/refund") {
            Reply::raw(202, "<html><body>Accepted</body></html>")
        } else {
            Reply::raw(200, "<html>proxy</html>")
        }
    })
    .await;
    let client = mock.client();
    let capture = client
        .capture("T1.x", &CaptureRequest::new(1, "c"))
        .await
        .unwrap_err();
    let refund = client
        .refund("T1.x", &RefundRequest::new(1, "r"))
        .await
        .unwrap_err();
    let void = client.void("T1.x").await.unwrap_err();
    let cancel = client.cancel_session("T1.s").await.unwrap_err();
    for (err, path) in [
        (&capture, "/v1/transactions/T1.x/capture"),
        (&refund, "/v1/transactions/T1.x/refund"),
        (&void, "/v1/transactions/T1.x/void"),
        (&cancel, "/v1/sessions/T1.s/cancel"),
    ] {
        match err {
            Error::OutcomeUnknown {
                method,
                path: p,
                reason,
            } => {
                assert_eq!((method.as_str(), p.as_str()), ("POST", path));
                assert!(reason.contains("could not be read"), "{reason}");
            }
            other => panic!("{path}: {other:?}"),
        }
        assert!(err.is_outcome_uncertain() && !err.is_retryable());
    }
    assert!(refund.to_string().contains("HTTP 202"), "{refund}");
    assert_eq!(mock.api_requests(), 4, "never retried");
}

#[tokio::test]
async fn invalid_arguments_are_checked_before_sending() {
    let mock = Mock::start(ok_transaction).await;
    let client = mock.client();
    let err = client.get_transaction(" ").await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            field: "transaction_id",
            ..
        }
    ));
    let err = client
        .list_transactions(&TransactionQuery {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { field: "limit", .. }));
    // `.` and `..` would vanish from the URL and reach another endpoint.
    let refused = |err: &Error, name: &str| matches!(err, Error::InvalidArgument { field, .. } if *field == name);
    for id in [".", ".."] {
        let err = client.get_transaction(id).await.unwrap_err();
        assert!(refused(&err, "transaction_id"), "{id}: {err:?}");
        let err = client
            .capture(id, &CaptureRequest::new(1, "c"))
            .await
            .unwrap_err();
        assert!(refused(&err, "transaction_id"), "{id}: {err:?}");
        let err = client.get_session(id).await.unwrap_err();
        assert!(refused(&err, "session_id"), "{id}: {err:?}");
    }
    // Ids with dots that are not whole segments are ordinary ids.
    assert!(client.get_transaction("T1..x").await.is_ok());
    assert_eq!(mock.api_requests(), 1);
    assert_eq!(mock.token_requests(), 1);
}

// ---------------------------------------------------------------- calls

#[tokio::test]
async fn create_session_sends_toggle_headers_and_body() {
    let mock = Mock::start(|r, _| {
        if r.query.as_deref() == Some("include_session=true") {
            let mut created = fixture("session_created");
            created["session"] = fixture("session_paid");
            Reply::json(200, created)
        } else {
            Reply::json(200, fixture("session_created"))
        }
    })
    .await;
    let client = Client::new(
        mock.config()
            .with_system("kasse-pos", "1.4.0")
            .with_plugin("dintero-client-rs", "0.3.0"),
    )
    .unwrap();
    let request: SessionCreateRequest =
        serde_json::from_value(fixture("session_create_request")).unwrap();
    let created = client.create_session(&request).await.unwrap();
    assert_eq!(created.id, "T11223344.4Xk9mPq2RtVbN7cYhJ3sWd");
    assert_eq!(
        created.url,
        "https://checkout.dintero.com/v1/view/T11223344.4Xk9mPq2RtVbN7cYhJ3sWd"
    );
    assert!(created.session.is_none());

    let sent = &mock.api_log()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/sessions-profile");
    assert_eq!(sent.query, None);
    assert_eq!(
        sent.header("dintero-feature-toggles"),
        Some("strict-session-amounts")
    );
    assert_eq!(sent.header("dintero-system-name"), Some("kasse-pos"));
    assert_eq!(sent.header("dintero-system-version"), Some("1.4.0"));
    assert_eq!(
        sent.header("dintero-system-plugin-name"),
        Some("dintero-client-rs")
    );
    assert_eq!(sent.header("dintero-system-plugin-version"), Some("0.3.0"));
    assert!(sent
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    // The body is the fixture (timestamps compared as instants).
    let mut body = sent.json();
    let mut expected = fixture("session_create_request");
    assert_eq!(body["expires_at"], "2026-05-12T10:30:00Z");
    body["expires_at"] = serde_json::Value::Null;
    expected["expires_at"] = serde_json::Value::Null;
    assert_eq!(body, expected);

    let created = client
        .create_session_with(
            &request,
            CreateSessionOptions {
                include_session: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        created.session.unwrap().transaction_id.as_deref(),
        Some("T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga")
    );
}

#[tokio::test]
async fn session_read_and_cancel() {
    let mock = Mock::start(|r, _| {
        if r.path.ends_with("/cancel") {
            Reply::json(200, fixture("session_cancelled"))
        } else {
            Reply::json(200, fixture("session_paid"))
        }
    })
    .await;
    let client = mock.client();
    let session = client
        .get_session_with(
            "T11223344.4Xk9mPq2RtVbN7cYhJ3sWd",
            &[SessionInclude::EventsRequestHeaders],
        )
        .await
        .unwrap();
    assert_eq!(
        session.transaction_id.as_deref(),
        Some("T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga")
    );
    let cancelled = client
        .cancel_session("T11223344.6Jr4Ws8NbQx2KcZp7Ty3Hm")
        .await
        .unwrap();
    assert!(cancelled.cancelled_at.is_some());
    let log = mock.api_log();
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/v1/sessions/T11223344.4Xk9mPq2RtVbN7cYhJ3sWd");
    assert_eq!(
        log[0].query.as_deref(),
        Some("includes=events.request_headers")
    );
    assert_eq!(log[1].method, "POST");
    assert_eq!(
        log[1].path,
        "/v1/sessions/T11223344.6Jr4Ws8NbQx2KcZp7Ty3Hm/cancel"
    );
    assert!(log[1].body.is_empty());
    assert_eq!(log[1].header("dintero-system-name"), Some("kasse"));
}

#[tokio::test]
async fn transaction_operations() {
    let mock = Mock::start(
        |r, _| match (r.method.as_str(), r.path.rsplit('/').next().unwrap()) {
            ("POST", "capture") => Reply::json(200, fixture("transaction_captured")),
            ("POST", "refund") => Reply::json(202, fixture("transaction_partially_refunded"))
                .with_header("event-request-id", "0e7a4c9b-3d2f-4b81-9f65-8a1c5e3d7b20"),
            ("POST", "void") => Reply::json(200, fixture("transaction_voided")),
            ("PUT", _) => {
                let mut tx = fixture("transaction_captured");
                tx["merchant_reference_2"] = r.json()["merchant_reference_2"].clone();
                Reply::json(200, tx)
            }
            _ => Reply::json(200, fixture("transaction_authorized")),
        },
    )
    .await;
    let client = mock.client();
    let id = "T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga";

    let tx = client
        .get_transaction_with(
            id,
            &[
                TransactionInclude::Session,
                TransactionInclude::EventsSuccessTrue,
            ],
        )
        .await
        .unwrap();
    assert_eq!(tx.status, TransactionStatus::Authorized);
    assert_eq!(tx.capturable(), 24800);

    let capture: CaptureRequest = serde_json::from_value(fixture("capture_request")).unwrap();
    let op = client.capture(id, &capture).await.unwrap();
    assert!(!op.accepted && !op.is_pending());
    assert_eq!(op.event_request_id, None);
    assert_eq!(op.transaction.captured(), 24800);

    let refund: RefundRequest = serde_json::from_value(fixture("refund_request")).unwrap();
    let op = client.refund(id, &refund).await.unwrap();
    assert!(op.accepted);
    assert_eq!(
        op.event_request_id.as_deref(),
        Some("0e7a4c9b-3d2f-4b81-9f65-8a1c5e3d7b20")
    );
    assert_eq!(op.transaction.refundable(), 23300);

    let op = client
        .void("T11223344.7Bm3Yq9DfRw2XnKt6Pc4Jh")
        .await
        .unwrap();
    assert_eq!(
        op.transaction.status,
        TransactionStatus::AuthorizationVoided
    );

    let tx = client
        .update_transaction(id, "Z-REPORT-2026-05-12")
        .await
        .unwrap();
    assert_eq!(
        tx.merchant_reference_2.as_deref(),
        Some("Z-REPORT-2026-05-12")
    );

    let log = mock.api_log();
    assert_eq!(log[0].path, format!("/v1/transactions/{id}"));
    assert_eq!(
        log[0].query.as_deref(),
        Some("includes=session&includes=events.success.true")
    );
    assert_eq!(log[1].path, format!("/v1/transactions/{id}/capture"));
    assert_eq!(log[1].json(), fixture("capture_request"));
    assert_eq!(log[1].header("dintero-feature-toggles"), None);
    assert_eq!(log[2].path, format!("/v1/transactions/{id}/refund"));
    assert_eq!(log[2].json(), fixture("refund_request"));
    assert_eq!(
        log[3].path,
        "/v1/transactions/T11223344.7Bm3Yq9DfRw2XnKt6Pc4Jh/void"
    );
    assert_eq!(log[3].json(), serde_json::json!({}));
    assert_eq!(log[4].method, "PUT");
    assert_eq!(
        log[4].json(),
        serde_json::json!({"merchant_reference_2": "Z-REPORT-2026-05-12"})
    );
    for request in &log {
        assert_eq!(request.header("dintero-system-name"), Some("kasse"));
        assert_eq!(request.header("accept"), Some("application/json"));
    }
}

#[tokio::test]
async fn list_transactions_filters_and_walks_pages() {
    // 25 transactions, newest first; the mock pages with limit/starting_after.
    let ids: Vec<String> = (0..25).map(|i| format!("T12345678.tx{i:02}")).collect();
    let all = ids.clone();
    let mock = Mock::start(move |r, _| {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let limit: usize = get("limit").map(|l| l.parse().unwrap()).unwrap_or(10);
        let start = match get("starting_after") {
            Some(after) => all.iter().position(|id| *id == after).unwrap() + 1,
            None => 0,
        };
        let page: Vec<_> = all[start..]
            .iter()
            .take(limit)
            .map(|id| transaction(id, "CAPTURED"))
            .collect();
        Reply::json(200, serde_json::Value::Array(page))
    })
    .await;
    let client = mock.client();

    let query = TransactionQuery {
        statuses: vec![
            TransactionStatus::Captured,
            TransactionStatus::PartiallyRefunded,
        ],
        store_ids: vec!["oslo-sentrum".into()],
        merchant_reference: Some("POS1 20260512/1".into()),
        created_at_gte: Some(time::macros::datetime!(2026-05-12 00:00 UTC)),
        search: Some("ola@example.no".into()),
        limit: Some(10),
        ..TransactionQuery::default()
    };
    let page = client.list_transactions(&query).await.unwrap();
    assert_eq!(page.len(), 10);
    let first = &mock.api_log()[0];
    assert_eq!(first.path, "/v1/transactions");
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(first.query.as_deref().unwrap().as_bytes())
            .into_owned()
            .collect();
    let expected: Vec<(String, String)> = [
        ("status", "CAPTURED"),
        ("status", "PARTIALLY_REFUNDED"),
        ("merchant_reference", "POS1 20260512/1"),
        ("store_id", "oslo-sentrum"),
        ("created_at.gte", "2026-05-12T00:00:00Z"),
        ("search", "ola@example.no"),
        ("limit", "10"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs, expected);

    let everything = client.list_all_transactions(&query).await.unwrap();
    assert_eq!(
        everything.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        ids
    );
    let log = mock.api_log();
    assert_eq!(log.len(), 4, "one page above, then 10 + 10 + 5");
    assert!(!log[1].query.as_deref().unwrap().contains("starting_after"));
    assert!(log[2]
        .query
        .as_deref()
        .unwrap()
        .contains("starting_after=T12345678.tx09"));
    assert!(log[3]
        .query
        .as_deref()
        .unwrap()
        .contains("starting_after=T12345678.tx19"));

    // Default page size when walking is 100: one request for 25.
    let everything = client
        .list_all_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(everything.len(), 25);
    assert_eq!(mock.api_requests(), 5);
}

/// One element Kasse cannot read (a new shape, a provider's oddity) must not hide the good
/// ones on its page, nor stop the walk: it is reported, and the cursor moves past it.
#[tokio::test]
async fn an_unreadable_transaction_in_a_page_is_reported_not_fatal() {
    let mock = Mock::start(|r, _| {
        let query = r.query.clone().unwrap_or_default();
        let page = if query.contains("starting_after=T1.bad") {
            serde_json::json!([transaction("T1.c", "CAPTURED")])
        } else {
            serde_json::json!([
                transaction("T1.a", "CAPTURED"),
                {"id": "T1.bad", "status": 42, "amount": "x"}
            ])
        };
        Reply::json(200, page)
    })
    .await;
    let client = mock.client();
    let query = TransactionQuery {
        limit: Some(2),
        ..Default::default()
    };
    // The strict call still refuses the page as a whole…
    assert!(matches!(
        client.list_transactions(&query).await.unwrap_err(),
        Error::Decode { .. }
    ));
    // …the page-wise one keeps the good transaction and names the bad one.
    let page = client.list_transactions_page(&query).await.unwrap();
    assert_eq!(page.transactions.len(), 1);
    assert_eq!(page.transactions[0].id, "T1.a");
    assert_eq!(page.unreadable.len(), 1);
    assert_eq!(page.unreadable[0].id.as_deref(), Some("T1.bad"));
    assert!(!page.unreadable[0].message.is_empty());
    assert_eq!((page.len, page.last_id.as_deref()), (2, Some("T1.bad")));

    let all = client.scan_transactions(&query).await.unwrap();
    assert_eq!(
        all.transactions
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["T1.a", "T1.c"]
    );
    assert_eq!(all.unreadable.len(), 1);
    assert_eq!(all.len, 3);
}

#[tokio::test]
async fn list_walk_stops_when_cursor_does_not_advance() {
    // A server that ignores starting_after would loop forever.
    let mock = Mock::start(|_, _| {
        Reply::json(
            200,
            serde_json::json!([
                transaction("T1.a", "CAPTURED"),
                transaction("T1.b", "CAPTURED")
            ]),
        )
    })
    .await;
    let client = mock.client();
    let all = client
        .list_all_transactions(&TransactionQuery {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(mock.api_requests(), 2);
}

#[tokio::test]
async fn unknown_values_and_fields_from_the_wire() {
    let mock = Mock::start(|_, _| {
        Reply::json(
            200,
            serde_json::json!({
                "id": "T1.x",
                "status": "PENDING_SOMETHING_NEW",
                "amount": 100,
                "currency": "NOK",
                "payment_product": "newpay",
                "payment_product_type": "newpay.wallet",
                "channel": "kiosk",
                "brand_new_field": {"nested": [1, 2, 3]},
                "items": [{"line_id": "1", "amount": 100, "quantity": "1.5", "vat": 12.5, "type": "voucher", "extra": true}],
                "events": [{"event": "TELEPORT", "transaction_status": "SOMEWHERE", "success": true, "amount": 5, "new": 1}]
            }),
        )
    })
    .await;
    let client = mock.client();
    let tx = client.get_transaction("T1.x").await.unwrap();
    assert_eq!(
        tx.status,
        TransactionStatus::Other("PENDING_SOMETHING_NEW".into())
    );
    assert_eq!(tx.items[0].quantity, Some(Decimal::new(15, 1)));
    assert_eq!(tx.items[0].vat, Some(Decimal::new(125, 1)));
    assert_eq!(tx.capturable(), 0, "unknown status: nothing capturable");
    let back = serde_json::to_value(&tx).unwrap();
    assert_eq!(back["status"], "PENDING_SOMETHING_NEW");
    assert_eq!(back["channel"], "kiosk");
    assert_eq!(back["items"][0]["type"], "voucher");
    assert_eq!(back["events"][0]["event"], "TELEPORT");
    assert!(back.get("brand_new_field").is_none());
}

// ---------------------------------------------------------------- headers on every attempt

/// The names of a recorded request's headers (hyper's `host` and `content-length` aside), each
/// checked to occur once, sorted.
fn header_names(request: &common::Recorded) -> Vec<String> {
    let mut names: Vec<String> = request
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name != "host" && name != "content-length")
        .collect();
    for name in &names {
        assert_eq!(
            request.headers.get_all(name.as_str()).iter().count(),
            1,
            "{name} sent more than once: {:?}",
            request.headers
        );
    }
    names.sort();
    names
}

#[tokio::test]
async fn every_attempt_carries_the_same_headers_and_body() {
    // PUT (idempotent): 500, then 429 (Retry-After 0), then 200: three attempts.
    // POST create session: 401 (token refused), then 200: two attempts, the second with the
    // new token.
    let mock = Mock::start(|r, n| match (r.method.as_str(), n) {
        ("PUT", 0) => Reply::error(500, "internal", "boom"),
        ("PUT", 1) => {
            Reply::error(429, "rate_limited", "slow down").with_header("retry-after", "0")
        }
        ("PUT", _) => Reply::json(200, transaction("T12345678.abc", "CAPTURED")),
        ("POST", 3) => Reply::error(401, "unauthorized", "invalid JWT token"),
        ("POST", _) => Reply::json(200, fixture("session_created")),
        _ => Reply::json(200, transaction("T12345678.abc", "CAPTURED")),
    })
    .await;
    let client = Client::new(
        mock.config()
            .with_system("kasse-pos", "1.4.0")
            .with_plugin("plugin-x", "0.3.0")
            .with_user_agent("kasse-test/9"),
    )
    .unwrap();
    client
        .update_transaction("T12345678.abc", "Z-1")
        .await
        .unwrap();
    let request: SessionCreateRequest =
        serde_json::from_value(fixture("session_create_request")).unwrap();
    client.create_session(&request).await.unwrap();

    let log = mock.api_log();
    assert_eq!(log.len(), 5, "3 PUT attempts, 2 POST attempts");
    let api_names = |toggles: bool| {
        let mut names = vec![
            "accept",
            "authorization",
            "content-type",
            "dintero-system-name",
            "dintero-system-plugin-name",
            "dintero-system-plugin-version",
            "dintero-system-version",
            "user-agent",
        ];
        if toggles {
            names.push("dintero-feature-toggles");
        }
        names.sort();
        names.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    for (i, sent) in log.iter().enumerate() {
        let post = i >= 3;
        assert_eq!(
            sent.method,
            if post { "POST" } else { "PUT" },
            "attempt {i}"
        );
        assert_eq!(header_names(sent), api_names(post), "attempt {i}");
        assert_eq!(sent.header("accept"), Some("application/json"));
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(sent.header("user-agent"), Some("kasse-test/9"));
        assert_eq!(sent.header("dintero-system-name"), Some("kasse-pos"));
        assert_eq!(sent.header("dintero-system-version"), Some("1.4.0"));
        assert_eq!(sent.header("dintero-system-plugin-name"), Some("plugin-x"));
        assert_eq!(sent.header("dintero-system-plugin-version"), Some("0.3.0"));
        let token = if i == 4 { "tok-2-" } else { "tok-1-" };
        assert!(
            sent.bearer().unwrap().starts_with(token),
            "attempt {i}: {:?}",
            sent.bearer()
        );
        if post {
            assert_eq!(
                sent.header("dintero-feature-toggles"),
                Some("strict-session-amounts")
            );
            assert_eq!(
                sent.body, log[3].body,
                "the same body on the retry after 401"
            );
        } else {
            assert_eq!(
                sent.json(),
                serde_json::json!({"merchant_reference_2": "Z-1"})
            );
            assert_eq!(sent.body, log[0].body, "the same body on every retry");
        }
    }

    // The token requests carry no Dintero-System-* headers.
    let tokens = mock.token_log();
    assert_eq!(tokens.len(), 2);
    for sent in &tokens {
        assert_eq!(
            header_names(sent),
            ["accept", "authorization", "content-type", "user-agent"]
        );
        assert!(sent.header("authorization").unwrap().starts_with("Basic "));
    }

    // A GET has neither a body nor a content type.
    client.get_transaction("T12345678.abc").await.unwrap();
    let sent = mock.api_log().pop().unwrap();
    assert_eq!(sent.method, "GET");
    assert!(sent.body.is_empty());
    let mut names = api_names(false);
    names.retain(|name| name != "content-type");
    assert_eq!(header_names(&sent), names);
}

// ---------------------------------------------------------------- pool

#[tokio::test]
async fn hundred_calls_use_one_connection() {
    let mock = Mock::start(ok_transaction).await;
    let client = mock.client();
    for i in 0..100 {
        if i % 2 == 0 {
            client.get_transaction("T12345678.abc").await.unwrap();
        } else {
            client
                .capture("T12345678.abc", &CaptureRequest::new(1, "c"))
                .await
                .unwrap();
        }
    }
    assert_eq!(mock.api_requests(), 100);
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(
        mock.connections.load(Ordering::SeqCst),
        1,
        "token + 100 calls on one connection"
    );
}

#[test]
fn debug_output_hides_secrets() {
    let config = Config::new(AccountId::parse(ACCOUNT).unwrap(), CLIENT_ID, SECRET);
    let client = Client::new(config.clone()).unwrap();
    for text in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(
            &base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"))
        ));
    }
    assert!(format!("{config:?}").contains("[redacted]"));
    let _ = OrderItem::default();
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
