//! A staff PIN as it is kept: an Argon2id hash in PHC form (algorithm, parameters, salt and
//! digest in one string), so the parameters can be raised later without breaking stored PINs.
//! The PIN itself is never kept, logged or formatted.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};

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

/// An Argon2id hash of a PIN. `Debug` shows the algorithm only, never the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash(String);

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHash(argon2id, redacted)")
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
        Ok(PinHash(hash.to_string()))
    }

    /// A hash as stored earlier; `None` when it is not an Argon2id PHC string.
    pub fn from_stored(stored: &str) -> Option<PinHash> {
        let parsed = PasswordHash::new(stored).ok()?;
        (parsed.algorithm.as_str() == "argon2id").then(|| PinHash(stored.to_string()))
    }

    /// The PHC string to store.
    pub fn as_stored(&self) -> &str {
        &self.0
    }

    /// Whether `pin` is the PIN this hash was made from (in constant time for the digest).
    pub fn matches(&self, pin: &str) -> bool {
        match PasswordHash::new(&self.0) {
            // The parameters come from the stored string, so older hashes still verify.
            Ok(parsed) => Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }
}
