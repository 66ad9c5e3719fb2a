//! The SQLite log: Kasse's source of truth for what this counter did (DESIGN.md §3).
//!
//! Tables (`migrations/`): `journal`, the append-only, hash-chained journal (triggers refuse
//! `UPDATE` and `DELETE`; [`journal`], its rows' stored form in `row`); `blobs`, the events' large JSON values (Dintero's
//! snapshots, the order) stored once each, compressed (`blob`), some after a dictionary trained on
//! the log's own snapshots (`dictionaries`); `journal_head`, the journal's
//! last row; `sales`, the projection derived from the events by [`crate::sale`]'s reducer, with
//! `checkout_urls` (the shop's checkout address once, `checkout_url`); `reference_counters`;
//! `settings` (never credentials).
//!
//! The parts: `append` (one event, or a group-committed queue, checked by the reducer and
//! written with the sale row and the chain's head in one `BEGIN IMMEDIATE` transaction, so the
//! projection never disagrees with the journal and two writers never fork the chain), `read`
//! (lookups, open sales, pending operations), [`list`] (the paginated list and search),
//! `projection` (checked against and rebuilt from the journal), `checkpoint` (the journal
//! checked at every start from the last sound check; a log changed outside Kasse is read-only),
//! `rebuild` (a sale's row checked before an operation; the projection repaired from a sound
//! journal), [`migrate`], [`settings`].
//!
//! Durability: WAL with `synchronous=FULL` by default ([`Durability`]): an intent written right
//! before a crash or a power cut is on disk when the API call is made; one event is exempt on
//! purpose ([`Store::append_without_fsync`]). Why, and what it costs, is in ARCHITECTURE.md
//! ("Durability") and BENCHMARKS.md. Errors are typed ([`StoreError`]); data read from disk is
//! never unwrapped.

mod anchor;
mod append;
mod blob;
mod catalog;
mod checkout_url;
mod checkpoint;
mod codec;
mod dict;
mod files;
pub mod journal;
pub mod list;
pub mod migrate;
mod projection;
mod read;
mod rebuild;
mod row;
pub mod settings;
mod staff;
#[doc(hidden)]
pub mod testing;
mod train;
mod views;
pub use staff::{pin_setting, StaffChange, LEGACY_MANAGER};

pub use projection::{ProjectionMismatch, ProjectionReport};

// The parts share their helpers through this module (each `use super::*`).
use append::*;
use blob::BlobReader;
use read::*;

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::clock::{from_unix_ms, normalize, unix_ms};
use crate::payment::CardSeen;
use crate::sale::{
    format_merchant_reference, LogEvent, Operation, ParseEnumError, Sale, SaleError, COUNTER_STREAM,
};

pub use journal::{JournalHead, JournalProblem, JournalReport, GENESIS_HASH};

/// Setting: the journal head the last sound [`Store::check_journal`] ended at.
pub const JOURNAL_CHECKED_KEY: &str = "journal.checked";
pub use anchor::{Anchor, HeadFormatError, PrintedHead};
pub use checkpoint::{Integrity, JournalBroken, JOURNAL_BROKEN_KEY};
pub use files::private_dir;
pub use list::{AmountFilter, ListQuery, Page, ProductTotalsRow, QueryPlan, Totals, TotalsRow};
pub use migrate::{Migration, LATEST_VERSION, MIGRATIONS};

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no (I/O, constraint not mapped below, …).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The log's file could not be made private to its owner.
    #[error("cannot make {path} private to its owner: {source}")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Another connection (another Kasse, or `kasse-cli`) held the log's lock for longer than
    /// [`StoreOptions::busy_timeout`]: most often a Kasse that is bringing the log up to a new
    /// schema after an upgrade, which can take a while on a large log. Nothing was written.
    #[error(
        "the log is in use by another Kasse (it may be updating the log after an upgrade, about \
         20 s per million sales): nothing was written; try again in a moment"
    )]
    Busy,
    /// The file was written by a newer Kasse.
    #[error("the database has schema version {found}, newer than the {supported} this Kasse knows: update Kasse")]
    SchemaTooNew {
        /// The file's version.
        found: i64,
        /// The newest this code knows.
        supported: i64,
    },
    /// A migration failed (nothing of it was applied).
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// Its version.
        version: i64,
        /// Its file.
        name: &'static str,
        /// Why.
        source: rusqlite::Error,
    },
    /// No such sale.
    #[error("sale {0} not found")]
    SaleNotFound(String),
    /// An opening event for a sale that exists.
    #[error("sale {0} already exists")]
    SaleExists(String),
    /// A unique value (session id, transaction id, local merchant reference, operation id) is
    /// already taken by another sale.
    #[error("{field} {value:?} already belongs to another sale")]
    Conflict {
        /// The column.
        field: String,
        /// The value (as far as known).
        value: String,
    },
    /// A Z report was closed by another counter (or window) while this one was made: its
    /// number and period are taken.
    #[error("Z report {z_number} was closed elsewhere meanwhile; make the Z report again")]
    DayClosedMeanwhile {
        /// The number this Z report would have had.
        z_number: u32,
    },
    /// The event does not fit the sale's state.
    #[error("event refused for sale {sale_id}: {source}")]
    Rejected {
        /// The sale.
        sale_id: String,
        /// Why.
        source: SaleError,
    },
    /// Settings refuse credentials.
    #[error("settings key {key:?} looks like a credential; credentials are never stored in the database")]
    SecretRefused {
        /// The key.
        key: String,
    },
    /// Bad argument.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A list cursor that this store did not make.
    #[error("invalid list cursor")]
    InvalidCursor,
    /// Data on disk that does not decode.
    #[error("corrupt data in {what}: {detail}")]
    Corrupt {
        /// Where.
        what: String,
        /// What.
        detail: String,
    },
    /// JSON encoding failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The commit of a group of appends failed (see [`Store::append`]); nothing of it was
    /// written.
    #[error("the commit failed, nothing was written: {0}")]
    CommitFailed(String),
    /// The log was changed outside Kasse: it is open read-only and this write was refused.
    #[error("the sales log was changed outside Kasse ({0}), so Kasse is read-only and wrote nothing: {fix}", fix = .0.fix())]
    JournalBroken(JournalBroken),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How hard a commit tries to reach the disk (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// `synchronous=FULL`: each commit is fsynced; survives power loss. Default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: survives a process crash, may lose the last commits on power loss.
    Normal,
}

/// Options for [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Fsync policy.
    pub durability: Durability,
    /// How long a writer waits for another connection's write lock.
    pub busy_timeout: Duration,
    /// SQLite page cache, KiB.
    pub cache_kib: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
            cache_kib: 16 * 1024,
        }
    }
}

/// What [`Store::append`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    /// The journal row's seq.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// The sale's view after the event.
    pub sale: Sale,
}

impl Appended {
    /// Keeps the view for the sale's next append; call it once the commit succeeded.
    fn keep_view(&self, views: &Mutex<views::Views>) {
        lock_ignoring_poison(views).put(self.seq, &self.sale);
    }
}

/// One journal row of a sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Position in the journal.
    pub seq: i64,
    /// The sale.
    pub sale_id: String,
    /// When it was written (UTC, ms).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The event.
    pub event: LogEvent,
    /// The row's hash.
    pub hash: String,
}

/// An operation without a final outcome, with its sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOperation {
    /// The sale (its view includes the operation).
    pub sale: Sale,
    /// The operation.
    pub operation: Operation,
}

/// What a new local sale needs; the merchant reference is allocated by [`Store::open_sale`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSale {
    /// Counter name (reference prefix).
    pub counter: String,
    /// Currency.
    pub currency: String,
    /// Total, minor units.
    pub amount: i64,
    /// VAT, minor units.
    pub vat_amount: i64,
    /// The priced order (opaque JSON).
    pub order: Value,
    /// The session asks Dintero to capture at authorisation ([`crate::sale::LogEvent::SaleOpened`]).
    pub auto_capture: bool,
}

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

fn time_col(row: &Row<'_>, i: usize, what: &str) -> Result<OffsetDateTime> {
    time_ms(row.get(i)?, what)
}

fn time_ms(ms: i64, what: &str) -> Result<OffsetDateTime> {
    from_unix_ms(ms).ok_or_else(|| corrupt(what, format!("time {ms} out of range")))
}

/// Maps a UNIQUE violation to [`StoreError::Conflict`] naming the column.
fn map_constraint(e: rusqlite::Error, sale: Option<&Sale>, event: Option<&LogEvent>) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            if let Some(col) = msg.strip_prefix("UNIQUE constraint failed: ") {
                let field = match col.rsplit('.').next().unwrap_or(col) {
                    // The journal's name for an intent's operation id.
                    "intent" => "op_id",
                    other => other,
                }
                .to_owned();
                let value = match (field.as_str(), sale, event) {
                    ("session_id", Some(s), _) => s.session_id.clone().unwrap_or_default(),
                    ("transaction_id", Some(s), _) => s.transaction_id.clone().unwrap_or_default(),
                    ("merchant_reference", Some(s), _) => s.merchant_reference.clone(),
                    ("id", Some(s), _) => s.id.clone(),
                    ("op_id", _, Some(ev)) => ev.op_id().unwrap_or_default().to_owned(),
                    _ => String::new(),
                };
                return StoreError::Conflict { field, value };
            }
        }
    }
    StoreError::from(e)
}

/// The SQLite log. Cheap to share (`Arc<Store>`): one connection behind a mutex; several
/// `Store`s (or processes) may open the same file.
pub struct Store {
    conn: Mutex<Connection>,
    /// Appends waiting for their commit (group commit, see [`Store::append`]).
    queue: Mutex<AppendQueue>,
    /// Signalled when a group commit has published its results.
    committed: Condvar,
    /// Sale views the latest commits wrote (locked inside `conn`'s lock).
    views: Mutex<views::Views>,
    path: Option<PathBuf>,
    options: StoreOptions,
    /// Why writes are refused (the journal or the projection was found changed outside
    /// Kasse); shared by the stores [`Store::reopen`] made (`checkpoint`).
    read_only: std::sync::Arc<Mutex<Option<JournalBroken>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database file and migrates it, with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the database file with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        files::private_database(&path).map_err(|source| StoreError::Permissions {
            path: path.clone(),
            source,
        })?;
        let conn = Connection::open(&path)?;
        Self::init(conn, Some(path), options)
    }

    /// A private in-memory database (tests, demo).
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, None, StoreOptions::default())
    }

    fn init(mut conn: Connection, path: Option<PathBuf>, options: StoreOptions) -> Result<Store> {
        conn.busy_timeout(options.busy_timeout)?;
        // Refuse a newer schema before touching anything.
        let version = migrate::current_version(&conn)?;
        if version > LATEST_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported: LATEST_VERSION,
            });
        }
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if path.is_some() && !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(journal_mode = %mode, "SQLite refused WAL mode; continuing with {mode}");
        }
        let sync = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -i64::from(options.cache_kib))?;
        migrate::migrate(&mut conn)?;
        // Once in a log's life; a log that cannot have one now is only bigger, so an error
        // here is logged, not returned (it leaves nothing written).
        match train::train_if_due(&mut conn) {
            Ok(kinds) if !kinds.is_empty() => {
                tracing::info!(?kinds, "trained compression dictionaries on the log");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "no dictionary trained on the log"),
        }
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn: Mutex::new(conn),
            queue: Mutex::new(AppendQueue::default()),
            committed: Condvar::new(),
            views: Mutex::default(),
            path,
            options,
            read_only: Default::default(),
        })
    }

    /// The file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        migrate::current_version(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back (rusqlite's Transaction
        // rolls back on drop); the connection is usable.
        lock_ignoring_poison(&self.conn)
    }

    fn write<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        self.writable()?;
        self.write_unchecked(f)
    }

    /// [`Store::write`] even when the store is read-only: for what keeps the log usable
    /// (the counter's id, the journal check's own records, a projection rebuilt from a sound
    /// journal), never for a sale or a setting.
    fn write_unchecked<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let r = f(&tx)?;
        tx.commit()?;
        Ok(r)
    }

    /// Runs `f` on a read-only connection of its own (file databases), in one read transaction,
    /// so long checks see a consistent snapshot without blocking the writer.
    fn read_snapshot<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        match &self.path {
            Some(path) => {
                let mut conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(self.options.busy_timeout)?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
                let r = f(&tx)?;
                tx.finish()?;
                Ok(r)
            }
            None => {
                let mut conn = self.lock();
                let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
                let r = f(&tx)?;
                tx.finish()?;
                Ok(r)
            }
        }
    }

    // ----- integrity -------------------------------------------------------------------------

    /// Checks the hash chain of the whole journal (see [`journal`]).
    pub fn verify_journal(&self) -> Result<JournalReport> {
        self.read_snapshot(journal::verify)
    }

    /// Checks only the rows after `since` (a head an earlier check ended at) and the head
    /// record: cost proportional to the rows appended since. It finds rows edited, inserted or
    /// removed after `since`, rows removed at the end, and a rewrite of older rows that re-hashed
    /// them (the link at `since.seq + 1` breaks); an edit of an older row that left its hash
    /// alone is found only by [`Store::verify_journal`].
    pub fn verify_journal_after(&self, since: Option<&JournalHead>) -> Result<JournalReport> {
        self.read_snapshot(|conn| journal::verify_after(conn, since))
    }

    /// The check the shells run at start: the rows appended since the last check that found
    /// the journal sound (all of it the first time), which then becomes the new starting point.
    /// A journal with problems keeps its old starting point, so every start reports them.
    pub fn check_journal(&self) -> Result<JournalReport> {
        let since = self.setting_as::<JournalHead>(JOURNAL_CHECKED_KEY)?;
        let report = self.verify_journal_after(since.as_ref())?;
        if report.ok {
            if let Some(head) = &report.head {
                if since.as_ref() != Some(head) {
                    settings::set(
                        &self.lock(),
                        JOURNAL_CHECKED_KEY,
                        &settings::to_value(head)?,
                    )?;
                }
            }
        }
        Ok(report)
    }

    // ----- settings --------------------------------------------------------------------------

    /// A setting's JSON value.
    pub fn setting(&self, key: &str) -> Result<Option<Value>> {
        settings::get(&self.lock(), key)
    }

    /// A setting, decoded into `T`.
    pub fn setting_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.setting(key)?
            .map(|v| settings::from_value(key, v))
            .transpose()
    }

    /// Sets a setting (refuses secret-looking keys and token-looking values).
    pub fn set_setting<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.writable()?;
        let v = settings::to_value(value)?;
        settings::set(&self.lock(), key, &v)
    }

    /// Removes a setting; whether it existed.
    pub fn delete_setting(&self, key: &str) -> Result<bool> {
        self.writable()?;
        settings::delete(&self.lock(), key)
    }

    /// Every setting, by key.
    pub fn settings(&self) -> Result<Vec<(String, Value)>> {
        settings::all(&self.lock())
    }

    /// This counter's id (`K7QM2X`): made once, when a new log is first asked, and kept. It is
    /// the prefix of the counter's merchant references unless the counter was given one, so
    /// that two counters of a shop never make the same references.
    pub fn counter_id(&self) -> Result<String> {
        // Made once per log, before any sale: a read-only log (which has sales) has it already.
        self.write_unchecked(|tx| settings::counter_id(tx))
    }
}

fn lock_ignoring_poison<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A small local sale, for the store's unit tests.
#[cfg(test)]
fn small_sale() -> NewSale {
    NewSale {
        counter: "K1".into(),
        currency: "NOK".into(),
        amount: 100,
        vat_amount: 20,
        order: Value::Null,
        auto_capture: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
        assert_send_sync::<StoreError>();
    }

    fn synchronous(store: &Store) -> i64 {
        store
            .lock()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_append_without_fsync_is_kept_and_leaves_the_connection_at_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kasse.sqlite");
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let store = Store::open(&path).unwrap();
        const FULL: i64 = 2;
        assert_eq!(synchronous(&store), FULL);
        store.open_sale("s1", &small_sale(), at).unwrap();
        let session = LogEvent::SessionCreated {
            session_id: "T1".into(),
            url: "https://checkout.example/v1/view/T1".into(),
            expires_at: None,
        };
        let appended = store.append_without_fsync("s1", &session, at).unwrap();
        assert_eq!(appended.sale.session_id.as_deref(), Some("T1"));
        assert_eq!(synchronous(&store), FULL);
        // A refused event (a second session for the same sale) restores FULL too.
        let again = store.append_without_fsync("s1", &session, at);
        assert!(again.is_err(), "{again:?}");
        assert_eq!(synchronous(&store), FULL);
        drop(store);
        let reopened = Store::open(&path).unwrap();
        let sale = reopened.sale("s1").unwrap().unwrap();
        assert_eq!(sale.session_id.as_deref(), Some("T1"));
        assert_eq!(reopened.events("s1").unwrap().len(), 2);
    }
}
