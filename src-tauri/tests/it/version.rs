//! `kasse --version` prints the version and the commit and exits before Tauri starts (so with no
//! display at all), and the About box's command says the same build and the data directory.

use serde_json::json;

use crate::harness::{open_state, MockApp};

#[test]
fn kasse_version_prints_the_version_and_commit_without_a_display() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasse"))
        .arg("--version")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("KASSE_DATA_DIR", "/nonexistent/kasse-version-test")
        .output()
        .expect("kasse starts");
    assert!(out.status.success(), "{out:?}");
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        line.trim(),
        format!(
            "kasse {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            kasse_build_info::COMMIT
        )
    );
    assert!(!std::path::Path::new("/nonexistent/kasse-version-test").exists());
}

#[test]
fn the_about_command_names_the_build_and_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let app = MockApp::new(open_state(dir.path(), true));
    let about = app.invoke("about", json!({})).unwrap();
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(about["commit"], kasse_build_info::COMMIT);
    assert_eq!(about["data_dir"], dir.path().display().to_string());
    assert_eq!(
        about["log_dir"],
        dir.path().join("logs").display().to_string()
    );
    assert!(!about["os"].as_str().unwrap().is_empty(), "{about}");
}
