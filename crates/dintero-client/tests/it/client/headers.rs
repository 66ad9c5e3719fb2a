//! What every request carries: the same headers and body on every attempt, and no secret in
//! any `Debug` output.

use super::*;

/// The names of a recorded request's headers (hyper's `host` and `content-length` aside), each
/// checked to occur once, sorted.
fn header_names(request: &crate::common::Recorded) -> Vec<String> {
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
        ("PUT", 1) => Reply::rate_limited("0"),
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
