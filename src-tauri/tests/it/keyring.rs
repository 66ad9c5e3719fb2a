//! Where the client secret lives: the OS keyring (Secret Service) when one runs,
//! otherwise a file in the data dir that only this user can read (0600), and the app says which.
//!
//! * Without a Secret Service (this test removes `DBUS_SESSION_BUS_ADDRESS` and `DISPLAY`, so
//!   none can be reached or auto-launched): the fallback file, 0600, written atomically, read
//!   back, replaced, and reported as `file`.
//! * With one: the test runs itself again inside `dbus-run-session` with a throw-away, unlocked
//!   `gnome-keyring-daemon` (the recipe of shared/tauri-notes.md §7) and checks the round trip
//!   through the real keyring, with no file written. Where those programs are missing it says
//!   so on stdout and checks only the fallback.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use kasse_app::dto::SecretStorage;
use kasse_app::secret::{KeyringOrFile, SecretStore};

const ACCOUNT: &str = "T87654321";
const SECRET: &str = "keyring-test-secret-1f6c";
/// Set in the child run inside a D-Bus session with an unlocked keyring.
const IN_SESSION: &str = "KASSE_TEST_IN_KEYRING_SESSION";

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

#[test]
fn without_a_secret_service_the_secret_goes_to_a_0600_file() {
    if std::env::var_os(IN_SESSION).is_some() {
        return; // the child run checks the keyring only
    }
    // No session bus to reach, no display to auto-launch one on. (No other test of this binary
    // talks to D-Bus or a display.)
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    std::env::remove_var("DISPLAY");
    let dir = tempfile::tempdir().unwrap();
    let store = KeyringOrFile::new(dir.path());
    assert_eq!(store.kind(), SecretStorage::File);
    assert_eq!(store.get(ACCOUNT), None);
    assert_eq!(store.set(ACCOUNT, SECRET).unwrap(), SecretStorage::File);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
    let file = &files[0];
    assert!(file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .contains(ACCOUNT));
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "only this user may read it");
    assert_eq!(std::fs::read_to_string(file).unwrap(), SECRET);
    assert_eq!(store.get(ACCOUNT).as_deref(), Some(SECRET));
    // Replaced, still 0600; another account is another file.
    store.set(ACCOUNT, "second").unwrap();
    assert_eq!(store.get(ACCOUNT).as_deref(), Some("second"));
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(store.get("T11111111"), None);
    // An account id cannot steer the file outside the directory.
    store.set("../../T1/../etc", "x").unwrap();
    for f in std::fs::read_dir(dir.path()).unwrap() {
        assert_eq!(f.unwrap().path().parent(), Some(dir.path()));
    }
}

#[test]
fn with_a_secret_service_the_secret_goes_to_the_keyring() {
    if std::env::var_os(IN_SESSION).is_some() {
        // Inside the session: the real keyring.
        let dir = tempfile::tempdir().unwrap();
        let store = KeyringOrFile::new(dir.path());
        assert_eq!(store.kind(), SecretStorage::Keyring);
        assert_eq!(store.set(ACCOUNT, SECRET).unwrap(), SecretStorage::Keyring);
        assert_eq!(store.get(ACCOUNT).as_deref(), Some(SECRET));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing on disk in the data dir"
        );
        // A second handle (as after a restart) reads it.
        assert_eq!(
            KeyringOrFile::new(dir.path()).get(ACCOUNT).as_deref(),
            Some(SECRET)
        );
        println!("keyring round trip through the Secret Service: ok");
        return;
    }
    let tools = ["dbus-run-session", "gnome-keyring-daemon"];
    if let Some(missing) = tools.iter().find(|t| !on_path(t)) {
        println!(
            "SKIPPED the real Secret Service check: {missing} is not installed (apt-get install dbus gnome-keyring)"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "echo -n kasse | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec '{}' --exact keyring::with_a_secret_service_the_secret_goes_to_the_keyring --nocapture --test-threads=1",
        exe.display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env(IN_SESSION, "1")
        .env("XDG_DATA_HOME", home.path())
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("HOME", home.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success()
            && stdout.contains("keyring round trip through the Secret Service: ok"),
        "the keyring run failed: {}\n{stdout}\n{stderr}",
        out.status
    );
}
