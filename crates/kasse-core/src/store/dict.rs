//! Trained dictionaries as the log keeps them (`dictionaries`, migration 9), and the short
//! digests that name blobs and dictionaries: which kind a dictionary compresses, the newest of
//! each kind (what new values are compressed after), and their bytes, checked against their
//! SHA-256 and cached by it. Training them is store/train.rs; using them, store/blob.rs and
//! store/row.rs.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{corrupt, lock_ignoring_poison, Result};

/// What a trained dictionary compresses (`dictionaries.kind`).
///
/// A dictionary is kept as raw content, like the built-in ones: the end of what zstd trains
/// (its content; the entropy tables before it are left out, as a blob's prefix is the
/// dictionary and its base together, and tables would be rebuilt at every compression), so it
/// costs a compression or a decompression what the built-in dictionary did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Blobs: 6 of 8 KiB trained did within 5 % of 16 KiB on snapshots.
    Blob = 0,
    /// Journal rows' bodies (store/row.rs): 3 of 4 KiB, as well as 8 on them.
    Row = 1,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Row => "row",
        }
    }

    /// The size zstd trains, and how much of its end is kept.
    pub(super) fn size(self) -> (usize, usize) {
        match self {
            Kind::Blob => (8 << 10, 6 << 10),
            Kind::Row => (4 << 10, 3 << 10),
        }
    }
}

/// The first [`DIGEST`] bytes of a blob's SHA-256: what a blob stores since migration 5
/// (before: all 32) and what finds it again. The journal's hash covers the blob's bytes in
/// full; this only tells a sale's blobs apart and checks a decompression.
pub(super) type Digest8 = [u8; DIGEST];
pub(super) const DIGEST: usize = 8;

pub(super) fn digest(bytes: &[u8]) -> Digest8 {
    let full: [u8; 32] = Sha256::digest(bytes).into();
    let mut d = [0u8; DIGEST];
    d.copy_from_slice(&full[..DIGEST]);
    d
}

/// A stored `blobs.sha256` as a [`Digest8`] (its first bytes).
pub(super) fn stored_digest(sha: &[u8]) -> Option<Digest8> {
    sha.get(..DIGEST).and_then(|d| d.try_into().ok())
}

/// Stores `bytes` unless the sale (journal key `key`; `None`: a new sale) already has them:
/// the id of the sale's blob with the same SHA-256, or of a new blob compressed against the
/// sale's latest one.
/// A dictionary trained on a log's snapshots (`dictionaries`).
pub(super) struct Trained {
    pub(super) id: i64,
    pub(super) sha: Digest8,
    pub(super) bytes: Arc<Vec<u8>>,
}

/// The trained dictionary of each kind the last write used (a guess for [`prepare`], which
/// [`store_event`] and [`put`] check).
type LastTrained = [Option<(Digest8, Arc<Vec<u8>>)>; 2];
static LAST_TRAINED: Mutex<LastTrained> = Mutex::new([None, None]);

pub(super) fn last_trained(kind: Kind) -> Option<(Digest8, Arc<Vec<u8>>)> {
    lock_ignoring_poison(&LAST_TRAINED)[kind as usize].clone()
}

/// Trained dictionaries read lately, by SHA-256 (content-addressed, so never stale, whichever
/// log they came from).
static TRAINED: Mutex<Vec<(Digest8, Arc<Vec<u8>>)>> = Mutex::new(Vec::new());

/// The log's newest trained dictionary of `kind`, if it has one: what new values of that kind
/// are compressed after. (Remembered as the next [`prepare`]'s guess.)
pub(super) fn newest_trained(conn: &Connection, kind: Kind) -> Result<Option<Trained>> {
    // The kind written out, not bound: SQLite re-prepares a statement whose plan depends on a
    // bound value each time the value changes, and appends ask for both kinds in turn.
    let sql = match kind {
        Kind::Blob => "SELECT id, sha256 FROM dictionaries WHERE kind = 'blob' ORDER BY id DESC",
        Kind::Row => "SELECT id, sha256 FROM dictionaries WHERE kind = 'row' ORDER BY id DESC",
    };
    let newest: Option<(i64, Vec<u8>)> = conn
        .prepare_cached(sql)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let trained = match newest {
        None => None,
        Some((id, sha)) => {
            let bytes = trained_bytes(conn, id, &sha)?;
            let sha = stored_digest(&sha)
                .ok_or_else(|| corrupt(&format!("dictionary {id}"), "sha256"))?;
            Some(Trained { id, sha, bytes })
        }
    };
    lock_ignoring_poison(&LAST_TRAINED)[kind as usize] =
        trained.as_ref().map(|d| (d.sha, d.bytes.clone()));
    Ok(trained)
}

/// The bytes of trained dictionary `id` (with the stored SHA-256 `sha`, checked).
fn trained_bytes(conn: &Connection, id: i64, sha: &[u8]) -> Result<Arc<Vec<u8>>> {
    let what = format!("dictionary {id}");
    let key = stored_digest(sha).ok_or_else(|| corrupt(&what, "its sha256 is not 8 bytes"))?;
    if let Some((_, b)) = lock_ignoring_poison(&TRAINED)
        .iter()
        .find(|(s, _)| *s == key)
    {
        return Ok(b.clone());
    }
    let bytes = Arc::new(read_trained(conn, id, sha)?);
    let mut cache = lock_ignoring_poison(&TRAINED);
    if cache.len() >= 8 {
        cache.remove(0);
    }
    cache.push((key, bytes.clone()));
    Ok(bytes)
}

/// Trained dictionary `id` from the file, checked against its stored SHA-256 `sha`.
pub(super) fn read_trained(conn: &Connection, id: i64, sha: &[u8]) -> Result<Vec<u8>> {
    let bytes: Vec<u8> = conn
        .prepare_cached("SELECT content FROM dictionaries WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    if stored_digest(sha) != Some(digest(&bytes)) {
        return Err(corrupt(
            &format!("dictionary {id}"),
            "its content does not match its SHA-256",
        ));
    }
    Ok(bytes)
}
