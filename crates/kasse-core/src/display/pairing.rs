//! Who may follow the customer display over the shop's network: a tablet types the pairing
//! code shown on the counter and gets a session token (its cookie). Wrong codes are counted:
//! after [`MAX_WRONG`] in a row every guess is refused for [`LOCKOUT`], so six digits cannot be
//! guessed. A new code forgets every token, so renewing it unpairs every tablet. Pure: time
//! and randomness come from the caller.

use std::collections::HashSet;
use std::time::Duration;

use time::OffsetDateTime;

/// Wrong codes in a row before guessing is locked.
pub const MAX_WRONG: u32 = 5;
/// How long guessing stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(60);

/// The pairing code and the tokens it gave out.
pub struct Pairing {
    code: String,
    tokens: HashSet<String>,
    wrong: u32,
    locked_until: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing")
            .field("tablets", &self.tokens.len())
            .field("wrong", &self.wrong)
            .finish_non_exhaustive()
    }
}

/// The answer to a code typed on a tablet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paired {
    /// The code was right: the tablet's session token.
    Token(String),
    /// The code was wrong.
    Wrong,
    /// Too many wrong codes: try again after this many seconds.
    Locked(u64),
}

impl Pairing {
    /// A pairing with the code from `random` (six digits) and no tablet.
    pub fn new(random: u64) -> Pairing {
        Pairing {
            code: code_of(random),
            tokens: HashSet::new(),
            wrong: 0,
            locked_until: None,
        }
    }

    /// The code the counter shows.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// A new code from `random`; every paired tablet must pair again.
    pub fn renew(&mut self, random: u64) {
        self.code = code_of(random);
        self.tokens.clear();
        self.wrong = 0;
        self.locked_until = None;
    }

    /// A tablet typed `code` at `now`; `token` is the session token it gets when right.
    pub fn pair(&mut self, code: &str, now: OffsetDateTime, token: String) -> Paired {
        if let Some(until) = self.locked_until {
            if now < until {
                let left = (until - now).whole_seconds().max(1);
                return Paired::Locked(u64::try_from(left).unwrap_or(1));
            }
            self.locked_until = None;
        }
        let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if typed == self.code {
            self.wrong = 0;
            self.tokens.insert(token.clone());
            return Paired::Token(token);
        }
        self.wrong += 1;
        if self.wrong >= MAX_WRONG {
            self.wrong = 0;
            self.locked_until = Some(now + LOCKOUT);
        }
        Paired::Wrong
    }

    /// Whether `token` was given out under the current code.
    pub fn admits(&self, token: &str) -> bool {
        self.tokens.contains(token)
    }
}

/// Six digits from `random`, leading zeros kept.
fn code_of(random: u64) -> String {
    format!("{:06}", random % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::{Paired, Pairing, LOCKOUT, MAX_WRONG};
    use time::OffsetDateTime;

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn the_right_code_gives_a_token_that_is_admitted_and_a_wrong_one_gives_nothing() {
        let mut p = Pairing::new(42);
        assert_eq!(p.code(), "000042");
        assert_eq!(p.pair("123456", t0(), "t1".into()), Paired::Wrong);
        assert!(!p.admits("t1"));
        assert_eq!(
            p.pair(" 000 042 ", t0(), "t2".into()),
            Paired::Token("t2".into())
        );
        assert!(p.admits("t2"));
        assert!(!p.admits("t1") && !p.admits(""));
    }

    #[test]
    fn too_many_wrong_codes_lock_guessing_even_for_the_right_code_until_the_lockout_passes() {
        let mut p = Pairing::new(123_456);
        for _ in 0..MAX_WRONG - 1 {
            assert_eq!(p.pair("000000", t0(), "x".into()), Paired::Wrong);
        }
        assert_eq!(p.pair("000000", t0(), "x".into()), Paired::Wrong);
        assert_eq!(
            p.pair("123456", t0(), "t".into()),
            Paired::Locked(LOCKOUT.as_secs())
        );
        assert!(!p.admits("t"));
        let later = t0() + LOCKOUT;
        assert_eq!(
            p.pair("123456", later, "t".into()),
            Paired::Token("t".into())
        );
    }

    #[test]
    fn a_right_code_resets_the_count_of_wrong_ones() {
        let mut p = Pairing::new(7);
        for _ in 0..MAX_WRONG - 1 {
            p.pair("1", t0(), "x".into());
        }
        assert!(matches!(
            p.pair("000007", t0(), "a".into()),
            Paired::Token(_)
        ));
        for _ in 0..MAX_WRONG - 1 {
            assert_eq!(p.pair("1", t0(), "x".into()), Paired::Wrong);
        }
        assert!(matches!(
            p.pair("000007", t0(), "b".into()),
            Paired::Token(_)
        ));
    }

    #[test]
    fn a_new_code_unpairs_every_tablet() {
        let mut p = Pairing::new(1);
        p.pair("000001", t0(), "a".into());
        p.renew(999_999_999);
        assert_eq!(p.code(), "999999");
        assert!(!p.admits("a"));
        assert_eq!(p.pair("000001", t0(), "b".into()), Paired::Wrong);
    }
}
