//! Harness for the `engine_*` flow tests: an in-process `dintero-sandbox`, a
//! `dintero_client::Client` pointed at it, an in-memory log, a [`ManualClock`] that the test moves
//! together with the sandbox's clock, and a fast cadence so payments settle in milliseconds.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dintero_client::{AccountId, Client, Config, RetryPolicy};
pub use dintero_sandbox::FaultRule;
use dintero_sandbox::{Control, PayOptions, Sandbox, SandboxConfig};
use kasse_core::cadence::Cadence;
use kasse_core::clock::{ManualClock, RandomIds};
use kasse_core::order::OrderInput;
use kasse_core::sale::{LogEvent, Sale, SaleStatus};
use kasse_core::store::Store;
use kasse_core::{Charge, CoreError, Kasse, KasseConfig, RefundSpec};
use serde_json::Value;
use time::OffsetDateTime;

/// Approved (3DS frictionless).
pub const CARD_OK: &str = "4000000000000002";
/// Declined.
pub const CARD_DECLINED: &str = "4100000000000076";
/// 3DS verification fails.
pub const CARD_3DS_FAIL: &str = "4000300000000006";

/// How long a test waits for something before it gives up and shows the log (a hang guard, not
/// a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(15);

/// A fast cadence: the watcher reads every 50 ms while waiting, 20 ms while paying, with a
/// budget large enough never to throttle a test.
pub fn fast_cadence() -> Cadence {
    Cadence {
        waiting_ms: 50,
        paying_ms: 20,
        backoff_after_ms: 60_000,
        max_interval_ms: 500,
        burst: 10_000,
        refill_per_minute: 600_000,
    }
}

/// A cadence that reads once at the start and then not for a minute: for tests that must act
/// before the watcher looks again.
pub fn sleepy_cadence() -> Cadence {
    Cadence {
        waiting_ms: 60_000,
        paying_ms: 60_000,
        backoff_after_ms: 600_000,
        max_interval_ms: 60_000,
        burst: 10_000,
        refill_per_minute: 600_000,
    }
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub control: Control,
    pub client: Client,
    pub clock: ManualClock,
    pub kasse: Kasse,
}

/// The client as Kasse would configure it, at the sandbox, with quick retries.
pub fn client_for(base_url: &str) -> Client {
    let config = Config::new(
        AccountId::parse("T12345678").expect("account id"),
        "kasse-demo",
        "kasse-demo-secret",
    )
    .with_base_url(base_url)
    .with_timeouts(Duration::from_secs(2), Duration::from_secs(5))
    .with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
    });
    Client::new(config).expect("client")
}

pub fn config() -> KasseConfig {
    let mut c = KasseConfig::new("KASSE1", "https://kasse.test/return");
    c.cadence = fast_cadence();
    c.reconcile_grace = Duration::from_secs(45);
    c
}

pub async fn harness() -> Harness {
    harness_with(|_| {}).await
}

/// A harness with a charge of one line of `amount` made (not paid).
pub async fn charged(amount: i64) -> (Harness, Charge) {
    let h = harness().await;
    let charge = h.charge(amount).await;
    (h, charge)
}

/// A harness with a paid (authorised) sale of one line of `amount`.
pub async fn authorised(amount: i64) -> (Harness, Sale) {
    let h = harness().await;
    let sale = h.authorised(amount).await;
    (h, sale)
}

pub async fn harness_with(tweak: impl FnOnce(&mut KasseConfig)) -> Harness {
    harness_on(SandboxConfig::default(), tweak).await
}

/// A harness on a sandbox configured as given (e.g. `async_operations`).
pub async fn harness_on(sandbox: SandboxConfig, tweak: impl FnOnce(&mut KasseConfig)) -> Harness {
    let sandbox = Sandbox::start(sandbox).await.expect("sandbox starts");
    let control = sandbox.control();
    let client = client_for(&sandbox.base_url());
    // The engine's clock starts where the sandbox's is, so expiries agree.
    let clock = ManualClock::new(control.now());
    let mut cfg = config();
    tweak(&mut cfg);
    let kasse = engine(
        &client,
        &clock,
        Store::open_in_memory().expect("store"),
        cfg,
    );
    Harness {
        sandbox,
        control,
        client,
        clock,
        kasse,
    }
}

/// A log file in a new temporary directory, which lives as long as the `TempDir`.
pub fn log_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("kasse.sqlite");
    (dir, path)
}

/// An engine over `store` (another one over the same file is "after a restart"), sharing the
/// client and clock. Random ids, so two engines on one log never collide.
pub fn engine(client: &Client, clock: &ManualClock, store: Store, cfg: KasseConfig) -> Kasse {
    Kasse::new(
        store,
        client.clone(),
        Arc::new(clock.clone()),
        Arc::new(RandomIds),
        cfg,
    )
}

impl Harness {
    /// An engine of its own over the log file at `path`, with this harness's client and clock
    /// (two of them on one file are two processes; a new one after the first is a restart).
    pub fn engine_on(&self, path: &Path) -> Kasse {
        engine(
            &self.client,
            &self.clock,
            Store::open(path).expect("store"),
            config(),
        )
    }

    /// Pays the charge's checkout with a payment product (`swish.swish`, `instabank.finance`)
    /// and the sandbox's other defaults; returns the sandbox's transaction.
    pub fn pay_by(&self, charge: &Charge, product: &str) -> Value {
        self.control
            .pay_with(
                &charge.session_id,
                PayOptions {
                    payment_product_type: Some(product.into()),
                    ..PayOptions::default()
                },
            )
            .expect("pay")
    }

    /// Refunds `amount` of the sale (no reason), as a new request.
    pub async fn refund_amount(&self, id: &str, amount: i64) -> Result<Sale, CoreError> {
        self.kasse
            .refund(id, RefundSpec::Amount(amount), None)
            .await
    }

    /// Refunds one line of the sale: `quantity` (decimal text) of line `line_id`.
    pub async fn refund_line(
        &self,
        id: &str,
        line_id: &str,
        quantity: &str,
    ) -> Result<Sale, CoreError> {
        let quantity = quantity.parse().expect("quantity");
        let lines = vec![(line_id.to_owned(), quantity)];
        self.kasse.refund(id, RefundSpec::Lines(lines), None).await
    }

    /// Sets one sandbox fault, in place of any set before.
    pub fn fault(&self, rule: FaultRule) {
        self.control.set_faults(vec![rule]);
    }

    /// A charge of one line of `amount`.
    pub async fn charge(&self, amount: i64) -> Charge {
        self.kasse.charge(&order_of(amount)).await.expect("charge")
    }

    /// A sale of one line of `amount` made and followed by another engine (`kasse`, see
    /// [`Harness::engine_on`]), paid with [`CARD_OK`]; returns it settled.
    pub async fn paid_through(&self, kasse: &Kasse, amount: i64) -> Sale {
        let charge = kasse.charge(&order_of(amount)).await.expect("charge");
        self.control.pay(&charge.session_id, CARD_OK).expect("pay");
        kasse
            .wait_settled(&charge.sale.id, |_| {})
            .await
            .expect("settled")
    }

    /// A charge of one line of `amount` that the watcher has looked at once (with
    /// [`sleepy_cadence`] it then does not look again for a minute).
    pub async fn charge_looked_at(&self, amount: i64) -> Charge {
        let charge = self.charge(amount).await;
        self.wait_for(&charge.sale.id, "looked at", |_| {
            self.control.stats().requests >= 3
        })
        .await;
        charge
    }

    /// A sale of `order`, paid with [`CARD_OK`] and seen authorised by the watcher.
    pub async fn paid(&self, order: &OrderInput) -> Sale {
        let charge = self.kasse.charge(order).await.expect("charge");
        self.control.pay(&charge.session_id, CARD_OK).expect("pay");
        self.wait_status(&charge.sale.id, SaleStatus::Authorized)
            .await
    }

    /// A paid (authorised) sale of one line of `amount`.
    pub async fn authorised(&self, amount: i64) -> Sale {
        self.paid(&order_of(amount)).await
    }

    /// Moves the sandbox's and the engine's clocks forward together.
    pub fn advance(&self, by: Duration) {
        self.control.advance_clock(by);
        self.clock
            .advance(time::Duration::try_from(by).expect("duration"));
    }

    /// The sandbox's own record of a transaction.
    pub fn sandbox_tx(&self, id: &str) -> Value {
        self.control
            .transaction(id)
            .unwrap_or_else(|| panic!("the sandbox has no transaction {id}"))
    }

    /// Successful events of a kind in the sandbox's record of a transaction.
    pub fn sandbox_events(&self, tid: &str, kind: &str) -> Vec<Value> {
        self.sandbox_tx(tid)["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["event"] == kind && e["success"] == true)
            .collect()
    }

    /// Asserts that the log's view of a sale agrees with the sandbox's record of its
    /// transaction: status, amount, captured and refunded; and that the journal and the
    /// projection are sound.
    pub fn assert_agrees(&self, sale: &Sale) {
        let tid = sale
            .transaction_id
            .as_deref()
            .unwrap_or_else(|| panic!("sale {} has no transaction", sale.id));
        let tx = self.sandbox_tx(tid);
        let status = SaleStatus::from_dintero(tx["status"].as_str().unwrap_or_default());
        let sum = |kind: &str| -> i64 {
            self.sandbox_events(tid, kind)
                .iter()
                .map(|e| e["amount"].as_i64().unwrap_or(0))
                .sum()
        };
        assert_eq!(sale.status, status, "status of {}: log vs sandbox", sale.id);
        assert_eq!(sale.amount, tx["amount"].as_i64().unwrap(), "amount");
        assert_eq!(sale.captured, sum("CAPTURE"), "captured: log vs sandbox");
        assert_eq!(sale.refunded, sum("REFUND"), "refunded: log vs sandbox");
        if let Some(sid) = &sale.session_id {
            assert_eq!(tx["session_id"].as_str(), Some(sid.as_str()), "session id");
        }
        self.assert_sound();
    }

    /// The journal verifies and the projection equals a replay of the events.
    pub fn assert_sound(&self) {
        let store = self.kasse.store();
        let journal = store.verify_journal().expect("verify");
        assert!(journal.problems.is_empty(), "journal: {journal:?}");
        let projection = store.check_projection().expect("projection");
        assert!(projection.ok(), "projection: {projection:?}");
    }

    /// The events of the sale's journal rows, in order.
    pub fn events(&self, sale_id: &str) -> Vec<LogEvent> {
        let rows = self.kasse.store().events(sale_id).expect("events");
        rows.into_iter().map(|e| e.event).collect()
    }

    /// Kinds of the sale's journal rows, in order.
    pub fn kinds(&self, sale_id: &str) -> Vec<&'static str> {
        self.events(sale_id).iter().map(LogEvent::kind).collect()
    }

    /// What `pick` takes from the sale's journal rows, in order (rows it skips give nothing).
    pub fn picked<T>(&self, sale_id: &str, pick: impl FnMut(LogEvent) -> Option<T>) -> Vec<T> {
        self.events(sale_id).into_iter().filter_map(pick).collect()
    }

    /// The statuses the log observed for a sale, in order.
    pub fn observed(&self, sale_id: &str) -> Vec<SaleStatus> {
        self.picked(sale_id, |e| match e {
            LogEvent::StatusObserved { status, .. } => Some(status),
            _ => None,
        })
    }

    /// Waits until the sale satisfies `pred` (driven by the engine's broadcasts, re-checked on
    /// every change and every 50 ms); panics with the log after [`PATIENCE`].
    pub async fn wait_for(&self, id: &str, what: &str, pred: impl Fn(&Sale) -> bool) -> Sale {
        let mut rx = self.kasse.subscribe();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let sale = self.kasse.find(id).expect("sale exists");
            if pred(&sale) {
                return sale;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                let events = self.kasse.store().events(&sale.id).unwrap_or_default();
                panic!("sale {id} never became {what}: {sale:#?}\nlog: {events:#?}");
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(50)), rx.recv()).await;
        }
    }

    /// Waits until the watcher lets go of the sale; returns the sale as logged then.
    pub async fn wait_unfollowed(&self, id: &str) -> Sale {
        self.wait_for(id, "unfollowed", |s| !self.kasse.followed().contains(&s.id))
            .await;
        self.kasse.find(id).expect("sale exists")
    }

    /// Waits until the watcher lets go of the sale and asserts that it is `status` then (the
    /// statuses the log observed on the way in the message); returns the sale.
    pub async fn assert_stays(&self, id: &str, status: SaleStatus) -> Sale {
        let sale = self.wait_unfollowed(id).await;
        assert_eq!(sale.status, status, "{:?}", self.observed(id));
        sale
    }

    /// Waits until the sale has `status`.
    pub async fn wait_status(&self, id: &str, status: SaleStatus) -> Sale {
        self.wait_for(id, status.as_str(), |s| s.status == status)
            .await
    }
}

/// Three lines: 2 × coffee at 25 %, a bun at 15 %, 0.375 kg of apples at 25.5 %.
pub fn order3() -> OrderInput {
    OrderInput::from_json_str(
        r#"{"currency":"NOK","lines":[
            {"description":"Kaffe","quantity":"2","unit_price":3900,"vat":"25"},
            {"description":"Bolle","quantity":"1","unit_price":2500,"vat":"15"},
            {"description":"Epler","quantity":"0.375","unit_price":12990,"vat":"25.5"}]}"#,
    )
    .expect("order")
}

/// One line of `amount` minor units.
pub fn order_of(amount: i64) -> OrderInput {
    OrderInput::from_json_str(&format!(
        r#"{{"lines":[{{"description":"Vare","quantity":"1","unit_price":{amount},"vat":"25"}}]}}"#
    ))
    .expect("order")
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
