//! Schema migrations: SQL files in `crates/kasse-core/migrations/NNNN_name.sql`, embedded at
//! build time, applied in order, each in its own `BEGIN IMMEDIATE` transaction together with the
//! `PRAGMA user_version` bump, so a crash mid-migration leaves the previous version intact.
//!
//! Rules:
//! * **Forward-only**: there are no down migrations.
//! * **Never edit a landed file**: `tests/store_migrations.rs` pins the SHA-256 of every file; a
//!   change goes into a new file with the next number.
//! * A database whose `user_version` is newer than [`LATEST_VERSION`] is refused with
//!   [`StoreError::SchemaTooNew`] (an older Kasse must not write into a newer schema).
//! * A new [`crate::sale::LogEvent`] variant comes with a migration (even an empty one that only
//!   bumps the version), so an older Kasse refuses the database instead of meeting an event it
//!   cannot decode.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// A migration's step in Rust, after its SQL, in the same transaction.
pub type MigrationStep = fn(&Connection) -> Result<(), StoreError>;

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version the database has after this migration (1-based, consecutive).
    pub version: i64,
    /// The file name under `crates/kasse-core/migrations/`.
    pub name: &'static str,
    /// The SQL, exactly as in the file.
    pub sql: &'static str,
    /// What SQL cannot do, run after it in the same transaction.
    pub then: Option<MigrationStep>,
}

/// A migration from its version and its file under `migrations/`, the name written once.
macro_rules! migration {
    ($version:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $file,
            sql: include_str!(concat!("../../migrations/", $file)),
            then: None,
        }
    };
    ($version:literal, $file:literal, then $then:path) => {
        Migration {
            then: Some($then),
            ..migration!($version, $file)
        }
    };
}

/// Every migration, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init.sql"),
    migration!(2, "0002_reference_stem.sql"),
    migration!(3, "0003_operation_accepted.sql"),
    migration!(4, "0004_snapshot_blobs.sql"),
    migration!(5, "0005_compact_journal.sql", then super::row::move_events_to_journal),
    migration!(6, "0006_catalog.sql"),
    migration!(7, "0007_sale_card.sql", then super::projection::fill_cards),
    migration!(8, "0008_auto_capture.sql"),
    migration!(9, "0009_trained_dictionary.sql"),
    migration!(10, "0010_lean_list_indexes.sql"),
    migration!(11, "0011_checkout_url_once.sql"),
];

/// The schema version this code writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// The database's `PRAGMA user_version`.
pub fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database to [`LATEST_VERSION`]; returns the version it had before.
pub fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    migrate_to(conn, LATEST_VERSION)
}

/// Brings the database to `target` (≤ [`LATEST_VERSION`]); used by tests that build an older
/// schema. Returns the version it had before.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<i64, StoreError> {
    let before = current_version(conn)?;
    if before > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: before,
            supported: LATEST_VERSION,
        });
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > before && m.version <= target)
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-check under the write lock: another process may have migrated meanwhile.
        let now = current_version(&tx)?;
        if now >= m.version {
            tx.commit()?;
            continue;
        }
        let fail = |e: StoreError| match e {
            StoreError::Sqlite(source) => StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            },
            other => other,
        };
        tx.execute_batch(m.sql).map_err(|e| fail(e.into()))?;
        if let Some(then) = m.then {
            then(&tx).map_err(fail)?;
        }
        tx.pragma_update(None, "user_version", m.version)
            .map_err(|e| fail(e.into()))?;
        tx.commit().map_err(|e| fail(e.into()))?;
    }
    Ok(before)
}
