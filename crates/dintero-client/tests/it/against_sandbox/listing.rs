//! `GET /v1/transactions`: filters and pagination, and references with special characters.

use super::*;

#[tokio::test]
async fn list_filters_and_pagination() {
    let env = Env::start().await;
    let client = &env.client;
    let mut made = Vec::new(); // (transaction id, session id, amount, captured)
    for i in 0..23i64 {
        let amount = 1000 + i * 100;
        let (sid, tid) = env.authorized(amount).await;
        let captured = i % 3 == 0;
        if captured {
            env.capture(&tid, amount, format!("c{i}")).await.unwrap();
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
    let page = client
        .list_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(ids(&page), newest_first[..10]);

    // A cursor walk: pages of 5 → 5 requests (5+5+5+5+3), every transaction once, in order.
    let before = env.stats();
    let all = client.list_all_transactions(&pages_of(5)).await.unwrap();
    assert_eq!(env.requests_since(before), 5);
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all.iter().map(|t| &t.id).collect::<HashSet<_>>().len(), 23);
    // Starting after the 7th: the rest.
    let rest = client
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
    let all = client
        .list_all_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(env.requests_since(before), 1);
    assert_eq!(all.len(), 23);

    let query = |q: TransactionQuery| {
        let client = client.clone();
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
    let tx5 = client.get_transaction(&tid5).await.unwrap();
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
    let before = once(
        &env,
        FaultRule {
            status: Some(503),
            ..FaultRule::on("PUT", "/v1/transactions/*")
        },
    );
    set_reference_2(client, &tid5, "Z-2026-05-13").await;
    assert_eq!(env.requests_since(before), 2);

    // A cursor the sandbox does not know: 400 naming the parameter.
    let err = client
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
    let err = client.list_transactions(&pages_of(101)).await.unwrap_err();
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
        .capture(&tid, 2000, capture_reference)
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
