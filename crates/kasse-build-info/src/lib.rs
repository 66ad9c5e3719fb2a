//! What this build of Kasse is: its version and the commit it was built from, in one place for
//! both shells (`kasse --version`, `kasse-cli --version`, the About box, `kasse-cli
//! diagnostics`). A crate of its own, with no dependencies, so that a new commit rebuilds only
//! this and the two binaries, not the engine.

/// Kasse's version (the workspace's).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit this build was made from (a short hash), or `unknown` when it was built outside
/// a git checkout (a source tarball) and no `KASSE_COMMIT` named it.
pub const COMMIT: &str = env!("KASSE_BUILD_COMMIT");

/// `0.1.0 (commit 1a2b3c4d5)`: the version line both binaries print after their name.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KASSE_BUILD_COMMIT"),
    ")"
);

/// The operating system this build runs on, e.g. `linux x86_64`, and its release when the
/// system says it (`/etc/os-release`'s `PRETTY_NAME`).
pub fn os() -> String {
    let base = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    match std::fs::read_to_string("/etc/os-release")
        .ok()
        .as_deref()
        .and_then(pretty_name)
    {
        Some(name) => format!("{base} ({name})"),
        None => base,
    }
}

/// The `PRETTY_NAME` of an os-release file, unquoted.
fn pretty_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|l| {
        let v = l.strip_prefix("PRETTY_NAME=")?.trim();
        let v = v.trim_matches('"').trim_matches('\'');
        (!v.is_empty()).then(|| v.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_line_names_the_version_and_a_commit() {
        let line = VERSION_LINE;
        assert!(line.starts_with(VERSION), "{line}");
        assert!(line.ends_with(&format!("(commit {COMMIT})")), "{line}");
        // A short hash from git, or the word for a tarball build: never empty.
        assert!(
            COMMIT == "unknown"
                || (COMMIT.len() >= 7 && COMMIT.bytes().all(|b| b.is_ascii_hexdigit())),
            "{COMMIT:?}"
        );
    }

    #[test]
    fn the_release_is_read_from_os_release() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(
            pretty_name(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(pretty_name("ID=arch\n"), None);
        assert!(os().starts_with(std::env::consts::OS));
    }
}
