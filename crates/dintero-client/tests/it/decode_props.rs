//! Bad input from the network: whatever a server answers — any status, any
//! `Retry-After`, any bytes, any JSON shaped like Dintero's or not — every client call returns a
//! value or a typed [`Error`], and the models' derived figures (captured, refundable, session
//! state…) never panic, not even on amounts at the edges of `i64`.
//!
//! The server is a few lines of raw TCP (not axum) so that it can send anything: invalid UTF-8,
//! truncated JSON, bodies that disagree with their status.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::common::pages_of;
use dintero_client::{
    AccountId, CaptureRequest, Client, Config, Error, ErrorBody, Order, RefundRequest, RetryPolicy,
    Session, SessionCreateRequest, SessionCreated, Transaction, TransactionQuery,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server answers to the next API request (the token endpoint always works).
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

struct Server {
    base: String,
    answer: Arc<Mutex<Answer>>,
    runtime: tokio::runtime::Runtime,
    client: Client,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            retry_after: None,
            body: b"{}".to_vec(),
        }));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = answer.clone();
        runtime.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let answer = shared.clone();
                tokio::spawn(serve(socket, answer));
            }
        });
        let client = Client::new(
            Config::new(AccountId::parse("T12345678").unwrap(), "id", "secret")
                .with_base_url(&base)
                .with_timeouts(Duration::from_secs(2), Duration::from_secs(5))
                .with_retry(RetryPolicy {
                    max_attempts: 2,
                    base_delay: Duration::from_millis(1),
                    max_delay: Duration::from_millis(20),
                }),
        )
        .unwrap();
        Server {
            base,
            answer,
            runtime,
            client,
        }
    })
}

/// Reads one request (headers, then `Content-Length` bytes) per round and answers it.
async fn serve(mut socket: tokio::net::TcpStream, answer: Arc<Mutex<Answer>>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        let a = if head.contains("/auth/token") {
            Answer {
                status: 200,
                retry_after: None,
                body: br#"{"access_token":"tok","token_type":"Bearer","expires_in":14400}"#
                    .to_vec(),
            }
        } else {
            answer.lock().unwrap().clone()
        };
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            a.status,
            a.body.len()
        )
        .into_bytes();
        if let Some(r) = &a.retry_after {
            out.extend_from_slice(format!("retry-after: {r}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&a.body);
        if socket.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// Every client call against the current answer; each must be a value or a typed error.
fn call_everything(answer: &Answer) -> Vec<Result<(), Error>> {
    // The tests of this file run in parallel and share the server: one at a time.
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let s = server();
    *s.answer.lock().unwrap() = answer.clone();
    let c = &s.client;
    let session = SessionCreateRequest::new(
        "P1",
        "https://kasse.test/return",
        serde_json::from_value::<Order>(
            json!({"amount": 1000, "currency": "NOK", "merchant_reference": "R-1"}),
        )
        .unwrap(),
    );
    s.runtime.block_on(async {
        let mut out = vec![
            c.get_transaction("T1.a").await.map(|t| figures(&t)),
            c.get_session("T1.s").await.map(|s| session_figures(&s)),
            c.list_transactions(&TransactionQuery::default())
                .await
                .map(|v| v.iter().for_each(figures)),
            c.cancel_session("T1.s").await.map(|s| session_figures(&s)),
            c.capture("T1.a", &CaptureRequest::new(100, "R-1-C1"))
                .await
                .map(|r| figures(&r.transaction)),
            c.refund("T1.a", &RefundRequest::new(100, "R-1-R1"))
                .await
                .map(|r| figures(&r.transaction)),
            c.void("T1.a").await.map(|r| figures(&r.transaction)),
            c.create_session(&session).await.map(|_| ()),
        ];
        // Paging follows a cursor the server controls: it must stop.
        out.push(
            tokio::time::timeout(
                Duration::from_secs(10),
                c.list_all_transactions(&pages_of(1)),
            )
            .await
            .expect("paging stops")
            .map(|v| v.iter().for_each(figures)),
        );
        out
    })
}

/// Everything Kasse derives from a transaction.
fn figures(t: &Transaction) {
    let _ = (t.captured(), t.refunded(), t.capturable(), t.refundable());
    let _ = (t.voided(), t.status.is_paid(), t.status.allows_refund());
    let _ = t.event_by_reference("R-1-C1");
    let _ = t.events_with_reference("R-1-R1").count();
    let _ = t.last_event(dintero_client::TransactionEventName::Capture);
    let _ = serde_json::to_value(t).unwrap();
}

fn session_figures(s: &Session) {
    let _ = s.visited();
    let _ = s.state(None, OffsetDateTime::now_utc()).is_final();
    let _ = serde_json::to_value(s).unwrap();
}

fn check(answer: &Answer) {
    for result in call_everything(answer) {
        let Err(e) = result else { continue };
        // A typed error that says something, with consistent classification.
        assert!(!e.to_string().is_empty());
        let _ = (
            e.status(),
            e.is_retryable(),
            e.is_outcome_uncertain(),
            e.code(),
        );
        let ok_status = (200..300).contains(&answer.status);
        if ok_status {
            assert!(
                matches!(e, Error::Decode { .. } | Error::OutcomeUnknown { .. }),
                "a {} answer gave {e:?}",
                answer.status
            );
        }
        if answer.status == 429 {
            assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
        }
    }
}

/// JSON shaped like Dintero's answers, with any values in any places.
fn dintero_json() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        (-100_000i64..100_000).prop_map(|n| json!(n)),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number,
        "\\PC{0,16}".prop_map(Value::String),
        prop::sample::select(vec![
            "AUTHORIZED",
            "CAPTURED",
            "PARTIALLY_CAPTURED",
            "CAPTURE",
            "REFUND",
            "VOID",
            "INITIATED",
            "2026-05-12T10:00:00Z",
            "9999-99-99T99:99:99Z",
            "R-1-C1",
            "T1.a",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "status",
                    "amount",
                    "currency",
                    "events",
                    "event",
                    "success",
                    "event_reference",
                    "session_id",
                    "transaction_id",
                    "created_at",
                    "updated_at",
                    "expires_at",
                    "cancelled_at",
                    "items",
                    "quantity",
                    "vat",
                    "url",
                    "order",
                    "transaction",
                    "error",
                    "code",
                    "message",
                    "errors",
                    "payment_product_type",
                ])
                .prop_map(str::to_owned),
                inner,
                0..8,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A transaction whose events carry extreme amounts.
fn extreme_transaction() -> impl Strategy<Value = Value> {
    let amount = prop_oneof![
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX / 2 + 1),
        any::<i64>(),
        0i64..10_000,
    ];
    let event = (
        prop::sample::select(vec!["CAPTURE", "REFUND", "VOID", "AUTHORIZE", "X"]),
        any::<bool>(),
        amount.clone(),
    )
        .prop_map(|(event, success, amount)| {
            json!({"event": event, "success": success, "amount": amount, "event_reference": "R-1-C1"})
        });
    (
        amount,
        prop::sample::select(vec![
            "AUTHORIZED",
            "PARTIALLY_CAPTURED",
            "CAPTURED",
            "PARTIALLY_REFUNDED",
            "NEW_STATUS",
        ]),
        prop::collection::vec(event, 0..6),
    )
        .prop_map(|(amount, status, events)| {
            json!({"id": "T1.a", "status": status, "amount": amount, "currency": "NOK", "events": events})
        })
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![
            200u16, 201, 202, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503
        ]),
        100u16..600,
    ]
    .prop_filter("a final answer", |s| *s >= 200 && *s != 401)
}

fn retry_after() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        Just("0".to_owned()),
        Just("1.5".to_owned()),
        Just("-1".to_owned()),
        Just("NaN".to_owned()),
        Just("1e308".to_owned()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        "[ -~]{0,20}",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Dintero-shaped JSON with any values, under any status.
    #[test]
    fn any_json_answer_is_a_value_or_a_typed_error(
        status in status(),
        retry_after in retry_after(),
        body in dintero_json(),
    ) {
        check(&Answer { status, retry_after, body: body.to_string().into_bytes() });
    }

    /// Any bytes (invalid UTF-8, truncated JSON, nothing at all).
    #[test]
    fn any_bytes_answer_is_a_value_or_a_typed_error(
        status in status(),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            dintero_json().prop_map(|v| {
                let t = v.to_string().into_bytes();
                let cut = t.len() / 2;
                t[..cut].to_vec()
            }),
        ],
    ) {
        check(&Answer { status, retry_after: None, body });
    }

    /// Amounts at the edges of `i64` in a transaction and its events: the derived figures do
    /// not overflow (they saturate) and stay within what a person could be shown.
    #[test]
    fn extreme_amounts_never_overflow(tx in extreme_transaction()) {
        let t: Transaction = serde_json::from_value(tx.clone()).unwrap();
        figures(&t);
        prop_assert!(t.capturable() >= 0 && t.refundable() >= 0);
        prop_assert!(t.capturable() <= t.amount.max(0));
        let resp = json!({"transaction": tx});
        check(&Answer { status: 200, retry_after: None, body: resp.to_string().into_bytes() });
        check(&Answer { status: 200, retry_after: None, body: tx.to_string().into_bytes() });
    }

    /// The models decode any Dintero-shaped JSON into a value or a serde error.
    #[test]
    fn models_decode_or_refuse(value in dintero_json()) {
        if let Ok(t) = serde_json::from_value::<Transaction>(value.clone()) {
            figures(&t);
        }
        if let Ok(s) = serde_json::from_value::<Session>(value.clone()) {
            session_figures(&s);
        }
        let _ = serde_json::from_value::<SessionCreated>(value.clone());
        let _ = serde_json::from_value::<ErrorBody>(value.clone());
        let _ = serde_json::from_value::<Vec<Transaction>>(json!([value]));
    }
}

#[test]
fn the_server_answers_what_it_is_told() {
    // A sanity check of the harness itself: a valid transaction decodes.
    let tx = json!({"id": "T1.a", "status": "CAPTURED", "amount": 500, "currency": "NOK",
        "events": [{"event": "CAPTURE", "success": true, "amount": 500}]});
    let answer = Answer {
        status: 200,
        retry_after: None,
        body: tx.to_string().into_bytes(),
    };
    let results = call_everything(&answer);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(server().base.starts_with("http://127.0.0.1:"));
}
