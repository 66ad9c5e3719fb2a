//! A staff PIN as it is kept: an Argon2id hash in PHC form (algorithm, parameters, salt and
//! digest in one string), so the parameters can be raised later without breaking stored PINs.
//! The PIN itself is never kept, logged or formatted. The one other form read is the refund
//! PIN of Kasse before staff roles (salted SHA-256, `salt$hex`): it cannot be converted, so it is
//! honoured as the manager's until the manager's PIN is entered once (then it is hashed anew with
//! Argon2id and the old form removed: `store/staff.rs`) or a manager PIN is set.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};
use sha2::{Digest, Sha256};

/// OWASP's Argon2id minimum: 19 MiB of memory, 2 passes, one lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// A PIN must be 4 to 8 digits: short enough to type at a counter, and the lockout (not the
/// length) is what makes guessing slow.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Why a new PIN was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinFormatError {
    /// Not 4 to 8 digits.
    #[error("a PIN is 4 to 8 digits")]
    NotDigits,
}

/// An Argon2id hash of a PIN (or, read from an older Kasse, its salted SHA-256). `Debug` shows
/// the algorithm only, never the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash(Form);

#[derive(Clone, PartialEq, Eq)]
enum Form {
    /// The PHC string.
    Argon2id(String),
    /// `salt$hex` of SHA-256(salt, 0, PIN): the old refund PIN, read only.
    LegacySha256(String),
}

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Form::Argon2id(_) => "PinHash(argon2id, redacted)",
            Form::LegacySha256(_) => "PinHash(legacy sha256, redacted)",
        })
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("constant parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PinHash {
    /// Hashes a new PIN with a fresh random salt.
    pub fn new(pin: &str) -> Result<PinHash, PinFormatError> {
        if !PIN_DIGITS.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PinFormatError::NotDigits);
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher()
            .hash_password(pin.as_bytes(), &salt)
            .expect("hashing with valid parameters and salt");
        Ok(PinHash(Form::Argon2id(hash.to_string())))
    }

    /// A hash as stored earlier; `None` when it is not an Argon2id PHC string.
    pub fn from_stored(stored: &str) -> Option<PinHash> {
        let parsed = PasswordHash::new(stored).ok()?;
        (parsed.algorithm.as_str() == "argon2id").then(|| PinHash(Form::Argon2id(stored.into())))
    }

    /// The refund PIN of an older Kasse (`salt$hex`), honoured until it is replaced.
    pub fn from_legacy(stored: &str) -> Option<PinHash> {
        let (salt, digest) = stored.split_once('$')?;
        let hex_digest = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
        (!salt.is_empty() && hex_digest).then(|| PinHash(Form::LegacySha256(stored.into())))
    }

    /// Whether this is the old SHA-256 form, to be replaced by Argon2id.
    pub fn is_legacy(&self) -> bool {
        matches!(self.0, Form::LegacySha256(_))
    }

    /// The string to store.
    pub fn as_stored(&self) -> &str {
        match &self.0 {
            Form::Argon2id(s) | Form::LegacySha256(s) => s,
        }
    }

    /// Whether `pin` is the PIN this hash was made from (in constant time for the digest).
    pub fn matches(&self, pin: &str) -> bool {
        match &self.0 {
            // The parameters come from the stored string, so older hashes still verify.
            Form::Argon2id(phc) => PasswordHash::new(phc).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(pin.as_bytes(), &parsed)
                    .is_ok()
            }),
            Form::LegacySha256(stored) => {
                let Some((salt, digest)) = stored.split_once('$') else {
                    return false;
                };
                let mut h = Sha256::new();
                h.update(salt.as_bytes());
                h.update(b"\0");
                h.update(pin.as_bytes());
                let given = hex::encode(h.finalize());
                // Compared without stopping at the first difference.
                given.len() == digest.len()
                    && given
                        .bytes()
                        .zip(digest.to_ascii_lowercase().bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
        }
    }
}
