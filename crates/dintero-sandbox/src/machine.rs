//! The transaction state machine of dintero-api.md §9: the 12 statuses, the derivation of the
//! status from the amounts (§9.2), and the operation rules (§9.3). Pure functions, no I/O.

use serde::Serialize;

use crate::error::ApiError;

/// Dintero's transaction status (the same 12 values for `status`, events and list filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Status {
    Initiated,
    Authorized,
    AuthorizationVoided,
    Captured,
    PartiallyCaptured,
    PartiallyCapturedRefunded,
    Refunded,
    PartiallyRefunded,
    Declined,
    Failed,
    Unknown,
    OnHold,
}

impl Status {
    /// Every status, in the order of the spec's enum.
    pub const ALL: [Status; 12] = [
        Status::Initiated,
        Status::Authorized,
        Status::AuthorizationVoided,
        Status::Captured,
        Status::PartiallyCaptured,
        Status::PartiallyCapturedRefunded,
        Status::Refunded,
        Status::PartiallyRefunded,
        Status::Declined,
        Status::Failed,
        Status::Unknown,
        Status::OnHold,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Initiated => "INITIATED",
            Status::Authorized => "AUTHORIZED",
            Status::AuthorizationVoided => "AUTHORIZATION_VOIDED",
            Status::Captured => "CAPTURED",
            Status::PartiallyCaptured => "PARTIALLY_CAPTURED",
            Status::PartiallyCapturedRefunded => "PARTIALLY_CAPTURED_REFUNDED",
            Status::Refunded => "REFUNDED",
            Status::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Status::Declined => "DECLINED",
            Status::Failed => "FAILED",
            Status::Unknown => "UNKNOWN",
            Status::OnHold => "ON_HOLD",
        }
    }

    /// From the wire value.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The money of an authorized transaction. `amount` never changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Authorized amount (A).
    pub amount: i64,
    /// Σ successful captures (C).
    pub captured: i64,
    /// Σ successful refunds (R).
    pub refunded: i64,
    /// The whole authorization was voided.
    pub voided: bool,
    /// The rest after a partial capture was released (`final_capture` or void of the rest).
    pub remainder_voided: bool,
}

impl Ledger {
    /// A fresh authorization of `amount`.
    pub fn authorized(amount: i64) -> Self {
        Ledger {
            amount,
            ..Ledger::default()
        }
    }

    /// What can still be captured.
    pub fn capturable(&self) -> i64 {
        if self.voided || self.remainder_voided {
            0
        } else {
            self.amount - self.captured
        }
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> i64 {
        self.captured - self.refunded
    }

    /// §9.2: the status an authorized transaction has with these amounts.
    pub fn status(&self) -> Status {
        let (a, c, r) = (self.amount, self.captured, self.refunded);
        if self.voided && c == 0 {
            return Status::AuthorizationVoided;
        }
        if c == 0 {
            return Status::Authorized;
        }
        let open = c < a && !self.remainder_voided;
        match (r == 0, open) {
            (true, true) => Status::PartiallyCaptured,
            (true, false) => Status::Captured,
            (false, true) => Status::PartiallyCapturedRefunded,
            (false, false) if r < c => Status::PartiallyRefunded,
            (false, false) => Status::Refunded,
        }
    }
}

/// A transaction operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Capture `amount`; `final_capture` releases the rest.
    Capture {
        /// Minor units.
        amount: i64,
        /// No further captures; the remaining authorization is voided.
        final_capture: bool,
    },
    /// Refund `amount` of what was captured.
    Refund {
        /// Minor units.
        amount: i64,
    },
    /// Void the authorization (or, for some products, the rest after a partial capture).
    Void,
}

impl Operation {
    /// The event name (`CAPTURE`, `REFUND`, `VOID`).
    pub fn event_name(&self) -> &'static str {
        match self {
            Operation::Capture { .. } => "CAPTURE",
            Operation::Refund { .. } => "REFUND",
            Operation::Void => "VOID",
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Operation::Capture { .. } => "captured",
            Operation::Refund { .. } => "refunded",
            Operation::Void => "voided",
        }
    }
}

/// Why an operation is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not allowed in this status.
    InvalidState(Status, Operation),
    /// Amount ≤ 0.
    NonPositive,
    /// Capture over `A − C`.
    ExceedsCapturable {
        /// Requested.
        amount: i64,
        /// Still capturable.
        capturable: i64,
    },
    /// Refund over `C − R`.
    ExceedsRefundable {
        /// Requested.
        amount: i64,
        /// Still refundable.
        refundable: i64,
    },
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::InvalidState(st, op) => ApiError::invalid_state(format!(
                "Transaction with status {st} cannot be {}",
                op.verb()
            )),
            Refusal::NonPositive => ApiError::field("amount", "must be greater than 0"),
            Refusal::ExceedsCapturable { amount, capturable } => ApiError::new(
                400,
                "amount_exceeds_capturable",
                format!("Capture amount {amount} exceeds capturable amount {capturable}"),
            ),
            Refusal::ExceedsRefundable { amount, refundable } => ApiError::new(
                400,
                "amount_exceeds_refundable",
                format!("Refund amount {amount} exceeds refundable amount {refundable}"),
            ),
        }
    }
}

/// The result of an allowed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Amounts after the operation.
    pub ledger: Ledger,
    /// Status after the operation.
    pub status: Status,
    /// Amount carried by the event (captured, refunded, or voided).
    pub event_amount: i64,
    /// Amount released by `final_capture` (0 otherwise).
    pub released: i64,
}

/// What capture and refund both check, in this order: a status that allows `op`, a positive
/// amount, and an amount within what is left to capture or refund. Void has its own rules.
fn admit(status: Status, ledger: &Ledger, op: Operation) -> Result<(), Refusal> {
    use Status::*;
    let (allowed, amount, limit, exceeds): (_, _, _, fn(i64, i64) -> Refusal) = match op {
        Operation::Capture { amount, .. } => (
            matches!(
                status,
                Authorized | PartiallyCaptured | PartiallyCapturedRefunded
            ),
            amount,
            ledger.capturable(),
            |amount, capturable| Refusal::ExceedsCapturable { amount, capturable },
        ),
        Operation::Refund { amount } => (
            matches!(
                status,
                Captured | PartiallyCaptured | PartiallyRefunded | PartiallyCapturedRefunded
            ),
            amount,
            ledger.refundable(),
            |amount, refundable| Refusal::ExceedsRefundable { amount, refundable },
        ),
        Operation::Void => return Ok(()),
    };
    if !allowed {
        return Err(Refusal::InvalidState(status, op));
    }
    if amount <= 0 {
        return Err(Refusal::NonPositive);
    }
    if amount > limit {
        return Err(exceeds(amount, limit));
    }
    Ok(())
}

/// §9.3: check `op` against the current `status`/`ledger` and compute the result.
/// `void_after_partial_capture` is true only for the payment products that allow it.
pub fn apply(
    status: Status,
    ledger: &Ledger,
    op: Operation,
    void_after_partial_capture: bool,
) -> Result<Outcome, Refusal> {
    admit(status, ledger, op)?;
    let mut next = *ledger;
    let (event_amount, released) = match op {
        Operation::Capture {
            amount,
            final_capture,
        } => {
            next.captured += amount;
            let mut released = 0;
            if final_capture && next.captured < next.amount {
                released = next.amount - next.captured;
                next.remainder_voided = true;
            }
            (amount, released)
        }
        Operation::Refund { amount } => {
            next.refunded += amount;
            (amount, 0)
        }
        Operation::Void => match status {
            Status::Authorized => {
                next.voided = true;
                (ledger.amount - ledger.captured, 0)
            }
            Status::PartiallyCaptured if void_after_partial_capture => {
                next.remainder_voided = true;
                (ledger.amount - ledger.captured, 0)
            }
            _ => return Err(Refusal::InvalidState(status, op)),
        },
    };
    Ok(Outcome {
        status: next.status(),
        ledger: next,
        event_amount,
        released,
    })
}

/// Payment product types that may void the rest after a partial capture (§9.3).
pub fn allows_void_after_partial_capture(payment_product_type: &str) -> bool {
    matches!(
        payment_product_type,
        "payex.creditcard"
            | "payex.mobilepay"
            | "payex.vipps"
            | "payex.applepay"
            | "payex.clicktopay"
            | "payex.googlepay"
            | "vipps"
            | "klarna.klarna"
            | "klarna.billie"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn cap(amount: i64) -> Operation {
        Operation::Capture {
            amount,
            final_capture: false,
        }
    }
    fn cap_final(amount: i64) -> Operation {
        Operation::Capture {
            amount,
            final_capture: true,
        }
    }
    fn refund(amount: i64) -> Operation {
        Operation::Refund { amount }
    }

    /// Ledger for a status reached by real operations on an authorization of 1000.
    fn ledger_for(status: Status) -> Ledger {
        let mut l = Ledger::authorized(1000);
        match status {
            Authorized => {}
            AuthorizationVoided => l.voided = true,
            Captured => l.captured = 1000,
            PartiallyCaptured => l.captured = 400,
            PartiallyCapturedRefunded => {
                l.captured = 400;
                l.refunded = 100;
            }
            Refunded => {
                l.captured = 1000;
                l.refunded = 1000;
            }
            PartiallyRefunded => {
                l.captured = 1000;
                l.refunded = 300;
            }
            _ => {}
        }
        l
    }

    #[test]
    fn status_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Status::parse("PAID"), None);
    }

    #[test]
    fn ledgers_derive_the_status_they_stand_for() {
        for s in Status::ALL {
            let derived = ledger_for(s).status();
            if matches!(s, Initiated | Declined | Failed | Unknown | OnHold) {
                // No ledger stands for these: `ledger_for` gives the plain authorization.
                assert_eq!(derived, Authorized, "{s}");
            } else {
                assert_eq!(derived, s);
            }
        }
    }

    /// Every status × operation: the allowed transitions give the §9.2 status, all others are
    /// refused with `invalid_state`.
    #[test]
    fn transition_table() {
        // (from, op, product allows void after partial capture, expected status or None = refused)
        let table: Vec<(Status, Operation, bool, Option<Status>)> = vec![
            (Authorized, cap(1000), false, Some(Captured)),
            (Authorized, cap(400), false, Some(PartiallyCaptured)),
            (Authorized, cap_final(400), false, Some(Captured)),
            (Authorized, cap_final(1000), false, Some(Captured)),
            (Authorized, refund(1), false, None),
            (
                Authorized,
                Operation::Void,
                false,
                Some(AuthorizationVoided),
            ),
            (PartiallyCaptured, cap(600), false, Some(Captured)),
            (PartiallyCaptured, cap(100), false, Some(PartiallyCaptured)),
            (PartiallyCaptured, cap_final(100), false, Some(Captured)),
            (
                PartiallyCaptured,
                refund(100),
                false,
                Some(PartiallyCapturedRefunded),
            ),
            (
                PartiallyCaptured,
                refund(400),
                false,
                Some(PartiallyCapturedRefunded),
            ),
            (PartiallyCaptured, Operation::Void, false, None),
            (PartiallyCaptured, Operation::Void, true, Some(Captured)),
            (
                PartiallyCapturedRefunded,
                cap(600),
                false,
                Some(PartiallyRefunded),
            ),
            (
                PartiallyCapturedRefunded,
                cap(100),
                false,
                Some(PartiallyCapturedRefunded),
            ),
            (
                PartiallyCapturedRefunded,
                cap_final(100),
                false,
                Some(PartiallyRefunded),
            ),
            (
                PartiallyCapturedRefunded,
                refund(300),
                false,
                Some(PartiallyCapturedRefunded),
            ),
            (PartiallyCapturedRefunded, Operation::Void, true, None),
            (Captured, cap(1), false, None),
            (Captured, refund(1000), false, Some(Refunded)),
            (Captured, refund(10), false, Some(PartiallyRefunded)),
            (Captured, Operation::Void, true, None),
            (PartiallyRefunded, refund(700), false, Some(Refunded)),
            (
                PartiallyRefunded,
                refund(100),
                false,
                Some(PartiallyRefunded),
            ),
            (PartiallyRefunded, cap(1), false, None),
            (PartiallyRefunded, Operation::Void, false, None),
        ];
        for (from, op, vapc, expected) in table {
            let got = apply(from, &ledger_for(from), op, vapc);
            match expected {
                Some(to) => assert_eq!(
                    got.as_ref().map(|o| o.status),
                    Ok(to),
                    "{from} {op:?} should give {to}"
                ),
                None => assert_eq!(
                    got,
                    Err(Refusal::InvalidState(from, op)),
                    "{from} {op:?} should be refused"
                ),
            }
        }
        // Statuses that allow nothing at all.
        for from in [
            Initiated,
            AuthorizationVoided,
            Refunded,
            Declined,
            Failed,
            Unknown,
            OnHold,
        ] {
            for op in [cap(1), cap_final(1), refund(1), Operation::Void] {
                for vapc in [false, true] {
                    assert_eq!(
                        apply(from, &ledger_for(from), op, vapc),
                        Err(Refusal::InvalidState(from, op)),
                        "{from} {op:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn amount_rules() {
        let l = ledger_for(PartiallyCaptured);
        assert_eq!(
            apply(PartiallyCaptured, &l, cap(601), false),
            Err(Refusal::ExceedsCapturable {
                amount: 601,
                capturable: 600
            })
        );
        assert_eq!(
            apply(PartiallyCaptured, &l, refund(401), false),
            Err(Refusal::ExceedsRefundable {
                amount: 401,
                refundable: 400
            })
        );
        assert_eq!(
            apply(Authorized, &ledger_for(Authorized), cap(0), false),
            Err(Refusal::NonPositive)
        );
        assert_eq!(
            apply(Captured, &ledger_for(Captured), refund(-5), false),
            Err(Refusal::NonPositive)
        );
        let e: ApiError = Refusal::ExceedsRefundable {
            amount: 30000,
            refundable: 23300,
        }
        .into();
        assert_eq!(e.code, "amount_exceeds_refundable");
        assert_eq!(
            e.message,
            "Refund amount 30000 exceeds refundable amount 23300"
        );
    }

    #[test]
    fn final_capture_releases_the_rest() {
        let o = apply(Authorized, &ledger_for(Authorized), cap_final(250), false).unwrap();
        assert_eq!(o.released, 750);
        assert_eq!(o.ledger.capturable(), 0);
        assert_eq!(o.status, Captured);
        let o2 = apply(o.status, &o.ledger, refund(250), false).unwrap();
        assert_eq!(o2.status, Refunded);
    }

    #[test]
    fn void_carries_the_uncaptured_amount() {
        let o = apply(Authorized, &ledger_for(Authorized), Operation::Void, false).unwrap();
        assert_eq!(o.event_amount, 1000);
        let o = apply(
            PartiallyCaptured,
            &ledger_for(PartiallyCaptured),
            Operation::Void,
            true,
        )
        .unwrap();
        assert_eq!(o.event_amount, 600);
    }
}
