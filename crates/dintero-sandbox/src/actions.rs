//! What the API and the control endpoints both do to a payment: pay, and capture/refund/void
//! (an accepted 202 completes on the simulated clock), each followed by the callbacks it causes.

use crate::callbacks::CallbackJob;
use crate::delivery;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Caller, Operated, OperationRequest, Paid, PayRequest};

impl AppState {
    /// Send the callbacks in the background.
    pub(crate) fn dispatch(&self, jobs: Vec<CallbackJob>) {
        if !jobs.is_empty() {
            delivery::dispatch(&self.shared, jobs);
        }
    }

    /// Pay (or start paying) a session, then send the callbacks it causes.
    pub(crate) fn pay(&self, session_id: &str, req: &PayRequest<'_>) -> Result<Paid, ApiError> {
        let now = self.shared.clock.now_ms();
        let mut paid = self.shared.store().pay(session_id, now, req)?;
        self.dispatch(std::mem::take(&mut paid.callbacks));
        Ok(paid)
    }

    /// Capture, refund or void; when accepted (202) schedules the completion.
    pub(crate) fn operate(
        &self,
        transaction_id: &str,
        req: OperationRequest,
        caller: Caller<'_>,
    ) -> Result<Operated, ApiError> {
        let now = self.shared.clock.now_ms();
        let mut roll = |p: f64| self.shared.faults.roll(p);
        let mut result =
            self.shared
                .store()
                .operate(transaction_id, now, req, caller, &mut roll)?;
        match &mut result {
            Operated::Done { callbacks, .. } => self.dispatch(std::mem::take(callbacks)),
            Operated::Accepted {
                request_id, due, ..
            } => {
                let state = self.clone();
                let (tid, rid, due) = (transaction_id.to_owned(), request_id.clone(), *due);
                let generation = self.shared.generation();
                tokio::spawn(async move {
                    // The simulated clock: `/_sim/clock/advance` past `due` completes it at once.
                    state.shared.clock.sleep_until(due).await;
                    if state.shared.generation() != generation {
                        return;
                    }
                    let now = state.shared.clock.now_ms();
                    let jobs = state.shared.store().complete_pending(&tid, &rid, now);
                    state.dispatch(jobs);
                });
            }
        }
        Ok(result)
    }
}
