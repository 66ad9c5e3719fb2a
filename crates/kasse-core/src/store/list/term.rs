//! The search text resolved into prefix ranges on the reference and id indexes (and an amount
//! when it is a whole number), before any SQL is written.

/// The smallest string greater than every string starting with `prefix` (for a range
/// `col >= prefix AND col < bound`), or `None` when there is none.
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(c) = chars.pop() {
        let mut next = u32::from(c) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(n) = char::from_u32(next) {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A column's indexes: `(name, the condition its rows meet, as a conjunct)`.
pub(super) type Indexes = &'static [(&'static str, &'static str)];

/// Where references are: a local sale's in its unique index, an imported one's in its own.
const REFERENCE_INDEXES: Indexes = &[
    ("sales_reference_local", "origin = 'local' AND "),
    ("sales_reference_imported", "origin = 'imported' AND "),
];

/// The search text resolved into index ranges.
pub(super) struct Search {
    /// The prefix (the text, trimmed).
    pub(super) prefix: String,
    /// [`prefix_upper_bound`] of the prefix.
    pub(super) upper: Option<String>,
    /// `(column, indexes, from, to)`: the column's values are in these indexes, each with the
    /// condition (its partial index's) that its rows meet.
    pub(super) ranges: Vec<(&'static str, Indexes, String, Option<String>)>,
    pub(super) amount: Option<i64>,
}

impl Search {
    pub(super) fn new(text: &str) -> Option<Search> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let upper = prefix_upper_bound(text);
        let ranges = [
            ("merchant_reference", REFERENCE_INDEXES),
            ("transaction_id", &[("sales_transaction", "")][..]),
            ("session_id", &[("sales_session", "")][..]),
        ]
        .into_iter()
        .map(|(col, idx)| (col, idx, text.to_owned(), upper.clone()))
        .collect();
        let amount = if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        };
        Some(Search {
            prefix: text.to_owned(),
            upper,
            ranges,
            amount,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_upper_bound("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_upper_bound("KASSE1-").as_deref(), Some("KASSE1."));
        assert_eq!(
            prefix_upper_bound("a\u{10FFFF}").as_deref(),
            Some("b"),
            "carry over the largest char"
        );
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }
}
