//! No secret, token or Authorization header ever reaches a log line, even at TRACE level with
//! the HTTP stack's own logs captured.

use crate::common::{transaction, Mock, Reply, CLIENT_ID, SECRET};
use base64::Engine as _;
use dintero_client::{CaptureRequest, Error};
use dintero_sandbox::LogCapture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_tokens_never_reach_the_logs() {
    let buffer = LogCapture::install();

    let mock = Mock::start(|r, _| match r.path.as_str() {
        p if p.ends_with(".fail") => Reply::error(401, "unauthorized", "invalid JWT token"),
        p if p.contains(".bad") => Reply::error(400, "invalid_request", "amount must be positive"),
        p if p.ends_with("/capture") => Reply::json(200, transaction("T12345678.abc", "CAPTURED")),
        _ => Reply::json(200, transaction("T12345678.abc", "AUTHORIZED")),
    })
    .await;
    let client = mock.client();

    let token = client.fetch_token().await.unwrap();
    let access_token = token.access_token.expose().to_owned();
    client.get_transaction("T12345678.abc").await.unwrap();
    client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap();
    let err = client.get_transaction("T12345678.fail").await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }));
    let err = client
        .capture("T12345678.bad", &CaptureRequest::new(-1, "cap-2"))
        .await
        .unwrap_err();
    tracing::error!(error = %err, ?client, config = ?client.config(), ?token, "logged by the app");
    // Every token issued during the test (the 401 path fetched more).
    let tokens_issued = mock.token_requests();
    assert_eq!(
        tokens_issued, 2,
        "fetch_token, then one refresh after the 401"
    );

    let logs = buffer.text();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    // The logs are real: spans with method, path, status, latency and attempt were written.
    assert!(logs.contains("dintero.call"), "{logs}");
    assert!(logs.contains("dintero.token"), "{logs}");
    assert!(
        logs.contains("path=/v1/transactions/T12345678.abc"),
        "{logs}"
    );
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("status=401"), "{logs}");
    assert!(logs.contains("latency_ms="), "{logs}");
    assert!(logs.contains("attempt=1"), "{logs}");
    assert!(logs.contains("amount must be positive"), "{logs}");

    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    let mut forbidden = vec![
        SECRET.to_owned(),
        basic,
        access_token.clone(),
        "Bearer ".to_owned(),
    ];
    for n in 1..=tokens_issued {
        forbidden.push(format!("tok-{n}-eyJhbGciOiJSUzI1NiJ9"));
    }
    for needle in &forbidden {
        assert!(
            !logs.contains(needle.as_str()),
            "{needle:?} found in the logs:\n{logs}"
        );
    }
    assert!(
        !logs.to_ascii_lowercase().contains("authorization:"),
        "{logs}"
    );
}
