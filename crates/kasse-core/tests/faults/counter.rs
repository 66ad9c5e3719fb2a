//! The shop: one sandbox, two Kasse engines ("processes", "windows") over one SQLite file, the
//! cashiers' desks, and the clock keeper that moves Dintero's clock on when the counter is quiet.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dintero_client::{AccountId, Client, Config, RetryPolicy};
use dintero_sandbox::{Control, Sandbox, SandboxConfig};
use kasse_core::clock::{Clock, RandomIds};
use kasse_core::store::Store;
use kasse_core::{Kasse, KasseConfig};
use time::OffsetDateTime;
use tokio::sync::{OwnedRwLockReadGuard, OwnedSemaphorePermit, RwLock, Semaphore};

use crate::cashier::Shared;
use crate::{cadence, ATTEMPTS, GRACE, PATIENCE, REQUEST_TIMEOUT, SESSION_TTL};

/// Kasse's clock is the sandbox's: the clock keeper moves Dintero's time on, and Kasse must see
/// the same time (checkout expiry, event times), as a counter and Dintero agree in real life.
/// The keeper moves it only when nothing depends on real time elapsing (see [`keep_clock`]).
struct SandboxClock(Control);

impl Clock for SandboxClock {
    fn now(&self) -> OffsetDateTime {
        self.0.now()
    }
}

/// A client with a short timeout and quick retries.
pub fn client(base_url: &str) -> Client {
    Client::new(
        Config::new(
            AccountId::parse("T12345678").unwrap(),
            "kasse-demo",
            "kasse-demo-secret",
        )
        .with_base_url(base_url)
        .with_timeouts(Duration::from_secs(1), REQUEST_TIMEOUT)
        .with_retry(RetryPolicy {
            max_attempts: ATTEMPTS,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        }),
    )
    .expect("client")
}

/// The engine configuration of every window.
pub fn config(cadence: kasse_core::cadence::Cadence) -> KasseConfig {
    let mut config = KasseConfig::new("FAULT1", "https://kasse.test/return");
    config.cadence = cadence;
    config.reconcile_grace = GRACE;
    config.session_ttl = SESSION_TTL;
    config
}

/// Who is where: cashiers at a desk (a seat: one of the window's desks, and a share of the
/// floor that the clock keeper waits for), sales waiting in the back office for Dintero.
pub struct Floor {
    desks: [Arc<Semaphore>; 2],
    gate: Arc<RwLock<()>>,
    /// Cashiers seated (acting on a sale or looking at it).
    active: AtomicUsize,
    /// Sales waiting in the back office for an operation Dintero is processing.
    pub parked: AtomicUsize,
    /// Sales past their checkout (paid and settled, or ended without a payment).
    pub checked_out: AtomicUsize,
}

/// A cashier's seat at a window; the clock keeper does not move the clock while one is taken.
pub struct Seat {
    _desk: OwnedSemaphorePermit,
    _gate: OwnedRwLockReadGuard<()>,
    floor: Arc<Floor>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.floor.active.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Floor {
    fn new(cashiers: usize) -> Arc<Floor> {
        let per_window = cashiers.div_ceil(2).max(1);
        Arc::new(Floor {
            desks: [
                Arc::new(Semaphore::new(per_window)),
                Arc::new(Semaphore::new(per_window)),
            ],
            gate: Arc::new(RwLock::new(())),
            active: AtomicUsize::new(0),
            parked: AtomicUsize::new(0),
            checked_out: AtomicUsize::new(0),
        })
    }

    /// Waits for a free desk at `window`.
    pub async fn seat(self: &Arc<Floor>, window: usize) -> Seat {
        let desk = self.desks[window]
            .clone()
            .acquire_owned()
            .await
            .expect("desk");
        let gate = self.gate.clone().read_owned().await;
        self.active.fetch_add(1, Ordering::SeqCst);
        Seat {
            _desk: desk,
            _gate: gate,
            floor: self.clone(),
        }
    }
}

/// The sandbox, the two windows over one log file, and the shared record.
pub struct Counter {
    pub windows: [Kasse; 2],
    pub clients: [Client; 2],
    pub control: Control,
    pub record: Shared,
    pub floor: Arc<Floor>,
    /// The longest completion delay of an async operation (simulated time).
    pub longest: Duration,
    _sandbox: Sandbox,
}

impl Counter {
    pub async fn open(seed: u64, log: &Path, cashiers: usize, longest: Duration) -> Arc<Counter> {
        let sandbox = Sandbox::start(SandboxConfig {
            seed: Some(seed),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        let control = sandbox.control();
        let clients = [client(&sandbox.base_url()), client(&sandbox.base_url())];
        // Two processes: each its own client (token), store connection, watchers and locks.
        let window = |client: &Client| {
            Kasse::new(
                Store::open(log).expect("store"),
                client.clone(),
                Arc::new(SandboxClock(control.clone())),
                Arc::new(RandomIds),
                config(cadence()),
            )
        };
        Arc::new(Counter {
            windows: [window(&clients[0]), window(&clients[1])],
            clients,
            control,
            record: Arc::default(),
            floor: Floor::new(cashiers),
            longest,
            _sandbox: sandbox,
        })
    }

    /// The log (both windows write to the same file).
    pub fn store(&self) -> &Store {
        self.windows[0].store()
    }

    /// With every cashier away from the desks: if no operation's outcome is unknown and no sale
    /// is open, moves Dintero's clock past the longest completion delay, so that every
    /// operation in flight completes, and returns those operations (sale id, op id).
    async fn advance_if_quiet(&self, since: Instant) -> Option<Vec<(String, String)>> {
        let _quiet = self.floor.gate.clone().write_owned().await;
        let pending = self.store().pending_operations().expect("pending");
        if pending.is_empty()
            || pending
                .iter()
                .any(|p| p.operation.state.is_outcome_unknown())
            || !self.store().open_sales().expect("open").is_empty()
        {
            return None;
        }
        self.control
            .advance_clock(self.longest + Duration::from_secs(1));
        self.record
            .lock()
            .unwrap()
            .advances
            .push(since.elapsed().as_secs_f64());
        Some(
            pending
                .into_iter()
                .map(|p| (p.sale.id, p.operation.op_id))
                .collect(),
        )
    }

    /// Waits until the engines have settled the operations `ops` by themselves (their
    /// background re-reads: every 5 s at most, every 30 s once in flight for two minutes).
    async fn settled_by_engines(&self, ops: &[(String, String)]) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE + Duration::from_secs(60);
        loop {
            let open: Vec<_> = ops
                .iter()
                .filter(|(sale, op)| {
                    let sale = self.windows[0].find(sale).expect("sale");
                    sale.operation(op).is_some_and(|o| o.is_pending())
                })
                .collect();
            if open.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} operations still pending long after Dintero's clock passed their completion: {open:?}",
                    open.len()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The clock keeper. Once every sale is past its checkout (no checkout waits for a customer,
/// so moving Dintero's clock expires nothing a customer still uses), whenever no cashier is at
/// a desk and no operation's outcome is unknown (so no grace for a lost answer is cut short),
/// it moves the sandbox's clock past the longest completion delay and waits until the engines
/// have seen the completions. Ends when `done` is set.
pub async fn keep_clock(
    counter: Arc<Counter>,
    sales: usize,
    done: Arc<AtomicBool>,
) -> Result<(), String> {
    let since = Instant::now();
    let mut all_checked_out = false;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if done.load(Ordering::SeqCst) {
            return Ok(());
        }
        let floor = &counter.floor;
        if floor.checked_out.load(Ordering::SeqCst) < sales {
            continue;
        }
        if !all_checked_out {
            all_checked_out = true;
            counter.record.lock().unwrap().checked_out_at = since.elapsed().as_secs_f64();
        }
        if floor.active.load(Ordering::SeqCst) > 0 || floor.parked.load(Ordering::SeqCst) == 0 {
            continue;
        }
        if let Some(ops) = counter.advance_if_quiet(since).await {
            counter.settled_by_engines(&ops).await?;
        }
    }
}

/// After the last sale: Dintero's clock past the longest delay (if anything is in flight),
/// then the engines settle by themselves: nothing open, nothing pending.
pub async fn settle_all(counter: &Counter, since: Instant) -> Result<(), String> {
    if let Some(ops) = counter.advance_if_quiet(since).await {
        counter.settled_by_engines(&ops).await?;
    }
    let deadline = Instant::now() + PATIENCE + Duration::from_secs(60);
    loop {
        let open = counter.store().open_sales().unwrap().len();
        let pending = counter.store().pending_operations().unwrap();
        if open == 0 && pending.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{open} sales open and {} operations pending long after the last sale: {pending:#?}",
                pending.len()
            ));
        }
        // An unknown outcome or a lost charge may still block the advance: try again.
        if let Some(ops) = counter.advance_if_quiet(since).await {
            counter.settled_by_engines(&ops).await?;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
