//! The types that cross the IPC boundary. They are separate from kasse-core's domain types:
//! the UI sees plain JSON (money as integer minor units, quantities and rates as decimal
//! strings, times as RFC 3339), and the TypeScript in `ui/src/lib/bindings/` is generated from
//! these (`bindings_are_current` fails when they drift; `UPDATE_BINDINGS=1 cargo test -p kasse`
//! rewrites them).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use kasse_core::sale::Sale;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Which Dintero the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The built-in simulator.
    Demo,
    /// A Dintero test account (`T…`).
    Test,
    /// A Dintero production account (`P…`): real money.
    Live,
    /// An account is configured but its secret cannot be read: nothing is sold until it is
    /// entered again in Settings.
    #[serde(rename = "secret_missing")]
    SecretMissing,
}

/// Where the client secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SecretStorage {
    /// The OS keyring (Secret Service).
    Keyring,
    /// A file readable only by this user (no keyring service running).
    File,
    /// No secret stored.
    None,
}

/// What the UI needs at start.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub mode: Mode,
    pub account_id: Option<String>,
    /// The counter's name (Settings).
    pub counter: String,
    /// The counter's id, the prefix of its receipt numbers (made once, not editable).
    pub counter_id: String,
    pub currency: String,
    pub version: String,
    pub secret_storage: SecretStorage,
    pub language: String,
    /// Set when the sales log was changed outside Kasse: the app is read-only (nothing is
    /// sold, refunded or changed) and says what was changed and how to fix it.
    pub read_only: Option<ReadOnly>,
}

/// The About box: what this build is and where it keeps its data (for support).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct About {
    /// Kasse's version.
    pub version: String,
    /// The commit it was built from (short hash), or `unknown`.
    pub commit: String,
    /// The data directory (the sales log, settings and logs).
    pub data_dir: String,
    /// The folder of the daily log files.
    pub log_dir: String,
    /// The operating system.
    pub os: String,
}

/// Why the app is read-only: its log was changed outside Kasse.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReadOnly {
    /// The journal row at fault, when a row is.
    pub seq: Option<i64>,
    /// The sale whose stored row is at fault, when one is.
    pub sale_id: Option<String>,
    /// What was found, in the core's words (English).
    pub problem: String,
}

impl From<&kasse_core::store::JournalBroken> for ReadOnly {
    fn from(why: &kasse_core::store::JournalBroken) -> ReadOnly {
        ReadOnly {
            seq: why.seq(),
            sale_id: why.sale_id().map(str::to_owned),
            problem: why.to_string(),
        }
    }
}

/// What the first screen shows, handed to the page before it loads (as
/// `window.__KASSE_BOOT__`, see `lib.rs`), so its first frame is already the Sell screen with
/// its quick items: the same answers `app_info`, `settings_get` and `parked` give.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Boot {
    pub info: AppInfo,
    pub settings: Settings,
    pub parked: Vec<SaleSummary>,
}

/// One line as the cashier entered it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderLineInput {
    pub description: String,
    /// Decimal string, up to 3 decimals.
    pub quantity: String,
    /// Minor units, VAT included.
    pub unit_price: i64,
    /// Decimal string, up to 2 decimals.
    pub vat: String,
    pub product_id: Option<String>,
    /// The line's discount (percent, amount off or a new unit price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<Discount>,
}

/// An order as the cashier entered it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderInput {
    pub currency: Option<String>,
    pub lines: Vec<OrderLineInput>,
    /// The whole order's discount (percent or amount off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<Discount>,
}

/// A priced line (amounts by kasse-core's rules).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PricedLine {
    pub line_id: String,
    pub description: String,
    pub product_id: Option<String>,
    pub quantity: String,
    pub unit_price: i64,
    pub vat: String,
    pub amount: i64,
    pub vat_amount: i64,
    /// What discounts took off the line (its price before them in `before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<LineDiscount>,
}

/// A priced order.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PricedOrder {
    pub currency: String,
    pub lines: Vec<PricedLine>,
    pub amount: i64,
    pub vat_amount: i64,
    /// The order's own discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub discount: Option<OrderDiscount>,
    /// Everything discounts took off (0: none).
    #[serde(default)]
    pub discount_total: i64,
    /// Whether charging it will ask for the manager's PIN (a discount above the limit).
    #[serde(default)]
    pub discount_needs_manager: bool,
}

/// A created checkout: what to show the customer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Charge {
    pub sale_id: String,
    pub session_id: String,
    pub url: String,
    pub qr_svg: String,
    pub merchant_reference: String,
    pub amount: i64,
    pub vat_amount: i64,
    pub currency: String,
    pub expires_at: String,
    /// The payment link sent by SMS, for a phone order.
    pub link: Option<kasse_core::link::LinkSent>,
}

pub use kasse_core::order::{Discount, LineDiscount, OrderDiscount};
pub use kasse_core::payment::{PaymentKind, PaymentMethod};
pub use kasse_core::receipt::{Receipt, ReceiptKind, ReceiptLine, ReceiptVat};
/// A sale's status: the core's own ([`kasse_core::sale::SaleStatus`]), exported as it is.
pub use kasse_core::report::{DayReport, ProductLine, StatusLine, VatLine};
pub use kasse_core::sale::SaleStatus;

/// Why an authorised sale is not captured yet: the core's own
/// ([`kasse_core::sale::Uncaptured`]), exported as it is.
pub use kasse_core::sale::Uncaptured;

/// An operation of a sale (capture, refund, void, cancel) and where it is: the core's own,
/// exported as `SaleOperation`.
pub use kasse_core::sale::{OpState, Operation};
/// A staff member's role: the core's own, exported as `StaffRole`.
pub use kasse_core::staff::Role;
/// What a sync did: the core's own report.
pub use kasse_core::SyncReport;

/// One row of the transaction list.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SaleSummary {
    pub sale_id: String,
    pub merchant_reference: String,
    pub session_id: Option<String>,
    pub transaction_id: Option<String>,
    pub status: SaleStatus,
    pub amount: i64,
    pub captured: i64,
    pub refunded: i64,
    pub currency: String,
    pub created_at: String,
    /// How it was paid, as facts the UI words (never Dintero's product id).
    pub payment_method: Option<PaymentMethod>,
    /// Authorised and not captured yet: why (Dintero is capturing it, or staff must).
    pub uncaptured: Option<Uncaptured>,
}

impl From<&Sale> for SaleSummary {
    fn from(s: &Sale) -> Self {
        SaleSummary {
            sale_id: s.id.clone(),
            merchant_reference: s.merchant_reference.clone(),
            session_id: s.session_id.clone(),
            transaction_id: s.transaction_id.clone(),
            status: s.status,
            amount: s.amount,
            captured: s.captured,
            refunded: s.refunded,
            currency: s.currency.clone(),
            created_at: rfc3339(s.created_at),
            payment_method: s.payment_method(),
            uncaptured: s.uncaptured(),
        }
    }
}

/// A page of the list.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SalePage {
    pub items: Vec<SaleSummary>,
    pub next_cursor: Option<String>,
}

/// Filters of the list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ListQuery {
    pub search: Option<String>,
    pub statuses: Vec<SaleStatus>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub cursor: Option<String>,
    pub limit: u32,
    /// Only the authorisations staff must capture (or void), oldest first, on one page.
    pub uncaptured: bool,
}

/// One journal row in the timeline.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SaleEvent {
    pub seq: i64,
    pub at: String,
    /// The journal row's kind (`sale_opened`, `operation_requested`, …).
    pub kind: String,
    /// What happened, as facts the UI words in the user's language.
    pub entry: kasse_core::timeline::TimelineEntry,
}

/// A sale with lines, what can still be done, and its timeline.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SaleDetail {
    pub sale: SaleSummary,
    pub lines: Vec<PricedLine>,
    /// Quantities already refunded per line id (decimal strings).
    pub refunded_quantities: std::collections::BTreeMap<String, String>,
    /// Quantities per line of refunds still pending (Dintero processing them, or their outcome
    /// being checked): not refunded yet, and not refundable again.
    pub pending_refund_quantities: std::collections::BTreeMap<String, String>,
    pub capturable: i64,
    pub refundable: i64,
    pub can_void: bool,
    pub checkout_url: Option<String>,
    pub expires_at: Option<String>,
    /// The payment link sent by SMS for this sale, if one was.
    pub link: Option<kasse_core::link::LinkSent>,
    pub events: Vec<SaleEvent>,
    /// Capture, void, refund and cancel operations, oldest first, with where each is.
    pub operations: Vec<Operation>,
}

/// A line and quantity to refund.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RefundLine {
    pub line_id: String,
    pub quantity: String,
}

/// What to refund: `lines` when given, else `amount`, else everything.
#[derive(Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RefundInput {
    pub amount: Option<i64>,
    pub lines: Vec<RefundLine>,
    pub reason: Option<String>,
    pub pin: Option<String>,
    /// The idempotency key of the dialog that asked: the same key again gets the first
    /// request's result, never a second refund.
    pub key: String,
}

// Written out so that the PIN is never printed.
impl std::fmt::Debug for RefundInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefundInput")
            .field("amount", &self.amount)
            .field("lines", &self.lines)
            .field("reason", &self.reason)
            .field("pin", &self.pin.as_ref().map(|_| "[redacted]"))
            .field("key", &self.key)
            .finish()
    }
}

/// What to capture (`None`: everything capturable).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CaptureInput {
    pub amount: Option<i64>,
    /// The idempotency key of the dialog that asked (see [`RefundInput::key`]).
    pub key: String,
}

/// Broadcast on every change (event `sale-changed`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SaleChanged {
    pub sale: SaleSummary,
    pub previous: Option<SaleStatus>,
}

impl From<&kasse_core::SaleChange> for SaleChanged {
    fn from(change: &kasse_core::SaleChange) -> SaleChanged {
        SaleChanged {
            sale: SaleSummary::from(&change.sale),
            previous: change.previous,
        }
    }
}

/// A message for the cashier (event `notice`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Notice {
    pub level: String,
    pub message: String,
}

/// A quick-item button.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QuickItem {
    pub id: String,
    pub label: String,
    pub unit_price: i64,
    pub vat: String,
    pub weighed: bool,
}

/// The settings a person edits: what [`Settings`] shows and [`SettingsInput`] saves, besides
/// the secret and the PIN.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SettingsFields {
    pub account_id: String,
    pub client_id: String,
    pub profile_id: String,
    pub currency: String,
    pub counter: String,
    pub vat_presets: Vec<String>,
    pub quick_items: Vec<QuickItem>,
    pub poll_waiting_ms: u32,
    pub poll_paying_ms: u32,
    pub language: String,
    /// Refunds up to this (minor units) need no PIN; above it, or always when 0, the
    /// manager's.
    pub refund_limit: i64,
    /// Discounts up to this share (hundredths of a percent) need no PIN; above it, or always
    /// when 0, the manager's.
    #[serde(default)]
    pub discount_limit: u32,
    /// The shop on its receipts and the receipt printer (kasse-core's, as saved).
    pub receipt: kasse_core::print::ReceiptSettings,
    /// "Capture at payment" (`kasse_core::settings::Settings::capture_at_payment`); absent in
    /// an input: on.
    #[serde(default = "on")]
    pub capture_at_payment: bool,
}

fn on() -> bool {
    true
}

/// Someone with a PIN (never the PIN).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffEntry {
    pub name: String,
    pub role: Role,
}

/// A PIN to set: `new_pin` for `name`, allowed by `pin` (the manager's, once one is set).
#[derive(Clone, Serialize, Deserialize, TS)]
pub struct StaffPinInput {
    pub name: String,
    pub role: Role,
    pub new_pin: String,
    pub pin: Option<String>,
}

// Written out so that the PINs are never printed.
impl std::fmt::Debug for StaffPinInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffPinInput")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("new_pin", &"[redacted]")
            .field("pin", &self.pin.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The settings as shown (no secret, only whether one is stored).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Settings {
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: SettingsFields,
    pub has_secret: bool,
    /// Who has a PIN; none: nothing is guarded until the manager PIN is set.
    pub staff: Vec<StaffEntry>,
}

/// The settings as saved: `client_secret` null keeps the stored one; `pin` is the manager's
/// PIN that allows the change (once one is set).
#[derive(Clone, Serialize, Deserialize, TS)]
pub struct SettingsInput {
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: SettingsFields,
    pub client_secret: Option<String>,
    pub pin: Option<String>,
}

// Written out so that the secret and the PIN are never printed.
impl std::fmt::Debug for SettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("SettingsInput")
            .field("fields", &self.fields)
            .field("client_secret", &hidden(&self.client_secret))
            .field("pin", &hidden(&self.pin))
            .finish()
    }
}

/// The answer of "Test connection".
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ConnectionReport {
    pub ok: bool,
    pub environment: Option<String>,
    pub message: String,
}

/// A CSV export written to the file the person chose.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CsvExport {
    /// The file written, in full.
    pub path: String,
    /// Sales in it.
    pub rows: u32,
}

/// Every rejected command answers with this: a code from a closed set and a sentence that
/// says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UiError {
    pub code: kasse_core::ErrorCode,
    pub message: String,
    /// `pin_wrong`: wrong PINs left before PIN actions lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tries_left: Option<u32>,
    /// `pin_locked`: seconds until PIN actions open again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub locked_seconds: Option<u64>,
}

/// What a scanned code adds to the cart (`kasse_core::products::ScanLine`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanResult {
    /// A line to add as it is; `weighed` when its quantity is kilograms.
    Line { line: OrderLineInput, weighed: bool },
    /// A product sold by weight scanned by its own code: ask for the kilograms.
    NeedsWeight {
        product: kasse_core::catalog::Product,
    },
    /// No product has this code: offer to add it.
    Unknown { gtin: String },
}
