//! The limits that choose a list strategy (see `plan`), and a way for tests to lower them.

/// Above this many matches in an index that carries `created_at` (the amount index: the
/// candidates are sorted from the index alone), an amount range becomes a filter on an ordered
/// walk instead (see the module docs).
pub const CANDIDATE_LIMIT: i64 = 50_000;
/// The same for the reference, transaction and session id indexes, whose candidates are sorted
/// after a table lookup each. (Dintero ids are random after the account prefix, so a broad id
/// prefix matches sales spread evenly over time, which the walk finds quickly; a broad
/// reference prefix is walked by stem when its stems allow.)
pub const CANDIDATE_LIMIT_LOOKUP: i64 = 5_000;
/// Below this many matches in the reference range, they are sorted (as cheap as the stem walk
/// at this size); from this many on, the page is walked by reference stem when it can be.
pub const SORT_LIMIT: i64 = 1_000;
/// At most this many stems starting with the prefix are walked (one index walk each; a
/// counter's prefix is one stem per month).
pub const STEM_LIMIT: usize = 64;
/// The short stems of a prefix (see the module docs) are sorted, so they must hold fewer sales
/// than this for the stem walk to be used.
pub const SHORT_STEM_LIMIT: i64 = 256;
/// A reference's stem is the reference without its last `STEM_CUT` characters: `DD-NNNN` of
/// Kasse's own `COUNTER-YYYYMMDD-NNNN`, leaving `COUNTER-YYYYMM`.
pub const STEM_CUT: usize = 7;
/// The stem in SQL, exactly as `sales_reference_stem` (migrations 2 and 10) indexes it. (`substr`
/// with a negative length gives `''`: references of at most 7 characters share the stem `''`.)
/// `length` and `substr` count characters, as `str::chars` does.
pub(super) const STEM: &str = "substr(merchant_reference, 1, length(merchant_reference) - 7)";

/// The caps above, in one value, so tests can make them small enough to reach every strategy
/// with a few hundred sales ([`with_caps`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// [`CANDIDATE_LIMIT`].
    pub candidates: i64,
    /// [`CANDIDATE_LIMIT_LOOKUP`].
    pub candidates_lookup: i64,
    /// [`SORT_LIMIT`].
    pub sort: i64,
    /// [`STEM_LIMIT`].
    pub stems: usize,
    /// [`SHORT_STEM_LIMIT`].
    pub short_stems: i64,
}

impl Caps {
    /// The caps Kasse runs with.
    pub const SHIPPED: Caps = Caps {
        candidates: CANDIDATE_LIMIT,
        candidates_lookup: CANDIDATE_LIMIT_LOOKUP,
        sort: SORT_LIMIT,
        stems: STEM_LIMIT,
        short_stems: SHORT_STEM_LIMIT,
    };
}

thread_local! {
    static CAPS: std::cell::Cell<Caps> = const { std::cell::Cell::new(Caps::SHIPPED) };
}

/// Runs `f` with other caps on this thread (tests: the strategies are exact whatever the caps;
/// only their speed depends on them). The caps are restored afterwards, also on a panic.
#[doc(hidden)]
pub fn with_caps<R>(caps: Caps, f: impl FnOnce() -> R) -> R {
    struct Restore(Caps);
    impl Drop for Restore {
        fn drop(&mut self) {
            CAPS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CAPS.with(|c| c.replace(caps)));
    f()
}

pub(super) fn caps() -> Caps {
    CAPS.with(std::cell::Cell::get)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stem_is_the_indexed_expression() {
        // The index as migration 10 redefined it (it was created by migration 2).
        let migration = include_str!("../../../migrations/0010_lean_list_indexes.sql");
        assert!(
            migration.contains(&format!(
                "CREATE INDEX sales_reference_stem ON sales (\n    {STEM},"
            )),
            "{migration}"
        );
        assert!(STEM.ends_with(&format!(" - {STEM_CUT})")));
    }
}
