//! Settings: `key → JSON value` in the `settings` table (profile id, currency, counter name,
//! quick items, …).
//!
//! Credentials never go into SQLite (DESIGN.md §6): the store has no API for them, and a key
//! that looks like one (`client_secret`, `access_token`, `password`, …) or a value that looks like
//! an access token (a JWT) is refused with [`StoreError::SecretRefused`]. Keys are lower-case
//! ASCII `[a-z0-9_.-]`, at most [`MAX_KEY_LEN`] characters.

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::StoreError;

/// Well-known keys.
pub mod keys {
    /// Dintero payment profile id (`KASSE_PROFILE_ID`).
    pub const PROFILE_ID: &str = "profile_id";
    /// Default currency (`KASSE_CURRENCY`).
    pub const CURRENCY: &str = "currency";
    /// The counter's name, prefix of merchant references.
    pub const COUNTER: &str = "counter";
    /// Quick items of the app's grid.
    pub const QUICK_ITEMS: &str = "quick_items";
    /// The counter's settings as one value (`crate::settings::Settings`).
    pub const APP: &str = "app.settings";
}

/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 64;

/// Words that mark a key as a credential.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "token",
    "password",
    "passwd",
    "passphrase",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "bearer",
];

/// Checks a key: well-formed and not secret-looking.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    let well_formed = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if !well_formed {
        return Err(StoreError::InvalidInput {
            field: "settings key",
            reason: format!(
                "{key:?}: use 1 to {MAX_KEY_LEN} characters of lower-case a-z, 0-9, '_', '.', '-'"
            ),
        });
    }
    if SECRET_WORDS.iter().any(|w| key.contains(w)) {
        return Err(StoreError::SecretRefused {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// A JWT (header.payload.signature, base64url, header starting `{"` → `eyJ`): what Dintero
/// access tokens look like.
fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix("Bearer ").unwrap_or(s);
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && s.starts_with("eyJ")
        && parts.iter().all(|p| {
            p.len() >= 2
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn contains_token(v: &Value) -> bool {
    match v {
        Value::String(s) => looks_like_jwt(s),
        Value::Array(a) => a.iter().any(contains_token),
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| looks_like_jwt(k) || contains_token(v)),
        _ => false,
    }
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<Value>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match text {
        None => Ok(None),
        Some(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: format!("setting {key:?}"),
                detail: e.to_string(),
            }),
    }
}

pub(crate) fn set(conn: &Connection, key: &str, value: &Value) -> Result<(), StoreError> {
    check_key(key)?;
    if contains_token(value) {
        return Err(StoreError::SecretRefused {
            key: key.to_owned(),
        });
    }
    let text = serde_json::to_string(value)?;
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, text])?;
    Ok(())
}

pub(crate) fn delete(conn: &Connection, key: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM settings WHERE key = ?1")?
        .execute([key])?
        > 0)
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<(String, Value)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        let text: String = r.get(1)?;
        let value = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            what: format!("setting {key:?}"),
            detail: e.to_string(),
        })?;
        out.push((key, value));
    }
    Ok(out)
}

/// Typed helpers over the JSON value.
pub(crate) fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value, StoreError> {
    Ok(serde_json::to_value(v)?)
}

pub(crate) fn from_value<T: DeserializeOwned>(key: &str, v: Value) -> Result<T, StoreError> {
    serde_json::from_value(v).map_err(|e| StoreError::Corrupt {
        what: format!("setting {key:?}"),
        detail: e.to_string(),
    })
}

/// The setting that holds the counter's id.
pub(crate) const COUNTER_ID_KEY: &str = "counter.id";

/// Letters and digits no one misreads on a receipt (no 0/O, 1/I/L).
const ID_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// The counter's id, made at the first call on a new log and kept there: `K` and five random
/// characters (about 28 million values), so that two counters of a shop, each with its own
/// log, do not make the same merchant references. Call inside a write transaction, so that two
/// processes opening a new log agree on one id.
pub(crate) fn counter_id(conn: &Connection) -> Result<String, StoreError> {
    if let Some(id) = get(conn, COUNTER_ID_KEY)?
        .as_ref()
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        return Ok(id.to_owned());
    }
    use rand::Rng as _;
    let mut rng = rand::thread_rng();
    let mut id = String::from("K");
    for _ in 0..5 {
        id.push(char::from(ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())]));
    }
    set(conn, COUNTER_ID_KEY, &Value::String(id.clone()))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys() {
        assert!(check_key("profile_id").is_ok());
        assert!(check_key("ui.quick_items").is_ok());
        for bad in ["", "Profile", "a b", &"x".repeat(65)] {
            assert!(matches!(
                check_key(bad),
                Err(StoreError::InvalidInput { .. })
            ));
        }
        for secret in [
            "client_secret",
            "access_token",
            "dintero.token",
            "admin_password",
            "api_key",
        ] {
            assert!(matches!(
                check_key(secret),
                Err(StoreError::SecretRefused { .. })
            ));
        }
    }

    #[test]
    fn jwt_values_are_recognised() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert!(contains_token(&json!(jwt)));
        assert!(contains_token(&json!({"a": [format!("Bearer {jwt}")]})));
        assert!(!contains_token(&json!("eyJ-not-a-token")));
        assert!(!contains_token(&json!({"name": "Kasse 1", "n": 3})));
    }
}
