//! Property test: random capture/refund/void sequences against a model of the rules.

use super::*;

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
