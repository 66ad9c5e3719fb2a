//! The zstd contexts the log compresses with, one set per thread and kind of history (the
//! raw-content dictionary a frame is written after), and a journal row's body
//! (store/row.rs), compressed after [`JOURNAL_DICTIONARY`] or a dictionary trained on the log.
//!
//! Frames are stored without zstd's 4-byte magic number (migration 9): every compressed value in
//! the log is a zstd frame, so the magic tells nothing, and it is 4 of a snapshot's ~100 bytes. Frames
//! written before keep theirs; both read back, as a frame header never starts with the magic's
//! first byte (it sets a bit the header keeps reserved).

use zstd::zstd_safe::{self, CCtx, CParameter, DCtx};

use super::{corrupt, Result, StoreError};

/// zstd's level: lower levels leave a snapshot about a tenth bigger, higher ones barely
/// shrink inputs this small (an append waits for its compression).
const LEVEL: i32 = 6;
/// A blob larger than this (decompressed) is refused as corrupt rather than allocated.
const MAX_BLOB: u64 = 64 << 20;
/// The prefix of every journal row's `body` (migration 5): the shapes of the events, with
/// placeholder values. **Never edit it** (a test pins its SHA-256), like the blobs' dictionary
/// (`blob::DICTIONARY`).
pub(crate) const JOURNAL_DICTIONARY: &str = include_str!("journal_dictionary.jsonl");
/// zstd's frame magic number, as the frame's first 4 bytes.
const MAGIC: [u8; 4] = 0xFD2F_B528_u32.to_le_bytes();

fn zstd_error(what: &str, code: usize) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("zstd: {}", zstd_safe::get_error_name(code)),
    }
}

/// This thread's zstd contexts, kept between calls (creating them costs more than compressing
/// a snapshot), each with the history (raw-content dictionary) it was last given. One pair for
/// `blob::DICTIONARY` alone (the projection's columns: loaded once) and one for the history of a
/// delta (which changes with each blob), so that the two do not reload each other's.
struct Codec {
    c: CCtx<'static>,
    c_history: Vec<u8>,
    d: DCtx<'static>,
    d_history: Vec<u8>,
}

thread_local! {
    static CODECS: std::cell::RefCell<[Option<Codec>; 3]> =
        const { std::cell::RefCell::new([None, None, None]) };
}

/// Which of this thread's contexts: one per kind of history, so that they do not reload each
/// other's.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    /// `blob::DICTIONARY` alone.
    Plain = 0,
    /// `blob::DICTIONARY` and a base blob.
    Delta = 1,
    /// [`JOURNAL_DICTIONARY`]: journal rows.
    Row = 2,
}

/// Runs `f` with this thread's contexts of `slot`; contexts that failed are dropped, not reused.
fn with_codec<R>(what: &str, slot: Slot, f: impl FnOnce(&mut Codec) -> Result<R>) -> Result<R> {
    CODECS.with(|cell| {
        let mut slots = cell.borrow_mut();
        let slot = &mut slots[slot as usize];
        let mut codec = match slot.take() {
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
        let r = f(&mut codec);
        if r.is_ok() {
            *slot = Some(codec);
        }
        r
    })
}

/// Loads `history` with `load` unless `current` already is it (loading digests the whole
/// dictionary: most calls reuse the one loaded last), then keeps a copy as `current`.
fn use_history(
    what: &str,
    current: &mut Vec<u8>,
    history: &[u8],
    load: impl FnOnce(&[u8]) -> std::result::Result<(), usize>,
) -> Result<()> {
    if current.as_slice() != history {
        current.clear();
        load(history).map_err(|code| zstd_error(what, code))?;
        current.extend_from_slice(history);
    }
    Ok(())
}

/// Compresses `bytes` with `history` as the compressor's raw-content dictionary.
pub(crate) fn compress_after(
    what: &str,
    slot: Slot,
    history: &[u8],
    bytes: &[u8],
) -> Result<Vec<u8>> {
    with_codec(what, slot, |codec| {
        use_history(what, &mut codec.c_history, history, |h| {
            codec.c.load_dictionary(h).map(drop)
        })?;
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(bytes.len()));
        codec
            .c
            .compress2(&mut out, bytes)
            .map_err(|code| zstd_error(what, code))?;
        if out.starts_with(&MAGIC) {
            out.drain(..MAGIC.len());
        }
        Ok(out)
    })
}

/// Decompresses `z`, written by [`compress_after`] with the same `history`.
pub(crate) fn decompress_after(
    what: &str,
    slot: Slot,
    history: &[u8],
    z: &[u8],
) -> Result<Vec<u8>> {
    // A frame stored without its magic gets it back (see the module docs).
    let framed;
    let z = if z.starts_with(&MAGIC) {
        z
    } else {
        framed = [&MAGIC[..], z].concat();
        &framed[..]
    };
    let size = match zstd_safe::get_frame_content_size(z) {
        Ok(Some(n)) if n <= MAX_BLOB => n as usize,
        other => return Err(corrupt(what, format!("frame size {other:?}"))),
    };
    let out = with_codec(what, slot, |codec| {
        use_history(what, &mut codec.d_history, history, |h| {
            codec.d.load_dictionary(h).map(drop)
        })?;
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

/// A journal row's `body`: its `data` compressed after a dictionary trained on the log's rows
/// (store/blob.rs), or `None`: [`JOURNAL_DICTIONARY`].
pub(crate) fn pack_row(data: &str, dict: Option<&[u8]>) -> Result<Vec<u8>> {
    compress_after(
        "compressing a journal row",
        Slot::Row,
        dict.unwrap_or(JOURNAL_DICTIONARY.as_bytes()),
        data.as_bytes(),
    )
}

/// A journal row's `data` from its `body`, compressed after `dict` (as [`pack_row`]).
pub(crate) fn unpack_row(seq: i64, body: &[u8], dict: Option<&[u8]>) -> Result<String> {
    let what = format!("journal row {seq}");
    let history = dict.unwrap_or(JOURNAL_DICTIONARY.as_bytes());
    let bytes = decompress_after(&what, Slot::Row, history, body)?;
    String::from_utf8(bytes).map_err(|e| corrupt(&what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_stored_without_the_magic_and_old_ones_with_it_still_read() {
        let row = r#"{"type":"note","text":"a note"}"#;
        let packed = pack_row(row, None).unwrap();
        assert!(!packed.starts_with(&MAGIC), "{packed:?}");
        assert_eq!(unpack_row(1, &packed, None).unwrap(), row);
        // A frame as written before migration 9, magic included.
        let framed = [&MAGIC[..], &packed].concat();
        assert_eq!(unpack_row(1, &framed, None).unwrap(), row);
        // What is neither is refused, not misread.
        assert!(unpack_row(1, &packed[1..], None).is_err());
    }
}
