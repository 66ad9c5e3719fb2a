//! A sale's checkout URL as the projection keeps it: the URL around its session id is stored
//! once per log (`checkout_urls`, migration 11) and the sale's row holds its short key, so each
//! row does not repeat the shop's checkout address. `SALE_COLUMNS` (store/read.rs) puts it back
//! together in SQL, so every reader of a sale sees the whole URL.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

/// What `sales.checkout_url` stores for `url` of a sale with `session_id`: the key of the URL
/// around the session id (added to `checkout_urls` the first time), or the whole URL when the
/// session id is not in it.
pub(super) fn stored(
    tx: &Connection,
    url: Option<&str>,
    session_id: Option<&str>,
) -> rusqlite::Result<Value> {
    let Some(url) = url else {
        return Ok(Value::Null);
    };
    let Some((prefix, suffix)) = session_id
        .filter(|s| !s.is_empty())
        .and_then(|s| url.find(s).map(|at| (&url[..at], &url[at + s.len()..])))
    else {
        return Ok(Value::Text(url.to_owned()));
    };
    let known: Option<Vec<u8>> = tx
        .prepare_cached("SELECT key FROM checkout_urls WHERE prefix = ?1 AND suffix = ?2")?
        .query_row([prefix, suffix], |r| r.get(0))
        .optional()?;
    if let Some(key) = known {
        return Ok(Value::Blob(key));
    }
    let n: i64 = tx.query_row("SELECT count(*) + 1 FROM checkout_urls", [], |r| r.get(0))?;
    let key = key_bytes(n);
    tx.execute(
        "INSERT INTO checkout_urls (key, prefix, suffix) VALUES (?1, ?2, ?3)",
        rusqlite::params![key, prefix, suffix],
    )?;
    Ok(Value::Blob(key))
}

/// `n` as its shortest big-endian bytes (1 → `[1]`): a key of one byte for the first 255 URLs.
fn key_bytes(n: i64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    bytes[first..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_distinct() {
        assert_eq!(key_bytes(1), [1]);
        assert_eq!(key_bytes(255), [255]);
        assert_eq!(key_bytes(256), [1, 0]);
        let keys: std::collections::BTreeSet<Vec<u8>> = (1..2000).map(key_bytes).collect();
        assert_eq!(keys.len(), 1999);
    }
}
