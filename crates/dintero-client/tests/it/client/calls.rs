//! Each call's request and answer: session create (toggles, headers, body), read and cancel,
//! transaction operations, listing with its page walk, and unknown values from the wire.

use super::*;

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
        .create_session_with(&request, WITH_SESSION)
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
    let query = pages_of(2);
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
    let all = client.list_all_transactions(&pages_of(2)).await.unwrap();
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
