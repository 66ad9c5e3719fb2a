//! Keyset pagination: the cursor is the `(created_at, rowid)` of a page's last sale,
//! hex-encoded with a version, so a caller can only hand back what this store made (a cursor
//! of the `(created_at, id)` order before migration 10 is refused as invalid).

use super::StoreError;

pub(crate) fn encode_cursor(created_at_ms: i64, rowid: i64) -> String {
    hex::encode(format!("2:{created_at_ms}:{rowid}"))
}

pub(crate) fn decode_cursor(c: &str) -> Result<(i64, i64), StoreError> {
    let bytes = hex::decode(c).map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let rest = text.strip_prefix("2:").ok_or(StoreError::InvalidCursor)?;
    let (ms, rowid) = rest.split_once(':').ok_or(StoreError::InvalidCursor)?;
    let ms = ms.parse().map_err(|_| StoreError::InvalidCursor)?;
    let rowid = rowid.parse().map_err(|_| StoreError::InvalidCursor)?;
    Ok((ms, rowid))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(1_700_000_000_123, 42);
        assert_eq!(decode_cursor(&c).unwrap(), (1_700_000_000_123, 42));
        for bad in [
            "zz",
            "",
            &hex::encode("1:1:sale"),
            &hex::encode("2:1:x"),
            &hex::encode("2:x:1"),
            &hex::encode("2:1"),
            &hex::encode([0xff, 0xfe]),
        ] {
            assert!(matches!(decode_cursor(bad), Err(StoreError::InvalidCursor)));
        }
    }
}
