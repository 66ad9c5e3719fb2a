//! A blank Tauri window, nothing else: the baseline of `cargo xtask bench`'s app figures.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the blank window failed");
}
