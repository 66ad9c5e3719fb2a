//! The cashiers: what they saw, and how they press — as a person would. After an answer they
//! look at the sale: done → stop; in flight at Dintero → wait (not pressed again), and after a
//! while leave it in the back office and serve the next customer; failed at Dintero → press
//! again; an error and nothing changed on the screen → press again.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kasse_core::sale::{OpKind, Operation, Sale, SaleStatus};
use kasse_core::{CoreError, Kasse};

use crate::counter::{Counter, Seat};
use crate::plan::{Plan, Press};
use crate::{CODES, PATIENCE};

/// How long a cashier stays at the desk watching an operation Dintero is processing before
/// serving the next customer and coming back later.
const AT_DESK: Duration = Duration::from_secs(2);
/// Hang guard for a sale in the back office (not a timing assertion): the clock keeper moves
/// Dintero's clock on once the counter is quiet, and the engines re-read at least every 30 s.
const BACK_OFFICE: Duration = Duration::from_secs(600);
/// Hang guard on the presses of one step.
const MAX_PRESSES: u32 = 30;

/// How one sale ended, from the cashier's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Every step the plan asked for was done.
    Done,
    /// The cashier gave up on a step after [`PATIENCE`] (its last error, a typed CoreError).
    GaveUp(&'static str, String),
}

/// What the cashiers saw, shared.
#[derive(Default)]
pub struct Record {
    /// Errors by action and code.
    pub errors: BTreeMap<(&'static str, &'static str), u32>,
    /// Errors after which the sale showed the action as done all the same.
    pub done_despite_error: u32,
    /// Cashier actions (engine calls that may reach Dintero).
    pub actions: u64,
    /// Charges that failed (each one a sale in the log), by code.
    pub failed_charges: Vec<String>,
    /// Orders for which no checkout could be shown in three tries.
    pub no_checkout: u32,
    /// Sale id → (plan, how it ended, expected captured, expected refunded).
    pub sales: HashMap<String, (Plan, Ended, i64, i64)>,
    /// Milliseconds each sale was followed by the watcher (charge until no longer open).
    pub followed_ms: Vec<u64>,
    /// Operations the cashier saw in flight at Dintero after a press.
    pub in_flight_seen: u32,
    /// Times a cashier left a sale in the back office while Dintero processed an operation.
    pub parked: u32,
    /// Operations Dintero accepted and then failed; the cashier pressed again.
    pub failed_completions: u32,
    /// One press reaching both windows (the same key from both engines), by how it resolved.
    pub same_key: BTreeMap<String, u32>,
    /// Both windows pressed at once with different keys, by how it resolved.
    pub diff_keys: BTreeMap<String, u32>,
    /// Presses from the window that did not charge the sale.
    pub other_window: u32,
    /// When (seconds into the run) the clock keeper moved Dintero's clock on.
    pub advances: Vec<f64>,
    /// When (seconds into the run) every sale was past its checkout.
    pub checked_out_at: f64,
}

pub type Shared = Arc<Mutex<Record>>;

pub fn note_error(record: &Shared, action: &'static str, e: &CoreError) {
    let code = e.code();
    assert!(
        CODES.contains(&code),
        "{action}: unknown code {code}: {e:?}"
    );
    let message = e.to_string();
    assert!(
        !message.trim().is_empty(),
        "{action}: an error without a message: {e:?}"
    );
    *record
        .lock()
        .unwrap()
        .errors
        .entry((action, code))
        .or_default() += 1;
}

/// Does `act` as a cashier would: on an error, look at the sale; stop when `done` shows it
/// happened after all; otherwise wait a moment (a person reads the message), look again, and
/// press again only if nothing changed on the screen meanwhile. Gives up after [`PATIENCE`],
/// returning the last error. (The cancel; after-sale steps are [`AtSale::step`].)
pub async fn as_cashier<T, F, Fut>(
    kasse: &Kasse,
    record: &Shared,
    sale_id: &str,
    action: &'static str,
    done: impl Fn(&Sale) -> bool,
    mut act: F,
) -> Result<(), CoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    let deadline = Instant::now() + PATIENCE;
    let look = || kasse.find(sale_id).expect("the sale is in the log");
    loop {
        record.lock().unwrap().actions += 1;
        let e = match act().await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        note_error(record, action, &e);
        loop {
            let before = look();
            if done(&before) {
                record.lock().unwrap().done_despite_error += 1;
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(e);
            }
            let pause = if before.pending_ops > 0 { 250 } else { 100 };
            let jitter = rand::random::<u64>() % 100;
            tokio::time::sleep(Duration::from_millis(pause + jitter)).await;
            if look() == before {
                break;
            }
        }
    }
}

pub fn applied(sale: &Sale, kind: OpKind) -> bool {
    sale.operations
        .iter()
        .any(|o| o.kind == kind && o.applied == Some(true))
        || (kind == OpKind::Void && sale.status == SaleStatus::Voided)
}

fn in_flight(sale: &Sale, kind: OpKind) -> Option<Operation> {
    sale.operations
        .iter()
        .find(|o| o.kind == kind && o.is_in_flight())
        .cloned()
}

/// Waits until the sale is no longer open (the watcher settled it).
pub async fn settled(kasse: &Kasse, sale_id: &str) -> Sale {
    let deadline = Instant::now() + PATIENCE;
    let mut rx = kasse.subscribe();
    loop {
        let sale = kasse.find(sale_id).expect("sale");
        if !sale.is_open() {
            return sale;
        }
        assert!(
            Instant::now() < deadline,
            "sale {sale_id} never settled: {sale:#?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(50), rx.recv()).await;
    }
}

/// What one press returns.
pub type Pressed = Pin<Box<dyn Future<Output = Result<Sale, CoreError>> + Send>>;
/// One press of a step's button: at a window (engine), with the press's idempotency key.
pub type PressFn = dyn Fn(Kasse, String) -> Pressed + Send + Sync;

/// A fresh idempotency key: a new confirmation dialog.
fn new_key() -> String {
    format!("press-{:016x}", rand::random::<u64>())
}

/// How one of a double press's answers read, for the counts.
fn resolution(r: &Result<Sale, CoreError>) -> &'static str {
    match r {
        Ok(_) => "answered",
        Err(CoreError::PendingOperation { .. }) => "still being checked",
        Err(CoreError::InvalidState(m)) if m.contains("another window") => "refused: stale",
        Err(CoreError::InvalidState(m)) if m.contains("already asked for") => {
            "replayed: did not happen"
        }
        Err(CoreError::InvalidState(m)) if m.contains("just been confirmed") => {
            "refused: earlier one confirmed"
        }
        Err(CoreError::InvalidState(_) | CoreError::AmountExceeds(_)) => "refused: no room",
        Err(e) => e.code(),
    }
}

/// A cashier at one sale: the window, and the seat while at the desk.
pub struct AtSale<'a> {
    pub counter: &'a Counter,
    pub window: usize,
    pub seat: Option<Seat>,
    pub id: String,
}

impl AtSale<'_> {
    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.counter.record.lock().unwrap()
    }

    fn look(&self) -> Sale {
        self.counter.windows[self.window]
            .find(&self.id)
            .expect("the sale is in the log")
    }

    /// One after-sale step (capture, void, refund) until it shows as done: the first press as
    /// `first` says, then from the own window with a new key after each look that calls for it.
    pub async fn step(
        &mut self,
        kind: OpKind,
        action: &'static str,
        first: Press,
        act: &PressFn,
    ) -> Result<(), CoreError> {
        let mut deadline = Instant::now() + PATIENCE;
        let mut how = first;
        let mut presses = 0;
        loop {
            presses += 1;
            let err = match how {
                Press::Own | Press::Other => {
                    let mut window = self.window;
                    if how == Press::Other {
                        window = 1 - window;
                        self.record().other_window += 1;
                    }
                    self.record().actions += 1;
                    let r = act(self.counter.windows[window].clone(), new_key()).await;
                    r.err()
                        .inspect(|e| note_error(&self.counter.record, action, e))
                }
                Press::SameKey | Press::DiffKeys => {
                    self.press_twice(action, how == Press::SameKey, act).await
                }
            };
            how = Press::Own;
            // Look at the sale.
            loop {
                let before = self.look();
                if applied(&before, kind) {
                    if err.is_some() {
                        self.record().done_despite_error += 1;
                    }
                    return Ok(());
                }
                if let Some(op) = in_flight(&before, kind) {
                    // Dintero is processing it: not pressed again; wait for its outcome.
                    self.wait_in_flight(&op.op_id).await;
                    deadline = Instant::now() + PATIENCE;
                    let after = self.look();
                    if after
                        .operation(&op.op_id)
                        .is_some_and(|o| o.applied == Some(false))
                    {
                        self.record().failed_completions += 1;
                    }
                    continue;
                }
                if err.is_none() && before.pending_ops == 0 {
                    // Answered, nothing pending, not done: Dintero failed it. Press again.
                    break;
                }
                if Instant::now() > deadline || presses >= MAX_PRESSES {
                    return Err(err.unwrap_or_else(|| {
                        CoreError::InvalidState(format!(
                            "{action}: not done after {presses} presses"
                        ))
                    }));
                }
                let pause = if before.pending_ops > 0 { 250 } else { 100 };
                let jitter = rand::random::<u64>() % 100;
                tokio::time::sleep(Duration::from_millis(pause + jitter)).await;
                if self.look() == before {
                    break;
                }
            }
        }
    }

    /// Both windows press at once: with the same key (one press reaching two windows) or
    /// each with its own. Returns the error when neither was answered.
    async fn press_twice(
        &self,
        action: &'static str,
        same_key: bool,
        act: &PressFn,
    ) -> Option<CoreError> {
        let k1 = new_key();
        let k2 = if same_key { k1.clone() } else { new_key() };
        let a = tokio::spawn(act(self.counter.windows[0].clone(), k1.clone()));
        let b = tokio::spawn(act(self.counter.windows[1].clone(), k2.clone()));
        let (a, b) = (a.await.expect("press"), b.await.expect("press"));
        let sale = self.look();
        let sent = sale
            .operations
            .iter()
            .filter(|o| o.key.as_deref().is_some_and(|k| k == k1 || k == k2))
            .count();
        if same_key {
            assert!(sent <= 1, "one key, {sent} operations: {sale:#?}");
        }
        let mut outcomes = [resolution(&a), resolution(&b)];
        // One press reaching two windows gets one answer: the first one's result (done, in
        // flight, being checked, or did not happen), never a refusal of its own.
        if same_key {
            for o in outcomes {
                assert!(
                    [
                        "answered",
                        "still being checked",
                        "replayed: did not happen"
                    ]
                    .contains(&o)
                        || o.starts_with("dintero")
                        || ["network", "outcome_unknown"].contains(&o),
                    "a press with one key was answered {o}: {a:?} / {b:?}"
                );
            }
        }
        // Two presses at once are told apart as a stale check, never an internal error.
        assert!(!outcomes.contains(&"internal"), "{a:?} / {b:?}");
        outcomes.sort_unstable();
        let label = format!("{} + {}: {sent} sent", outcomes[0], outcomes[1]);
        {
            let mut record = self.record();
            record.actions += 2;
            let counts = if same_key {
                &mut record.same_key
            } else {
                &mut record.diff_keys
            };
            *counts.entry(label).or_default() += 1;
        }
        for e in [&a, &b].into_iter().filter_map(|r| r.as_ref().err()) {
            note_error(&self.counter.record, action, e);
        }
        match (a, b) {
            (Ok(_), _) | (_, Ok(_)) => None,
            (Err(e), _) => Some(e),
        }
    }

    /// Waits for an operation Dintero is processing: at the desk for [`AT_DESK`], then in the
    /// back office (the seat goes to the next customer) until the engines have seen its
    /// outcome; then back at a desk of the same window.
    async fn wait_in_flight(&mut self, op_id: &str) {
        self.record().in_flight_seen += 1;
        let pending = |s: &Self| s.look().operation(op_id).is_some_and(|o| o.is_pending());
        let at_desk = Instant::now() + AT_DESK;
        while pending(self) {
            if Instant::now() < at_desk {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            let floor = self.counter.floor.clone();
            self.record().parked += 1;
            floor.parked.fetch_add(1, Ordering::SeqCst);
            self.seat = None;
            let guard = Instant::now() + BACK_OFFICE;
            while pending(self) {
                assert!(
                    Instant::now() < guard,
                    "in flight for {BACK_OFFICE:?}: {:#?}",
                    self.look()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            floor.parked.fetch_sub(1, Ordering::SeqCst);
            self.seat = Some(floor.seat(self.window).await);
            return;
        }
    }
}
