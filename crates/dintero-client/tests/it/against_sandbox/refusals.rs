//! The 4xx classes as the sandbox answers them: validation, limits, invalid state, credentials,
//! unknown ids.

use super::*;

#[tokio::test]
async fn validation_errors_name_the_field() {
    let env = Env::start().await;

    let mut request = session_request(1000);
    request.order.amount = 900;
    let err = env.client.create_session(&request).await.unwrap_err();
    let (status, code, message, path) = api_parts(&err);
    assert_eq!((status, code.as_str()), (400, "amount_mismatch"));
    assert!(message.contains("order.amount"), "{message}");
    assert_eq!(path.as_deref(), Some("order.amount"));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("amount_mismatch"), "{err}");

    let mut request = session_request(1000);
    request.order.items[1].line_id = Some("1".to_owned());
    let err = env.client.create_session(&request).await.unwrap_err();
    let (_, code, _, path) = api_parts(&err);
    assert_eq!(code, "duplicate_line_id");
    assert_eq!(path.as_deref(), Some("order.items[1].line_id"));

    let mut request = session_request(1000);
    request.order.currency = "nok".to_owned();
    let err = env.client.create_session(&request).await.unwrap_err();
    let (_, code, message, path) = api_parts(&err);
    assert_eq!(code, "invalid_request");
    assert!(message.starts_with("order.currency:"), "{message}");
    assert_eq!(path.as_deref(), Some("order.currency"));

    let mut request = session_request(1000);
    request.url.return_url = "kasse/takk".to_owned();
    let err = env.client.create_session(&request).await.unwrap_err();
    assert_eq!(api_parts(&err).3.as_deref(), Some("url.return_url"));

    // Operation bodies are validated before the state.
    let (_, tid) = env.authorized(10000).await;
    for amount in [0, -5] {
        let err = env.capture(&tid, amount, "zero").await.unwrap_err();
        let (status, code, message, path) = api_parts(&err);
        assert_eq!((status, code.as_str()), (400, "invalid_request"));
        assert_eq!(message, "amount: must be greater than 0");
        assert_eq!(path.as_deref(), Some("amount"));
    }
    let err = env.refund(&tid, 0, "zero").await.unwrap_err();
    assert_eq!(api_parts(&err).3.as_deref(), Some("amount"));

    let unknown_line = CaptureRequest {
        items: vec![dintero_client::OrderItem {
            line_id: Some("9".to_owned()),
            amount: Some(100),
            ..Default::default()
        }],
        ..CaptureRequest::new(100, "bad-line")
    };
    let err = env.client.capture(&tid, &unknown_line).await.unwrap_err();
    assert_eq!(api_parts(&err).3.as_deref(), Some("items[0].line_id"));

    let items_mismatch = CaptureRequest {
        items: vec![lines(10000)[0].clone()],
        ..CaptureRequest::new(100, "bad-sum")
    };
    let err = env.client.capture(&tid, &items_mismatch).await.unwrap_err();
    assert_eq!(api_parts(&err).3.as_deref(), Some("items"));

    let bad_metadata = CaptureRequest {
        metadata: BTreeMap::from([("register".to_owned(), "1".to_owned())]),
        ..CaptureRequest::new(100, "bad-meta")
    };
    let err = env.client.capture(&tid, &bad_metadata).await.unwrap_err();
    let (_, _, message, path) = api_parts(&err);
    assert_eq!(path.as_deref(), Some("metadata.register"));
    assert!(message.contains("ext_"), "{message}");

    // Nothing of that changed the transaction.
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::Authorized);
    assert_eq!(tx.events.len(), 2);
}

#[tokio::test]
async fn amounts_over_the_limits_are_refused() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(10000).await;
    let err = env.capture(&tid, 10001, "too-much").await.unwrap_err();
    let message = assert_api(&err, 400, "amount_exceeds_capturable");
    assert_eq!(
        message,
        "Capture amount 10001 exceeds capturable amount 10000"
    );

    env.capture(&tid, 4000, "c1").await.unwrap();
    let err = env.capture(&tid, 6001, "c2").await.unwrap_err();
    let message = assert_api(&err, 400, "amount_exceeds_capturable");
    assert!(message.ends_with("capturable amount 6000"), "{message}");

    env.refund(&tid, 1500, "r1").await.unwrap();
    let err = env.refund(&tid, 2501, "r2").await.unwrap_err();
    let message = assert_api(&err, 400, "amount_exceeds_refundable");
    assert_eq!(message, "Refund amount 2501 exceeds refundable amount 2500");

    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!((tx.captured(), tx.refunded()), (4000, 1500));
    assert_eq!(tx.status, S::PartiallyCapturedRefunded);
}

#[tokio::test]
async fn invalid_state_is_a_400_with_dinteros_message() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(3000).await;
    env.capture(&tid, 3000, "all").await.unwrap();
    let err = env.client.void(&tid).await.unwrap_err();
    let message = assert_api(&err, 400, "invalid_state");
    assert_eq!(message, "Transaction with status CAPTURED cannot be voided");
    assert!(err.to_string().contains("HTTP 400, invalid_state"), "{err}");
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized_and_not_retried() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;

    for (client_id, secret) in [(CLIENT_ID, "wrong-secret"), ("someone-else", SECRET)] {
        let client = Client::new(
            Config::new(AccountId::parse(ACCOUNT).unwrap(), client_id, secret)
                .with_base_url(env.base.clone()),
        )
        .unwrap();
        let before = env.stats();
        let err = client.get_transaction(&tid).await.unwrap_err();
        match &err {
            Error::Unauthorized { status, message } => {
                assert_eq!(*status, 401);
                assert!(message.contains("client secret was refused"), "{message}");
                assert!(
                    message.contains("unknown client or wrong secret"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.status(), Some(401));
        assert!(!err.is_retryable());
        assert_eq!(
            env.requests_since(before),
            1,
            "only the token request, once"
        );
    }

    // Another account than the sandbox's: the token endpoint answers 403.
    let client = Client::new(
        Config::new(AccountId::parse("T87654321").unwrap(), CLIENT_ID, SECRET)
            .with_base_url(env.base.clone()),
    )
    .unwrap();
    let err = client.get_transaction(&tid).await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 403, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_token_refused_even_after_refresh_is_unauthorized() {
    // Tokens that are expired the moment they are issued: the client refreshes once, then gives up.
    let env = Env::start_with(SandboxConfig {
        token_ttl: Duration::ZERO,
        ..sandbox_config()
    })
    .await;
    let before = env.stats();
    let err = env
        .client
        .get_transaction(&format!("{ACCOUNT}.whatever"))
        .await
        .unwrap_err();
    match &err {
        Error::Unauthorized { status, message } => {
            assert_eq!(*status, 401);
            assert!(message.contains("even after a refresh"), "{message}");
            assert!(message.contains("expired"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        env.requests_since(before),
        4,
        "token, GET (401), token, GET (401): one refresh, one retry"
    );
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let env = Env::start().await;
    let missing = format!("{ACCOUNT}.0000000000000000000000");
    let err = env.client.get_transaction(&missing).await.unwrap_err();
    match &err {
        Error::NotFound { message } => assert!(message.contains(&missing), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(404));
    for err in [
        env.client.get_session(&missing).await.unwrap_err(),
        env.client.cancel_session(&missing).await.unwrap_err(),
        env.capture(&missing, 1, "x").await.unwrap_err(),
        env.refund(&missing, 1, "x").await.unwrap_err(),
        env.client.void(&missing).await.unwrap_err(),
        env.client
            .update_transaction(&missing, "Z")
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
}
