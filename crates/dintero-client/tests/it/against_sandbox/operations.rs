//! Transactions: read, update, capture, refund and void; the final capture, operations answered
//! `202`, the operation-timeout card, and concurrent operations that never exceed the limits.

use super::*;

#[tokio::test]
async fn transaction_read_update_capture_refund_void() {
    let env = Env::start().await;
    let client = &env.client;
    let (session_id, tid) = env.authorized(24800).await;

    let tx = client.get_transaction(&tid).await.unwrap();
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

    let with_session = client
        .get_transaction_with(&tid, &[TransactionInclude::Session])
        .await
        .unwrap();
    assert_eq!(with_session.session.unwrap().id, session_id);

    // PUT merchant_reference_2.
    let updated = set_reference_2(client, &tid, "Z-REPORT-2026-05-12").await;
    let reread = client.get_transaction(&tid).await.unwrap();
    assert_eq!(reread.merchant_reference_2, updated.merchant_reference_2);

    // Partial capture of line 1 with items and metadata.
    let line1 = tx.items[0].clone();
    let line1_amount = line1.amount.unwrap();
    let capture = CaptureRequest {
        items: vec![line1.clone()],
        metadata: BTreeMap::from([("ext_register".to_owned(), "kasse-1".to_owned())]),
        ..CaptureRequest::new(line1_amount, "POS1-cap-1")
    };
    let response = client.capture(&tid, &capture).await.unwrap();
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
    let tx = client.refund(&tid, &refund).await.unwrap().transaction;
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
    let voided = client.void(&other).await.unwrap().transaction;
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
    let err = env.capture(&tid, 1, "more").await.unwrap_err();
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
    let response = env.capture(&tid, 9000, "async-cap").await.unwrap();
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
    let tx = capture_unavailable(&env, &tid, 5000, "cap-timeout").await;
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
    // 50 at once: 33 captures of 300 fit in 10 000, then 14 refunds of 700 in 9 900.
    for (refund, amount, succeeded, done_and_left, status) in [
        (false, 300, 33, (9_900, 100), S::PartiallyCaptured),
        (true, 700, 14, (9_800, 100), S::PartiallyCapturedRefunded),
    ] {
        let refused_code = if refund {
            "amount_exceeds_refundable"
        } else {
            "amount_exceeds_capturable"
        };
        let results = at_once(&env.client, 50, |c, i| {
            let tid = tid.clone();
            async move {
                if refund {
                    let request = RefundRequest::new(amount, format!("rr{i}"));
                    c.refund(&tid, &request).await
                } else {
                    let request = CaptureRequest::new(amount, format!("cc{i}"));
                    c.capture(&tid, &request).await
                }
            }
        })
        .await;
        assert_eq!(outcomes(results, refused_code), succeeded, "{refused_code}");
        let tx = env.client.get_transaction(&tid).await.unwrap();
        let now = if refund {
            (tx.refunded(), tx.refundable())
        } else {
            (tx.captured(), tx.capturable())
        };
        assert_eq!(now, done_and_left, "{refused_code}");
        assert_eq!(tx.status, status);
        assert_consistent(&tx);
    }
}
