//! Every operation from every starting status: allowed ones succeed with the right figures,
//! refused ones are a 400 with Dintero's message.

use super::*;

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
    let capture = |amount| env.capture(&tid, amount, next_reference("setup-cap"));
    let refund = |amount| env.refund(&tid, amount, next_reference("setup-ref"));
    match start {
        Start::PartiallyCaptured => {
            capture(4000).await.unwrap();
        }
        Start::PartiallyCapturedRefunded => {
            capture(4000).await.unwrap();
            refund(1000).await.unwrap();
        }
        Start::Captured => {
            capture(AMOUNT).await.unwrap();
        }
        Start::PartiallyRefunded => {
            capture(AMOUNT).await.unwrap();
            refund(3000).await.unwrap();
        }
        Start::Refunded => {
            capture(AMOUNT).await.unwrap();
            refund(AMOUNT).await.unwrap();
        }
        Start::Voided => {
            env.client.void(&tid).await.unwrap();
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
