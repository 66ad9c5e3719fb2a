//! `GET /v1/transactions`: the `store_id` filter and the store copied from the session, and a
//! transaction made unreadable in list answers.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn ids_of(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn paid_in_store(env: &Env, reference: &str, store: Option<Value>) -> String {
    let mut b = session_body(reference);
    match store {
        Some(s) => b["order"]["store"] = s,
        None => {
            b["order"].as_object_mut().unwrap().remove("store");
        }
    }
    let (_, tx) = env.paid_with(b, "4000000000000002").await;
    tx["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn store_id_filter_is_repeatable_and_the_store_is_copied() {
    let env = env().await;
    let oslo = json!({"id": "oslo-1", "name": "Oslo", "terminal_id": "T0292"});
    let bergen =
        json!({"id": "bergen-2", "name": "Bergen Torgallmenningen", "terminal_id": "T0007"});
    let a = paid_in_store(&env, "S-1", Some(oslo.clone())).await;
    let b = paid_in_store(&env, "S-2", Some(bergen.clone())).await;
    let c = paid_in_store(&env, "S-3", Some(json!({"id": "tromso-3"}))).await;
    let none = paid_in_store(&env, "S-4", None).await;

    let tx = env.transaction(&b).await;
    assert_eq!(tx["store"], bergen, "order.store copied as sent");
    let tx = env.transaction(&none).await;
    assert!(tx.get("store").is_none());

    for (query, expected) in [
        ("store_id=oslo-1", vec![a.clone()]),
        ("store_id=bergen-2", vec![b.clone()]),
        (
            "store_id=oslo-1&store_id=bergen-2",
            vec![b.clone(), a.clone()],
        ),
        ("store_id=oslo-1,tromso-3", vec![c.clone(), a.clone()]),
        ("store_id=nowhere", vec![]),
        ("store_id=bergen-2&status=AUTHORIZED", vec![b.clone()]),
        ("store_id=bergen-2&terminal_id=T0292", vec![]),
        ("", vec![none.clone(), c.clone(), b.clone(), a.clone()]),
    ] {
        let (s, v) = env.get(&format!("/v1/transactions?{query}")).await;
        assert_eq!(s, 200, "{query}: {v}");
        assert_eq!(ids_of(&v), expected, "{query}");
    }
}

#[tokio::test]
async fn a_corrupt_transaction_is_unreadable_only_in_lists() {
    let env = env().await;
    let a = env.authorized("K-1").await;
    let b = env.authorized("K-2").await;
    let c = env.authorized("K-3").await;
    let (s, v) = env
        .post(&format!("/_sim/transactions/{b}/corrupt"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");

    let (s, list) = env.get("/v1/transactions").await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1], json!({"id": b, "status": 42, "amount": "x"}));
    assert_eq!(list[0]["id"], c.as_str());
    assert_eq!(list[0]["status"], "AUTHORIZED");
    assert_eq!(list[2]["id"], a.as_str());
    // Filters still see the real transaction; pagination goes past it.
    let (_, v) = env
        .get("/v1/transactions?status=AUTHORIZED&merchant_reference=K-2")
        .await;
    assert_eq!(v, json!([{"id": b, "status": 42, "amount": "x"}]));
    let (_, v) = env
        .get(&format!("/v1/transactions?starting_after={b}"))
        .await;
    assert_eq!(ids_of(&v), vec![a.clone()]);
    // Read on its own, it is whole.
    let (s, tx) = env.get(&format!("/v1/transactions/{b}")).await;
    assert_status(s, &tx, 200, "AUTHORIZED");
    assert_eq!(tx["amount"], 24800);
    // The sandbox's own record is not affected either.
    let control = env.sandbox.control();
    assert!(control
        .transactions()
        .iter()
        .all(|t| t["status"] == "AUTHORIZED"));

    let (s, _) = env
        .call(
            Method::DELETE,
            &format!("/_sim/transactions/{b}/corrupt"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (_, list) = env.get("/v1/transactions").await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "AUTHORIZED"));

    // The Control API does the same; reset forgets it with the transactions.
    control.corrupt_in_lists(&a, true).unwrap();
    let (_, list) = env.get("/v1/transactions").await;
    assert_eq!(list[2]["status"], 42);
    assert_eq!(
        control
            .corrupt_in_lists("T12345678.unknown", true)
            .unwrap_err()
            .status,
        404
    );
    let (s, v) = env
        .post("/_sim/transactions/T12345678.unknown/corrupt", json!({}))
        .await;
    refused(s, &v, 404, "not_found");
}
