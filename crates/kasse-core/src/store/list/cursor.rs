//! Keyset pagination: the cursor is the `(created_at, id)` of a page's last sale, hex-encoded
//! with a version, so a caller can only hand back what this store made.

use super::StoreError;

pub(crate) fn encode_cursor(created_at_ms: i64, id: &str) -> String {
    hex::encode(format!("1:{created_at_ms}:{id}"))
}

pub(crate) fn decode_cursor(c: &str) -> Result<(i64, String), StoreError> {
    let bytes = hex::decode(c).map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let rest = text.strip_prefix("1:").ok_or(StoreError::InvalidCursor)?;
    let (ms, id) = rest.split_once(':').ok_or(StoreError::InvalidCursor)?;
    let ms = ms.parse().map_err(|_| StoreError::InvalidCursor)?;
    Ok((ms, id.to_owned()))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(1_700_000_000_123, "sale:with:colons");
        assert_eq!(
            decode_cursor(&c).unwrap(),
            (1_700_000_000_123, "sale:with:colons".into())
        );
        for bad in [
            "zz",
            "",
            &hex::encode("2:1:x"),
            &hex::encode("1:x:y"),
            &hex::encode([0xff, 0xfe]),
        ] {
            assert!(matches!(decode_cursor(bad), Err(StoreError::InvalidCursor)));
        }
    }
}
