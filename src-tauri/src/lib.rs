//! The Kasse desktop shell: Tauri 2 around kasse-core. Everything here adapts: `commands`
//! holds every IPC command, `dto` the IPC types, `state` the engine wiring, `secret` the
//! keyring, `paywindow` the "Pay here" window, `display` the customer display window, `single`
//! one app per data directory.

pub mod bindings;
pub mod catalog;
pub mod commands;
pub mod display;
pub mod dto;
pub mod error;
pub mod paywindow;
pub mod printing;
pub mod secret;
pub mod settings;
pub mod single;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use crate::dto::SaleChanged;
use crate::state::AppState;

/// Registers every command on a builder (the real one, or Tauri's mock in tests).
pub fn configure<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let builder = builder
        .manage(paywindow::PayWindows::default())
        .manage(display::Lan::default());
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::about,
        commands::price_order,
        commands::charge,
        commands::send_link,
        commands::cancel_charge,
        commands::pay_here,
        commands::leave_charge,
        commands::checkout_event,
        commands::parked,
        commands::uncaptured,
        commands::list_sales,
        commands::sale_detail,
        printing::receipt,
        printing::receipt_print,
        printing::receipt_pdf,
        printing::printer_test,
        commands::refund_preview,
        commands::capture,
        commands::void_sale,
        commands::refund,
        commands::sync,
        commands::day_report,
        commands::export_csv,
        commands::export_folder,
        settings::settings_get,
        settings::settings_save,
        settings::test_connection,
        settings::staff_set_pin,
        settings::staff_remove,
        catalog::catalog_search,
        catalog::catalog_categories,
        catalog::catalog_favourites,
        catalog::catalog_scan,
        catalog::catalog_import,
        catalog::catalog_export,
        catalog::catalog_add,
        display::display_view,
        display::display_window,
        display::cart_emptied,
        display::display_lan,
        display::display_lan_set,
        display::display_lan_renew,
    ])
}

/// Forwards every sale change of the current engine to the UI as `sale-changed`.
pub fn forward_changes<R: Runtime>(app: tauri::AppHandle<R>, state: Arc<AppState>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let engine = state.engine();
            let mut rx = engine.kasse.subscribe();
            loop {
                let next = tokio::time::timeout(std::time::Duration::from_secs(1), rx.recv()).await;
                match next {
                    Ok(Ok(change)) => {
                        paywindow::obey(
                            &app,
                            kasse_core::pay_window::Moment::SaleChanged {
                                sale_id: &change.sale.id,
                                status: change.sale.status,
                            },
                        );
                        let _ = app.emit("sale-changed", SaleChanged::from(&change));
                    }
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        if !Arc::ptr_eq(&engine, &state.engine()) {
                            break;
                        }
                    }
                    Err(_) => {
                        // Settings may have restarted the engine: follow the new one.
                        if !Arc::ptr_eq(&engine, &state.engine()) {
                            break;
                        }
                    }
                }
            }
        }
    });
}

/// Tells the cashier (event `notice`, level `error`) when the start-up checks find the sales
/// journal changed outside Kasse. An event sent while nothing listens is lost, so it waits for
/// `ui_ready` (the main page has loaded) and a moment for the UI to subscribe. Selling is never
/// held up by the check.
pub fn announce_journal<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: Arc<AppState>,
    ui_ready: impl std::future::Future<Output = ()> + Send + 'static,
) {
    tauri::async_runtime::spawn(async move {
        let check = state.journal_checked().await;
        if let Some(message) = check.notice() {
            ui_ready.await;
            let _ = app.emit(
                "notice",
                crate::dto::Notice {
                    level: "error".into(),
                    message,
                },
            );
        }
    });
}

/// What the page's first screen shows, as JSON (a [`dto::Boot`]), or `None` when it cannot be
/// read: the page then asks over IPC and shows that error.
pub fn boot_json(state: &AppState) -> Option<String> {
    let boot = commands::boot(state).ok()?;
    serde_json::to_string(&boot).ok()
}

/// A script that hands the page what its first screen shows before the page loads
/// (`window.__KASSE_BOOT__`, [`boot_json`]), so the first frame is already the Sell screen with
/// its quick items instead of waiting for IPC answers after it. An initialization script runs on
/// every load of the page but this data is from the app's start, so the page takes it only on
/// its first load in this process (`takeBoot` in `ui/src/lib/api.ts`) and asks over IPC after
/// its first frame either way.
pub fn boot_script(state: &AppState) -> Option<String> {
    Some(format!("window.__KASSE_BOOT__ = {};", boot_json(state)?))
}

/// Whether to turn WebKit's accelerated compositing off (`WEBKIT_DISABLE_COMPOSITING_MODE=1`)
/// for this process. WebKitGTK composites the page through OpenGL; with no GPU to draw with (no
/// DRM render node under `/dev/dri`: a VM, Xvfb, a counter PC without graphics drivers) that
/// OpenGL is Mesa's llvmpipe on the CPU, and compositing then only costs: measured on Kasse's
/// sale flow without a GPU, start to a usable screen 520 → 356 ms and idle memory 328 → 245 MB
/// (BENCHMARKS.md). Never when the variable is already set or `KASSE_WEBKIT_COMPOSITING=on` asks
/// to keep it (the user's choice wins), nor under WebDriver (`TAURI_WEBVIEW_AUTOMATION`): with
/// it, WebKitWebDriver's screenshots never answer.
pub fn compositing_off(
    already_set: bool,
    kept_on: bool,
    automation: bool,
    render_node: bool,
) -> bool {
    !already_set && !kept_on && !automation && !render_node
}

/// A DRM render node exists (`/dev/dri/renderD*`): there is a GPU WebKit can draw with.
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// The data directory: `$KASSE_DATA_DIR`, else the platform's app data dir.
fn data_dir<R: Runtime>(app: &tauri::App<R>) -> PathBuf {
    if let Some(d) = std::env::var_os("KASSE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| PathBuf::from(".kasse"))
}

/// `kasse --version`'s line: the program, its version and the commit it was built from.
pub fn version_text() -> String {
    format!("kasse {}", kasse_build_info::VERSION_LINE)
}

/// Whether the arguments ask for the version only (`--version` or `-V`): then Kasse prints it
/// and exits without opening a window (no display needed).
pub fn version_asked<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> bool {
    args.into_iter()
        .skip(1)
        .any(|a| matches!(a.as_ref(), "--version" | "-V"))
}

/// Logs to standard error (`RUST_LOG`, default `warn`) and to the data directory's daily
/// `kasse-app` log file (`kasse_core::support::logs`), from the moment the data directory is
/// known.
fn init_logs(dir: &std::path::Path, compositing_turned_off: bool) {
    let today = time::OffsetDateTime::now_utc().date();
    let folder =
        kasse_core::support::logs::init(kasse_core::support::logs::Program::App, Some(dir), today);
    tracing::info!(
        version = kasse_build_info::VERSION,
        commit = kasse_build_info::COMMIT,
        data_dir = %dir.display(),
        logs = ?folder,
        "kasse started"
    );
    if compositing_turned_off {
        tracing::info!("no GPU render node: WebKit's accelerated compositing is off");
    }
}

/// Starts the app.
pub fn run() {
    // Before WebKit starts, and while this process has only this thread (environment writes
    // race with other threads' reads).
    let compositing_turned_off = cfg!(target_os = "linux")
        && compositing_off(
            std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some(),
            std::env::var("KASSE_WEBKIT_COMPOSITING").is_ok_and(|v| v == "on"),
            std::env::var("TAURI_WEBVIEW_AUTOMATION").is_ok_and(|v| v == "true"),
            has_render_node(),
        );
    if compositing_turned_off {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // The main page finished loading: the UI subscribes to events moments later.
    let (page_loaded, loaded) = tokio::sync::watch::channel(false);
    let result = configure(tauri::Builder::default())
        // The save dialog of the CSV export (the file itself is written by `export_csv`).
        .plugin(tauri_plugin_dialog::init())
        .on_page_load(move |webview, payload| {
            if webview.label() == "main"
                && payload.event() == tauri::webview::PageLoadEvent::Finished
            {
                page_loaded.send_replace(true);
            }
        })
        .setup(move |app| {
            let dir = data_dir(app);
            init_logs(&dir, compositing_turned_off);
            let mut first = match single::claim(&dir) {
                Ok(single::Claim::First(first)) => first,
                Ok(single::Claim::Running) => {
                    eprintln!("kasse: Kasse is already running on {}; its window was brought to the front", dir.display());
                    std::process::exit(0);
                }
                Err(e) => return Err(format!("Kasse could not use its data folder {}: {e}", dir.display()).into()),
            };
            let handle = app.handle().clone();
            first.on_wake(move || {
                if let Some(w) = handle.get_webview_window("main") {
                    let _ = w.unminimize();
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            });
            app.manage(first);
            let secrets = Arc::new(secret::KeyringOrFile::new(&dir));
            let launch = state::Launch {
                force_demo: std::env::var("KASSE_DEMO").is_ok_and(|v| v == "1"),
                demo_lan: std::env::args().skip(1).any(|a| a == "--lan"),
            };
            let state = tauri::async_runtime::block_on(AppState::open(&dir, secrets, launch))
                .map_err(|e| format!("Kasse could not start: {e}"))?;
            let state = Arc::new(state);
            // Managed before the window exists, so the page's first command finds it.
            app.manage(state.clone());
            // The main window (`create: false` in tauri.conf.json) is made here, once the
            // state is open, so its page can be handed the first screen's data.
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no main window")?;
            let mut window = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?;
            if let Some(script) = boot_script(&state) {
                window = window.initialization_script(script);
            }
            window.build()?;
            let handle = app.handle().clone();
            forward_changes(handle.clone(), state.clone());
            display::forward(handle.clone(), state.display.clone());
            display::start_lan(&handle, &state);
            let mut loaded = loaded.clone();
            announce_journal(handle, state.clone(), async move {
                let _ = loaded.wait_for(|l| *l).await;
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            });
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("kasse: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::{compositing_off, version_asked, version_text};

    #[test]
    fn the_version_is_asked_by_its_flags_only_and_names_the_commit() {
        assert!(version_asked(["kasse", "--version"]));
        assert!(version_asked(["kasse", "-V"]));
        assert!(!version_asked(["kasse"]));
        assert!(
            !version_asked(["--version"]),
            "the program's own name is not a flag"
        );
        assert!(!version_asked(["kasse", "--versions"]));
        assert_eq!(
            version_text(),
            format!(
                "kasse {} (commit {})",
                kasse_build_info::VERSION,
                kasse_build_info::COMMIT
            )
        );
    }

    #[test]
    fn compositing_goes_off_only_without_a_gpu_and_never_over_the_users_or_webdrivers_choice() {
        // (already set, KASSE_WEBKIT_COMPOSITING=on, under WebDriver, GPU render node)
        assert!(compositing_off(false, false, false, false));
        assert!(!compositing_off(false, false, false, true));
        assert!(!compositing_off(true, false, false, false));
        assert!(!compositing_off(false, true, false, false));
        assert!(!compositing_off(false, false, true, false));
    }
}
