//! Transport failures: a POST that timed out or lost its connection is an unknown outcome sent
//! once; a refused connection is a transport error; one connection for many calls.

use super::*;

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
    let reason = unknown_outcome(&err, "/v1/transactions/T12345678.abc/refund");
    assert!(reason.contains("timeout"), "{reason}");
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
