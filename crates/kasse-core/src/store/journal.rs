//! The hash chain over the `journal` table, and its verification.
//!
//! # Canonical encoding
//! Each row commits to the row before it. With `be64(x)` the 8-byte big-endian two's-complement
//! encoding of an `i64` and `field(b) = be64(len(b)) || b` (length-prefixed bytes):
//!
//! ```text
//! hash = lower-hex( SHA-256(
//!            "kasse-journal-v1\n"
//!         || field(prev_hash)          -- the previous row's hash, 64 ASCII hex characters
//!         || be64(seq)
//!         || field(sale_id)            -- UTF-8
//!         || be64(at)                  -- Unix milliseconds
//!         || field(kind)               -- e.g. "sale_opened"
//!         || 0x00 | 0x01 || field(op_id)   -- 0x00 when op_id is NULL
//!         || field(data)               -- the event's canonical JSON (below)
//!        ))
//! ```
//!
//! The first row's `prev_hash` is [`GENESIS_HASH`] (64 zeros); every other row's is the hash
//! stored in the row before it (not stored again: store/row.rs). The canonical JSON is the
//! row's data with its blob's bytes put back in place of the `null` at `blob_at`
//! (store/blob.rs): the JSON as it was written, so verification never depends on re-serializing
//! it. `kind` and `op_id` are the event's own (its `type`, its `op_id`); `sale_id` is the one
//! the sale's opening row carries.
//!
//! # What `verify` detects
//! * an **edited** row: its stored hash no longer matches ([`JournalProblem::HashMismatch`]); if
//!   the editor also recomputed that hash, the next row's hash no longer matches;
//! * a **removed** row: a gap in `seq` ([`JournalProblem::Gap`]); removed rows at the end: the
//!   `journal_head` row (written in the same transaction as every append) no longer matches the
//!   last row ([`JournalProblem::HeadMismatch`]);
//! * an **inserted** row: a hash mismatch (or, if hashed correctly, one in the row after it or a
//!   head mismatch at the end);
//! * a row whose data no longer decompresses or decodes, whose sale or intent columns disagree
//!   with its event, or whose blob is missing, does not decompress or no longer matches its
//!   SHA-256 ([`JournalProblem::Malformed`]; an altered blob that still decodes is a hash
//!   mismatch).
//!
//! Limits: the chain has no secret, so someone with write access to the file who drops the
//! triggers, rewrites every following hash *and* the head row goes unnoticed by `verify` alone.
//! To anchor the chain, print the head ([`JournalReport::head`]) on Z reports or send it
//! elsewhere: a later verification against an anchored head catches a rewrite.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::blob::BlobReader;
use super::row::{RawRow, SaleIds, ROW_COLUMNS};
use super::StoreError;
use crate::sale::LogEvent;

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"kasse-journal-v1\n";

/// At most this many problems are listed (the rest are counted in `rows` and flagged by
/// [`JournalReport::truncated`]).
pub const MAX_PROBLEMS: usize = 1000;

/// The hash of a journal row, as described in the module docs.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    sale_id: &str,
    at_ms: i64,
    kind: &str,
    op_id: Option<&str>,
    data: &str,
) -> String {
    fn field(h: &mut Sha256, b: &[u8]) {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    }
    let mut h = Sha256::new();
    h.update(DOMAIN);
    field(&mut h, prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    field(&mut h, sale_id.as_bytes());
    h.update(at_ms.to_be_bytes());
    field(&mut h, kind.as_bytes());
    match op_id {
        None => h.update([0u8]),
        Some(op) => {
            h.update([1u8]);
            field(&mut h, op.as_bytes());
        }
    }
    field(&mut h, data.as_bytes());
    hex::encode(h.finalize())
}

/// The last row of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHead {
    /// Its seq.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// One thing wrong with the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum JournalProblem {
    /// The row's content does not match its hash: the row was edited, or the row before it
    /// was edited and given a new hash (the chain runs through it).
    #[error("row {seq} was altered (or the row before it, and re-hashed): its hash does not match its content")]
    HashMismatch {
        /// The row.
        seq: i64,
        /// The hash stored in the row.
        stored: String,
        /// The hash of the row's content.
        computed: String,
    },
    /// Rows are missing: `seq` jumps.
    #[error("{} missing", missing_rows(*after, *next))]
    Gap {
        /// The last seq before the gap (0 at the start).
        after: i64,
        /// The first seq after it.
        next: i64,
    },
    /// The head record does not match the last row: rows were removed from (or added to) the
    /// end outside the store.
    #[error("the journal ends at {last:?} but its head record says {head:?}: rows at the end were removed or added")]
    HeadMismatch {
        /// What the head record says.
        head: Option<JournalHead>,
        /// The actual last row.
        last: Option<JournalHead>,
    },
    /// The row's JSON does not decode, or its columns disagree with it.
    #[error("row {seq} is malformed: {detail}")]
    Malformed {
        /// The row.
        seq: i64,
        /// What is wrong.
        detail: String,
    },
}

/// The result of [`crate::store::Store::verify_journal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalReport {
    /// Rows read.
    pub rows: u64,
    /// No problems.
    pub ok: bool,
    /// The last row (the value to anchor elsewhere).
    pub head: Option<JournalHead>,
    /// What is wrong, in seq order (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<JournalProblem>,
    /// More problems than listed.
    pub truncated: bool,
}

/// Reads the whole journal in seq order and checks the chain (see the module docs).
pub(crate) fn verify(conn: &Connection) -> Result<JournalReport, StoreError> {
    verify_after(conn, None)
}

/// Checks the rows after `since` (the head an earlier check ended at), chaining from its hash,
/// and the head record. Row `since.seq` itself is read again (not counted in `rows`): it must
/// still hash to its content and have `since.hash`, so a rewrite that re-hashed the rows up to
/// it shows there. Rows before it are not read: an edit there that left its hash alone is found
/// only by a full [`verify`].
pub(crate) fn verify_after(
    conn: &Connection,
    since: Option<&JournalHead>,
) -> Result<JournalReport, StoreError> {
    let mut problems = Vec::new();
    let mut truncated = false;
    let mut push = |p: JournalProblem, problems: &mut Vec<JournalProblem>| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        } else {
            truncated = true;
        }
    };

    // The starting point is read again with its content: it must still be there, hash to what
    // it did (chained from the row before it), and have the hash the earlier check recorded.
    let mut checkpoint = match since {
        None => None,
        Some(cp) if cp.seq <= 1 => Some((cp, GENESIS_HASH.to_owned())),
        Some(cp) => {
            let before: Option<Vec<u8>> = conn
                .prepare_cached("SELECT hash FROM journal WHERE seq = ?1")?
                .query_row([cp.seq - 1], |r| r.get(0))
                .optional()?;
            match before {
                Some(h) => Some((cp, hex::encode(h))),
                None => {
                    push(
                        checkpoint_missing(&JournalHead {
                            seq: cp.seq - 1,
                            hash: String::new(),
                        }),
                        &mut problems,
                    );
                    Some((cp, GENESIS_HASH.to_owned()))
                }
            }
        }
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM journal WHERE seq >= ?1 ORDER BY seq"
    ))?;
    let mut rows = stmt.query([since.map_or(0, |h| h.seq)])?;
    let mut count = 0u64;
    let mut expected_seq = since.map_or(1, |h| h.seq.saturating_add(1));
    // Each row chains from the previous row's stored hash, so an altered row shows as itself
    // (and, if re-hashed, as the row after it), not as every row after it.
    let mut prev = since.map_or_else(|| GENESIS_HASH.to_owned(), |h| h.hash.clone());
    let mut last: Option<JournalHead> = since.cloned();
    let mut blobs = BlobReader::default();
    let mut sales = SaleIds::default();
    while let Some(row) = rows.next()? {
        let mut raw = RawRow::read(row, conn, &mut blobs)?;
        let seq = raw.seq;
        let stored = raw.hash_hex();
        let malformed = |detail: String| JournalProblem::Malformed { seq, detail };
        match checkpoint.take() {
            Some((cp, before)) if cp.seq == seq => {
                if stored != cp.hash {
                    push(
                        JournalProblem::HashMismatch {
                            seq,
                            stored: stored.clone(),
                            computed: cp.hash.clone(),
                        },
                        &mut problems,
                    );
                }
                expected_seq = seq;
                prev = before;
            }
            Some((cp, _)) => {
                push(checkpoint_missing(cp), &mut problems);
                count += 1;
            }
            None => count += 1,
        }
        if seq != expected_seq {
            push(
                JournalProblem::Gap {
                    after: expected_seq - 1,
                    next: seq,
                },
                &mut problems,
            );
        }
        blobs.clear_if_over(1024);
        let sale_id = match (raw.sale == seq, raw.sale_id.as_deref()) {
            (true, Some(id)) => {
                sales.note(seq, id);
                id.to_owned()
            }
            (false, None) if raw.sale < seq => match sales.get(conn, raw.sale) {
                Ok(id) => id,
                Err(e) => {
                    push(
                        malformed(format!("its sale cannot be named: {e}")),
                        &mut problems,
                    );
                    String::new()
                }
            },
            _ => {
                let detail = format!(
                    "its sale ({}, {:?}) is not a row before it or itself",
                    raw.sale, raw.sale_id
                );
                push(malformed(detail), &mut problems);
                raw.sale_id.clone().unwrap_or_default()
            }
        };
        let data = match raw.canonical(conn, &mut blobs) {
            Ok(data) => data,
            Err(e @ StoreError::Corrupt { .. }) => {
                push(
                    malformed(format!("its stored data cannot be read back: {e}")),
                    &mut problems,
                );
                expected_seq = seq.saturating_add(1);
                last = Some(JournalHead {
                    seq,
                    hash: stored.clone(),
                });
                prev = stored;
                continue;
            }
            Err(e) => return Err(e),
        };
        let event = match serde_json::from_str::<LogEvent>(&data) {
            Ok(ev) => Some(ev),
            Err(e) => {
                push(
                    malformed(format!("event JSON does not decode: {e}")),
                    &mut problems,
                );
                None
            }
        };
        let (kind, op_id) = event
            .as_ref()
            .map_or(("", None), |ev| (ev.kind(), ev.op_id()));
        let computed = row_hash(&prev, seq, &sale_id, raw.at, kind, op_id, &data);
        if computed != stored {
            push(
                JournalProblem::HashMismatch {
                    seq,
                    stored: stored.clone(),
                    computed,
                },
                &mut problems,
            );
        }
        if let Some(ev) = &event {
            let intent = op_id.filter(|_| matches!(ev, LogEvent::OperationRequested { .. }));
            let counter = raw.sale == super::row::COUNTER_KEY;
            if ev.is_opening() != (raw.sale == seq)
                || ev.is_counter_event() != counter
                || raw.intent.as_deref() != intent
            {
                let detail = format!(
                    "columns sale={} intent={:?} disagree with the event ({kind}, {intent:?})",
                    raw.sale, raw.intent
                );
                push(malformed(detail), &mut problems);
            }
        }
        expected_seq = seq.saturating_add(1);
        last = Some(JournalHead {
            seq,
            hash: stored.clone(),
        });
        prev = stored;
    }
    drop(rows);
    if let Some((cp, _)) = checkpoint {
        push(checkpoint_missing(cp), &mut problems);
    }

    let head = read_head(conn)?;
    if head != last {
        push(
            JournalProblem::HeadMismatch {
                head,
                last: last.clone(),
            },
            &mut problems,
        );
    }
    Ok(JournalReport {
        rows: count,
        ok: problems.is_empty(),
        head: last,
        problems,
        truncated,
    })
}

/// "row 5 is" or "rows 5 to 9 are", for [`JournalProblem::Gap`].
fn missing_rows(after: i64, next: i64) -> String {
    let (first, last) = (after.saturating_add(1), next.saturating_sub(1));
    if first == last {
        format!("row {first} is")
    } else {
        format!("rows {first} to {last} are")
    }
}

/// The row an earlier check ended at is gone.
fn checkpoint_missing(cp: &JournalHead) -> JournalProblem {
    JournalProblem::Gap {
        after: cp.seq.saturating_sub(1),
        next: cp.seq.saturating_add(1),
    }
}

/// The head record.
pub(crate) fn read_head(conn: &Connection) -> Result<Option<JournalHead>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM journal_head WHERE id = 1")?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        None => Ok(None),
        Some(r) => Ok(Some(JournalHead {
            seq: r.get(0)?,
            hash: r.get(1)?,
        })),
    }
}

/// The last row actually in the table: `(seq, hash)`, or `(0, GENESIS)` when empty.
pub(crate) fn last_row(conn: &Connection) -> Result<(i64, String), StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        None => Ok((0, GENESIS_HASH.to_owned())),
        Some(r) => Ok((r.get(0)?, hex::encode(r.get::<_, Vec<u8>>(1)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row's fields, in `row_hash`'s order.
    #[derive(Clone, Copy)]
    struct Row<'a> {
        prev: &'a str,
        seq: i64,
        sale: &'a str,
        at: i64,
        kind: &'a str,
        op: Option<&'a str>,
        data: &'a str,
    }

    impl Row<'_> {
        fn hash(self) -> String {
            row_hash(
                self.prev, self.seq, self.sale, self.at, self.kind, self.op, self.data,
            )
        }
    }

    #[test]
    fn a_gap_names_the_row_or_the_rows_missing() {
        let gap = |after, next| JournalProblem::Gap { after, next }.to_string();
        assert_eq!(gap(4, 6), "row 5 is missing");
        assert_eq!(gap(4, 9), "rows 5 to 8 are missing");
    }

    #[test]
    fn hash_is_stable_and_covers_every_field() {
        let row = Row {
            prev: GENESIS_HASH,
            seq: 1,
            sale: "s1",
            at: 1000,
            kind: "note",
            op: None,
            data: r#"{"type":"note","text":"x"}"#,
        };
        let base = row.hash();
        // Pinned (computed independently from the documented encoding with Python's hashlib):
        // the encoding must never change silently, or old journals would stop verifying.
        assert_eq!(
            base,
            "68d4c2d8dc0d15fbb1fbe45ab25ea98a1cda85c82b56ad7d3f16332f7ac43423"
        );
        assert_eq!(base.len(), 64);
        let variants = [
            Row { prev: "1", ..row },
            Row { seq: 2, ..row },
            Row { sale: "s2", ..row },
            Row { at: 1001, ..row },
            Row {
                kind: "notE",
                ..row
            },
            Row {
                op: Some(""),
                ..row
            },
            Row {
                data: r#"{"type":"note","text":"y"}"#,
                ..row
            },
            // Length prefixes: moving bytes between fields changes the hash.
            Row {
                sale: "s1n",
                kind: "ote",
                ..row
            },
        ];
        for v in variants {
            assert_ne!(v.hash(), base);
        }
    }
}
