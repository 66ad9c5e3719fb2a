//! The journal anchored outside its file: a chain head written down or printed (`SEQ:HASH`, on
//! the X and Z reports) proves later that nothing up to that row was changed since. Every row's
//! hash covers the one before it, so if the chain still verifies and row SEQ still has that
//! hash, no row up to SEQ can have been edited, removed or replaced, not even with every later
//! hash recomputed.

use std::fmt;
use std::str::FromStr;

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::journal::JournalHead;
use super::{Result, Store};

/// The fewest hex digits of a printed head: 32 bits, so a forged chain cannot be made to match
/// by trying hashes.
pub const MIN_PRINTED_DIGITS: usize = 8;
/// The hex digits a head is printed with.
pub const PRINTED_DIGITS: usize = 12;

/// A chain head as someone wrote it down: a row's seq and the start of its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedHead {
    /// The row.
    pub seq: i64,
    /// The start of its hash (lower-case hex).
    pub hash: String,
}

/// Why a printed head could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a chain head: write it as on the report, SEQ:HASH (e.g. 1234:9f86d081884c)")]
pub struct HeadFormatError(pub String);

impl FromStr for PrintedHead {
    type Err = HeadFormatError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let bad = || HeadFormatError(s.to_owned());
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
        let hash = hash.trim().to_ascii_lowercase();
        if seq < 1
            || hash.len() < MIN_PRINTED_DIGITS
            || hash.len() > 64
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(bad());
        }
        Ok(PrintedHead { seq, hash })
    }
}

impl fmt::Display for PrintedHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl JournalHead {
    /// The head as the reports print it.
    pub fn printed(&self) -> PrintedHead {
        PrintedHead {
            seq: self.seq,
            hash: self.hash.chars().take(PRINTED_DIGITS).collect(),
        }
    }
}

/// What the journal says of a printed head today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "anchor", rename_all = "snake_case")]
pub enum Anchor {
    /// Row SEQ still has that hash.
    Holds,
    /// Row SEQ has another hash now: something up to it was changed.
    Differs {
        /// Its hash now.
        found: String,
    },
    /// There is no row SEQ: rows were removed (or the head is from another log).
    Missing,
}

impl Store {
    /// The journal's last row (its chain head) as it is now; `None` when it is empty.
    pub fn journal_head(&self) -> Result<Option<JournalHead>> {
        let (seq, hash) = super::journal::last_row(&self.lock())?;
        Ok((seq > 0).then_some(JournalHead { seq, hash }))
    }

    /// Row `head.seq`'s hash compared with the printed one. Whether the rows before it are
    /// sound is [`Store::verify_journal`]'s to say: a head holds only with a sound chain.
    pub fn anchor(&self, head: &PrintedHead) -> Result<Anchor> {
        let hash: Option<String> = self
            .lock()
            .query_row("SELECT hash FROM journal WHERE seq = ?1", [head.seq], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()?
            .map(hex::encode);
        Ok(match hash {
            None => Anchor::Missing,
            Some(h) if h.starts_with(&head.hash) => Anchor::Holds,
            Some(found) => Anchor::Differs { found },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_head_reads_back_and_refuses_what_is_not_one() {
        let head: PrintedHead = " 1234:9F86D081884C ".parse().unwrap();
        assert_eq!(
            head,
            PrintedHead {
                seq: 1234,
                hash: "9f86d081884c".into()
            }
        );
        assert_eq!(head.to_string(), "1234:9f86d081884c");
        for bad in [
            "",
            "1234",
            "1234:",
            "x:9f86d081",
            "0:9f86d081",
            "-3:9f86d081",
            "12:9f86d08",
            "12:9f86d08z",
            "12-9f86d081884c",
        ] {
            let e = bad.parse::<PrintedHead>().unwrap_err();
            assert!(e.to_string().contains("SEQ:HASH"), "{bad:?}: {e}");
        }
        let full = JournalHead {
            seq: 7,
            hash: "ab".repeat(32),
        };
        assert_eq!(full.printed().to_string(), "7:abababababab");
    }
}
