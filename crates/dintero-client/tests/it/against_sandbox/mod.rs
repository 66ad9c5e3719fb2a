//! The client over real HTTP against an in-process `dintero-sandbox`: every call, every error
//! class as the sandbox produces it (including injected faults), every allowed and refused
//! state transition, token expiry and single-flight refresh, connection reuse, and a property
//! test over random capture/refund/void sequences. One module per area; the helpers that read
//! errors and check a transaction's figures are here.
//!
//! Requests are counted with the sandbox's `stats()` (every HTTP request it received, token
//! requests included), so "not retried" and "one token request" are observed at the server.

mod faults;
mod listing;
mod operations;
mod props;
mod refusals;
mod sessions;
mod tokens;
mod transitions;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use crate::common::sandbox::{
    derive_status, lines, next_reference, sandbox_config, session_request, status_of, sums, Env,
    Sums, ACCOUNT, CLIENT_ID, OK_CARD, RETURN_URL, SECRET, TOKEN_TTL,
};
use crate::common::{at_once, pages_of, unknown_outcome, WITH_SESSION};
use dintero_client::{
    AccountId, CaptureRequest, Client, Config, Configuration, Environment, Error,
    OperationResponse, PaymentProduct, RefundRequest, RetryPolicy, SessionInclude, SessionState,
    Transaction, TransactionEventName, TransactionInclude, TransactionQuery, TransactionStatus,
};
use dintero_sandbox::{FaultRule, PayOptions, SandboxConfig, Stats};
use TransactionStatus as S;

/// A 429 rule on `method path` with `Retry-After: retry_after` seconds (the sandbox's 1 when
/// `None`).
fn rate_limit(method: &str, path: &str, retry_after: Option<u32>) -> FaultRule {
    FaultRule {
        status: Some(429),
        retry_after,
        ..FaultRule::on(method, path)
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

/// A capture answered `503 processor_unavailable`: an uncertain outcome, sent once (a POST is
/// never retried). Returns the transaction as read afterwards.
async fn capture_unavailable(env: &Env, tid: &str, amount: i64, reference: &str) -> Transaction {
    let before = env.stats();
    let err = env.capture(tid, amount, reference).await.unwrap_err();
    assert_api(&err, 503, "processor_unavailable");
    assert!(err.is_outcome_uncertain());
    assert_eq!(env.requests_since(before), 1, "a POST is never retried");
    env.client.get_transaction(tid).await.unwrap()
}

/// Puts `rule` in force for one request; the sandbox's counters before it.
/// `PUT merchant_reference_2` of `tid`: the answer carries the new reference.
async fn set_reference_2(client: &Client, tid: &str, reference: &str) -> Transaction {
    let updated = client.update_transaction(tid, reference).await.unwrap();
    assert_eq!(updated.merchant_reference_2.as_deref(), Some(reference));
    updated
}

fn once(env: &Env, rule: FaultRule) -> Stats {
    env.control.set_faults(vec![FaultRule {
        times: Some(1),
        ..rule
    }]);
    env.stats()
}
