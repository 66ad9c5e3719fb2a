//! Finds the commit this build is made from (`git rev-parse --short HEAD`), or takes
//! `KASSE_COMMIT` (a packager building from a tarball names it), else "unknown". It never fails
//! the build: without git, or outside Kasse's own repository, the commit is simply unknown.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=KASSE_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&dir);
    let from_env = std::env::var("KASSE_COMMIT")
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let commit = from_env.or_else(|| {
        // Rebuilt when HEAD moves (a commit, a checkout), in a worktree too.
        let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
        watched.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
        for file in &watched {
            if let Some(path) = git(dir, &["rev-parse", "--git-path", file]) {
                println!("cargo:rerun-if-changed={}", dir.join(path).display());
            }
        }
        // Only Kasse's own repository counts: an unpacked tarball inside some other git
        // checkout must not take that checkout's commit. Kasse's repository is the workspace's
        // root, two folders up.
        let top = std::fs::canonicalize(git(dir, &["rev-parse", "--show-toplevel"])?).ok()?;
        let workspace = std::fs::canonicalize(dir.join("../..")).ok()?;
        if top != workspace {
            return None;
        }
        git(dir, &["rev-parse", "--short=9", "HEAD"])
    });
    println!(
        "cargo:rustc-env=KASSE_BUILD_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}
