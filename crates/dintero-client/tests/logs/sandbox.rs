//! A full flow against the in-process sandbox with every log line of the process captured at
//! TRACE (the client's spans, reqwest/hyper via the `log` bridge, and the sandbox's own
//! logs): neither the client secret nor any access token ever appears, nor the phone number
//! of a payment link sent by SMS (personal data).

use std::time::Duration;

use crate::common::sandbox::{Env, CLIENT_ID, SECRET, TOKEN_TTL};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use dintero_client::{CaptureRequest, Error, RefundRequest, TransactionQuery};
use dintero_sandbox::LogCapture;

/// The customer's phone number of the payment link sent in the flow.
const PHONE: &str = "+4741234987";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_in_any_log_line_of_a_full_flow() {
    let buffer = LogCapture::install();

    let env = Env::start().await;
    let client = &env.client;
    let token = client.fetch_token().await.unwrap();
    let first_token = token.access_token.expose().to_owned();

    // A payment link by SMS: the customer's phone number is personal data, in no log line.
    let mut link = crate::common::sandbox::session_request(5000);
    link.customer = Some(dintero_client::Customer::with_phone(PHONE));
    link.configuration
        .get_or_insert_with(Default::default)
        .publish = vec![dintero_client::Publish::sms_checkout_link()];
    let created = client.create_session(&link).await.unwrap();
    assert_eq!(created.publish.len(), 1);
    client.get_session(&created.id).await.unwrap();
    tracing::info!(?link, "a link request logged by the app");

    let (session_id, tid) = env.authorized(24800).await;
    client.get_session(&session_id).await.unwrap();
    client.get_transaction(&tid).await.unwrap();
    client
        .capture(&tid, &CaptureRequest::new(24800, "cap-1"))
        .await
        .unwrap();
    client
        .refund(&tid, &RefundRequest::new(1500, "ref-1"))
        .await
        .unwrap();
    client
        .list_all_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    let err = client
        .refund(&tid, &RefundRequest::new(999_999, "ref-2"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("amount_exceeds_refundable"));
    // The token expires on the sim clock: a 401, a refresh (a second token), a retry.
    env.control
        .advance_clock(TOKEN_TTL + Duration::from_secs(60));
    client.get_transaction(&tid).await.unwrap();
    // Wrong secret: the token endpoint refuses it.
    let wrong = env.new_client(|mut c| {
        c.client_secret = "wrong-secret-0b7e".into();
        c
    });
    let err = wrong.get_transaction(&tid).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { status: 401, .. }));
    // The app logs errors, the client and its config, and a token's Debug.
    tracing::error!(error = %err, ?client, config = ?client.config(), ?token, "logged by the app");
    let fresh = client.fetch_token().await.unwrap();
    let last_token = fresh.access_token.expose().to_owned();
    let control_token = env.control.access_token();

    let logs = buffer.text();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    // The logs are real: client spans, the sandbox's request spans, the HTTP stack.
    assert!(logs.contains("dintero.call"), "{logs}");
    assert!(logs.contains("dintero.token"), "{logs}");
    assert!(logs.contains("status=401"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("status=400"), "{logs}");
    assert!(logs.contains("logged by the app"), "{logs}");
    assert!(
        logs.contains(&format!("/v1/transactions/{tid}/capture")),
        "{logs}"
    );
    assert!(logs.lines().count() > 50, "{logs}");

    // Every sandbox token starts with the same JWT header, whoever it was issued to.
    let jwt_header = first_token.split('.').next().unwrap().to_owned();
    let decoded = URL_SAFE_NO_PAD.decode(&jwt_header).unwrap();
    assert!(decoded.starts_with(br#"{"alg""#), "a JWT header");
    let mut forbidden = vec![
        SECRET.to_owned(),
        "wrong-secret-0b7e".to_owned(),
        STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")),
        "Bearer ".to_owned(),
    ];
    // Each token whole and each of its parts (header, claims, signature) alone.
    for token in [first_token, last_token, control_token] {
        forbidden.extend(token.split('.').map(str::to_owned));
        forbidden.push(token);
    }
    assert!(forbidden.contains(&jwt_header));
    // The phone number, whole and without its country code.
    forbidden.push(PHONE.to_owned());
    forbidden.push(PHONE[3..].to_owned());
    for (i, needle) in forbidden.iter().enumerate() {
        // The message does not repeat the secret; SHOW_LOGS=1 prints the logs.
        assert!(
            !logs.contains(needle.as_str()),
            "forbidden[{i}] ({} chars) was logged",
            needle.len()
        );
    }
    assert!(!logs.to_ascii_lowercase().contains("authorization: b"));
}
