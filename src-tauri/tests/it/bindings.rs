//! The TypeScript IPC types in `ui/src/lib/bindings/` are generated from `src/dto.rs`; this test
//! fails when they drift. `UPDATE_BINDINGS=1 cargo test -p kasse --test it bindings` rewrites them.

use std::path::PathBuf;

#[test]
fn bindings_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
    let update = std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1");
    let mut stale = vec![];
    for (file, content) in kasse_app::dto::typescript() {
        assert!(!content.contains("export failed"), "{file}: {content}");
        let path = dir.join(&file);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != content {
            if update {
                std::fs::write(&path, &content).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "these TypeScript bindings differ from src-tauri/src/dto.rs: {stale:?}; run `UPDATE_BINDINGS=1 cargo test -p kasse --test it bindings` and commit ui/src/lib/bindings"
    );
}
