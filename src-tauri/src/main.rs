// Without a console window on Windows release builds; harmless elsewhere.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `kasse --version`: printed before Tauri starts, so it needs no display.
    if kasse_app::version_asked(std::env::args()) {
        println!("{}", kasse_app::version_text());
        return;
    }
    kasse_app::run();
}
