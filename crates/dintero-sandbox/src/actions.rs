//! What the API and the control endpoints both do to a payment: pay, and capture/refund/void
//! (an accepted 202, and a deferred auto-capture, complete on the simulated clock), each followed by the callbacks it causes.

use crate::callbacks::CallbackJob;
use crate::clock::Millis;
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
        if let Some(due) = paid.auto_capture_due {
            let tid = paid.transaction["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            self.at(due, move |state, now| {
                state.shared.store().complete_auto_capture(&tid, now)
            });
        }
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
                let (tid, rid) = (transaction_id.to_owned(), request_id.clone());
                self.at(*due, move |state, now| {
                    state.shared.store().complete_pending(&tid, &rid, now)
                });
            }
        }
        Ok(result)
    }

    /// Runs `step` at `due` on the simulated clock (`/_sim/clock/advance` past it runs it at
    /// once), then sends the callbacks it causes; not after a reset since.
    fn at(
        &self,
        due: Millis,
        step: impl FnOnce(&AppState, Millis) -> Vec<CallbackJob> + Send + 'static,
    ) {
        let state = self.clone();
        let generation = self.shared.generation();
        tokio::spawn(async move {
            state.shared.clock.sleep_until(due).await;
            if state.shared.generation() != generation {
                return;
            }
            let now = state.shared.clock.now_ms();
            let jobs = step(&state, now);
            state.dispatch(jobs);
        });
    }
}
