//! A journal row as stored (`journal`, migration 5), written and read back.
//!
//! `sale` is the seq of the sale's opening row, which alone carries the sale id (`sale_id`), so
//! the journal names its sales without the projection and the rows of a sale are found by an
//! integer. `body` is the row's `data` (the canonical JSON, its large value possibly moved to a
//! blob: store/blob.rs) compressed after [`super::codec::JOURNAL_DICTIONARY`], or, when `dict`
//! is set (migration 9), after that dictionary, trained on the log's own rows (store/blob.rs).
//! `hash` is the row's 32-byte hash (store/journal.rs); the previous row's hash it chains from
//! is that row's own, not stored twice. `intent` is the operation id of an `operation_requested` row (unique:
//! one intent per operation).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::blob::{blob_cols, BlobReader};
use super::codec;
use super::{corrupt, Result};
use crate::sale::COUNTER_STREAM;

/// The journal key of the counter's own stream ([`COUNTER_STREAM`]: settings changes), which
/// has no opening row: its rows name it by this key alone.
pub(crate) const COUNTER_KEY: i64 = 0;

/// The columns [`RawRow::read`] expects, in its order.
pub(crate) const ROW_COLUMNS: &str =
    "seq, sale, at, sale_id, body, blob, blob_at, hash, intent, dict";

/// [`ROW_COLUMNS`] on a journal of any version (a migration's step replays the journal): before
/// migration 9 it has no `dict` (all rows after the built-in dictionary).
pub(crate) fn row_columns(conn: &Connection) -> Result<String> {
    let has_dict: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('journal') WHERE name = 'dict')",
        [],
        |r| r.get(0),
    )?;
    Ok(if has_dict {
        ROW_COLUMNS.to_owned()
    } else {
        ROW_COLUMNS.replace(", dict", ", NULL")
    })
}

/// A row's columns, its body decompressed.
pub(crate) struct RawRow {
    pub seq: i64,
    /// The seq of its sale's opening row.
    pub sale: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// Set on opening rows only.
    pub sale_id: Option<String>,
    /// The stored `data` (`null` in a blob's place), or why it cannot be read.
    pub data: Result<String>,
    pub blob: Option<(i64, i64)>,
    /// As stored (32 bytes unless altered).
    pub hash: Vec<u8>,
    /// The operation id of an intent.
    pub intent: Option<String>,
}

impl RawRow {
    /// Reads a row selected with [`ROW_COLUMNS`] (`blobs` reads its dictionary, if trained).
    pub fn read(r: &Row<'_>, conn: &Connection, blobs: &mut BlobReader) -> Result<RawRow> {
        let seq: i64 = r.get(0)?;
        let body: Vec<u8> = r.get(4)?;
        let data = match r.get::<_, Option<i64>>(9)? {
            None => codec::unpack_row(seq, &body, None),
            Some(id) => blobs
                .dictionary(conn, id)
                .and_then(|d| codec::unpack_row(seq, &body, Some(&d[..]))),
        };
        Ok(RawRow {
            seq,
            sale: r.get(1)?,
            at: r.get(2)?,
            sale_id: r.get(3)?,
            data,
            blob: blob_cols(r, 5)?,
            hash: r.get(7)?,
            intent: r.get(8)?,
        })
    }

    /// The row's canonical JSON (its blob put back).
    pub fn canonical(&mut self, conn: &Connection, blobs: &mut BlobReader) -> Result<String> {
        let data = std::mem::replace(&mut self.data, Ok(String::new()))?;
        blobs.canonical(conn, self.seq, data, self.blob)
    }

    /// The stored hash as lower-case hex.
    pub fn hash_hex(&self) -> String {
        hex::encode(&self.hash)
    }
}

/// What [`insert`] writes.
pub(crate) struct NewRow<'a> {
    pub seq: i64,
    pub sale: i64,
    pub at: i64,
    /// The sale id, on an opening row.
    pub sale_id: Option<&'a str>,
    /// The operation id, on an `operation_requested` row.
    pub intent: Option<&'a str>,
    /// The data compressed ([`codec::pack_row`]).
    pub body: &'a [u8],
    /// The trained dictionary `body` is compressed after, or `None`: the built-in one.
    pub dict: Option<i64>,
    pub blob: Option<(i64, i64)>,
    /// The row's hash as [`super::journal::row_hash`] gives it (hex).
    pub hash: &'a str,
}

/// Appends a row (the table's triggers refuse anything but the next seq).
pub(crate) fn insert(tx: &Connection, row: &NewRow<'_>) -> rusqlite::Result<()> {
    let hash = hex::decode(row.hash).unwrap_or_else(|_| row.hash.as_bytes().to_vec());
    let (blob, blob_at) = row.blob.unzip();
    let cols = params![
        row.seq,
        row.sale,
        row.at,
        row.sale_id,
        row.intent,
        row.body,
        blob,
        blob_at,
        hash
    ];
    // `dict` named only when set: migration 5's step writes rows before the column exists.
    match row.dict {
        None => tx
            .prepare_cached(
                "INSERT INTO journal (seq, sale, at, sale_id, intent, body, blob, blob_at, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(cols)?,
        Some(dict) => tx
            .prepare_cached(
                "INSERT INTO journal (seq, sale, at, sale_id, intent, body, blob, blob_at, hash,
                 dict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute([cols, &[&dict as &dyn rusqlite::ToSql]].concat().as_slice())?,
    };
    Ok(())
}

/// The seq of a sale's opening row (its journal key), from the projection, else from the
/// journal itself (a scan: only for a sale the projection lacks).
pub(crate) fn sale_key(conn: &Connection, sale_id: &str) -> Result<Option<i64>> {
    if sale_id == COUNTER_STREAM {
        return Ok(Some(COUNTER_KEY));
    }
    let key: Option<Option<i64>> = conn
        .prepare_cached("SELECT journal_key FROM sales WHERE id = ?1")?
        .query_row([sale_id], |r| r.get(0))
        .optional()?;
    match key.flatten() {
        Some(k) => Ok(Some(k)),
        None => Ok(conn
            .prepare_cached("SELECT seq FROM journal WHERE sale_id = ?1")?
            .query_row([sale_id], |r| r.get(0))
            .optional()?),
    }
}

/// Sale ids by journal key, read from the opening rows as needed. A sale's rows lie close
/// together in the journal, so a bounded memory of recent sales serves a scan of any length.
#[derive(Default)]
pub(crate) struct SaleIds(HashMap<i64, String>);

/// How many sale ids [`SaleIds`] keeps before it starts again.
const SALE_IDS_KEPT: usize = 1 << 16;

impl SaleIds {
    /// Remembers an opening row's sale id.
    pub fn note(&mut self, key: i64, sale_id: &str) {
        if self.0.len() >= SALE_IDS_KEPT {
            self.0.clear();
        }
        self.0.insert(key, sale_id.to_owned());
    }

    /// The sale id of the sale whose opening row is `key`.
    pub fn get(&mut self, conn: &Connection, key: i64) -> Result<String> {
        if key == COUNTER_KEY {
            return Ok(COUNTER_STREAM.to_owned());
        }
        if let Some(id) = self.0.get(&key) {
            return Ok(id.clone());
        }
        let id: Option<Option<String>> = conn
            .prepare_cached("SELECT sale_id FROM journal WHERE seq = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        let id = id.flatten().ok_or_else(|| {
            corrupt(
                &format!("journal row {key}"),
                "rows name it as their sale's opening row, but it carries no sale id",
            )
        })?;
        self.note(key, &id);
        Ok(id)
    }
}

/// Migration 5's second step: copies every `events` row into `journal` as it is (its hash
/// included, so the chain verifies as before, and a row that was altered still shows as
/// altered), fills `sales.journal_key`, then drops `events`.
pub(crate) fn move_events_to_journal(tx: &Connection) -> Result<()> {
    // Rows are copied as they are, gaps included (a removed row must stay visible as one), so
    // the trigger that refuses a gap waits until they are in.
    let at_end: String = tx.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'journal_append_at_end'",
        [],
        |r| r.get(0),
    )?;
    tx.execute_batch("DROP TRIGGER journal_append_at_end")?;
    let mut keys: HashMap<String, i64> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT seq, sale_id, at, kind, op_id, data, blob, blob_at, hash FROM events \
             ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let sale_id: String = r.get(1)?;
            let kind: String = r.get(3)?;
            let op_id: Option<String> = r.get(4)?;
            let data: String = r.get(5)?;
            let hash: String = r.get(8)?;
            let (sale, opening) = match keys.get(&sale_id) {
                Some(&k) => (k, None),
                None => {
                    keys.insert(sale_id.clone(), seq);
                    (seq, Some(sale_id.as_str()))
                }
            };
            let intent = op_id.as_deref().filter(|_| kind == "operation_requested");
            insert(
                tx,
                &NewRow {
                    seq,
                    sale,
                    at: r.get(2)?,
                    sale_id: opening,
                    intent,
                    body: &codec::pack_row(&data, None)?,
                    dict: None,
                    blob: blob_cols(r, 6)?,
                    hash: &hash,
                },
            )?;
        }
    }
    let mut set = tx.prepare("UPDATE sales SET journal_key = ?1 WHERE id = ?2")?;
    for (id, key) in &keys {
        set.execute(params![key, id])?;
    }
    drop(set);
    tx.execute_batch("DROP TABLE events")?;
    tx.execute_batch(&at_end)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sale_ids_stay_bounded_and_read_a_forgotten_one_again() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate::migrate(&mut conn).unwrap();
        let body = codec::pack_row(r#"{"type":"note","text":""}"#, None).unwrap();
        insert(
            &conn,
            &NewRow {
                seq: 1,
                sale: 1,
                at: 0,
                sale_id: Some("s1"),
                intent: None,
                body: &body,
                dict: None,
                blob: None,
                hash: &"00".repeat(32),
            },
        )
        .unwrap();
        let mut ids = SaleIds::default();
        assert_eq!(ids.get(&conn, 1).unwrap(), "s1");
        for key in 2..(SALE_IDS_KEPT as i64 + 10) {
            ids.note(key, "other");
        }
        assert!(ids.0.len() <= SALE_IDS_KEPT);
        assert_eq!(
            ids.get(&conn, 1).unwrap(),
            "s1",
            "read from its opening row again"
        );
        assert_eq!(ids.get(&conn, COUNTER_KEY).unwrap(), COUNTER_STREAM);
        assert!(ids.get(&conn, 99_999_999).is_err(), "no such opening row");
    }
}
