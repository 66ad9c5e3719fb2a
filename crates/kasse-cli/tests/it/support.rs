//! `kasse-cli --version`, `completions` and `manpage`: the version line names the version and
//! the commit of the build, and the completion scripts and manual pages name every command.
//! These touch no data directory (a package build runs them).

use crate::common::*;

/// Every command a person types.
const COMMANDS: [&str; 15] = [
    "charge",
    "wait",
    "cancel",
    "transactions",
    "show",
    "capture",
    "void",
    "refund",
    "sync",
    "journal",
    "report",
    "pin",
    "diagnostics",
    "completions",
    "manpage",
];

/// The commit as git says it, when the tests run in a git checkout and no `KASSE_COMMIT` named
/// another.
fn git_commit() -> Option<String> {
    if std::env::var_os("KASSE_COMMIT").is_some() {
        return None;
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn the_version_names_the_version_and_the_commit_built() {
    let w = World::new();
    let r = w.run(&["--version"]);
    assert!(r.ok(), "{r:#?}");
    let line = r.stdout.trim();
    let version = env!("CARGO_PKG_VERSION");
    let commit = line
        .strip_prefix(&format!("kasse-cli {version} (commit "))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a version line: {line:?}"));
    assert!(
        commit == "unknown" || (commit.len() == 9 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{line:?}"
    );
    if let Some(git) = git_commit() {
        assert_eq!(commit, git, "{line:?}");
    }
}

#[test]
fn completions_name_every_command_in_bash_zsh_and_fish() {
    let w = World::new();
    for shell in ["bash", "zsh", "fish"] {
        let r = w.run(&["completions", shell]);
        assert!(r.ok(), "{shell}: {r:#?}");
        assert!(r.stdout.contains("kasse-cli"), "{shell}");
        for c in COMMANDS {
            assert!(r.stdout.contains(c), "{shell} completions miss {c}");
        }
        // The options of a command too.
        assert!(r.stdout.contains("pin-stdin"), "{shell}");
    }
    let mut child = w.cmd(&["completions", "bash"]).spawn().unwrap();
    drop(child.stdout.take());
    let run = finish(child, PATIENCE);
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    assert!(run.ok(), "into a closed pipe: {run:?}");
    let r = w.run(&["completions", "tcsh"]);
    assert!(!r.ok(), "an unknown shell is refused");
    assert!(!w.data_dir().exists(), "completions made the data dir");
}

#[test]
fn the_manual_pages_name_every_command_and_have_one_each() {
    let w = World::new();
    let dir = w.dir.path().join("man/man1");
    let r = w.run(&["manpage", "--out", path_str(&dir)]);
    assert!(r.ok(), "{r:#?}");
    let main = std::fs::read_to_string(dir.join("kasse-cli.1")).unwrap();
    assert!(
        main.starts_with(".ie") || main.contains(".TH kasse-cli 1"),
        "{main}"
    );
    for c in COMMANDS {
        assert!(
            main.contains(&format!("kasse\\-cli\\-{c}(1)")),
            "kasse-cli.1 misses {c}"
        );
        assert!(
            dir.join(format!("kasse-cli-{c}.1")).is_file(),
            "no page for {c}"
        );
    }
    assert!(dir.join("kasse-cli-journal-verify.1").is_file());
    assert!(!w.data_dir().exists(), "manpage made the data dir");
}
