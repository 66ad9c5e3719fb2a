//! Checks that the UI is built (one clear line instead of a wall of macro errors), then lets
//! tauri-build generate the context and one permission per command.

include!("src/command_names.rs");

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed=../ui/dist");
    if !dist.exists() {
        eprintln!("error: the web UI is not built (ui/dist/index.html is missing): run `cargo xtask run` or `cargo xtask ui` first");
        std::process::exit(1);
    }
    let all: &'static [&'static str] = [COMMANDS, PAY_COMMANDS].concat().leak();
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(all));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("error: tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
