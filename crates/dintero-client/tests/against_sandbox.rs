//! The client over real HTTP against an in-process `dintero-sandbox`: every call, every error
//! class as the sandbox produces it (including injected faults), every allowed and refused
//! state transition, token expiry and single-flight refresh, connection reuse, and a property
//! test over random capture/refund/void sequences.
//!
//! Requests are counted with the sandbox's `stats()` (every HTTP request it received, token
//! requests included), so "not retried" and "one token request" are observed at the server.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::sandbox::{
    derive_status, lines, next_reference, sandbox_config, session_request, status_of, sums, Env,
    Sums, ACCOUNT, CLIENT_ID, OK_CARD, RETURN_URL, SECRET, TOKEN_TTL,
};
use dintero_client::{
    AccountId, CaptureRequest, Client, Config, Configuration, CreateSessionOptions, Environment,
    Error, OperationResponse, PaymentProduct, RefundRequest, RetryPolicy, SessionInclude,
    SessionState, Transaction, TransactionEventName, TransactionInclude, TransactionQuery,
    TransactionStatus,
};
use dintero_sandbox::{FaultRule, PayOptions, SandboxConfig};
use TransactionStatus as S;

// ---------------------------------------------------------------- helpers

fn fault(method: &str, path: &str) -> FaultRule {
    FaultRule {
        method: Some(method.to_owned()),
        path: Some(path.to_owned()),
        ..FaultRule::default()
    }
}

/// The `Api` error's status, code and first nested error path.
fn api_parts(err: &Error) -> (u16, String, String, Option<String>) {
    match err {
        Error::Api {
            status,
            code,
            message,
            errors,
        } => (
            *status,
            code.clone().unwrap_or_default(),
            message.clone(),
            errors
                .first()
                .and_then(|e| e["path"].as_str())
                .map(str::to_owned),
        ),
        other => panic!("expected an Api error, got {other:?}"),
    }
}

fn assert_api(err: &Error, status: u16, code: &str) -> String {
    let (got_status, got_code, message, _) = api_parts(err);
    assert_eq!(
        (got_status, got_code.as_str()),
        (status, code),
        "{err:?} / {err}"
    );
    message
}

/// Checks what every transaction the sandbox returns must satisfy.
fn assert_consistent(tx: &Transaction) {
    let own = sums(tx);
    assert_eq!(tx.captured(), own.captured, "captured() vs events");
    assert_eq!(tx.refunded(), own.refunded, "refunded() vs events");
    assert!(own.captured <= tx.amount, "captured > authorized: {tx:#?}");
    assert!(own.refunded <= own.captured, "refunded > captured: {tx:#?}");
    assert_eq!(tx.refundable(), own.captured - own.refunded);
    if matches!(
        tx.status,
        S::Initiated | S::OnHold | S::Declined | S::Failed
    ) {
        // Never authorized (yet): nothing to capture or refund.
        assert_eq!((own.captured, tx.capturable(), tx.refundable()), (0, 0, 0));
        return;
    }
    let own_capturable = if own.voided {
        0
    } else {
        tx.amount - own.captured
    };
    assert_eq!(tx.capturable(), own_capturable, "capturable() vs events");
    assert_eq!(tx.status, derive_status(tx), "§9.2 status vs events");
}

// ---------------------------------------------------------------- token and connection check

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

// ---------------------------------------------------------------- sessions

#[tokio::test]
async fn session_create_read_visit_cancel() {
    let env = Env::start().await;
    let request = session_request(24800);
    let created = env.client.create_session(&request).await.unwrap();
    assert!(
        created.id.starts_with(&format!("{ACCOUNT}.")),
        "{created:?}"
    );
    assert_eq!(created.url, format!("{}/v1/view/{}", env.base, created.id));
    assert!(created.session.is_none());

    let session = env.client.get_session(&created.id).await.unwrap();
    assert_eq!(session.id, created.id);
    assert_eq!(session.order.amount, 24800);
    assert_eq!(session.order.currency, "NOK");
    assert_eq!(
        session.order.merchant_reference,
        request.order.merchant_reference
    );
    let line_amounts: Vec<_> = session.order.items.iter().map(|i| i.amount).collect();
    let sent: Vec<_> = request.order.items.iter().map(|i| i.amount).collect();
    assert_eq!(line_amounts, sent);
    assert_eq!(session.url.as_ref().unwrap().return_url, RETURN_URL);
    assert!(session.transaction_id.is_none());
    assert!(session.expires_at.is_some(), "a session expires (24 h)");
    // The client's Dintero-System-* headers were recorded by the sandbox.
    let headers = session.initiating_system_request_headers.clone().unwrap();
    assert_eq!(headers["dintero-system-name"], "kasse");
    assert_eq!(headers["dintero-system-plugin-name"], "dintero-client-rs");
    assert_eq!(session.state(None, env.control.now()), SessionState::Open);
    assert!(!session.visited());

    let with_includes = env
        .client
        .get_session_with(
            &created.id,
            &[
                SessionInclude::EventsRequestHeaders,
                SessionInclude::InitiatingSystemRequestHeaders,
            ],
        )
        .await
        .unwrap();
    assert_eq!(with_includes.id, created.id);

    env.control.visit(&created.id).unwrap();
    assert!(env.client.get_session(&created.id).await.unwrap().visited());

    let cancelled = env.client.cancel_session(&created.id).await.unwrap();
    let cancelled_at = cancelled.cancelled_at.expect("cancelled_at");
    assert_eq!(cancelled.cancelled_by.as_deref(), Some(CLIENT_ID));
    assert_eq!(
        cancelled.state(None, env.control.now()),
        SessionState::Cancelled
    );
    // Idempotent: a second cancel answers 200 with the same cancelled_at.
    let again = env.client.cancel_session(&created.id).await.unwrap();
    assert_eq!(again.cancelled_at, Some(cancelled_at));
    // A cancelled session cannot be paid.
    let refused = env.control.pay(&created.id, OK_CARD).unwrap_err();
    assert_eq!(refused.code, "invalid_state");

    // include_session returns the whole session with the answer.
    let request = session_request(1000);
    let created = env
        .client
        .create_session_with(
            &request,
            CreateSessionOptions {
                include_session: true,
            },
        )
        .await
        .unwrap();
    let session = created.session.expect("include_session=true");
    assert_eq!(session.id, created.id);
    assert_eq!(session.order.amount, 1000);
}

#[tokio::test]
async fn session_expiry_on_the_sim_clock() {
    let env = Env::start().await;
    let mut request = session_request(5000);
    request.expires_at = Some(env.control.now() + Duration::from_secs(15 * 60));
    let id = env.client.create_session(&request).await.unwrap().id;
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(session.state(None, env.control.now()), SessionState::Open);

    env.control.advance_clock(Duration::from_secs(16 * 60));
    // Still readable (200), now expired; the token (4 h) is still valid.
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(
        session.state(None, env.control.now()),
        SessionState::Expired
    );
    let refused = env.control.pay(&id, OK_CARD).unwrap_err();
    assert_eq!(refused.code, "invalid_state");
}

#[tokio::test]
async fn session_with_auto_capture_is_captured_at_payment() {
    let env = Env::start().await;
    let mut request = session_request(7300);
    request.configuration = Some(Configuration {
        auto_capture: Some(true),
        ..Configuration::default()
    });
    let id = env.client.create_session(&request).await.unwrap().id;
    let tid = env.control.pay(&id, OK_CARD).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::Captured);
    assert_eq!(tx.captured(), 7300);
    assert_consistent(&tx);
    let session = env.client.get_session(&id).await.unwrap();
    assert_eq!(session.transaction_id.as_deref(), Some(tid.as_str()));
    assert_eq!(
        session.state(Some(&tx), env.control.now()),
        SessionState::Paid
    );
}

// ---------------------------------------------------------------- transactions

#[tokio::test]
async fn transaction_read_update_capture_refund_void() {
    let env = Env::start().await;
    let (session_id, tid) = env.authorized(24800).await;

    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.id, tid);
    assert_eq!(tx.status, S::Authorized);
    assert_eq!(tx.amount, 24800);
    assert_eq!(tx.currency, "NOK");
    assert_eq!(tx.session_id.as_deref(), Some(session_id.as_str()));
    assert_eq!(tx.payment_product, Some(PaymentProduct::DinteroPsp));
    assert_eq!(tx.items.len(), 3);
    let card = tx.card.as_ref().expect("card");
    assert_eq!(card.masked_pan.as_deref(), Some("400000******0002"));
    let names: Vec<_> = tx.events.iter().map(|e| e.event.clone().unwrap()).collect();
    assert_eq!(
        names,
        [
            TransactionEventName::Initialize,
            TransactionEventName::Authorize
        ]
    );
    assert_eq!(tx.capturable(), 24800);
    assert_eq!(tx.refundable(), 0);
    assert!(tx.session.is_none());

    let with_session = env
        .client
        .get_transaction_with(&tid, &[TransactionInclude::Session])
        .await
        .unwrap();
    assert_eq!(with_session.session.unwrap().id, session_id);

    // PUT merchant_reference_2.
    let updated = env
        .client
        .update_transaction(&tid, "Z-REPORT-2026-05-12")
        .await
        .unwrap();
    assert_eq!(
        updated.merchant_reference_2.as_deref(),
        Some("Z-REPORT-2026-05-12")
    );
    let reread = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(reread.merchant_reference_2, updated.merchant_reference_2);

    // Partial capture of line 1 with items and metadata.
    let line1 = tx.items[0].clone();
    let line1_amount = line1.amount.unwrap();
    let capture = CaptureRequest {
        items: vec![line1.clone()],
        metadata: BTreeMap::from([("ext_register".to_owned(), "kasse-1".to_owned())]),
        ..CaptureRequest::new(line1_amount, "POS1-cap-1")
    };
    let response = env.client.capture(&tid, &capture).await.unwrap();
    assert!(!response.is_pending());
    assert!(response.event_request_id.is_none());
    let tx = response.transaction;
    assert_eq!(tx.status, S::PartiallyCaptured);
    assert_eq!(tx.captured(), line1_amount);
    let event = tx.event_by_reference("POS1-cap-1").expect("capture event");
    assert_eq!(event.event, Some(TransactionEventName::Capture));
    assert_eq!(event.success, Some(true));
    assert_eq!(event.amount, Some(line1_amount));
    assert_eq!(event.transaction_status, Some(S::PartiallyCaptured));
    assert_eq!(event.items.len(), 1);
    assert_eq!(event.metadata["ext_register"], "kasse-1");
    assert_eq!(event.created_by.as_deref(), Some(CLIENT_ID));
    assert_eq!(
        event.request_headers.as_ref().unwrap()["dintero-system-name"],
        "kasse"
    );
    assert_consistent(&tx);

    // Refund part of it, with a reason and the line.
    let refund = RefundRequest {
        reason: Some("Kunden returnerte".to_owned()),
        items: vec![dintero_client::OrderItem {
            amount: Some(1000),
            ..line1
        }],
        ..RefundRequest::new(1000, "RET-1")
    };
    let tx = env.client.refund(&tid, &refund).await.unwrap().transaction;
    assert_eq!(tx.status, S::PartiallyCapturedRefunded);
    assert_eq!(tx.refunded(), 1000);
    assert_eq!(tx.refundable(), line1_amount - 1000);
    assert_eq!(
        tx.event_by_reference("RET-1").unwrap().event,
        Some(TransactionEventName::Refund)
    );
    assert_consistent(&tx);

    // Void another authorization.
    let (_, other) = env.authorized(4500).await;
    let voided = env.client.void(&other).await.unwrap().transaction;
    assert_eq!(voided.status, S::AuthorizationVoided);
    let void = voided.last_event(TransactionEventName::Void).unwrap();
    assert_eq!(void.amount, Some(4500));
    assert_eq!(voided.capturable(), 0);
    assert!(voided.voided());
    assert_consistent(&voided);
}

#[tokio::test]
async fn final_capture_releases_the_rest() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(10000).await;
    let request = CaptureRequest {
        final_capture: Some(true),
        ..CaptureRequest::new(6000, "final-1")
    };
    let tx = env
        .client
        .capture(&tid, &request)
        .await
        .unwrap()
        .transaction;
    assert_eq!(tx.status, S::Captured);
    assert_eq!(tx.captured(), 6000);
    assert_eq!(tx.capturable(), 0);
    assert_eq!(tx.refundable(), 6000);
    let release = tx.last_event(TransactionEventName::Void).unwrap();
    assert_eq!(release.amount, Some(4000));
    assert_consistent(&tx);
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(1, "more"))
        .await
        .unwrap_err();
    assert_api(&err, 400, "invalid_state");
}

#[tokio::test]
async fn async_operations_answer_202_and_complete_on_the_sim_clock() {
    let env = Env::start_with(SandboxConfig {
        async_operations: true,
        ..sandbox_config()
    })
    .await;
    let (_, tid) = env.authorized(9000).await;
    let response = env
        .client
        .capture(&tid, &CaptureRequest::new(9000, "async-cap"))
        .await
        .unwrap();
    assert!(response.is_pending());
    let request_id = response.event_request_id.clone().expect("event-request-id");
    let pending = &response.transaction;
    assert_eq!(pending.status, S::Authorized, "not captured yet");
    assert_eq!(
        pending
            .last_event(TransactionEventName::InitiateCapture)
            .unwrap()
            .request_id
            .as_deref(),
        Some(request_id.as_str())
    );

    env.control.advance_clock(Duration::from_secs(1));
    let deadline = Instant::now() + Duration::from_secs(5);
    let tx = loop {
        let tx = env.client.get_transaction(&tid).await.unwrap();
        if tx.event_by_correlation_id(&request_id).is_some() {
            break tx;
        }
        assert!(Instant::now() < deadline, "the capture never completed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let done = tx.event_by_correlation_id(&request_id).unwrap();
    assert_eq!(done.event, Some(TransactionEventName::Capture));
    assert_eq!(done.success, Some(true));
    assert_eq!(tx.status, S::Captured);
    assert_eq!(tx.captured(), 9000);
}

#[tokio::test]
async fn operation_timeout_card_gives_503_and_a_failed_event() {
    let env = Env::start().await;
    // 4100 0000 0000 0019: capture times out at the processor.
    let (_, tid) = env.paid(5000, "4100000000000019").await;
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(5000, "cap-timeout"))
        .await
        .unwrap_err();
    assert_api(&err, 503, "processor_unavailable");
    assert!(err.is_outcome_uncertain());
    assert_eq!(env.requests_since(before), 1, "a POST is never retried");
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::Authorized, "status unchanged");
    let failed = tx.event_by_reference("cap-timeout").unwrap();
    assert_eq!(failed.success, Some(false));
    assert!(failed.error.is_some());
    assert_eq!(tx.captured(), 0);
    assert_consistent(&tx);
    // includes=events.success.true hides the failed event.
    let only_ok = env
        .client
        .get_transaction_with(&tid, &[TransactionInclude::EventsSuccessTrue])
        .await
        .unwrap();
    assert!(only_ok.events.iter().all(|e| e.success == Some(true)));
    assert_eq!(only_ok.events.len(), tx.events.len() - 1);
}

// ---------------------------------------------------------------- listing

#[tokio::test]
async fn list_filters_and_pagination() {
    let env = Env::start().await;
    let mut made = Vec::new(); // (transaction id, session id, amount, captured)
    for i in 0..23i64 {
        let amount = 1000 + i * 100;
        let (sid, tid) = env.authorized(amount).await;
        let captured = i % 3 == 0;
        if captured {
            env.client
                .capture(&tid, &CaptureRequest::new(amount, format!("c{i}")))
                .await
                .unwrap();
        }
        made.push((tid, sid, amount, captured));
    }
    let newest_first: Vec<String> = made.iter().rev().map(|m| m.0.clone()).collect();
    let sandbox_order: Vec<String> = env
        .control
        .transactions()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sandbox_order, newest_first);
    let ids = |list: &[Transaction]| list.iter().map(|t| t.id.clone()).collect::<Vec<_>>();

    // One page with Dintero's default limit (10), newest first.
    let page = env
        .client
        .list_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(ids(&page), newest_first[..10]);

    // A cursor walk: pages of 5 → 5 requests (5+5+5+5+3), every transaction once, in order.
    let before = env.stats();
    let all = env
        .client
        .list_all_transactions(&TransactionQuery {
            limit: Some(5),
            ..TransactionQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(env.requests_since(before), 5);
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all.iter().map(|t| &t.id).collect::<HashSet<_>>().len(), 23);
    // Starting after the 7th: the rest.
    let rest = env
        .client
        .list_all_transactions(&TransactionQuery {
            limit: Some(4),
            starting_after: Some(newest_first[6].clone()),
            ..TransactionQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&rest), newest_first[7..]);
    // Default page size 100: one request.
    let before = env.stats();
    let all = env
        .client
        .list_all_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(env.requests_since(before), 1);
    assert_eq!(all.len(), 23);

    let query = |q: TransactionQuery| {
        let client = env.client.clone();
        async move { client.list_all_transactions(&q).await.unwrap() }
    };
    let captured: Vec<String> = made
        .iter()
        .rev()
        .filter(|m| m.3)
        .map(|m| m.0.clone())
        .collect();
    let got = query(TransactionQuery {
        statuses: vec![S::Captured],
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), captured);
    assert!(got.iter().all(|t| t.status == S::Captured));
    let got = query(TransactionQuery {
        statuses: vec![S::Authorized, S::Captured],
        ..Default::default()
    })
    .await;
    assert_eq!(got.len(), 23);

    let (tid5, sid5, amount5, _) = made[5].clone();
    let tx5 = env.client.get_transaction(&tid5).await.unwrap();
    let got = query(TransactionQuery {
        merchant_reference: tx5.merchant_reference.clone(),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), [tid5.as_str()]);
    let got = query(TransactionQuery {
        session_ids: vec![sid5.clone()],
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), [tid5.as_str()]);
    let got = query(TransactionQuery {
        ids: vec![made[1].0.clone(), made[2].0.clone()],
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), [made[2].0.clone(), made[1].0.clone()]);
    let got = query(TransactionQuery {
        amount: Some(amount5),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), [tid5.as_str()]);
    let got = query(TransactionQuery {
        amount_gte: Some(2000),
        amount_lte: Some(2500),
        ..Default::default()
    })
    .await;
    let expected: Vec<String> = made
        .iter()
        .rev()
        .filter(|m| (2000..=2500).contains(&m.2))
        .map(|m| m.0.clone())
        .collect();
    assert_eq!(expected.len(), 6);
    assert_eq!(ids(&got), expected);
    // search: case-insensitive substring of the merchant reference.
    let reference = tx5.merchant_reference.clone().unwrap();
    let got = query(TransactionQuery {
        search: Some(reference.to_lowercase()),
        ..Default::default()
    })
    .await;
    assert!(ids(&got).contains(&tid5), "{reference}");
    env.client
        .update_transaction(&tid5, "Z-2026-05-12")
        .await
        .unwrap();
    let got = query(TransactionQuery {
        merchant_reference_2: Some("Z-2026-05-12".to_owned()),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&got), [tid5.as_str()]);
    let got = query(TransactionQuery {
        currencies: vec!["NOK".to_owned()],
        payment_products: vec![PaymentProduct::DinteroPsp],
        ..Default::default()
    })
    .await;
    assert_eq!(got.len(), 23);
    let got = query(TransactionQuery {
        currencies: vec!["SEK".to_owned()],
        ..Default::default()
    })
    .await;
    assert!(got.is_empty());
    let now = env.control.now();
    let got = query(TransactionQuery {
        created_at_gte: Some(now + Duration::from_secs(3600)),
        ..Default::default()
    })
    .await;
    assert!(got.is_empty());
    let got = query(TransactionQuery {
        created_at_gte: Some(now - Duration::from_secs(3600)),
        created_at_lte: Some(now + Duration::from_secs(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(got.len(), 23);
    let got = query(TransactionQuery {
        includes: vec![TransactionInclude::Session],
        limit: Some(3),
        ..Default::default()
    })
    .await;
    assert!(got.iter().all(|t| t.session.is_some()));

    // PUT is idempotent: a 503 is retried.
    env.control.set_faults(vec![FaultRule {
        status: Some(503),
        times: Some(1),
        ..fault("PUT", "/v1/transactions/*")
    }]);
    let before = env.stats();
    let updated = env
        .client
        .update_transaction(&tid5, "Z-2026-05-13")
        .await
        .unwrap();
    assert_eq!(
        updated.merchant_reference_2.as_deref(),
        Some("Z-2026-05-13")
    );
    assert_eq!(env.requests_since(before), 2);

    // A cursor the sandbox does not know: 400 naming the parameter.
    let err = env
        .client
        .list_transactions(&TransactionQuery {
            starting_after: Some(format!("{ACCOUNT}.unknown")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let (status, code, message, path) = api_parts(&err);
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(message.starts_with("starting_after"), "{message}");
    assert_eq!(path.as_deref(), Some("starting_after"));
    // A bad limit is refused before anything is sent.
    let before = env.stats();
    let err = env
        .client
        .list_transactions(&TransactionQuery {
            limit: Some(101),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { field: "limit", .. }),
        "{err:?}"
    );
    assert_eq!(env.requests_since(before), 0);
}

#[tokio::test]
async fn references_with_special_characters_round_trip() {
    let env = Env::start().await;
    let reference = "Kvittering #7 æøå & co/+?=%20";
    let mut request = session_request(2000);
    request.order.merchant_reference = reference.to_owned();
    let session_id = env.client.create_session(&request).await.unwrap().id;
    let tid = env.control.pay(&session_id, OK_CARD).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let capture_reference = "cap/1 ø&?#";
    let tx = env
        .client
        .capture(&tid, &CaptureRequest::new(2000, capture_reference))
        .await
        .unwrap()
        .transaction;
    assert_eq!(tx.merchant_reference.as_deref(), Some(reference));
    assert!(tx.event_by_reference(capture_reference).is_some());
    let second = "Z/2026 05 12 & ø";
    env.client.update_transaction(&tid, second).await.unwrap();

    let found = env
        .client
        .list_transactions(&TransactionQuery {
            merchant_reference: Some(reference.to_owned()),
            ..TransactionQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, tid);
    let found = env
        .client
        .list_transactions(&TransactionQuery {
            merchant_reference_2: Some(second.to_owned()),
            search: Some("ÆØÅ & CO".to_owned()),
            ..TransactionQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    // Ids that look like paths are one (unknown) id, not another endpoint.
    for id in [
        format!("{tid}/capture"),
        "../sessions-profile".to_owned(),
        format!("{tid}?includes=session"),
        format!("{tid}#x"),
    ] {
        let err = env.client.get_transaction(&id).await.unwrap_err();
        match &err {
            Error::NotFound { message } => {
                assert!(message.starts_with("Transaction "), "{id}: {message}")
            }
            other => panic!("{id}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_captures_and_refunds_never_exceed_the_limits() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(10_000).await;
    let outcomes = |results: Vec<Result<OperationResponse, Error>>, refused_code: &str| {
        let mut ok = 0;
        for result in results {
            match result {
                Ok(_) => ok += 1,
                Err(err) => {
                    assert_api(&err, 400, refused_code);
                }
            }
        }
        ok
    };
    let captures: Vec<_> = (0..50)
        .map(|i| {
            let client = env.client.clone();
            let tid = tid.clone();
            tokio::spawn(async move {
                client
                    .capture(&tid, &CaptureRequest::new(300, format!("cc{i}")))
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for call in captures {
        results.push(call.await.unwrap());
    }
    assert_eq!(outcomes(results, "amount_exceeds_capturable"), 33);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!((tx.captured(), tx.capturable()), (9_900, 100));
    assert_eq!(tx.status, S::PartiallyCaptured);
    assert_consistent(&tx);

    let refunds: Vec<_> = (0..50)
        .map(|i| {
            let client = env.client.clone();
            let tid = tid.clone();
            tokio::spawn(async move {
                client
                    .refund(&tid, &RefundRequest::new(700, format!("rr{i}")))
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for call in refunds {
        results.push(call.await.unwrap());
    }
    assert_eq!(outcomes(results, "amount_exceeds_refundable"), 14);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!((tx.refunded(), tx.refundable()), (9_800, 100));
    assert_eq!(tx.status, S::PartiallyCapturedRefunded);
    assert_consistent(&tx);
}

// ---------------------------------------------------------------- 4xx error classes

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
        let err = env
            .client
            .capture(&tid, &CaptureRequest::new(amount, "zero"))
            .await
            .unwrap_err();
        let (status, code, message, path) = api_parts(&err);
        assert_eq!((status, code.as_str()), (400, "invalid_request"));
        assert_eq!(message, "amount: must be greater than 0");
        assert_eq!(path.as_deref(), Some("amount"));
    }
    let err = env
        .client
        .refund(&tid, &RefundRequest::new(0, "zero"))
        .await
        .unwrap_err();
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
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(10001, "too-much"))
        .await
        .unwrap_err();
    let message = assert_api(&err, 400, "amount_exceeds_capturable");
    assert_eq!(
        message,
        "Capture amount 10001 exceeds capturable amount 10000"
    );

    env.client
        .capture(&tid, &CaptureRequest::new(4000, "c1"))
        .await
        .unwrap();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(6001, "c2"))
        .await
        .unwrap_err();
    let message = assert_api(&err, 400, "amount_exceeds_capturable");
    assert!(message.ends_with("capturable amount 6000"), "{message}");

    env.client
        .refund(&tid, &RefundRequest::new(1500, "r1"))
        .await
        .unwrap();
    let err = env
        .client
        .refund(&tid, &RefundRequest::new(2501, "r2"))
        .await
        .unwrap_err();
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
    env.client
        .capture(&tid, &CaptureRequest::new(3000, "all"))
        .await
        .unwrap();
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
        env.client
            .capture(&missing, &CaptureRequest::new(1, "x"))
            .await
            .unwrap_err(),
        env.client
            .refund(&missing, &RefundRequest::new(1, "x"))
            .await
            .unwrap_err(),
        env.client.void(&missing).await.unwrap_err(),
        env.client
            .update_transaction(&missing, "Z")
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
}

// ---------------------------------------------------------------- injected faults

#[tokio::test]
async fn rate_limited_get_waits_retry_after_then_succeeds() {
    let env = Env::start().await;
    let (_, tid) = env.authorized(1000).await;
    env.client.get_transaction(&tid).await.unwrap(); // token cached

    env.control.set_faults(vec![FaultRule {
        status: Some(429),
        times: Some(1),
        retry_after: Some(1),
        ..fault("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
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
    env.control.set_faults(vec![FaultRule {
        status: Some(429),
        times: Some(1),
        retry_after: Some(30),
        ..fault("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    let err = env.client.get_transaction(&tid).await.unwrap_err();
    match err {
        Error::RateLimited { retry_after } => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.requests_since(before), 1);

    // A POST answered 429 is not retried; the capture did not happen.
    env.control.set_faults(vec![FaultRule {
        status: Some(429),
        times: Some(1),
        ..fault("POST", "/v1/transactions/*/capture")
    }]);
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(1000, "cap-429"))
        .await
        .unwrap_err();
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
        ..fault("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(env.requests_since(before), 3);

    // GET: 500 every time → Api 500 after max_attempts (3).
    env.control.set_faults(vec![FaultRule {
        status: Some(500),
        ..fault("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    let err = env.client.get_transaction(&tid).await.unwrap_err();
    assert_api(&err, 500, "internal_error");
    assert_eq!(env.requests_since(before), 3);

    // POST capture: 503 once → an Api error, sent exactly once, nothing captured.
    env.control.set_faults(vec![FaultRule {
        status: Some(503),
        times: Some(1),
        ..fault("POST", "/v1/transactions/*/capture")
    }]);
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(5000, "cap-503"))
        .await
        .unwrap_err();
    assert_api(&err, 503, "processor_unavailable");
    assert!(err.is_outcome_uncertain());
    assert_eq!(env.requests_since(before), 1, "a POST is never retried");
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert!(tx.event_by_reference("cap-503").is_none());
    assert_eq!(tx.captured(), 0);
    // The rule is spent: the same capture now goes through, once.
    let tx = env
        .client
        .capture(&tid, &CaptureRequest::new(5000, "cap-503"))
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
        ..fault("POST", "/v1/transactions/*/refund")
    }]);
    let err = env
        .client
        .refund(&tid, &RefundRequest::new(500, "ref-after-503"))
        .await
        .unwrap_err();
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
                ..fault("POST", &token_path)
            },
            4,
            Duration::ZERO,
        ),
        (
            FaultRule {
                drop: true,
                times: Some(1),
                ..fault("POST", &token_path)
            },
            3,
            Duration::ZERO,
        ),
        (
            FaultRule {
                status: Some(429),
                retry_after: Some(1),
                times: Some(1),
                ..fault("POST", &token_path)
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
        ..fault("POST", &token_path)
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
    env.control.set_faults(vec![FaultRule {
        drop: true,
        times: Some(1),
        ..fault("GET", "/v1/transactions/*")
    }]);
    let before = env.stats();
    env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(env.requests_since(before), 2);

    // POST dropped before the capture: outcome unknown, sent once, and nothing happened.
    env.control.set_faults(vec![FaultRule {
        drop: true,
        times: Some(1),
        ..fault("POST", "/v1/transactions/*/capture")
    }]);
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(3000, "cap-drop"))
        .await
        .unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            method,
            path,
            reason,
        } => {
            assert_eq!(method, "POST");
            assert_eq!(path, &format!("/v1/transactions/{tid}/capture"));
            assert!(reason.starts_with("connection lost"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_outcome_uncertain());
    assert!(!err.is_retryable());
    assert_eq!(env.requests_since(before), 1);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert!(tx.event_by_reference("cap-drop").is_none());

    // POST dropped *after* the capture: outcome unknown to the client, but it happened.
    env.control.set_faults(vec![FaultRule {
        drop: true,
        after: true,
        times: Some(1),
        ..fault("POST", "/v1/transactions/*/capture")
    }]);
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(3000, "cap-after"))
        .await
        .unwrap_err();
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
        ..fault("POST", "/v1/sessions-profile")
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
    env.control.set_faults(vec![FaultRule {
        latency_ms: Some(1500),
        times: Some(1),
        ..fault("POST", "/v1/transactions/*/capture")
    }]);
    let before = env.stats();
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
        ..fault("POST", "/v1/transactions/*/capture")
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
        ..fault("GET", "/v1/transactions/*")
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

// ---------------------------------------------------------------- state transitions

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Initiated,
    OnHold,
    Authorized,
    PartiallyCaptured,
    PartiallyCapturedRefunded,
    Captured,
    PartiallyRefunded,
    Refunded,
    Voided,
    Declined,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Capture 1000.
    CapturePart,
    /// Capture what is capturable (at least 1).
    CaptureRest,
    /// Capture 1000 with `final_capture`.
    CaptureFinal,
    /// Refund 500.
    RefundPart,
    /// Refund what is refundable (at least 1).
    RefundRest,
    Void,
    CancelSession,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    To(TransactionStatus),
    Refused,
}

const AMOUNT: i64 = 10_000;

/// A transaction of [`AMOUNT`] in the `start` state: (session id, transaction id).
async fn reach(env: &Env, start: Start) -> (String, String) {
    let session_id = env.session(AMOUNT).await;
    let card = match start {
        Start::Declined => "4100000000000076",
        Start::Failed => "4000300000000006",
        _ => OK_CARD,
    };
    let options = PayOptions {
        card: (start != Start::Initiated).then(|| card.to_owned()),
        initiate_only: start == Start::Initiated,
        on_hold: start == Start::OnHold,
        ..Default::default()
    };
    let tx = env.control.pay_with(&session_id, options).unwrap();
    let tid = tx["id"].as_str().unwrap().to_owned();
    let c = &env.client;
    let capture = |amount: i64| {
        let tid = tid.clone();
        async move {
            c.capture(
                &tid,
                &CaptureRequest::new(amount, next_reference("setup-cap")),
            )
            .await
            .unwrap()
        }
    };
    let refund = |amount: i64| {
        let tid = tid.clone();
        async move {
            c.refund(
                &tid,
                &RefundRequest::new(amount, next_reference("setup-ref")),
            )
            .await
            .unwrap()
        }
    };
    match start {
        Start::PartiallyCaptured => {
            capture(4000).await;
        }
        Start::PartiallyCapturedRefunded => {
            capture(4000).await;
            refund(1000).await;
        }
        Start::Captured => {
            capture(AMOUNT).await;
        }
        Start::PartiallyRefunded => {
            capture(AMOUNT).await;
            refund(3000).await;
        }
        Start::Refunded => {
            capture(AMOUNT).await;
            refund(AMOUNT).await;
        }
        Start::Voided => {
            c.void(&tid).await.unwrap();
        }
        _ => {}
    }
    (session_id, tid)
}

fn expected_start_status(start: Start) -> TransactionStatus {
    match start {
        Start::Initiated => S::Initiated,
        Start::OnHold => S::OnHold,
        Start::Authorized => S::Authorized,
        Start::PartiallyCaptured => S::PartiallyCaptured,
        Start::PartiallyCapturedRefunded => S::PartiallyCapturedRefunded,
        Start::Captured => S::Captured,
        Start::PartiallyRefunded => S::PartiallyRefunded,
        Start::Refunded => S::Refunded,
        Start::Voided => S::AuthorizationVoided,
        Start::Declined => S::Declined,
        Start::Failed => S::Failed,
    }
}

/// dintero-api.md §9.2/§9.3 as the sandbox documents them (`dintero_psp.creditcard`: no void
/// after a partial capture; session cancel only for INITIATED/AUTHORIZED).
#[rustfmt::skip]
const TABLE: &[(Start, [Expect; 7])] = {
    use Expect::{Refused as R, To};
    //  CapturePart, CaptureRest, CaptureFinal, RefundPart, RefundRest, Void, CancelSession
    &[
        (Start::Initiated, [R, R, R, R, R, R, To(S::AuthorizationVoided)]),
        (Start::OnHold, [R, R, R, R, R, R, R]),
        (Start::Authorized, [To(S::PartiallyCaptured), To(S::Captured), To(S::Captured), R, R, To(S::AuthorizationVoided), To(S::AuthorizationVoided)]),
        (Start::PartiallyCaptured, [To(S::PartiallyCaptured), To(S::Captured), To(S::Captured), To(S::PartiallyCapturedRefunded), To(S::PartiallyCapturedRefunded), R, R]),
        (Start::PartiallyCapturedRefunded, [To(S::PartiallyCapturedRefunded), To(S::PartiallyRefunded), To(S::PartiallyRefunded), To(S::PartiallyCapturedRefunded), To(S::PartiallyCapturedRefunded), R, R]),
        (Start::Captured, [R, R, R, To(S::PartiallyRefunded), To(S::Refunded), R, R]),
        (Start::PartiallyRefunded, [R, R, R, To(S::PartiallyRefunded), To(S::Refunded), R, R]),
        (Start::Refunded, [R, R, R, R, R, R, R]),
        (Start::Voided, [R, R, R, R, R, R, R]),
        (Start::Declined, [R, R, R, R, R, R, R]),
        (Start::Failed, [R, R, R, R, R, R, R]),
    ]
};

const OPS: [Op; 7] = [
    Op::CapturePart,
    Op::CaptureRest,
    Op::CaptureFinal,
    Op::RefundPart,
    Op::RefundRest,
    Op::Void,
    Op::CancelSession,
];

async fn run_op(
    env: &Env,
    session_id: &str,
    tx: &Transaction,
    op: Op,
) -> Result<Transaction, Error> {
    let c = &env.client;
    let reference = next_reference("op");
    let response: Result<OperationResponse, Error> = match op {
        Op::CapturePart => {
            c.capture(&tx.id, &CaptureRequest::new(1000, reference))
                .await
        }
        Op::CaptureRest => {
            let amount = tx.capturable().max(1);
            c.capture(&tx.id, &CaptureRequest::new(amount, reference))
                .await
        }
        Op::CaptureFinal => {
            let request = CaptureRequest {
                final_capture: Some(true),
                ..CaptureRequest::new(1000, reference)
            };
            c.capture(&tx.id, &request).await
        }
        Op::RefundPart => c.refund(&tx.id, &RefundRequest::new(500, reference)).await,
        Op::RefundRest => {
            let amount = tx.refundable().max(1);
            c.refund(&tx.id, &RefundRequest::new(amount, reference))
                .await
        }
        Op::Void => c.void(&tx.id).await,
        Op::CancelSession => {
            let session = c.cancel_session(session_id).await?;
            assert!(session.cancelled_at.is_some());
            return c.get_transaction(&tx.id).await;
        }
    };
    response.map(|r| r.transaction)
}

#[tokio::test]
async fn every_allowed_and_refused_transition() {
    let env = Env::start().await;
    let mut checked = 0;
    for (start, expectations) in TABLE {
        for (op, expect) in OPS.iter().zip(expectations) {
            let case = format!("{start:?} --{op:?}-->");
            let (session_id, tid) = reach(&env, *start).await;
            let before = env.client.get_transaction(&tid).await.unwrap();
            assert_eq!(
                before.status,
                expected_start_status(*start),
                "{case} set-up"
            );
            assert_consistent(&before);
            let result = run_op(&env, &session_id, &before, *op).await;
            let after = env.client.get_transaction(&tid).await.unwrap();
            match (expect, result) {
                (Expect::To(status), Ok(tx)) => {
                    assert_eq!(tx.status, *status, "{case} answer");
                    assert_eq!(after.status, *status, "{case} re-read");
                    assert_eq!(
                        after.events.len(),
                        before.events.len() + {
                            // final_capture of less than the rest adds the release (VOID) event.
                            if *op == Op::CaptureFinal && before.capturable() > 1000 {
                                2
                            } else {
                                1
                            }
                        },
                        "{case} events"
                    );
                    assert_consistent(&after);
                }
                (Expect::Refused, Err(err)) => {
                    let message = assert_api(&err, 400, "invalid_state");
                    assert!(
                        message.contains(&expected_start_status(*start).to_string()),
                        "{case}: {message}"
                    );
                    assert_eq!(after, before, "{case}: a refused operation changes nothing");
                    let session = env.client.get_session(&session_id).await.unwrap();
                    assert!(session.cancelled_at.is_none(), "{case}");
                }
                (expect, result) => panic!("{case}: expected {expect:?}, got {result:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 77);
}

// ---------------------------------------------------------------- tokens over time and concurrency

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
    env.client
        .capture(&tid, &CaptureRequest::new(400, "after-refresh"))
        .await
        .unwrap();
    assert_eq!(env.requests_since(before), 1);

    // A capture refused with 401 (expired token) is not sent again: the 401 proves it was not
    // carried out, and an operation leaves right after its caller logged it, or not at all.
    // Asked again, it goes out with a new token, and happens exactly once.
    env.control
        .advance_clock(TOKEN_TTL + Duration::from_secs(60));
    let before = env.stats();
    let err = env
        .client
        .capture(&tid, &CaptureRequest::new(600, "after-expiry"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(env.requests_since(before), 1);
    let before = env.stats();
    let tx = env
        .client
        .capture(&tid, &CaptureRequest::new(600, "after-expiry"))
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

#[tokio::test]
async fn session_state_follows_the_transaction() {
    let env = Env::start().await;
    let state = |session_id: String| {
        let env = &env;
        async move {
            let session = env.client.get_session(&session_id).await.unwrap();
            let tx = match &session.transaction_id {
                Some(tid) => Some(env.client.get_transaction(tid).await.unwrap()),
                None => None,
            };
            session.state(tx.as_ref(), env.control.now())
        }
    };
    let open = env.session(1000).await;
    assert_eq!(state(open.clone()).await, SessionState::Open);

    let paying = env.session(1000).await;
    let options = PayOptions {
        initiate_only: true,
        ..PayOptions::default()
    };
    env.control.pay_with(&paying, options).unwrap();
    assert_eq!(state(paying.clone()).await, SessionState::InProgress);
    // The customer finishes paying on the same transaction.
    env.control.pay(&paying, OK_CARD).unwrap();
    assert_eq!(state(paying).await, SessionState::Paid);

    let held = env.session(1000).await;
    let options = PayOptions {
        card: Some(OK_CARD.to_owned()),
        on_hold: true,
        ..PayOptions::default()
    };
    let tid = env.control.pay_with(&held, options).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(state(held.clone()).await, SessionState::Pending);
    let tx = env.client.get_transaction(&tid).await.unwrap();
    assert_eq!(tx.status, S::OnHold);
    env.control.resolve_on_hold(&tid, true).unwrap();
    assert_eq!(state(held).await, SessionState::Paid);

    for (card, status) in [
        ("4100000000000076", S::Declined),
        ("4000300000000006", S::Failed),
        ("4100000000000001", S::Failed),
    ] {
        let (session_id, tid) = env.paid(1000, card).await;
        assert_eq!(
            env.client.get_transaction(&tid).await.unwrap().status,
            status
        );
        assert_eq!(
            state(session_id.clone()).await,
            SessionState::NotPaid,
            "{card}"
        );
        // A session whose payment failed cannot be paid again.
        assert_eq!(
            env.control.pay(&session_id, OK_CARD).unwrap_err().code,
            "invalid_state"
        );
    }

    let (captured, tid) = env.authorized(1000).await;
    env.client
        .capture(&tid, &CaptureRequest::new(1000, "all"))
        .await
        .unwrap();
    assert_eq!(state(captured).await, SessionState::Paid);
    let (voided, tid) = env.authorized(1000).await;
    env.client.void(&tid).await.unwrap();
    assert_eq!(state(voided).await, SessionState::NotPaid);
    let (cancelled, _) = env.authorized(1000).await;
    env.client.cancel_session(&cancelled).await.unwrap();
    assert_eq!(state(cancelled).await, SessionState::Cancelled);
}

async fn concurrent_gets(client: &Client, tid: &str, n: usize) {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            let tid = tid.to_owned();
            tokio::spawn(async move { client.get_transaction(&tid).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().id, tid);
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
            ..fault("POST", &token_path)
        },
        FaultRule {
            status: Some(400),
            ..fault("POST", &token_path)
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

// ---------------------------------------------------------------- connection reuse

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

// ---------------------------------------------------------------- property test

#[derive(Debug, Clone, Copy)]
enum Amount {
    /// What is left (capturable or refundable), possibly 0.
    Rest,
    /// Per mille of what is left (of the authorized amount when nothing is left).
    OfRest(i64),
    /// Per mille of the authorized amount (may exceed what is left, or be 0).
    OfAuthorized(i64),
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Capture { amount: Amount, final_capture: bool },
    Refund(Amount),
    Void,
}

/// An independent model of §9.3 (what is allowed, in which order the checks run) and §9.2.
#[derive(Debug, Clone, Copy)]
struct Model {
    amount: i64,
    sums: Sums,
}

impl Model {
    fn status(&self) -> TransactionStatus {
        status_of(self.amount, self.sums)
    }

    fn capturable(&self) -> i64 {
        if self.sums.voided {
            0
        } else {
            self.amount - self.sums.captured
        }
    }

    fn refundable(&self) -> i64 {
        self.sums.captured - self.sums.refunded
    }

    fn resolve(&self, amount: Amount, rest: i64) -> i64 {
        match amount {
            Amount::Rest => rest,
            // Nothing left: a share of the authorized amount instead (refused, but not for 0).
            Amount::OfRest(p) if rest == 0 => self.amount * p / 1000,
            Amount::OfRest(p) => rest * p / 1000,
            Amount::OfAuthorized(p) => self.amount * p / 1000,
        }
    }

    /// Applies `step`; `Err(code)` when the sandbox must refuse it.
    fn apply(&mut self, step: Step) -> Result<(), &'static str> {
        let status = self.status();
        match step {
            Step::Capture {
                amount,
                final_capture,
            } => {
                let amount = self.resolve(amount, self.capturable());
                if amount <= 0 {
                    return Err("invalid_request");
                }
                if !matches!(
                    status,
                    S::Authorized | S::PartiallyCaptured | S::PartiallyCapturedRefunded
                ) {
                    return Err("invalid_state");
                }
                if amount > self.capturable() {
                    return Err("amount_exceeds_capturable");
                }
                self.sums.captured += amount;
                if final_capture && self.sums.captured < self.amount {
                    self.sums.voided = true;
                }
            }
            Step::Refund(amount) => {
                let amount = self.resolve(amount, self.refundable());
                if amount <= 0 {
                    return Err("invalid_request");
                }
                if !matches!(
                    status,
                    S::Captured
                        | S::PartiallyCaptured
                        | S::PartiallyRefunded
                        | S::PartiallyCapturedRefunded
                ) {
                    return Err("invalid_state");
                }
                if amount > self.refundable() {
                    return Err("amount_exceeds_refundable");
                }
                self.sums.refunded += amount;
            }
            Step::Void => {
                if status != S::Authorized {
                    return Err("invalid_state");
                }
                self.sums.voided = true;
            }
        }
        Ok(())
    }
}

fn step_strategy() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    let amount = prop_oneof![
        2 => Just(Amount::Rest),
        6 => (1i64..1000).prop_map(Amount::OfRest),
        3 => (1i64..=1200).prop_map(Amount::OfAuthorized),
        1 => Just(Amount::OfAuthorized(0)),
    ];
    prop_oneof![
        6 => (amount.clone(), proptest::bool::weighted(0.15)).prop_map(|(amount, final_capture)| Step::Capture { amount, final_capture }),
        5 => amount.prop_map(Step::Refund),
        1 => Just(Step::Void),
    ]
}

#[test]
fn random_capture_refund_void_sequences_follow_the_rules() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let env = runtime.block_on(Env::start());
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 32,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        100i64..=50_000,
        proptest::collection::vec(step_strategy(), 1..12),
    );
    let result = runner.run(&strategy, |(amount, steps)| {
        runtime.block_on(async {
            let (_, tid) = env.authorized(amount).await;
            let mut model = Model {
                amount,
                sums: Sums::default(),
            };
            for (i, step) in steps.iter().enumerate() {
                let expected = {
                    let mut next = model;
                    next.apply(*step)
                };
                let reference = format!("step-{i}");
                let answer = match *step {
                    Step::Capture {
                        amount,
                        final_capture,
                    } => {
                        let request = CaptureRequest {
                            final_capture: final_capture.then_some(true),
                            ..CaptureRequest::new(
                                model.resolve(amount, model.capturable()),
                                reference,
                            )
                        };
                        env.client.capture(&tid, &request).await
                    }
                    Step::Refund(amount) => {
                        let request = RefundRequest::new(
                            model.resolve(amount, model.refundable()),
                            reference,
                        );
                        env.client.refund(&tid, &request).await
                    }
                    Step::Void => env.client.void(&tid).await,
                };
                let tx = match (expected, answer) {
                    (Ok(()), Ok(response)) => {
                        model.apply(*step).unwrap();
                        response.transaction
                    }
                    (Err(code), Err(err)) => {
                        let (status, got, _, _) = api_parts(&err);
                        prop_assert_eq!(status, 400);
                        prop_assert_eq!(got.as_str(), code, "step {} {:?}", i, step);
                        env.client.get_transaction(&tid).await.unwrap()
                    }
                    (expected, answer) => {
                        let what = format!("step {i} {step:?}: model says {expected:?}");
                        return Err(TestCaseError::fail(format!("{what}, got {answer:?}")));
                    }
                };
                // The invariants, from the transaction as the client returns it.
                let own = sums(&tx);
                prop_assert_eq!(own, model.sums, "sums after step {} {:?}", i, step);
                prop_assert!(own.captured <= tx.amount);
                prop_assert!(own.refunded <= own.captured);
                prop_assert_eq!(tx.status.clone(), derive_status(&tx));
                prop_assert_eq!(tx.status.clone(), model.status());
                prop_assert_eq!(tx.captured(), own.captured);
                prop_assert_eq!(tx.refunded(), own.refunded);
                prop_assert_eq!(tx.capturable(), model.capturable());
                prop_assert_eq!(tx.refundable(), model.refundable());
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
