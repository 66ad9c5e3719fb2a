//! The engine: charge, follow, operate and sync, on top of the log and the Dintero client.
//!
//! [`Kasse`] is what the shells hold. Every action writes its intent to the [`Store`] before
//! the API call and its outcome after; every status the watcher sees is appended as a
//! [`LogEvent::StatusObserved`] and broadcast to subscribers as a [`SaleChange`].
//!
//! - `payload`: priced order → Dintero request bodies.
//! - `watch`: the payment watcher (one task per open sale, cadence from [`crate::cadence`]);
//!   `observe`: what it (and every read) sees, logged when it changes the sale.
//! - `ops`: capture, void, refund, cancel, and reconciliation of unknown outcomes.
//! - `sync`: import and refresh from `GET /v1/transactions`.

mod display;
mod guarded;
mod observe;
mod ops;
mod pay_here;
pub mod payload;
mod phone_order;
mod sync;
mod watch;

pub use ops::{pending_refund_quantities, refund_parts, refunded_quantities, RefundSpec};
pub use sync::SyncReport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use dintero_client::Client;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::{broadcast, Notify};

use crate::cadence::Cadence;
use crate::clock::{Clock, IdSource};
use crate::error::CoreError;
use crate::link::LinkSent;
use crate::money::Currency;
use crate::order::{OrderInput, PricedOrder};
use crate::phone::PhoneNumber;
use crate::sale::{LogEvent, Sale, SaleStatus};
use crate::store::{NewSale, Store, StoredEvent};

/// How this counter sells.
#[derive(Debug, Clone)]
pub struct KasseConfig {
    /// The counter's name: prefix of every merchant reference (`KASSE1-20261124-0042`).
    pub counter: String,
    /// Dintero payment profile id.
    pub profile_id: String,
    /// Currency for orders that do not name one.
    pub currency: Currency,
    /// How long a checkout stays open (`expires_at` = now + this).
    pub session_ttl: Duration,
    /// Where the customer's browser goes after the checkout.
    pub return_url: String,
    /// Where the pay window's Web SDK loads the checkout from, when not from the origin of the
    /// sale's checkout URL: the demo simulator's loopback address when its checkout URLs carry
    /// the LAN address (`--lan`), which the app's content policy does not let it frame.
    /// `None`: the checkout URL's origin.
    pub embed_endpoint: Option<String>,
    /// Optional server-to-server callback URL.
    pub callback_url: Option<String>,
    /// Counter sales ask Dintero to capture at authorisation (`configuration.auto_capture`),
    /// and the watcher follows them until the capture shows or fails. The engine starts with
    /// this; [`Kasse::set_auto_capture`] changes it for the sales charged from then on.
    pub auto_capture: bool,
    /// Poll cadence of the watcher.
    pub cadence: Cadence,
    /// How long after an operation's answer was lost (after its intent, when a crash lost it)
    /// "not found at Dintero" counts as "did not happen". Before that, a request still on its
    /// way could land later, so the operation stays pending. At least the client's request
    /// timeout ([`KasseConfig::check_against`]).
    pub reconcile_grace: Duration,
    /// The shop (`order.store.id` and `name` on every session, the counter as its
    /// `terminal_id`), and the one whose transactions sync imports: an account shared with a
    /// web shop or other shops brings only this shop's sales. `None`: no store is sent and sync
    /// reads the whole account.
    pub store: Option<StoreRef>,
    /// Where the staff PINs, the refund limit and the PIN lockout are kept, when not in the log
    /// itself: the desktop app in demo mode sells into a log in memory but keeps its PINs with
    /// its settings on disk. `None`: the log.
    pub staff: Option<Arc<Store>>,
    /// The customer display this engine feeds ([`Kasse::display`]); a shell that rebuilds its
    /// engine hands the new one the same hub, so displays keep following.
    pub display: crate::display::Hub,
}

/// A shop as Dintero's `order.store` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRef {
    /// `store.id`, a filter of `GET /v1/transactions`.
    pub id: String,
    /// `store.name`.
    pub name: Option<String>,
}

impl KasseConfig {
    /// Defaults for a counter called `counter` returning customers to `return_url`.
    pub fn new(counter: impl Into<String>, return_url: impl Into<String>) -> KasseConfig {
        KasseConfig {
            counter: counter.into(),
            profile_id: "default".into(),
            currency: Currency::Nok,
            session_ttl: Duration::from_secs(15 * 60),
            return_url: return_url.into(),
            embed_endpoint: None,
            callback_url: None,
            auto_capture: false,
            cadence: Cadence::default(),
            reconcile_grace: Duration::from_secs(45),
            store: None,
            staff: None,
            display: crate::display::Hub::new(),
        }
    }
}

impl KasseConfig {
    /// Checks what depends on the client this engine will use. An operation's request leaves
    /// right after its intent (the token is made ready first and a `401` is never answered by
    /// sending it again), so it is over within the client's request timeout; the grace after
    /// which a lost answer with no trace at Dintero counts as "did not happen" must not be
    /// shorter, or a request still within its own timeout could be given up on.
    pub fn check_against(&self, api: &Client) -> Result<(), CoreError> {
        let longest = api.longest_operation();
        if self.reconcile_grace < longest {
            return Err(CoreError::input(
                "reconcile_grace",
                format!(
                    "must be at least the request timeout ({} s), not {} s: a shorter grace could decide that a request still on its way did not happen",
                    longest.as_secs_f64(),
                    self.reconcile_grace.as_secs_f64()
                ),
            ));
        }
        Ok(())
    }
}

/// A change to a sale, as broadcast to subscribers.
#[derive(Debug, Clone, Serialize)]
pub struct SaleChange {
    /// The sale after the change.
    pub sale: Sale,
    /// Its status before, when it changed.
    pub previous: Option<SaleStatus>,
}

/// The result of [`Kasse::charge`]: what to show the customer.
#[derive(Debug, Clone, Serialize)]
pub struct Charge {
    /// The sale as logged.
    pub sale: Sale,
    /// The priced order.
    pub order: PricedOrder,
    /// Dintero session id.
    pub session_id: String,
    /// Hosted checkout URL.
    pub url: String,
    /// The URL as a scalable SVG QR code.
    pub qr_svg: String,
    /// When the checkout stops being available.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The payment link sent by SMS, for a phone order ([`Kasse::send_link`]).
    pub link: Option<LinkSent>,
}

/// A sale with its journal, for detail views.
#[derive(Debug, Clone, Serialize)]
pub struct SaleDetail {
    /// The sale.
    pub sale: Sale,
    /// The priced order, for local sales.
    pub order: Option<PricedOrder>,
    /// Its journal rows, oldest first.
    pub events: Vec<StoredEvent>,
}

impl SaleDetail {
    /// The payment link sent for this sale by SMS, as its log recorded it (the last one, should
    /// there be several), so a parked link sale says where it went also after a restart.
    pub fn link(&self) -> Option<LinkSent> {
        self.events.iter().rev().find_map(|e| match &e.event {
            LogEvent::Note { text } => LinkSent::from_note(text),
            _ => None,
        })
    }
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) api: Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdSource>,
    pub(crate) config: KasseConfig,
    changes: broadcast::Sender<SaleChange>,
    /// Sales followed by a watcher task, with the handle that wakes it early.
    followed: Mutex<HashMap<String, Arc<Notify>>>,
    /// Serialises "read the sale, compare, append" in [`Kasse::observe`], so two observers (the
    /// watcher, an operation, sync, the webview) never log a stale status over a newer one.
    pub(crate) observing: Mutex<()>,
    /// One operation at a time per sale (capture, void, refund, cancel): a second one waits and
    /// then runs its local checks against the first one's result.
    operating: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The language new checkouts ask for ([`Kasse::set_checkout_language`]).
    checkout_language: Mutex<Option<&'static str>>,
    /// Whether new sales are captured at payment ([`Kasse::set_auto_capture`]).
    auto_capture: AtomicBool,
    /// Payment links by the idempotency key of the press that sent them ([`Kasse::send_link`]).
    links: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<phone_order::Sent>>>>>,
}

/// The engine handle; cheap to clone.
#[derive(Clone)]
pub struct Kasse {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Kasse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kasse")
            .field("counter", &self.inner.config.counter)
            .field("store", &self.inner.store)
            .field("api", &self.inner.api)
            .finish_non_exhaustive()
    }
}

impl Kasse {
    /// An engine over `store` and `api`. Starts nothing: call [`Kasse::resume`] to follow open
    /// sales and settle pending operations left by an earlier run.
    pub fn new(
        store: Store,
        api: Client,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        config: KasseConfig,
    ) -> Kasse {
        let (changes, _) = broadcast::channel(1024);
        Kasse {
            inner: Arc::new(Inner {
                store,
                api,
                clock,
                ids,
                changes,
                followed: Mutex::new(HashMap::new()),
                observing: Mutex::new(()),
                operating: Mutex::new(HashMap::new()),
                checkout_language: Mutex::new(None),
                auto_capture: AtomicBool::new(config.auto_capture),
                config,
                links: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// New checkouts ask Dintero's page for the counter's UI `language` (`nb`, `sv`, `en`);
    /// one it does not know leaves the page's own choice. Changes with the setting, at once;
    /// the customer display speaks it too.
    pub fn set_checkout_language(&self, language: &str) {
        self.display().set_language(language);
        *self
            .inner
            .checkout_language
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = payload::checkout_language(language);
    }

    /// Whether the sales charged from now on are captured at payment (the setting "Capture at
    /// payment", [`crate::settings::Settings::capture_at_payment`]). Sales already charged
    /// keep what their session asked for: it is in their `sale_opened` row. Takes effect at
    /// once, without a new engine.
    pub fn set_auto_capture(&self, on: bool) {
        self.inner.auto_capture.store(on, Ordering::SeqCst);
    }

    /// Whether new sales are captured at payment ([`Kasse::set_auto_capture`]).
    pub fn auto_capture(&self) -> bool {
        self.inner.auto_capture.load(Ordering::SeqCst)
    }

    /// The log.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The Dintero client.
    pub fn api(&self) -> &Client {
        &self.inner.api
    }

    /// The configuration.
    pub fn config(&self) -> &KasseConfig {
        &self.inner.config
    }

    /// Every change to every sale from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SaleChange> {
        self.inner.changes.subscribe()
    }

    /// Prices an order by the money rules (for live totals), without logging anything.
    pub fn price(&self, input: &OrderInput) -> Result<PricedOrder, CoreError> {
        Ok(input.price(self.inner.config.currency)?)
    }

    /// Finds a sale by its id, session id, transaction id or merchant reference.
    pub fn find(&self, id: &str) -> Result<Sale, CoreError> {
        self.inner
            .store
            .find(id)?
            .ok_or_else(|| CoreError::NotFound(id.to_owned()))
    }

    /// A sale with its journal.
    pub fn detail(&self, id: &str) -> Result<SaleDetail, CoreError> {
        let sale = self.find(id)?;
        let events = self.inner.store.events(&sale.id)?;
        let order = serde_json::from_value(sale.order.clone()).ok();
        Ok(SaleDetail {
            sale,
            order,
            events,
        })
    }

    /// Charges an order: logs the intent, creates the Dintero session, logs it, starts
    /// following it, and returns what to show (URL and QR). An order with discounts above the
    /// manager's limit is refused (`pin_required`): see [`Kasse::charge_with_pin`].
    pub async fn charge(&self, input: &OrderInput) -> Result<Charge, CoreError> {
        self.charge_as(input, None, None, &mut None).await
    }

    /// [`Kasse::charge`] with the PIN given for its discounts: they are guarded
    /// ([`access::guard_discounts`]) before anything is logged or sent, and who allowed them is
    /// kept with the order.
    pub async fn charge_with_pin(
        &self,
        input: &OrderInput,
        pin: Option<&str>,
    ) -> Result<Charge, CoreError> {
        self.charge_as(input, pin, None, &mut None).await
    }

    /// [`Kasse::charge_with_pin`], with the checkout link sent by SMS to `link` in the same
    /// create-session POST; `opened_id` is set to the sale's id once its intent is logged.
    async fn charge_as(
        &self,
        input: &OrderInput,
        pin: Option<&str>,
        link: Option<&PhoneNumber>,
        opened_id: &mut Option<String>,
    ) -> Result<Charge, CoreError> {
        let inner = &self.inner;
        let mut order = input.price(inner.config.currency)?;
        crate::access::guard_discounts(self.staff_store(), &mut order, pin, inner.clock.now())?;
        let sale_id = inner.ids.new_id();
        let now = inner.clock.now();
        let auto_capture = self.auto_capture();
        let opened = inner.store.open_sale(
            &sale_id,
            &NewSale {
                counter: inner.config.counter.clone(),
                currency: order.currency.code().to_owned(),
                amount: order.amount,
                vat_amount: order.vat_amount,
                order: serde_json::to_value(&order).unwrap_or(Value::Null),
                auto_capture,
            },
            now,
        )?;
        *opened_id = Some(sale_id.clone());
        self.publish(opened.sale.clone(), None);
        let reference = opened.sale.merchant_reference.clone();
        let expires_at = now + inner.config.session_ttl;
        let mut request = payload::session_request(
            &order,
            &payload::SessionParams {
                profile_id: &inner.config.profile_id,
                return_url: &inner.config.return_url,
                callback_url: inner.config.callback_url.as_deref(),
                counter: &inner.config.counter,
                merchant_reference: &reference,
                expires_at,
                auto_capture,
                store: inner.config.store.as_ref(),
            },
        );
        if let Some(phone) = link {
            payload::send_link_by_sms(&mut request, phone);
        }
        tracing::info!(sale = %sale_id, reference = %reference, amount = order.amount, link = link.is_some(), "creating session");
        match inner.api.create_session(&request).await {
            Ok(mut created) => {
                let language = *inner
                    .checkout_language
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                created.url = payload::view_url(&created.url, language);
                // The session exists: log it and follow it before anything else can fail (a QR
                // that cannot be drawn must not leave a live session unknown to the log).
                // Committed without its own fsync: it survives a crash of Kasse, and should a
                // power cut take it, the fsync'd intent above remains and the watcher finds the
                // payment by its merchant reference (`look_up_lost_charge`). One fsync on the
                // path the cashier waits for instead of two.
                let sale = self.append_without_fsync(
                    &sale_id,
                    &LogEvent::SessionCreated {
                        session_id: created.id.clone(),
                        url: created.url.clone(),
                        expires_at: Some(expires_at),
                    },
                    opened.sale.status,
                )?;
                self.follow(&sale_id);
                let (sale, link) = match link {
                    Some(phone) => {
                        let sent = LinkSent::of(phone, &created.publish);
                        (self.append(&sale_id, &sent.note())?, Some(sent))
                    }
                    None => (sale, None),
                };
                let qr_svg = crate::qr::qr_svg(&created.url)?;
                if link.is_none() {
                    self.show_charged(&sale_id, &order, &created.url, &qr_svg);
                }
                Ok(Charge {
                    sale,
                    order,
                    session_id: created.id,
                    url: created.url,
                    qr_svg,
                    expires_at,
                    link,
                })
            }
            Err(e) => {
                let outcome_unknown = e.is_outcome_uncertain();
                let code = e.code().unwrap_or(if outcome_unknown {
                    "outcome_unknown"
                } else {
                    "dintero"
                });
                let mut message = e.to_string();
                if let Some(phone) = link {
                    // Dintero's message may quote the number: the log keeps it masked.
                    message = message.replace(phone.e164(), &phone.masked());
                }
                self.append(
                    &sale_id,
                    &LogEvent::ChargeFailed {
                        error_code: code.to_owned(),
                        message,
                        outcome_unknown,
                    },
                )?;
                if outcome_unknown {
                    // The watcher looks the sale up by its reference until it is known.
                    self.follow(&sale_id);
                }
                Err(e.into())
            }
        }
    }

    /// Resumes after a start: follows every open sale and settles every pending operation.
    /// Not on a read-only log, which could record nothing of what a watcher sees.
    pub async fn resume(&self) -> Result<(), CoreError> {
        if self.inner.store.read_only().is_some() {
            return Ok(());
        }
        for sale in self.inner.store.followed_sales()? {
            self.follow(&sale.id);
        }
        self.reconcile_pending(false).await?;
        Ok(())
    }

    /// Appends `event` to the sale's log at the clock's time and broadcasts the change.
    pub(crate) fn append(&self, sale_id: &str, event: &LogEvent) -> Result<Sale, CoreError> {
        let before = self.inner.store.sale(sale_id)?.map(|s| s.status);
        let appended = self
            .inner
            .store
            .append(sale_id, event, self.inner.clock.now())?;
        self.publish(appended.sale.clone(), before);
        Ok(appended.sale)
    }

    /// [`Kasse::append`] through [`Store::append_without_fsync`], for the one event whose loss
    /// on a power cut the engine recovers from (see [`Kasse::charge`]); `before` is the sale's
    /// status before it, known to the caller.
    fn append_without_fsync(
        &self,
        sale_id: &str,
        event: &LogEvent,
        before: SaleStatus,
    ) -> Result<Sale, CoreError> {
        let appended =
            self.inner
                .store
                .append_without_fsync(sale_id, event, self.inner.clock.now())?;
        self.publish(appended.sale.clone(), Some(before));
        Ok(appended.sale)
    }

    /// Waits for the sale's turn to be operated on; the turn lasts as long as the guard.
    pub(crate) async fn operating(&self, sale_id: &str) -> OperatingGuard {
        let lock = {
            let mut map = lock(&self.inner.operating);
            map.entry(sale_id.to_owned()).or_default().clone()
        };
        OperatingGuard {
            _turn: lock.lock_owned().await,
            kasse: self.clone(),
            sale_id: sale_id.to_owned(),
        }
    }

    /// Appends an operation's outcome. `Ok(None)` when the operation was settled meanwhile by
    /// someone else (a reconcile from sync or another action raced this one): the first outcome
    /// logged stands, and this one is dropped.
    pub(crate) fn append_outcome(
        &self,
        sale_id: &str,
        event: &LogEvent,
    ) -> Result<Option<Sale>, CoreError> {
        match self.append(sale_id, event) {
            Ok(sale) => Ok(Some(sale)),
            Err(CoreError::Store(crate::store::StoreError::Rejected {
                source: crate::sale::SaleError::OperationClosed { op_id, state },
                ..
            })) => {
                tracing::info!(sale = %sale_id, op = %op_id, %state, "operation settled meanwhile; outcome dropped");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Logs that Dintero (or the network, before anything was sent) refused operation `op_id`.
    pub(crate) fn refused(
        &self,
        sale_id: &str,
        op_id: String,
        e: &dintero_client::Error,
    ) -> Result<(), CoreError> {
        self.append_outcome(
            sale_id,
            &LogEvent::OperationFailed {
                op_id,
                code: e.code().unwrap_or("dintero").to_owned(),
                message: e.to_string(),
            },
        )?;
        Ok(())
    }

    fn publish(&self, sale: Sale, previous: Option<SaleStatus>) {
        self.inner
            .config
            .display
            .sale_changed(&sale.id, sale.status);
        // No subscriber is fine.
        let _ = self.inner.changes.send(SaleChange { sale, previous });
    }
}

/// A sale's turn to be operated on (see [`Kasse::operating`]).
pub(crate) struct OperatingGuard {
    _turn: tokio::sync::OwnedMutexGuard<()>,
    kasse: Kasse,
    sale_id: String,
}

impl Drop for OperatingGuard {
    fn drop(&mut self) {
        // Forget the sale's lock when nobody else holds or waits for it (the map's handle is
        // the only other one), so the map does not grow with every sale ever operated on.
        let mut map = lock(&self.kasse.inner.operating);
        if map
            .get(&self.sale_id)
            .is_some_and(|l| Arc::strong_count(l) <= 2)
        {
            map.remove(&self.sale_id);
        }
    }
}

/// Locks one of the engine's shared values (the followed and operated sales, the observation
/// turn). A panic while one was held (a watcher task's) leaves it consistent: each holder
/// changes it in one insert or remove, so the poison is ignored.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
