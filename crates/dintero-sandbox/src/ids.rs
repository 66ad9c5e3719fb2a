//! The id source: seedable, so a test can ask for the same ids on every run.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Makes session/transaction ids (`{aid}.{22 chars [0-9A-Za-z]}`) and event ids (UUID v4).
#[derive(Debug)]
pub struct IdSource {
    rng: StdRng,
}

impl IdSource {
    /// Seeded (deterministic) or from OS entropy.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        IdSource { rng }
    }

    /// `{aid}.` followed by 22 characters of `[0-9A-Za-z]`.
    pub fn object_id(&mut self, aid: &str) -> String {
        let mut s = String::with_capacity(aid.len() + 23);
        s.push_str(aid);
        s.push('.');
        for _ in 0..22 {
            s.push(char::from(ALPHABET[self.rng.gen_range(0..ALPHABET.len())]));
        }
        s
    }

    /// A random (v4) UUID in its hyphenated lower-case form.
    pub fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_have_the_dintero_shape() {
        let mut ids = IdSource::new(None);
        let id = ids.object_id("T12345678");
        let (aid, token) = id.split_once('.').unwrap();
        assert_eq!(aid, "T12345678");
        assert_eq!(token.len(), 22);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn uuids_are_v4() {
        let mut ids = IdSource::new(Some(1));
        let u = uuid::Uuid::parse_str(&ids.uuid()).unwrap();
        assert_eq!(u.get_version_num(), 4);
    }

    #[test]
    fn a_seed_gives_the_same_ids() {
        let mut a = IdSource::new(Some(42));
        let mut b = IdSource::new(Some(42));
        assert_eq!(a.object_id("T1"), b.object_id("T1"));
        assert_eq!(a.uuid(), b.uuid());
        let mut c = IdSource::new(Some(43));
        assert_ne!(a.object_id("T1"), c.object_id("T1"));
    }
}
