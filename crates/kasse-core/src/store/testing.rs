//! For tests that tamper with a log the way someone with the file would: a journal row's
//! `body` is compressed (store/row.rs), so editing its data needs the same codec. Not part of
//! Kasse's API.

use super::{codec, Result};

/// A journal row's `body` for `data`.
pub fn pack_body(data: &str) -> Result<Vec<u8>> {
    codec::pack_row(data, None)
}

/// The `data` of a journal row's `body`.
pub fn unpack_body(body: &[u8]) -> Result<String> {
    codec::unpack_row(0, body, None)
}
