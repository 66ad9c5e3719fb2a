//! The stored form of an event: its large JSON value (a Dintero `snapshot`, a sale's `order`)
//! kept once in `blobs`, zstd-compressed, and `null` in its place in the row's `data`.
//!
//! An event's **canonical bytes** are its JSON as `serde_json` writes it; the hash chain
//! ([`super::journal`]) is over those, whatever the stored form. A row with `blob` set holds the
//! canonical bytes with the value's bytes replaced by `null`, `blob_at` bytes before the end of
//! `data` (counted from the end: the value is the event's last field, so an edit of the fields
//! before it shows as that row's hash mismatch, not as an unreadable row). Putting the blob's
//! bytes back gives the canonical bytes again (checked before anything is written, else the row
//! keeps its whole JSON, as every row written before migration 4 does).
//!
//! A blob carries the SHA-256 of its canonical bytes (its first 8 bytes since migration 5): a
//! snapshot the sale already has (observed again, unchanged) is not stored again, and a blob
//! that decompresses to other bytes is found.
//! It is compressed with zstd, its prefix (what the compressor may refer back to) being a
//! dictionary followed by the sale's previous blob (a delta: the next transaction snapshot
//! differs from the last in a few fields), in chains of at most [`MAX_DEPTH`] blobs; reading one
//! decompresses its chain. The dictionary (`blobs.dict`) is [`DICTIONARY`] (Dintero's field
//! names and Kasse's own request headers, which every snapshot repeats), or, from migration 9
//! on, one trained by zstd on this log's own snapshots once it has enough of them
//! (store/train.rs, at open; kept in `dictionaries`, never changed): what a shop's snapshots
//! repeat besides the field names (its merchant name and account, its return URL, its products,
//! the shape of its card payments) is then written once in the log instead of once per
//! snapshot. A sale's opening value (its order) keeps [`DICTIONARY`]: it is read as a projection
//! column ([`pack_json`], compressed after that dictionary alone). The journal rows' bodies get
//! a trained dictionary of their own the same way (`journal.dict`, store/row.rs).
//!
//! [`Store::append`](super::Store::append) prepares the stored form before its write
//! transaction ([`prepare`]), so that concurrent writers serialise and compress at the same
//! time: against the sale's latest blob as last written, used only if the journal says it
//! still is the latest (else compressed again, in the transaction).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::codec::{compress_after, decompress_after, pack_row, Slot};
use super::dict::{
    digest, last_trained, newest_trained, read_trained, stored_digest, Digest8, Kind, DIGEST,
};
use super::{corrupt, Result, StoreError};
use crate::sale::LogEvent;

/// A value shorter than this (canonical JSON bytes) stays inline: a blob row costs more.
pub(crate) const MIN_BLOB: usize = 128;
/// The longest chain of blobs compressed against their predecessor.
pub(crate) const MAX_DEPTH: u32 = 8;
/// The start of every blob's prefix (`blobs.dict` = 1): the shapes of an operation, an order, a
/// session and a transaction, with placeholder values. **Never edit it**: every blob written with it needs it
/// to decompress (a test pins its SHA-256); a better one is a new file and a new `dict` value.
pub(crate) const DICTIONARY: &str = include_str!("blob_dictionary.jsonl");
/// `blobs.dict` of [`DICTIONARY`].
const DICTIONARY_ID: i64 = 1;

/// An event as its row stores it.
#[derive(Debug)]
pub(crate) struct StoredForm {
    /// The canonical JSON: what the chain hashes.
    pub canonical: String,
    /// The row's `blob` and `blob_at`.
    pub blob: Option<(i64, i64)>,
    /// The row's `body`: `data` compressed ([`pack_row`]).
    pub body: Vec<u8>,
    /// The trained dictionary of `body` (`journal.dict`), or `None`: the built-in one.
    pub dict: Option<i64>,
}

/// The event's value that goes to a blob, if any: its field name and value.
fn payload(event: &LogEvent) -> Option<(&'static str, &Value)> {
    match event {
        LogEvent::StatusObserved { snapshot, .. }
        | LogEvent::OperationAccepted { snapshot, .. }
        | LogEvent::OperationSucceeded { snapshot, .. }
        | LogEvent::OperationReconciled { snapshot, .. }
        | LogEvent::Imported { snapshot } => Some(("snapshot", snapshot)),
        LogEvent::SaleOpened { order, .. } => Some(("order", order)),
        _ => None,
    }
}

/// Puts `value` back in `data` where `null` stands for it, `from_end` bytes before its end.
pub(crate) fn splice(
    data: &str,
    from_end: i64,
    value: &[u8],
) -> std::result::Result<String, String> {
    let at = usize::try_from(from_end)
        .ok()
        .and_then(|n| data.len().checked_sub(n))
        .ok_or_else(|| format!("blob_at {from_end} out of range"))?;
    let tail = data
        .get(at..)
        .and_then(|t| t.strip_prefix("null"))
        .ok_or_else(|| format!("no null {from_end} bytes before the end of the row's data"))?;
    let value = std::str::from_utf8(value).map_err(|e| format!("blob is not UTF-8: {e}"))?;
    let mut out = String::with_capacity(data.len() + value.len());
    out.push_str(&data[..at]);
    out.push_str(value);
    out.push_str(tail);
    Ok(out)
}

/// An event's stored form worked out before its write transaction (nothing in it depends on
/// the journal): its canonical JSON, and the blob it would put, compressed against the base the
/// sale's latest blob is expected to be.
#[derive(Debug)]
pub(crate) struct Prepared {
    canonical: String,
    blob: Option<PreparedBlob>,
    /// The row's data (`null` in its blob's place).
    data: String,
    /// The row's body, [`pack_row`] of its data after the trained dictionary with this
    /// SHA-256 (none: the built-in one); [`store_event`] uses it only if that is the log's.
    body: (Option<Digest8>, Vec<u8>),
}

#[derive(Debug)]
struct PreparedBlob {
    at: i64,
    bytes: String,
    hash: Digest8,
    /// The compression after the trained dictionary with this SHA-256 (none: [`DICTIONARY`])
    /// and against the blob with this SHA-256 (none: against no base), if those seemed the ones
    /// to use when prepared; [`put`] uses it only if they are.
    guess: Option<Guess>,
}

#[derive(Debug)]
struct Guess {
    dict: Option<Digest8>,
    base: Option<Digest8>,
    z: Vec<u8>,
}

/// Prepares `event`'s stored form; call it outside the write transaction.
pub(crate) fn prepare(sale_id: &str, event: &LogEvent) -> Result<Prepared> {
    let canonical = serde_json::to_string(event)?;
    let row_dict = last_trained(Kind::Row);
    let pack = |data: &str| -> Result<(Option<Digest8>, Vec<u8>)> {
        let dict = row_dict.as_ref().map(|(_, d)| &d[..]);
        Ok((
            row_dict.as_ref().map(|(sha, _)| *sha),
            pack_row(data, dict)?,
        ))
    };
    let inline = |canonical: String| -> Result<Prepared> {
        Ok(Prepared {
            body: pack(&canonical)?,
            data: canonical.clone(),
            canonical,
            blob: None,
        })
    };
    let Some((field, value)) = payload(event) else {
        return inline(canonical);
    };
    let bytes = serde_json::to_string(value)?;
    if bytes.len() < MIN_BLOB {
        return inline(canonical);
    }
    // The value is the field's whole text: `"field":<bytes>` then `,` or the closing `}`.
    let key = format!("\"{field}\":");
    let found = canonical.match_indices(&key).find_map(|(i, _)| {
        let at = i + key.len();
        canonical[at..].starts_with(&bytes).then_some(at)
    });
    let Some(at) = found else {
        return inline(canonical);
    };
    let data = format!("{}null{}", &canonical[..at], &canonical[at + bytes.len()..]);
    let at = (data.len() - at) as i64;
    if splice(&data, at, bytes.as_bytes()).as_deref() != Ok(canonical.as_str()) {
        return inline(canonical);
    }
    let hash = digest(bytes.as_bytes());
    // The base `put` is expected to use (`Some(None)`: none); nothing to guess for a snapshot
    // the sale has already (not stored again) or a chain at its longest.
    let base = match latest_of(sale_id) {
        Latest::Blob(sha, b, depth) if sha != hash && depth < MAX_DEPTH => Some(Some((sha, b))),
        Latest::None => Some(None),
        Latest::Unknown if event.is_opening() => Some(None),
        _ => None,
    };
    let dict = if event.is_opening() {
        None
    } else {
        last_trained(Kind::Blob)
    };
    let guess = match base {
        Some(base) => {
            let z = compress(
                bytes.as_bytes(),
                dict.as_ref().map(|(_, d)| &d[..]),
                base.as_ref().map(|(_, b)| &b[..]),
            )?;
            Some(Guess {
                dict: dict.map(|(sha, _)| sha),
                base: base.map(|(sha, _)| sha),
                z,
            })
        }
        None => None,
    };
    Ok(Prepared {
        body: pack(&data)?,
        data,
        canonical,
        blob: Some(PreparedBlob {
            at,
            bytes,
            hash,
            guess,
        }),
    })
}

/// Writes the event's blob (if it has one worth it) and returns the row's stored form.
pub(crate) fn store_event(
    tx: &Connection,
    sale_id: &str,
    key: Option<i64>,
    event: &LogEvent,
    prepared: Option<Prepared>,
) -> Result<StoredForm> {
    let prepared = match prepared {
        Some(p) => p,
        None => prepare(sale_id, event)?,
    };
    let dict = newest_trained(tx, Kind::Row)?;
    let body = match (&dict, prepared.body) {
        (d, (sha, body)) if d.as_ref().map(|d| d.sha) == sha => body,
        _ => pack_row(&prepared.data, dict.as_ref().map(|d| &d.bytes[..]))?,
    };
    let dict = dict.map(|d| d.id);
    let Some(blob) = prepared.blob else {
        return Ok(StoredForm {
            canonical: prepared.canonical,
            blob: None,
            body,
            dict,
        });
    };
    let id = put(tx, sale_id, key, &blob)?;
    Ok(StoredForm {
        canonical: prepared.canonical,
        blob: Some((id, blob.at)),
        body,
        dict,
    })
}

fn put(tx: &Connection, sale_id: &str, key: Option<i64>, blob: &PreparedBlob) -> Result<i64> {
    let (bytes, hash) = (blob.bytes.as_bytes(), blob.hash);
    // The sale's blobs, newest first. Neither a join nor an ORDER BY here: with either, SQLite
    // re-prepares the statement each time ?1 takes a new value (its plan depends on it).
    let mut ids: Vec<(i64, i64)> = match key {
        None => Vec::new(),
        Some(key) => tx
            .prepare_cached(
                "SELECT seq, blob FROM journal INDEXED BY journal_sale
                 WHERE sale = ?1 AND blob IS NOT NULL",
            )?
            .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?,
    };
    ids.sort_unstable_by_key(|&(seq, _)| std::cmp::Reverse(seq));
    let mut latest: Option<(i64, Vec<u8>)> = None;
    let mut sha_of = tx.prepare_cached("SELECT sha256 FROM blobs WHERE id = ?1")?;
    for (_, id) in ids {
        let Some(sha) = sha_of
            .query_row([id], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
        else {
            continue;
        };
        if stored_digest(&sha) == Some(hash) {
            // This blob becomes the sale's latest: the next one's base.
            set_latest(sale_id, Some(hash));
            return Ok(id);
        }
        latest.get_or_insert((id, sha));
    }
    drop(sha_of);
    let latest_sha = latest.as_ref().and_then(|(_, sha)| stored_digest(sha));
    if latest.is_none() {
        set_latest(sale_id, None);
    }
    let base = match latest {
        Some((id, sha)) => {
            let (prefix, depth) = recent(&sha, || BlobReader::default().get_with_depth(tx, id))?;
            (depth < MAX_DEPTH).then_some((id, prefix, depth))
        }
        None => None,
    };
    // A sale's opening value keeps the built-in dictionary (see the module docs).
    let dict = match key {
        None => None,
        Some(_) => newest_trained(tx, Kind::Blob)?,
    };
    // The base the compression needs, by SHA-256 (`Some(None)`: none), to use the guess.
    let needed = match &base {
        None => Some(None),
        Some(_) => latest_sha.map(Some),
    };
    let z = match (&blob.guess, needed) {
        (Some(g), Some(needed)) if g.base == needed && g.dict == dict.as_ref().map(|d| d.sha) => {
            g.z.clone()
        }
        _ => compress(
            bytes,
            dict.as_ref().map(|d| &d.bytes[..]),
            base.as_ref().map(|(_, p, _)| &p[..]),
        )?,
    };
    let dict_id = dict.as_ref().map_or(DICTIONARY_ID, |d| d.id);
    tx.prepare_cached("INSERT INTO blobs (sha256, base, dict, zstd) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            &hash[..],
            base.as_ref().map(|(id, _, _)| *id),
            dict_id,
            z
        ])?;
    let depth = base.as_ref().map_or(1, |(_, _, d)| d + 1);
    remember(hash, Arc::new(bytes.to_vec()), depth);
    set_latest(sale_id, Some(hash));
    Ok(tx.last_insert_rowid())
}

/// The bytes of blobs written or read as a base lately, by SHA-256 (content-addressed, so
/// never stale): the next snapshot of a sale is compressed against its last without reading
/// and decompressing that one again. Shared by all threads, as any of them may commit the
/// next append of a sale (group commit).
type Recent = std::collections::VecDeque<(Digest8, Arc<Vec<u8>>, u32)>;
static RECENT: Mutex<Recent> = Mutex::new(std::collections::VecDeque::new());
const RECENT_ENTRIES: usize = 64;

fn remember(hash: Digest8, bytes: Arc<Vec<u8>>, depth: u32) {
    let mut r = RECENT.lock().unwrap_or_else(PoisonError::into_inner);
    if r.len() >= RECENT_ENTRIES {
        r.pop_front();
    }
    r.push_back((hash, bytes, depth));
}

fn recent(
    sha: &[u8],
    read: impl FnOnce() -> Result<(Arc<Vec<u8>>, u32)>,
) -> Result<(Arc<Vec<u8>>, u32)> {
    let hit = RECENT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(h, _, _)| Some(*h) == stored_digest(sha))
        .map(|(_, b, d)| (b.clone(), *d));
    match hit {
        Some(hit) => Ok(hit),
        None => {
            let (bytes, depth) = read()?;
            if let Some(hash) = stored_digest(sha) {
                remember(hash, bytes.clone(), depth);
            }
            Ok((bytes, depth))
        }
    }
}

/// The sale's latest blob as [`put`] last saw it, by sale id (a guess for [`prepare`], which
/// [`put`] checks against the journal).
type Latests = std::collections::VecDeque<(String, Option<Digest8>)>;
static LATEST: Mutex<Latests> = Mutex::new(std::collections::VecDeque::new());

enum Latest {
    /// Not known.
    Unknown,
    /// The sale has no blob yet.
    None,
    /// Its latest blob's SHA-256, bytes and depth.
    Blob(Digest8, Arc<Vec<u8>>, u32),
}

fn set_latest(sale_id: &str, sha: Option<Digest8>) {
    let mut l = LATEST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(i) = l.iter().position(|(id, _)| id == sale_id) {
        l.remove(i);
    } else if l.len() >= RECENT_ENTRIES {
        l.pop_front();
    }
    l.push_back((sale_id.to_owned(), sha));
}

fn latest_of(sale_id: &str) -> Latest {
    let known = LATEST
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(id, _)| id == sale_id)
        .map(|(_, sha)| *sha);
    let Some(sha) = known else {
        return Latest::Unknown;
    };
    let Some(sha) = sha else {
        return Latest::None;
    };
    RECENT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(h, _, _)| *h == sha)
        .map_or(Latest::Unknown, |(_, b, d)| {
            Latest::Blob(sha, b.clone(), *d)
        })
}

/// Compresses `bytes` after a trained dictionary (`None`: [`DICTIONARY`]), followed by `base`'s
/// bytes when there is one.
fn compress(bytes: &[u8], dict: Option<&[u8]>, base: Option<&[u8]>) -> Result<Vec<u8>> {
    let what = "compressing a blob";
    match (dict, base) {
        (None, None) => compress_after(what, Slot::Plain, DICTIONARY.as_bytes(), bytes),
        _ => compress_after(what, Slot::Delta, &prefix(dict, base), bytes),
    }
}

/// Decompresses what [`compress`] wrote with the same `dict` and `base`.
fn decompress(what: &str, z: &[u8], dict: Option<&[u8]>, base: Option<&[u8]>) -> Result<Vec<u8>> {
    match (dict, base) {
        (None, None) => decompress_after(what, Slot::Plain, DICTIONARY.as_bytes(), z),
        _ => decompress_after(what, Slot::Delta, &prefix(dict, base), z),
    }
}

/// The dictionary followed by the base's bytes.
fn prefix(dict: Option<&[u8]>, base: Option<&[u8]>) -> Vec<u8> {
    let dict = dict.unwrap_or(DICTIONARY.as_bytes());
    let base = base.unwrap_or_default();
    let mut p = Vec::with_capacity(dict.len() + base.len());
    p.extend_from_slice(dict);
    p.extend_from_slice(base);
    p
}

/// A JSON column of the projection (`sales.operations`, `sales.order_json`) as stored: the text,
/// or from [`MIN_BLOB`] bytes on its zstd compression after [`DICTIONARY`], as a BLOB.
pub(crate) fn pack_json(text: String) -> Result<rusqlite::types::Value> {
    if text.len() < MIN_BLOB {
        return Ok(rusqlite::types::Value::Text(text));
    }
    Ok(rusqlite::types::Value::Blob(compress(
        text.as_bytes(),
        None,
        None,
    )?))
}

/// The JSON text of a column written by [`pack_json`] (or before it, as text).
pub(crate) fn unpack_json(v: rusqlite::types::ValueRef<'_>, what: &str) -> Result<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|e| corrupt(what, e)),
        ValueRef::Blob(z) => {
            String::from_utf8(decompress(what, z, None, None)?).map_err(|e| corrupt(what, e))
        }
        other => Err(corrupt(
            what,
            format!("{:?} where JSON was expected", other.data_type()),
        )),
    }
}

/// Reads blobs, remembering the ones it decompressed (a chain shares its links).
#[derive(Debug, Default)]
pub(crate) struct BlobReader {
    seen: HashMap<i64, (Arc<Vec<u8>>, u32)>,
    /// The trained dictionaries it read, each from the file and checked against its SHA-256
    /// (not from [`TRAINED`]: a check must see a dictionary changed in the file).
    dictionaries: HashMap<i64, Arc<Vec<u8>>>,
}

impl BlobReader {
    /// Trained dictionary `id`, read once per reader.
    pub fn dictionary(&mut self, conn: &Connection, id: i64) -> Result<Arc<Vec<u8>>> {
        if let Some(d) = self.dictionaries.get(&id) {
            return Ok(d.clone());
        }
        let sha: Vec<u8> = conn
            .prepare_cached("SELECT sha256 FROM dictionaries WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| corrupt(&format!("dictionary {id}"), "missing"))?;
        let d = Arc::new(read_trained(conn, id, &sha)?);
        self.dictionaries.insert(id, d.clone());
        Ok(d)
    }

    /// The blob's canonical bytes, checked against its SHA-256.
    pub fn get(&mut self, conn: &Connection, id: i64) -> Result<Arc<Vec<u8>>> {
        Ok(self.get_with_depth(conn, id)?.0)
    }

    /// Forgets what it read (bounds the memory of a long scan).
    pub fn clear_if_over(&mut self, entries: usize) {
        if self.seen.len() > entries {
            self.seen.clear();
        }
    }

    /// The bytes and the chain's length down to this blob (1 for a blob without base).
    fn get_with_depth(&mut self, conn: &Connection, id: i64) -> Result<(Arc<Vec<u8>>, u32)> {
        if let Some((b, d)) = self.seen.get(&id) {
            return Ok((b.clone(), *d));
        }
        // Walk down to a blob without base (or one already read), then decompress upwards.
        let mut chain: Vec<(i64, Vec<u8>, i64, Vec<u8>)> = Vec::new();
        let mut next = Some(id);
        let mut below: Option<(Arc<Vec<u8>>, u32)> = None;
        while let Some(cur) = next {
            if let Some(hit) = self.seen.get(&cur) {
                below = Some(hit.clone());
                break;
            }
            if chain.len() > MAX_DEPTH as usize {
                return Err(corrupt(
                    &format!("blob {id}"),
                    "its chain of bases is too long",
                ));
            }
            let (sha, base, dict, z): (Vec<u8>, Option<i64>, i64, Vec<u8>) = conn
                .prepare_cached("SELECT sha256, base, dict, zstd FROM blobs WHERE id = ?1")?
                .query_row([cur], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?
                .ok_or_else(|| corrupt(&format!("blob {cur}"), "missing"))?;
            chain.push((cur, sha, dict, z));
            next = base;
        }
        for (cur, sha, dict, z) in chain.into_iter().rev() {
            let what = format!("blob {cur}");
            let trained = match dict {
                DICTIONARY_ID => None,
                id => Some(self.dictionary(conn, id)?),
            };
            let bytes = decompress(
                &what,
                &z,
                trained.as_deref().map(|d| &d[..]),
                below.as_ref().map(|(b, _)| &b[..]),
            )?;
            let full: [u8; 32] = Sha256::digest(&bytes).into();
            if !matches!(sha.len(), DIGEST | 32) || full[..sha.len()] != sha[..] {
                return Err(corrupt(
                    &format!("blob {cur}"),
                    "its content does not match its SHA-256",
                ));
            }
            let depth = below.as_ref().map_or(1, |(_, d)| d + 1);
            let entry = (Arc::new(bytes), depth);
            self.seen.insert(cur, entry.clone());
            below = Some(entry);
        }
        below.ok_or_else(|| corrupt(&format!("blob {id}"), "missing"))
    }

    /// A row's canonical JSON from its stored columns.
    pub fn canonical(
        &mut self,
        conn: &Connection,
        seq: i64,
        data: String,
        blob: Option<(i64, i64)>,
    ) -> Result<String> {
        match blob {
            None => Ok(data),
            Some((id, at)) => {
                let bytes = self.get(conn, id)?;
                splice(&data, at, &bytes).map_err(|e| corrupt(&format!("journal row {seq}"), e))
            }
        }
    }
}

/// Reads a row's `blob` and `blob_at` columns at `i` and `i + 1`.
pub(crate) fn blob_cols(row: &rusqlite::Row<'_>, i: usize) -> Result<Option<(i64, i64)>> {
    let id: Option<i64> = row.get(i)?;
    let at: Option<i64> = row.get(i + 1)?;
    Ok(match (id, at) {
        (Some(id), Some(at)) => Some((id, at)),
        (None, None) => None,
        _ => {
            return Err(StoreError::Corrupt {
                what: "events".into(),
                detail: "blob and blob_at must both be set or both be NULL".into(),
            })
        }
    })
}
