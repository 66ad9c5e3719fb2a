//! The README's table of test cards lists every card the sandbox knows, each with what paying
//! with it does and the later operation that times out, so the two cannot drift apart.

use dintero_sandbox::{Authorization, TimesOut, TEST_CARDS};

#[test]
fn the_readme_lists_every_test_card_and_what_it_does() {
    let readme = include_str!("../../README.md");
    for card in TEST_CARDS {
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{}`", card.spaced())))
            .unwrap_or_else(|| panic!("README.md lists no {} ({})", card.spaced(), card.label));
        let outcome = match card.authorization {
            Authorization::Approved => "approved",
            Authorization::ThreeDsFailed => "3-D Secure fails",
            Authorization::Declined => "declined",
            Authorization::TimedOut => "authorisation times out",
        };
        let later = match card.times_out {
            None => "| – |",
            Some(TimesOut::Capture) => "| capture times out |",
            Some(TimesOut::Refund) => "| refund times out |",
            Some(TimesOut::AutoCapture) => "| auto-capture times out |",
            Some(TimesOut::Void) => "| void times out |",
        };
        for part in [card.brand, outcome, later, card.label] {
            assert!(
                row.contains(part),
                "{}: {part:?} missing in {row}",
                card.number
            );
        }
    }
    let rows = readme
        .lines()
        .filter(|l| l.starts_with("| `4") || l.starts_with("| `5"))
        .count();
    assert_eq!(rows, TEST_CARDS.len(), "one row per card, no stale ones");
}
