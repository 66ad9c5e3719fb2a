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
//! A blob carries the SHA-256 of its canonical bytes: a snapshot the sale already has (observed
//! again, unchanged) is not stored again, and a blob that decompresses to other bytes is found.
//! It is compressed with zstd, its prefix (what the compressor may refer back to) being
//! [`DICTIONARY`] (Dintero's field names and Kasse's own request headers, which every snapshot
//! repeats) followed by the sale's previous blob (a delta: the next transaction snapshot differs
//! from the last in a few fields), in chains of at most [`MAX_DEPTH`] blobs; reading one
//! decompresses its chain. The projection's large JSON columns are compressed after the same
//! dictionary ([`pack_json`]).

use std::collections::HashMap;
use std::rc::Rc;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zstd::zstd_safe::{self, CCtx, CParameter, DCtx};

use super::{corrupt, Result, StoreError};
use crate::sale::LogEvent;

/// A value shorter than this (canonical JSON bytes) stays inline: a blob row costs more.
pub(crate) const MIN_BLOB: usize = 128;
/// The longest chain of blobs compressed against their predecessor.
pub(crate) const MAX_DEPTH: u32 = 8;
/// zstd's level: small inputs, so a higher level costs little time.
const LEVEL: i32 = 6;
/// A blob larger than this (decompressed) is refused as corrupt rather than allocated.
const MAX_BLOB: u64 = 64 << 20;
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
    /// The row's `data`.
    pub data: String,
    /// The row's `blob` and `blob_at`.
    pub blob: Option<(i64, i64)>,
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

/// Writes the event's blob (if it has one worth it) and returns the row's stored form.
pub(crate) fn store_event(tx: &Connection, sale_id: &str, event: &LogEvent) -> Result<StoredForm> {
    let canonical = serde_json::to_string(event)?;
    let inline = |canonical: String| StoredForm {
        data: canonical.clone(),
        canonical,
        blob: None,
    };
    let Some((field, value)) = payload(event) else {
        return Ok(inline(canonical));
    };
    let bytes = serde_json::to_string(value)?;
    if bytes.len() < MIN_BLOB {
        return Ok(inline(canonical));
    }
    // The value is the field's whole text: `"field":<bytes>` then `,` or the closing `}`.
    let key = format!("\"{field}\":");
    let found = canonical.match_indices(&key).find_map(|(i, _)| {
        let at = i + key.len();
        canonical[at..].starts_with(&bytes).then_some(at)
    });
    let Some(at) = found else {
        return Ok(inline(canonical));
    };
    let data = format!("{}null{}", &canonical[..at], &canonical[at + bytes.len()..]);
    let at = (data.len() - at) as i64;
    if splice(&data, at, bytes.as_bytes()).as_deref() != Ok(canonical.as_str()) {
        return Ok(inline(canonical));
    }
    let id = put(tx, sale_id, bytes.as_bytes())?;
    Ok(StoredForm {
        canonical,
        data,
        blob: Some((id, at)),
    })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Stores `bytes` unless the sale already has them: the id of the sale's blob with the same
/// SHA-256, or of a new blob compressed against the sale's latest one.
fn put(tx: &Connection, sale_id: &str, bytes: &[u8]) -> Result<i64> {
    let hash = sha256(bytes);
    let mut stmt = tx.prepare_cached(
        "SELECT b.id, b.sha256 FROM events AS e INDEXED BY events_sale JOIN blobs AS b ON b.id = e.blob
         WHERE e.sale_id = ?1 AND e.blob IS NOT NULL ORDER BY e.seq DESC",
    )?;
    let mut rows = stmt.query([sale_id])?;
    let mut latest: Option<(i64, Vec<u8>)> = None;
    while let Some(r) = rows.next()? {
        let (id, sha): (i64, Vec<u8>) = (r.get(0)?, r.get(1)?);
        if sha[..] == hash[..] {
            return Ok(id);
        }
        latest.get_or_insert((id, sha));
    }
    drop(rows);
    let base = match latest {
        Some((id, sha)) => {
            let (prefix, depth) = recent(&sha, || BlobReader::default().get_with_depth(tx, id))?;
            (depth < MAX_DEPTH).then_some((id, prefix, depth))
        }
        None => None,
    };
    let z = compress(bytes, base.as_ref().map(|(_, p, _)| &p[..]))?;
    // `dict` is left to its default, DICTIONARY_ID (a default costs no byte in the row).
    tx.prepare_cached("INSERT INTO blobs (sha256, base, zstd) VALUES (?1, ?2, ?3)")?
        .execute(params![&hash[..], base.as_ref().map(|(id, _, _)| *id), z])?;
    let depth = base.as_ref().map_or(1, |(_, _, d)| d + 1);
    remember(hash, Rc::new(bytes.to_vec()), depth);
    Ok(tx.last_insert_rowid())
}

/// The bytes of blobs this thread wrote or read as a base lately, by SHA-256 (content-addressed,
/// so never stale): the next snapshot of a sale is compressed against its last without reading
/// and decompressing that one again.
type Recent = std::collections::VecDeque<([u8; 32], Rc<Vec<u8>>, u32)>;
thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(std::collections::VecDeque::new())
    };
}
const RECENT_ENTRIES: usize = 64;

fn remember(hash: [u8; 32], bytes: Rc<Vec<u8>>, depth: u32) {
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= RECENT_ENTRIES {
            r.pop_front();
        }
        r.push_back((hash, bytes, depth));
    });
}

fn recent(
    sha: &[u8],
    read: impl FnOnce() -> Result<(Rc<Vec<u8>>, u32)>,
) -> Result<(Rc<Vec<u8>>, u32)> {
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .rev()
            .find(|(h, _, _)| h[..] == sha[..])
            .map(|(_, b, d)| (b.clone(), *d))
    });
    match hit {
        Some(hit) => Ok(hit),
        None => {
            let (bytes, depth) = read()?;
            if let Ok(hash) = <[u8; 32]>::try_from(sha) {
                remember(hash, bytes.clone(), depth);
            }
            Ok((bytes, depth))
        }
    }
}

fn zstd_error(what: &str, code: usize) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("zstd: {}", zstd_safe::get_error_name(code)),
    }
}

/// [`DICTIONARY`] followed by the base's bytes.
fn prefix(base: Option<&[u8]>) -> Vec<u8> {
    let base = base.unwrap_or_default();
    let mut p = Vec::with_capacity(DICTIONARY.len() + base.len());
    p.extend_from_slice(DICTIONARY.as_bytes());
    p.extend_from_slice(base);
    p
}

/// This thread's zstd contexts, kept between calls (creating them costs more than compressing
/// a snapshot), each with the history (raw-content dictionary) it was last given.
struct Codec {
    c: CCtx<'static>,
    c_history: Vec<u8>,
    d: DCtx<'static>,
    d_history: Vec<u8>,
}

thread_local! {
    static CODEC: std::cell::RefCell<Option<Codec>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's contexts; contexts that failed are dropped, not reused.
fn with_codec<R>(what: &str, f: impl FnOnce(&mut Codec) -> Result<R>) -> Result<R> {
    CODEC.with(|cell| {
        let mut slot = cell.borrow_mut();
        let codec = match slot.take() {
            Some(c) => c,
            None => {
                let mut c = CCtx::create();
                c.set_parameter(CParameter::CompressionLevel(LEVEL))
                    .map_err(|code| zstd_error(what, code))?;
                Codec {
                    c,
                    c_history: Vec::new(),
                    d: DCtx::create(),
                    d_history: Vec::new(),
                }
            }
        };
        let mut codec = codec;
        let r = f(&mut codec);
        if r.is_ok() {
            *slot = Some(codec);
        }
        r
    })
}

fn compress(bytes: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>> {
    let what = "compressing a blob";
    let history = prefix(base);
    with_codec(what, |codec| {
        if codec.c_history != history {
            codec.c_history.clear();
            codec
                .c
                .load_dictionary(&history)
                .map_err(|code| zstd_error(what, code))?;
            codec.c_history = history;
        }
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
        codec
            .c
            .compress2(&mut out, bytes)
            .map_err(|code| zstd_error(what, code))?;
        Ok(out)
    })
}

fn decompress(what: &str, z: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>> {
    let size = match zstd_safe::get_frame_content_size(z) {
        Ok(Some(n)) if n <= MAX_BLOB => n as usize,
        other => return Err(corrupt(what, format!("frame size {other:?}"))),
    };
    let history = prefix(base);
    let out = with_codec(what, |codec| {
        if codec.d_history != history {
            codec.d_history.clear();
            codec
                .d
                .load_dictionary(&history)
                .map_err(|code| zstd_error(what, code))?;
            codec.d_history = history;
        }
        let mut out = Vec::with_capacity(size);
        codec
            .d
            .decompress(&mut out, z)
            .map_err(|code| zstd_error(what, code))?;
        Ok(out)
    })?;
    if out.len() != size {
        return Err(corrupt(what, "decompressed size differs from its frame's"));
    }
    Ok(out)
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
    )?))
}

/// The JSON text of a column written by [`pack_json`] (or before it, as text).
pub(crate) fn unpack_json(v: rusqlite::types::ValueRef<'_>, what: &str) -> Result<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|e| corrupt(what, e)),
        ValueRef::Blob(z) => {
            String::from_utf8(decompress(what, z, None)?).map_err(|e| corrupt(what, e))
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
    seen: HashMap<i64, (Rc<Vec<u8>>, u32)>,
}

impl BlobReader {
    /// The blob's canonical bytes, checked against its SHA-256.
    pub fn get(&mut self, conn: &Connection, id: i64) -> Result<Rc<Vec<u8>>> {
        Ok(self.get_with_depth(conn, id)?.0)
    }

    /// Forgets what it read (bounds the memory of a long scan).
    pub fn clear_if_over(&mut self, entries: usize) {
        if self.seen.len() > entries {
            self.seen.clear();
        }
    }

    /// The bytes and the chain's length down to this blob (1 for a blob without base).
    fn get_with_depth(&mut self, conn: &Connection, id: i64) -> Result<(Rc<Vec<u8>>, u32)> {
        if let Some((b, d)) = self.seen.get(&id) {
            return Ok((b.clone(), *d));
        }
        // Walk down to a blob without base (or one already read), then decompress upwards.
        let mut chain: Vec<(i64, Vec<u8>, i64, Vec<u8>)> = Vec::new();
        let mut next = Some(id);
        let mut below: Option<(Rc<Vec<u8>>, u32)> = None;
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
            if dict != DICTIONARY_ID {
                return Err(corrupt(&what, format!("unknown dictionary {dict}")));
            }
            let bytes = decompress(&what, &z, below.as_ref().map(|(b, _)| &b[..]))?;
            if sha256(&bytes)[..] != sha[..] {
                return Err(corrupt(
                    &format!("blob {cur}"),
                    "its content does not match its SHA-256",
                ));
            }
            let depth = below.as_ref().map_or(1, |(_, d)| d + 1);
            let entry = (Rc::new(bytes), depth);
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
                splice(&data, at, &bytes).map_err(|e| corrupt(&format!("events row {seq}"), e))
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
