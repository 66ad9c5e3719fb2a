//! Dintero's answers as errors: 4xx bodies, 429 with `Retry-After`, 5xx (GETs retried, POSTs
//! never), unreadable JSON, an unreadable success answer to a POST, and arguments refused
//! before anything is sent.

use super::*;

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
    let Error::Api {
        message, errors, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        message,
        "order.amount (25000) must equal the sum of order.items[].amount (24800)"
    );
    assert!(errors.is_empty());
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

/// A mock that answers the first API request 429 with `Retry-After: retry_after`, every later
/// one with an authorized transaction.
async fn rate_limited_once(retry_after: &'static str) -> Mock {
    Mock::start(move |_, n| match n {
        0 => Reply::rate_limited(retry_after),
        _ => Reply::json(200, transaction("T12345678.abc", "AUTHORIZED")),
    })
    .await
}

#[tokio::test]
async fn get_429_waits_retry_after_then_succeeds() {
    let mock = rate_limited_once("0").await;
    let client = mock.client();
    client.get_transaction("T12345678.abc").await.unwrap();
    assert_eq!(mock.api_requests(), 2);

    // Retry-After within the policy's cap is honoured.
    let mock = rate_limited_once("1").await;
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
    let mock = Mock::start(|_, _| Reply::rate_limited("120")).await;
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
        let reason = unknown_outcome(err, path);
        assert!(reason.contains("could not be read"), "{reason}");
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
    let err = client.list_transactions(&pages_of(500)).await.unwrap_err();
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
