//! What a sale's view answers: its operations by id or key, what is pending, and what can
//! still be captured, voided or refunded.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{AutoCapture, OpKind, Operation, Sale, SaleStatus, Uncaptured};

impl Sale {
    /// The operation with this id.
    pub fn operation(&self, op_id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.op_id == op_id)
    }

    /// The operation asked for with this idempotency key.
    pub fn operation_by_key(&self, key: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.key.as_deref() == Some(key))
    }

    /// The operation whose outcome is not known (`requested` or `unknown`), if any: nothing new
    /// is sent on the sale until it is settled.
    pub fn outcome_unknown(&self) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.state.is_outcome_unknown())
    }

    /// Operations without a final outcome.
    pub fn pending_operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter().filter(|o| o.is_pending())
    }

    /// Σ amounts of this kind's operations that are pending (in flight at Dintero, or with an
    /// unknown outcome): they count against what is left, as they may still happen.
    pub fn pending_amount(&self, kind: OpKind) -> i64 {
        self.operations
            .iter()
            .filter(|o| o.kind == kind && o.is_pending())
            .map(|o| o.amount.unwrap_or(0).max(0))
            .fold(0i64, i64::saturating_add)
    }

    /// Whether the payment is still open: not settled yet, so it can still be cancelled (and
    /// the watcher follows it). An authorised payment is not open, even while its auto-capture
    /// is awaited: see [`Sale::is_followed`].
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// Whether the watcher keeps following the sale: while its payment is open, and after the
    /// authorisation while the capture the session asked Dintero to make has neither shown nor
    /// failed. No timer ends that: a slow capture is followed until Dintero shows it.
    pub fn is_followed(&self) -> bool {
        self.is_open() || self.uncaptured() == Some(Uncaptured::Capturing)
    }

    /// Why an authorised sale's money is not collected yet: Dintero is capturing it, its
    /// auto-capture failed, or nobody asked for one. `None` unless the sale is `AUTHORIZED`
    /// (nothing captured, nothing released).
    pub fn uncaptured(&self) -> Option<Uncaptured> {
        if self.status != SaleStatus::Authorized {
            return None;
        }
        Some(match self.auto_capture {
            Some(AutoCapture::Requested) => Uncaptured::Capturing,
            Some(AutoCapture::Failed) => Uncaptured::CaptureFailed,
            None => Uncaptured::NotRequested,
        })
    }

    /// What can still be captured, as far as this view knows (authorised minus captured, in the
    /// statuses where Dintero allows a capture; 0 otherwise).
    pub fn capturable(&self) -> i64 {
        if self
            .operations
            .iter()
            .any(|o| o.kind == OpKind::Void && o.is_pending())
        {
            return 0;
        }
        match self.status {
            SaleStatus::Authorized
            | SaleStatus::PartiallyCaptured
            | SaleStatus::PartiallyCapturedRefunded => self
                .amount
                .saturating_sub(self.captured)
                .saturating_sub(self.pending_amount(OpKind::Capture))
                .max(0),
            _ => 0,
        }
    }

    /// Whether the authorisation can be voided now: authorised, nothing captured, and no other
    /// operation pending on it.
    pub fn can_void(&self) -> bool {
        self.status == SaleStatus::Authorized && self.pending_ops == 0
    }

    /// What can still be refunded, as far as this view knows: captured minus refunded minus
    /// refunds still pending (in flight or unknown).
    pub fn refundable(&self) -> i64 {
        self.captured
            .saturating_sub(self.refunded)
            .saturating_sub(self.pending_amount(OpKind::Refund))
            .max(0)
    }

    /// Minor units of each order line (by `line_id`) that this kind's operations that happened
    /// took, from the lines they logged.
    pub fn applied_line_amounts(&self, kind: OpKind) -> BTreeMap<String, i64> {
        self.per_line(
            kind,
            |o| o.applied == Some(true),
            |l| l["amount"].as_i64().map(|a| a.max(0)),
            0,
            i64::saturating_add,
        )
    }

    /// Σ per line of what the logged lines of this kind's operations that `counts` say: `read`
    /// takes a line's value (`None`: not counted), `add` sums two.
    pub(crate) fn per_line<T: Copy>(
        &self,
        kind: OpKind,
        counts: impl Fn(&Operation) -> bool,
        read: impl Fn(&Value) -> Option<T>,
        zero: T,
        add: impl Fn(T, T) -> T,
    ) -> BTreeMap<String, T> {
        let mut out: BTreeMap<String, T> = BTreeMap::new();
        for op in self
            .operations
            .iter()
            .filter(|o| o.kind == kind && counts(o))
        {
            for l in op.lines.as_array().into_iter().flatten() {
                if let (Some(id), Some(v)) = (l["line_id"].as_str(), read(l)) {
                    let entry = out.entry(id.to_owned()).or_insert(zero);
                    *entry = add(*entry, v);
                }
            }
        }
        out
    }
}
