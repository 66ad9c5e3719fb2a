//! The SQLite log: Kasse's source of truth for what this counter did (DESIGN.md §3).
//!
//! # Tables (`migrations/0001_init.sql`)
//! * `events`: the **append-only, hash-chained journal** (`seq`, `sale_id`, `at` in Unix ms,
//!   `kind`, `op_id`, `data` JSON, `prev_hash`, `hash`). Triggers make SQLite itself refuse any
//!   `UPDATE` or `DELETE` on it. The chain is described and verified in [`journal`].
//! * `journal_head`: the last row's `(seq, hash)`, so removing rows at the end is detected.
//! * `sales`: the **projection**, one row per sale, derived from its events by the pure reducer
//!   of [`crate::sale`]; columns and indexes for the list ([`list`]).
//! * `reference_counters`: the merchant-reference sequence per counter and day.
//! * `settings`: key → JSON ([`settings`]); never credentials.
//!
//! # Writing
//! [`Store::append`] checks the event against the sale's current view
//! ([`Sale::validate`]), folds it in ([`Sale::apply`]), and writes the journal row, the sale row
//! and the head in **one** `BEGIN IMMEDIATE` transaction: the projection never disagrees with the
//! journal, and appends from several handles or processes on one file are serialized (the write
//! lock is taken before the last `seq` is read, so two writers cannot fork the chain).
//! [`Store::open_sale`] also allocates the merchant reference (`KASSE1-20261124-0042`) in that
//! same transaction. [`Store::append_many`] writes several events, of one or more sales, in one
//! transaction (one fsync).
//!
//! # Durability
//! The database runs in WAL mode. [`Durability::Full`] (the default) is `synchronous=FULL`: every
//! commit fsyncs the WAL, so an intent written right before a crash *or a power cut* is on disk
//! when the API call is made. [`Durability::Normal`] (`synchronous=NORMAL`) skips that fsync: it
//! survives a process crash (kill -9: the WAL is in the OS page cache) but may lose the last
//! commits on power loss, never corrupting the file. A POS writes a handful of events per sale,
//! so the fsync per commit is affordable and `Full` is the default. One event is exempt on
//! purpose: [`Store::append_without_fsync`] (the charge's `session_created`, whose loss the
//! engine recovers from by merchant reference).
//!
//! The cost, measured on the development VM (2 vCPU shared with other builds, virtio disk whose
//! raw 4 KiB write+fsync rate swung between 2,000 and 5,800/s during the runs; release build;
//! 20,000 events = 5,000 sales × open, session, authorized, note; `tests/store_perf.rs`,
//! `KASSE_STORE_BENCH_N=20000 cargo test --release -p kasse-core --test store_perf -- --nocapture`):
//!
//! | policy | events per commit | events/s |
//! |---|---|---|
//! | `Full` | 1 (`append`, one thread) | 3,500 – 5,200 (one fsync per commit: bounded by the disk) |
//! | `Full` | 1 (`append` from 4 threads: group commit) | 6,000 – 8,100 |
//! | `Full` | 4 (`append_many`) | 11,000 – 14,000 |
//! | `Full` | 100 (`append_many`) | 32,000 – 49,000 (the CPU cost, ~21 µs/event) |
//! | `Normal` | 1 | 15,000 – 19,000 |
//!
//! An append writes 4 to 11 WAL pages (an event row, its index entry, the sale row, the head;
//! an opening event also the sale's index entries: an update rewrites only the columns and
//! indexes that changed). So under `Full` a serial single-event writer gets about the disk's
//! fsync rate; a counter needs a few events per sale, orders of magnitude below that. Writers
//! that have several events at once (sync's imports, a batch of observations) use
//! [`Store::append_many`], and concurrent writers share commits automatically. `Normal` is
//! there for machines whose fsync is very slow, at the cost of losing the last commits on
//! power loss (never on a process crash).
//!
//! # Reading
//! Lookups by id, session, transaction, reference ([`Store::find`] tries them all), a sale's
//! events, the open sales (for the watcher to resume), the pending operations (for the
//! reconciler on start), the paginated list with filters and search, and day totals. Integrity:
//! [`Store::verify_journal`] checks the chain; [`Store::check_projection`] replays every sale's
//! events and reports the sales whose stored view differs; [`Store::rebuild_projection`]
//! re-derives all of them (after a reducer change, or a repair). For a file database, these two
//! checks read through a separate read-only connection (WAL lets it read a consistent snapshot
//! while the counter keeps writing).
//!
//! Errors are typed ([`StoreError`]); data read from disk is never unwrapped.

pub mod journal;
pub mod list;
pub mod migrate;
pub mod settings;

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
use crate::sale::{
    format_merchant_reference, LogEvent, Operation, ParseEnumError, Sale, SaleError,
};

pub use journal::{JournalHead, JournalProblem, JournalReport, GENESIS_HASH};

/// Setting: the journal head the last sound [`Store::check_journal`] ended at.
pub const JOURNAL_CHECKED_KEY: &str = "journal.checked";
pub use list::{AmountFilter, ListQuery, Page, ProductTotalsRow, QueryPlan, Totals, TotalsRow};
pub use migrate::{Migration, LATEST_VERSION, MIGRATIONS};

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no (I/O, constraint not mapped below, …).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
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
}

/// A sale whose stored view differs from the replay of its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionMismatch {
    /// The sale.
    pub sale_id: String,
    /// What differs: field names, or `missing_row` (events but no sale row), `no_events` (a sale
    /// row without events), `unreplayable: …` (the events do not make a sale).
    pub differences: Vec<String>,
}

/// The result of [`Store::check_projection`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionReport {
    /// Sales compared.
    pub sales: u64,
    /// The ones that differ.
    pub mismatches: Vec<ProjectionMismatch>,
}

impl ProjectionReport {
    /// No differences.
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// The sales columns, in the order [`sale_from_row`] reads them.
pub(crate) const SALE_COLUMNS: &str = "id, merchant_reference, counter, session_id, \
    transaction_id, checkout_url, expires_at, currency, amount, vat_amount, status, captured, \
    refunded, created_at, updated_at, origin, payment_product, last_error, pending_ops, \
    operations, order_json, last_seq";

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: detail.to_string(),
    }
}

fn time_col(row: &Row<'_>, i: usize, what: &str) -> Result<OffsetDateTime> {
    let ms: i64 = row.get(i)?;
    from_unix_ms(ms).ok_or_else(|| corrupt(what, format!("time {ms} out of range")))
}

/// Reads a sale from a row selected with [`SALE_COLUMNS`].
pub(crate) fn sale_from_row(row: &Row<'_>) -> Result<Sale> {
    let id: String = row.get(0)?;
    let what = |col: &str| format!("sales.{col} of {id}");
    let parse_enum = |e: ParseEnumError| corrupt(&format!("sale {id}"), e);
    let expires_at = match row.get::<_, Option<i64>>(6)? {
        None => None,
        Some(ms) => {
            Some(from_unix_ms(ms).ok_or_else(|| corrupt(&what("expires_at"), "out of range"))?)
        }
    };
    let status: String = row.get(10)?;
    let origin: String = row.get(15)?;
    let pending: i64 = row.get(18)?;
    let ops: String = row.get(19)?;
    let order: String = row.get(20)?;
    Ok(Sale {
        merchant_reference: row.get(1)?,
        counter: row.get(2)?,
        session_id: row.get(3)?,
        transaction_id: row.get(4)?,
        checkout_url: row.get(5)?,
        expires_at,
        currency: row.get(7)?,
        amount: row.get(8)?,
        vat_amount: row.get(9)?,
        status: status.parse().map_err(parse_enum)?,
        captured: row.get(11)?,
        refunded: row.get(12)?,
        created_at: time_col(row, 13, &what("created_at"))?,
        updated_at: time_col(row, 14, &what("updated_at"))?,
        origin: origin.parse().map_err(parse_enum)?,
        payment_product: row.get(16)?,
        last_error: row.get(17)?,
        pending_ops: u32::try_from(pending).map_err(|e| corrupt(&what("pending_ops"), e))?,
        operations: serde_json::from_str(&ops).map_err(|e| corrupt(&what("operations"), e))?,
        order: serde_json::from_str(&order).map_err(|e| corrupt(&what("order_json"), e))?,
        id,
    })
}

/// Maps a UNIQUE violation to [`StoreError::Conflict`] naming the column.
fn map_constraint(e: rusqlite::Error, sale: Option<&Sale>, event: Option<&LogEvent>) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            if let Some(col) = msg.strip_prefix("UNIQUE constraint failed: ") {
                let field = col.rsplit('.').next().unwrap_or(col).to_owned();
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
    path: Option<PathBuf>,
    options: StoreOptions,
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
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn: Mutex::new(conn),
            queue: Mutex::new(AppendQueue::default()),
            committed: Condvar::new(),
            path,
            options,
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

    // ----- writing ---------------------------------------------------------------------------

    /// Appends one event to a sale's journal and updates its view, in one transaction.
    ///
    /// The first event of a sale must be `sale_opened` or `imported`; later events are checked
    /// with [`Sale::validate`]. `at` is stored in UTC milliseconds.
    ///
    /// **Group commit**: when several threads append at once, the one that gets the connection
    /// commits every append queued meanwhile in one transaction (each in its own savepoint, so a
    /// refused event does not affect the others), sharing one fsync. Each call still returns
    /// only once its own event is committed (durably, under [`Durability::Full`]).
    pub fn append(&self, sale_id: &str, event: &LogEvent, at: OffsetDateTime) -> Result<Appended> {
        let mut q = lock_ignoring_poison(&self.queue);
        let id = q.next_id;
        q.next_id += 1;
        q.waiting.push(QueuedAppend {
            id,
            sale_id: sale_id.to_owned(),
            event: event.clone(),
            at,
        });
        loop {
            if let Some(done) = q.done.remove(&id) {
                return done;
            }
            if q.leader {
                // Another thread is committing; it publishes and signals when done.
                q = self
                    .committed
                    .wait(q)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // Become the leader: commit everything queued, ours included.
            q.leader = true;
            drop(q);
            let mut leader = Leader {
                store: self,
                taken: Vec::new(),
                results: Vec::new(),
            };
            let mut conn = self.lock();
            // Take what queued up while we waited for the connection too.
            let batch = std::mem::take(&mut lock_ignoring_poison(&self.queue).waiting);
            leader.taken = batch.iter().map(|b| b.id).collect();
            leader.results = commit_batch(&mut conn, &batch);
            drop(conn);
            drop(leader); // publishes the results and signals
            q = lock_ignoring_poison(&self.queue);
        }
    }

    /// Appends one event like [`Store::append`], but commits it **without waiting for the disk**
    /// (`synchronous=NORMAL` for this one commit, then back to the store's policy).
    ///
    /// The event survives a process crash (the WAL is in the OS page cache, and SQLite never
    /// corrupts the file); only a power cut or OS crash before the next fsync'd commit can lose
    /// it, and any later commit under [`Durability::Full`] fsyncs the WAL with it. Use it only
    /// for an event whose loss the engine already recovers from: the charge's
    /// `session_created` (the intent before it is fsync'd, and a sale with an intent but no
    /// session is looked up by its merchant reference), so the cashier waits for one fsync per
    /// charge instead of two. Never for an intent.
    pub fn append_without_fsync(
        &self,
        sale_id: &str,
        event: &LogEvent,
        at: OffsetDateTime,
    ) -> Result<Appended> {
        if self.path.is_none() || self.options.durability != Durability::Full {
            return self.append(sale_id, event, at);
        }
        let mut conn = self.lock();
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let appended = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let appended = append_in(&tx, sale_id, event, at)?;
            tx.commit()?;
            Ok(appended)
        })();
        // Restore FULL whatever happened: a connection left at NORMAL would silently weaken
        // every later commit. If even that fails, the connection is not trusted any more.
        // (Setting a pragma fails only on misuse or out of memory; the error says so.)
        if let Err(e) = conn.pragma_update(None, "synchronous", "FULL") {
            tracing::error!(error = %e, "could not restore synchronous=FULL after a commit");
            return Err(e.into());
        }
        appended
    }

    /// Appends several events (of one or more sales, in order) in one transaction: all or
    /// nothing, one fsync.
    pub fn append_many<'a, I>(&self, events: I) -> Result<Vec<Appended>>
    where
        I: IntoIterator<Item = (&'a str, &'a LogEvent, OffsetDateTime)>,
    {
        self.write(|tx| {
            events
                .into_iter()
                .map(|(sale_id, ev, at)| append_in(tx, sale_id, ev, at))
                .collect()
        })
    }

    /// Opens a local sale: allocates the next merchant reference of `new.counter` for the day of
    /// `at` (in `at`'s own offset: pass local time for local days) and appends
    /// [`LogEvent::SaleOpened`], in one transaction. Call it **before** creating the session.
    pub fn open_sale(&self, sale_id: &str, new: &NewSale, at: OffsetDateTime) -> Result<Appended> {
        check_counter(&new.counter)?;
        self.write(|tx| {
            let day = at.date();
            let mut reference;
            loop {
                let seq = bump_sequence(tx, &new.counter, day)?;
                reference = format_merchant_reference(&new.counter, day, seq);
                // Skip a number somebody already used by hand (e.g. an earlier append).
                let taken: Option<i64> = tx
                    .prepare_cached(
                        "SELECT 1 FROM sales WHERE merchant_reference = ?1 AND origin = 'local'",
                    )?
                    .query_row([&reference], |r| r.get(0))
                    .optional()?;
                if taken.is_none() {
                    break;
                }
            }
            let ev = LogEvent::SaleOpened {
                merchant_reference: reference,
                counter: new.counter.clone(),
                currency: new.currency.clone(),
                amount: new.amount,
                vat_amount: new.vat_amount,
                order: new.order.clone(),
            };
            append_in(tx, sale_id, &ev, at)
        })
    }

    /// Allocates the next sequence number of `counter` on `day` (1, 2, …), in its own
    /// transaction. [`Store::open_sale`] does this itself.
    pub fn next_sequence(&self, counter: &str, day: Date) -> Result<u32> {
        check_counter(counter)?;
        self.write(|tx| bump_sequence(tx, counter, day))
    }

    // ----- reading ---------------------------------------------------------------------------

    fn one_sale(&self, where_clause: &str, param: &str) -> Result<Option<Sale>> {
        let conn = self.lock();
        query_one_sale(&conn, where_clause, param)
    }

    /// A sale by Kasse id.
    pub fn sale(&self, id: &str) -> Result<Option<Sale>> {
        self.one_sale("id = ?1", id)
    }

    /// A sale by Dintero session id.
    pub fn sale_by_session(&self, session_id: &str) -> Result<Option<Sale>> {
        self.one_sale("session_id = ?1", session_id)
    }

    /// A sale by Dintero transaction id.
    pub fn sale_by_transaction(&self, transaction_id: &str) -> Result<Option<Sale>> {
        self.one_sale("transaction_id = ?1", transaction_id)
    }

    /// A sale by merchant reference: the local one if any, else the newest imported one.
    pub fn sale_by_reference(&self, reference: &str) -> Result<Option<Sale>> {
        self.one_sale(
            "merchant_reference = ?1 ORDER BY origin = 'local' DESC, created_at DESC",
            reference,
        )
    }

    /// The sale owning an operation.
    pub fn sale_by_operation(&self, op_id: &str) -> Result<Option<Sale>> {
        self.one_sale(
            "id = (SELECT sale_id FROM events WHERE op_id = ?1 AND kind = 'operation_requested')",
            op_id,
        )
    }

    /// A sale by transaction id, session id, merchant reference or Kasse id (in that order).
    pub fn find(&self, id_or_reference: &str) -> Result<Option<Sale>> {
        let key = id_or_reference.trim();
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(s) = self.sale_by_transaction(key)? {
            return Ok(Some(s));
        }
        if let Some(s) = self.sale_by_session(key)? {
            return Ok(Some(s));
        }
        if let Some(s) = self.sale_by_reference(key)? {
            return Ok(Some(s));
        }
        self.sale(key)
    }

    /// A sale's events, in order.
    pub fn events(&self, sale_id: &str) -> Result<Vec<StoredEvent>> {
        let conn = self.lock();
        sale_events(&conn, sale_id)
    }

    /// Every sale the watcher must follow (status open), oldest first.
    pub fn open_sales(&self) -> Result<Vec<Sale>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_open
             WHERE status IN ('creating', 'waiting', 'paying', 'on_hold', 'unknown')
             ORDER BY created_at"
        );
        query_sales(&conn, &sql, [])
    }

    /// Every operation without a final outcome (an intent whose outcome was never written, or an
    /// unknown outcome), with its sale, oldest sale first: to reconcile on start.
    pub fn pending_operations(&self) -> Result<Vec<PendingOperation>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales INDEXED BY sales_pending
             WHERE pending_ops > 0 ORDER BY created_at"
        );
        let sales = query_sales(&conn, &sql, [])?;
        Ok(sales
            .into_iter()
            .flat_map(|sale| {
                let ops: Vec<Operation> = sale.pending_operations().cloned().collect();
                ops.into_iter().map(move |operation| PendingOperation {
                    sale: sale.clone(),
                    operation,
                })
            })
            .collect())
    }

    /// One page of the transaction list.
    pub fn list(&self, query: &ListQuery) -> Result<Page> {
        list::list(&self.lock(), query)
    }

    /// The plan [`Store::list`] would use for `query` (diagnostics, tests, benchmarks).
    pub fn explain_list(&self, query: &ListQuery) -> Result<QueryPlan> {
        list::explain(&self.lock(), query)
    }

    /// Totals of the sales created in `[from, to)`, per status and currency, and per payment
    /// product for paid sales.
    pub fn totals(&self, from: OffsetDateTime, to: OffsetDateTime) -> Result<Totals> {
        list::totals(&self.lock(), from, to)
    }

    /// Number of sales.
    pub fn count_sales(&self) -> Result<i64> {
        Ok(self
            .lock()
            .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))?)
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
                    self.set_setting(JOURNAL_CHECKED_KEY, head)?;
                }
            }
        }
        Ok(report)
    }

    /// A sale's view replayed from its events (`None` when it has no events).
    pub fn rebuild_sale(&self, sale_id: &str) -> Result<Option<Sale>> {
        let events = self.events(sale_id)?;
        if events.is_empty() {
            return Ok(None);
        }
        Sale::rebuild(sale_id, events.iter().map(|e| (&e.event, e.at)))
            .map(Some)
            .map_err(|source| StoreError::Rejected {
                sale_id: sale_id.to_owned(),
                source,
            })
    }

    /// Replays every sale's events and compares with the stored view.
    pub fn check_projection(&self) -> Result<ProjectionReport> {
        self.read_snapshot(|conn| {
            let mut report = ProjectionReport {
                sales: 0,
                mismatches: Vec::new(),
            };
            // Merge-join the sale rows (by id) with the replayed journal (by sale id).
            let mut stmt =
                conn.prepare(&format!("SELECT {SALE_COLUMNS} FROM sales ORDER BY id"))?;
            let mut rows = stmt.query([])?;
            let mut next_stored = move || -> Result<Option<(Sale, i64)>> {
                match rows.next()? {
                    None => Ok(None),
                    Some(r) => Ok(Some((sale_from_row(r)?, r.get(21)?))),
                }
            };
            let mut stored = next_stored()?;
            let mismatch = |report: &mut ProjectionReport, id: String, d: Vec<String>| {
                report.sales += 1;
                if !d.is_empty() {
                    report.mismatches.push(ProjectionMismatch {
                        sale_id: id,
                        differences: d,
                    });
                }
            };
            replay_each(conn, |group| {
                // Sale rows without events sort before this sale.
                while let Some((s, _)) = stored.take_if(|(s, _)| s.id < group.sale_id) {
                    mismatch(&mut report, s.id, vec!["no_events".into()]);
                    stored = next_stored()?;
                }
                let here = stored.take_if(|(s, _)| s.id == group.sale_id);
                if here.is_some() {
                    stored = next_stored()?;
                }
                let differences = match (&group.rebuilt, here) {
                    (_, None) => vec!["missing_row".to_owned()],
                    (Err(e), Some(_)) => vec![format!("unreplayable: {e}")],
                    (Ok(rebuilt), Some((view, last_seq))) => {
                        let mut d = diff(&view, rebuilt);
                        if last_seq != group.last_seq {
                            d.push("last_seq".into());
                        }
                        d
                    }
                };
                mismatch(&mut report, group.sale_id, differences);
                Ok(())
            })?;
            while let Some((s, _)) = stored {
                mismatch(&mut report, s.id, vec!["no_events".into()]);
                stored = next_stored()?;
            }
            Ok(report)
        })
    }

    /// Re-derives every sale row from the journal (after a reducer change, or to repair a
    /// projection that [`Store::check_projection`] found different). Returns the number of
    /// sales written. The journal is not touched.
    pub fn rebuild_projection(&self) -> Result<u64> {
        self.write(|tx| {
            tx.execute("DELETE FROM sales", [])?;
            let mut n = 0u64;
            replay_each(tx, |group| {
                let sale = group.rebuilt.map_err(|source| StoreError::Rejected {
                    sale_id: group.sale_id.clone(),
                    source,
                })?;
                write_sale(tx, &sale, None, group.last_seq)
                    .map_err(|e| map_constraint(e, Some(&sale), None))?;
                n += 1;
                Ok(())
            })?;
            Ok(n)
        })
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
        let v = settings::to_value(value)?;
        settings::set(&self.lock(), key, &v)
    }

    /// Removes a setting; whether it existed.
    pub fn delete_setting(&self, key: &str) -> Result<bool> {
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
        self.write(|tx| settings::counter_id(tx))
    }
}

fn check_counter(counter: &str) -> Result<()> {
    if counter.trim().is_empty() || counter.len() > 32 || counter.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            field: "counter",
            reason: format!("{counter:?}: 1 to 32 characters, no control characters"),
        });
    }
    Ok(())
}

fn bump_sequence(tx: &Transaction<'_>, counter: &str, day: Date) -> Result<u32> {
    let day = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let last: i64 = tx
        .prepare_cached(
            "INSERT INTO reference_counters (counter, day, last) VALUES (?1, ?2, 1)
             ON CONFLICT (counter, day) DO UPDATE SET last = last + 1
             RETURNING last",
        )?
        .query_row(params![counter, day], |r| r.get(0))?;
    u32::try_from(last).map_err(|e| corrupt("reference_counters.last", e))
}

fn query_sales<P: rusqlite::Params>(conn: &Connection, sql: &str, p: P) -> Result<Vec<Sale>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(sale_from_row(row)?);
    }
    Ok(out)
}

fn query_one_sale(conn: &Connection, where_clause: &str, param: &str) -> Result<Option<Sale>> {
    let sql = format!("SELECT {SALE_COLUMNS} FROM sales WHERE {where_clause} LIMIT 1");
    Ok(query_sales(conn, &sql, [param])?.into_iter().next())
}

fn decode_event(seq: i64, data: &str) -> Result<LogEvent> {
    serde_json::from_str(data).map_err(|e| corrupt(&format!("events row {seq}"), e))
}

fn sale_events(conn: &Connection, sale_id: &str) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, at, data, hash FROM events WHERE sale_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([sale_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let data: String = r.get(2)?;
        out.push(StoredEvent {
            seq,
            sale_id: sale_id.to_owned(),
            at: time_col(r, 1, &format!("events row {seq}"))?,
            event: decode_event(seq, &data)?,
            hash: r.get(3)?,
        });
    }
    Ok(out)
}

fn lock_ignoring_poison<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An [`Store::append`] waiting for its commit.
struct QueuedAppend {
    id: u64,
    sale_id: String,
    event: LogEvent,
    at: OffsetDateTime,
}

/// The group-commit state, behind [`Store::queue`].
#[derive(Default)]
struct AppendQueue {
    next_id: u64,
    /// Appends not yet taken by a leader.
    waiting: Vec<QueuedAppend>,
    /// Results not yet picked up, by append id.
    done: std::collections::HashMap<u64, Result<Appended>>,
    /// A thread is committing.
    leader: bool,
}

/// The committing thread's duty, done on drop (also when unwinding from a panic): publish a
/// result for every append it took (an error for those it never committed), step down, wake the
/// waiters.
struct Leader<'a> {
    store: &'a Store,
    taken: Vec<u64>,
    results: Vec<Result<Appended>>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut q = lock_ignoring_poison(&self.store.queue);
        let mut results = std::mem::take(&mut self.results).into_iter();
        for id in self.taken.drain(..) {
            let r = results.next().unwrap_or_else(|| {
                Err(StoreError::CommitFailed(
                    "the writing thread panicked".into(),
                ))
            });
            q.done.insert(id, r);
        }
        q.leader = false;
        self.store.committed.notify_all();
    }
}

/// Commits a batch of queued appends in one transaction, each in a savepoint; one result each.
fn commit_batch(conn: &mut Connection, batch: &[QueuedAppend]) -> Vec<Result<Appended>> {
    let fail_all = |e: &StoreError| {
        batch
            .iter()
            .map(|_| match e {
                // Still typed: the caller can say "try again" rather than "failed".
                StoreError::Busy => Err(StoreError::Busy),
                e => Err(StoreError::CommitFailed(e.to_string())),
            })
            .collect()
    };
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(&e.into()),
    };
    let mut results = Vec::with_capacity(batch.len());
    if let [only] = batch {
        results.push(append_in(&tx, &only.sale_id, &only.event, only.at));
    } else {
        for q in batch {
            let r = match tx.savepoint() {
                Err(e) => Err(e.into()),
                Ok(mut sp) => match append_in(&sp, &q.sale_id, &q.event, q.at) {
                    Ok(a) => sp.commit().map(|()| a).map_err(StoreError::from),
                    Err(e) => {
                        // Undo this event only; the savepoint is released on drop.
                        sp.rollback().ok();
                        Err(e)
                    }
                },
            };
            results.push(r);
        }
    }
    if results.iter().all(Result::is_err) {
        // Nothing to keep (e.g. a lone refused event): no commit, no fsync.
        drop(tx);
        return results;
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => fail_all(&e.into()),
    }
}

/// The core of every append (inside a write transaction).
fn append_in(
    tx: &Connection,
    sale_id: &str,
    event: &LogEvent,
    at: OffsetDateTime,
) -> Result<Appended> {
    if sale_id.trim().is_empty() || sale_id.len() > 200 {
        return Err(StoreError::InvalidInput {
            field: "sale id",
            reason: "1 to 200 characters".into(),
        });
    }
    let at = normalize(at);
    let rejected = |source| StoreError::Rejected {
        sale_id: sale_id.to_owned(),
        source,
    };
    let before = query_one_sale(tx, "id = ?1", sale_id)?;
    let sale = match &before {
        None if event.is_opening() => Sale::open(sale_id, event, at).map_err(rejected)?,
        None => return Err(StoreError::SaleNotFound(sale_id.to_owned())),
        Some(_) if event.is_opening() => return Err(StoreError::SaleExists(sale_id.to_owned())),
        Some(b) => {
            b.validate(event).map_err(rejected)?;
            let mut s = b.clone();
            s.apply(event, at);
            s
        }
    };

    let data = serde_json::to_string(event)?;
    let (last_seq, prev_hash) = journal::last_row(tx)?;
    let seq = last_seq + 1;
    let at_ms = unix_ms(at);
    let kind = event.kind();
    let op_id = event.op_id();
    let hash = journal::row_hash(&prev_hash, seq, sale_id, at_ms, kind, op_id, &data);
    tx.prepare_cached(
        "INSERT INTO events (seq, sale_id, at, kind, op_id, data, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        seq, sale_id, at_ms, kind, op_id, data, prev_hash, hash
    ])
    .map_err(|e| map_constraint(e, Some(&sale), Some(event)))?;
    write_sale(tx, &sale, before.as_ref(), seq)
        .map_err(|e| map_constraint(e, Some(&sale), Some(event)))?;
    tx.prepare_cached(
        "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash])?;
    Ok(Appended { seq, hash, sale })
}

/// Inserts a sale row (`before` = `None`) or updates it. An update sets only the columns that
/// changed (plus `updated_at` and `last_seq`), so SQLite rewrites only the indexes on those
/// columns: most events touch no sales index at all.
fn write_sale(
    tx: &Connection,
    s: &Sale,
    before: Option<&Sale>,
    last_seq: i64,
) -> rusqlite::Result<()> {
    let json = |v: &dyn erased::ToJson| {
        v.to_json()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    let ops_changed = before.is_none_or(|b| b.operations != s.operations);
    let ops = if ops_changed {
        json(&s.operations)?
    } else {
        String::new()
    };
    let order = if before.is_none() {
        json(&s.order)?
    } else {
        String::new()
    };
    let sql: std::borrow::Cow<'static, str> = match before {
        None => "INSERT INTO sales (id, merchant_reference, counter, session_id, transaction_id,
            checkout_url, expires_at, currency, amount, vat_amount, status, captured, refunded,
            created_at, updated_at, origin, payment_product, last_error, pending_ops, operations,
            order_json, last_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22)"
            .into(),
        Some(b) => {
            let mut sql = String::from("UPDATE sales SET updated_at = ?15, last_seq = ?22");
            let mut set = |changed: bool, col: &str, param: u8| {
                if changed {
                    sql.push_str(&format!(", {col} = ?{param}"));
                }
            };
            set(b.session_id != s.session_id, "session_id", 4);
            set(b.transaction_id != s.transaction_id, "transaction_id", 5);
            set(b.checkout_url != s.checkout_url, "checkout_url", 6);
            set(b.expires_at != s.expires_at, "expires_at", 7);
            set(b.status != s.status, "status", 11);
            set(b.captured != s.captured, "captured", 12);
            set(b.refunded != s.refunded, "refunded", 13);
            set(
                b.payment_product != s.payment_product,
                "payment_product",
                17,
            );
            set(b.last_error != s.last_error, "last_error", 18);
            set(b.pending_ops != s.pending_ops, "pending_ops", 19);
            set(ops_changed, "operations", 20);
            // The rest never changes after the opening event.
            sql.push_str(" WHERE id = ?1");
            sql.into()
        }
    };
    tx.prepare_cached(&sql)?.execute(params![
        s.id,
        s.merchant_reference,
        s.counter,
        s.session_id,
        s.transaction_id,
        s.checkout_url,
        s.expires_at.map(unix_ms),
        s.currency,
        s.amount,
        s.vat_amount,
        s.status.as_str(),
        s.captured,
        s.refunded,
        unix_ms(s.created_at),
        unix_ms(s.updated_at),
        s.origin.as_str(),
        s.payment_product,
        s.last_error,
        s.pending_ops,
        ops,
        order,
        last_seq,
    ])?;
    Ok(())
}

mod erased {
    /// Serializes to JSON text without making `write_sale` generic.
    pub(super) trait ToJson {
        fn to_json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> ToJson for T {
        fn to_json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}

/// Field-by-field comparison of a stored view with a rebuilt one.
fn diff(stored: &Sale, rebuilt: &Sale) -> Vec<String> {
    let mut d = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {
            $(if stored.$f != rebuilt.$f { d.push(stringify!($f).to_owned()); })*
        };
    }
    cmp!(
        merchant_reference,
        counter,
        session_id,
        transaction_id,
        checkout_url,
        expires_at,
        currency,
        amount,
        vat_amount,
        order,
        status,
        captured,
        refunded,
        created_at,
        updated_at,
        origin,
        payment_product,
        last_error,
        operations,
        pending_ops
    );
    d
}

/// One sale's replay.
struct ReplayedSale {
    sale_id: String,
    last_seq: i64,
    rebuilt: std::result::Result<Sale, SaleError>,
}

/// Streams the journal grouped by sale (ordered by sale id, then seq), replays each sale and
/// hands it to `f`.
fn replay_each(conn: &Connection, mut f: impl FnMut(ReplayedSale) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT sale_id, seq, at, data FROM events INDEXED BY events_sale ORDER BY sale_id, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut current: Option<ReplayedSale> = None;
    while let Some(r) = rows.next()? {
        let sale_id: String = r.get(0)?;
        let seq: i64 = r.get(1)?;
        let at = time_col(r, 2, &format!("events row {seq}"))?;
        let data: String = r.get(3)?;
        let event = decode_event(seq, &data)?;
        match current.as_mut() {
            Some(cur) if cur.sale_id == sale_id => {
                cur.last_seq = seq;
                if let Ok(s) = cur.rebuilt.as_mut() {
                    s.apply(&event, at);
                }
            }
            _ => {
                if let Some(done) = current.take() {
                    f(done)?;
                }
                current = Some(ReplayedSale {
                    rebuilt: Sale::open(&sale_id, &event, at),
                    sale_id,
                    last_seq: seq,
                });
            }
        }
    }
    if let Some(done) = current {
        f(done)?;
    }
    Ok(())
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
        let new = NewSale {
            counter: "K1".into(),
            currency: "NOK".into(),
            amount: 100,
            vat_amount: 20,
            order: Value::Null,
        };
        store.open_sale("s1", &new, at).unwrap();
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
