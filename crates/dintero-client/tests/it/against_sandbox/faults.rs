//! Injected faults: rate limits, server errors (GETs retried, POSTs never), token endpoint
//! faults, dropped connections, latency past the timeout, and a sandbox that is gone.

use super::*;

#[tokio::test]
async fn rate_limited_get_waits_retry_after_then_succeeds() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    env.client.get_transaction(&tid).await.unwrap(); // token cached

    let before = once(&env, rate_limit("GET", "/v1/transactions/*", Some(1)));
    let started = Instant::now();
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.id, tid);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(env.requests_since(before), 2, "429, then the retry");

    // Retry-After longer than the policy's max_delay (2 s): given up at once.
    let before = once(&env, rate_limit("GET", "/v1/transactions/*", Some(30)));
    let err = env.client.get_transaction(&tid).await.unwrap_err();
    match err {
        Error::RateLimited { retry_after } => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.requests_since(before), 1);

    // A POST answered 429 is not retried; the capture did not happen.
    let before = once(&env, rate_limit("POST", "/v1/transactions/*/capture", None));
    let err = env.capture(&tid, 1000, "cap-429").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(env.requests_since(before), 1);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert!(tx.event_by_reference("cap-429").is_none());
    assert_eq!(tx.status, S::Authorized);
}

#[tokio::test]
async fn server_errors_retry_gets_but_never_posts() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(5000).await;
    env.client.get_transaction(&tid).await.unwrap();

    // GET: two 503s, then success on the third attempt.
    env.control.set_faults(vec![FaultRule {
        status: Some(503),
        times: Some(2),
        ..FaultRule::on("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(env.requests_since(before), 3);

    // GET: 500 every time → Api 500 after max_attempts (3).
    env.control.set_faults(vec![FaultRule {
        status: Some(500),
        ..FaultRule::on("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    let err = env.client.get_transaction(&tid).await.unwrap_err();
    assert_api(&err, 500, "internal_error");
    assert_eq!(env.requests_since(before), 3);

    // POST capture: 503 once → an Api error, sent exactly once, nothing captured.
    env.control.set_faults(vec![FaultRule {
        status: Some(503),
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/capture")
    }]);
    let tx = capture_unavailable(&env, &tid, 5000, "cap-503").await;
    assert!(tx.event_by_reference("cap-503").is_none());
    assert_eq!(tx.captured(), 0);
    // The rule is spent: the same capture now goes through, once.
    let tx = env
        .capture(&tid, 5000, "cap-503")
        .await
        .unwrap()
        .transaction;
    assert_eq!(tx.status, S::Captured);
    assert_eq!(tx.events_with_reference("cap-503").count(), 1);

    // 503 *after* the refund took effect: an uncertain Api error, and the refund did happen.
    env.control.set_faults(vec![FaultRule {
        status: Some(503),
        after: true,
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/refund")
    }]);
    let err = env.refund(&tid, 500, "ref-after-503").await.unwrap_err();
    assert_api(&err, 503, "processor_unavailable");
    assert!(err.is_outcome_uncertain());
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(
        tx.event_by_reference("ref-after-503").unwrap().success,
        Some(true)
    );
    assert_eq!(tx.status, S::PartiallyRefunded);
}

#[tokio::test]
async fn token_endpoint_faults_are_retried() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    let token_path = format!("/v1/accounts/{ACCOUNT}/auth/token");
    // (rule, requests seen by the sandbox, least time taken)
    for (rule, requests, least) in [
        (
            FaultRule {
                status: Some(503),
                times: Some(2),
                ..FaultRule::on("POST", &token_path)
            },
            4,
            Duration::ZERO,
        ),
        (
            FaultRule {
                drop: true,
                times: Some(1),
                ..FaultRule::on("POST", &token_path)
            },
            3,
            Duration::ZERO,
        ),
        (
            FaultRule {
                status: Some(429),
                retry_after: Some(1),
                times: Some(1),
                ..FaultRule::on("POST", &token_path)
            },
            3,
            Duration::from_millis(950), // Retry-After: 1
        ),
    ] {
        let case = format!("{rule:?}");
        env.control.set_faults(vec![rule]);
        let client = env.new_client(|c| c); // cold token cache
        let before = env.stats();
        let started = Instant::now();
        client.get_transaction(&tid).await.unwrap();
        assert_eq!(env.requests_since(before), requests, "{case}");
        assert!(started.elapsed() >= least, "{case}");
    }
    // Failing every time: the token's error, after max_attempts (3).
    env.control.set_faults(vec![FaultRule {
        status: Some(500),
        ..FaultRule::on("POST", &token_path)
    }]);
    let client = env.new_client(|c| c);
    let before = env.stats();
    let err = client.get_transaction(&tid).await.unwrap_err();
    assert_api(&err, 500, "internal_error");
    assert_eq!(env.requests_since(before), 3, "no API call without a token");
}

#[tokio::test]
async fn dropped_connections() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(8000).await;
    env.client.get_transaction(&tid).await.unwrap();

    // GET dropped once: retried on a new connection, succeeds.
    let before = once(
        &env,
        FaultRule {
            drop: true,
            ..FaultRule::on("GET", "/v1/transactions/*")
        },
    );
    env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(env.requests_since(before), 2);

    // POST dropped before the capture: outcome unknown, sent once, and nothing happened.
    let before = once(
        &env,
        FaultRule {
            drop: true,
            ..FaultRule::on("POST", "/v1/transactions/*/capture")
        },
    );
    let err = env.capture(&tid, 3000, "cap-drop").await.unwrap_err();
    let reason = unknown_outcome(&err, &format!("/v1/transactions/{tid}/capture"));
    assert!(reason.starts_with("connection lost"), "{reason}");
    assert_eq!(env.requests_since(before), 1);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert!(tx.event_by_reference("cap-drop").is_none());

    // POST dropped *after* the capture: outcome unknown to the client, but it happened.
    let before = once(
        &env,
        FaultRule {
            drop: true,
            after: true,
            ..FaultRule::on("POST", "/v1/transactions/*/capture")
        },
    );
    let err = env.capture(&tid, 3000, "cap-after").await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(env.requests_since(before), 1, "not retried");
    let tx = env.client.get_transaction(&tid).await.unwrap();
    let event = tx
        .event_by_reference("cap-after")
        .expect("the capture took effect");
    assert_eq!(event.event, Some(TransactionEventName::Capture));
    assert_eq!(event.success, Some(true));
    assert_eq!(event.amount, Some(3000));
    assert_eq!(tx.status, S::PartiallyCaptured);
    assert_eq!(tx.captured(), 3000);
    assert_consistent(&tx);

    // Dropped session create: outcome unknown too (it is a POST).
    env.control.set_faults(vec![FaultRule {
        drop: true,
        times: Some(1),
        ..FaultRule::on("POST", "/v1/sessions-profile")
    }]);
    let err = env
        .client
        .create_session(&session_request(100))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
}

#[tokio::test]
async fn latency_past_the_request_timeout() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(6000).await;
    let timeout = Duration::from_millis(300);
    let client = env.new_client(|c| {
        c.with_timeouts(Duration::from_secs(1), timeout)
            .with_retry(RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
            })
    });
    client.get_transaction(&tid).await.unwrap();

    // POST slower than the timeout: outcome unknown, sent once.
    let before = once(
        &env,
        FaultRule {
            latency_ms: Some(1500),
            ..FaultRule::on("POST", "/v1/transactions/*/capture")
        },
    );
    let started = Instant::now();
    let err = client
        .capture(&tid, &CaptureRequest::new(1000, "cap-slow"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1200));
    match &err {
        Error::OutcomeUnknown { reason, .. } => {
            assert_eq!(reason, "no answer within the request timeout")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.requests_since(before), 1);

    // The capture happens, then the answer is late: unknown to the client, visible on re-read.
    env.control.set_faults(vec![FaultRule {
        latency_ms: Some(1500),
        after: true,
        times: Some(1),
        ..FaultRule::on("POST", "/v1/transactions/*/capture")
    }]);
    let err = client
        .capture(&tid, &CaptureRequest::new(2000, "cap-late"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let tx = client.get_transaction(&tid).await.unwrap();
    let event = tx.event_by_reference("cap-late").expect("capture happened");
    assert_eq!(event.amount, Some(2000));
    assert_eq!(event.success, Some(true));

    // A GET that is always too slow: Timeout after every attempt.
    env.control.set_faults(vec![FaultRule {
        latency_ms: Some(1500),
        ..FaultRule::on("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    let err = client.get_transaction(&tid).await.unwrap_err();
    match &err {
        Error::Timeout { method, path } => {
            assert_eq!(method, "GET");
            assert_eq!(path, &format!("/v1/transactions/{tid}"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(env.requests_since(before), 2, "max_attempts = 2");
    env.control.clear_faults();
}

#[tokio::test]
async fn sandbox_gone_is_a_transport_error() {
    let env = Env::start().await;
    let client = env.new_client(|c| {
        c.with_retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        })
    });
    // A cached token, so the calls below fail on their own request, not on the token's.
    client.fetch_token().await.unwrap();
    let Env { sandbox, .. } = env;
    sandbox.shutdown().await;
    // Let the client's pool notice that its idle connection was closed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = client
        .get_transaction(&format!("{ACCOUNT}.gone"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { message } if message.contains("could not connect")),
        "{err:?}"
    );
    // Nothing was sent, so even a POST is a plain transport error, not an unknown outcome.
    let err = client
        .capture(&format!("{ACCOUNT}.gone"), &CaptureRequest::new(1, "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}
