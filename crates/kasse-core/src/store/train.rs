//! Dictionaries trained on a log's own values (migration 9): once a log has enough snapshots
//! (blobs) or journal rows, zstd trains a dictionary on the latest of them, kept in
//! `dictionaries` and never changed; later values of that kind are compressed after it
//! (store/blob.rs, store/row.rs). Here apart from the blobs because it reads both kinds.

use rusqlite::{params, Connection};

use super::blob::{BlobReader, MAX_DEPTH};
use super::dict::{digest, Kind};
use super::row::{RawRow, ROW_COLUMNS};
use super::{corrupt, Result};

/// The blobs a log has before a dictionary is trained, on the latest this many of them.
pub(crate) const TRAIN_SAMPLES: i64 = 1_000;
/// The journal rows a log has before a dictionary is trained for rows, on the latest this many.
pub(crate) const TRAIN_ROWS: i64 = 3_000;
/// How a dictionary zstd trained starts.
const ZDICT_MAGIC: [u8; 4] = 0xEC30_A437_u32.to_le_bytes();

/// Trains a dictionary on the log's latest [`TRAIN_SAMPLES`] blobs, and one on its latest
/// [`TRAIN_ROWS`] journal rows, each once: when the log has that many and no such dictionary
/// yet. The kinds it trained. (Store::open, after the migrations: once in a log's life.)
pub(crate) fn train_if_due(conn: &mut Connection) -> Result<Vec<Kind>> {
    let mut trained = Vec::new();
    for kind in [Kind::Blob, Kind::Row] {
        if train_one(conn, kind)? {
            trained.push(kind);
        }
    }
    Ok(trained)
}

/// [`train_if_due`] for one kind: whether it made one.
fn train_one(conn: &mut Connection, kind: Kind) -> Result<bool> {
    let (count, samples) = match kind {
        Kind::Blob => ("SELECT max(id) FROM blobs", TRAIN_SAMPLES),
        Kind::Row => ("SELECT max(seq) FROM journal", TRAIN_ROWS),
    };
    let due = |conn: &Connection| -> Result<bool> {
        let (n, trained): (i64, bool) = conn.query_row(
            &format!(
                "SELECT coalesce(({count}), 0), \
                 EXISTS (SELECT 1 FROM dictionaries WHERE kind = ?1)"
            ),
            [kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(n >= samples && !trained)
    };
    if !due(conn)? {
        return Ok(false);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another connection may have trained one meanwhile.
    if !due(&tx)? {
        return Ok(false);
    }
    let mut reader = BlobReader::default();
    let (mut bytes, mut sizes) = (Vec::new(), Vec::new());
    let mut add = |sample: &[u8]| {
        bytes.extend_from_slice(sample);
        sizes.push(sample.len());
    };
    match kind {
        Kind::Blob => {
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM blobs ORDER BY id DESC LIMIT ?1")?
                .query_map([samples], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                add(&reader.get(&tx, id)?);
                reader.clear_if_over(4 * MAX_DEPTH as usize);
            }
        }
        Kind::Row => {
            let mut stmt = tx.prepare(&format!(
                "SELECT {} FROM journal ORDER BY seq DESC LIMIT ?1",
                ROW_COLUMNS
            ))?;
            let mut rows = stmt.query([samples])?;
            while let Some(r) = rows.next()? {
                add(RawRow::read(r, &tx, &mut reader)?.data?.as_bytes());
            }
        }
    }
    let (size, keep) = kind.size();
    let trained = zstd::dict::from_continuous(&bytes, &sizes, size)
        .map_err(|e| corrupt("training a dictionary on the log", e))?;
    let mut dict = &trained[trained.len().saturating_sub(keep)..];
    // Raw content must not start like a trained dictionary (zstd would read it as one).
    while dict.starts_with(&ZDICT_MAGIC) {
        dict = &dict[1..];
    }
    tx.execute(
        "INSERT INTO dictionaries (id, kind, sha256, content) \
         VALUES (coalesce((SELECT max(id) FROM dictionaries), 1) + 1, ?1, ?2, ?3)",
        params![kind.as_str(), &digest(dict)[..], dict],
    )?;
    tx.commit()?;
    Ok(true)
}
