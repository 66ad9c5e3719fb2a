//! The app under Tauri's mock runtime, without a window or WebKit: its state opened on a data
//! directory, every command registered as in `lib.rs`, and calls made the way the page makes
//! them (`invoke` with JSON arguments, the answer or the `{code, message}` error as JSON).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kasse_app::secret::MemorySecrets;
use kasse_app::state::AppState;
use kasse_core::ErrorCode;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// The main window under the mock runtime.
pub type Webview = tauri::WebviewWindow<MockRuntime>;

/// The state of an app on `dir` with an in-memory secret store (`demo`: demo mode forced),
/// capturing by hand ([`capture_by_hand`]): the flows here capture under Transactions.
pub fn open_state(dir: &Path, demo: bool) -> Arc<AppState> {
    let secrets = Arc::new(MemorySecrets::default());
    let state = tauri::async_runtime::block_on(AppState::open(
        dir,
        secrets,
        kasse_app::state::Launch {
            force_demo: demo,
            demo_lan: false,
        },
    ))
    .unwrap();
    capture_by_hand(&state);
    Arc::new(state)
}

/// "Capture at payment" off, as a shop that hands goods over later has it: the scenarios
/// capture, void and keep authorisations by hand. Saved as a person would (journaled), before
/// anything is recorded.
pub fn capture_by_hand(state: &AppState) {
    let before = state.settings().unwrap();
    // Saved off already (a reopened data dir), or a log that takes no settings.
    if !before.capture_at_payment || state.settings_store.read_only().is_some() {
        return;
    }
    let mut off = before.clone();
    off.capture_at_payment = false;
    let kasse = state.kasse();
    let allowed = kasse
        .guard(kasse_core::staff::Guarded::Settings, None)
        .unwrap();
    off.save(&state.settings_store, &allowed, &before, false, kasse.now())
        .unwrap();
    kasse.set_auto_capture(false);
}

/// An app over `state` with its main window.
pub struct MockApp {
    /// The app (kept alive as long as the window).
    pub app: tauri::App<MockRuntime>,
    /// Its main window, where calls come from.
    pub webview: Webview,
    /// The state the commands borrow.
    pub state: Arc<AppState>,
}

impl MockApp {
    /// Registers every command over `state` and opens the main window.
    pub fn new(state: Arc<AppState>) -> MockApp {
        let app = kasse_app::configure(mock_builder())
            .manage(state.clone())
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        MockApp {
            app,
            webview,
            state,
        }
    }

    /// Calls a command as the page does.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.webview, cmd, args)
    }

    /// The demo simulator's control handle.
    pub fn control(&self) -> dintero_sandbox::Control {
        self.state.engine().sandbox.as_ref().unwrap().control()
    }

    /// Reads the sale until its status is `status` (the watcher follows it in the background).
    pub fn wait_status(&self, sale_id: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let d = self
                .invoke("sale_detail", json!({ "saleId": sale_id }))
                .unwrap();
            if d["sale"]["status"] == status {
                return d;
            }
            assert!(Instant::now() < deadline, "never {status}: {d}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Calls a command on `webview` as the page does.
pub fn invoke(webview: &Webview, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// A `{code, message}` error with exactly those two fields, a code of the closed set and a
/// message.
pub fn assert_typed_error(what: &str, e: &Value) {
    let code = e["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what} failed without a {{code, message}}: {e}"));
    assert!(
        ErrorCode::ALL.iter().any(|c| c.as_str() == code),
        "{what}: unknown code {e}"
    );
    assert!(
        e["message"].as_str().is_some_and(|m| !m.trim().is_empty()),
        "{what}: no message: {e}"
    );
    // A PIN refusal says how many tries are left, or how long PIN actions stay locked.
    let extra = match code {
        "pin_wrong" => Some("tries_left"),
        "pin_locked" => Some("locked_seconds"),
        _ => None,
    };
    if let Some(field) = extra {
        assert!(e[field].is_u64(), "{what}: no {field}: {e}");
    }
    let fields = 2 + usize::from(extra.is_some());
    assert_eq!(e.as_object().map(|o| o.len()), Some(fields), "{what}: {e}");
}

/// The `SettingsInput` that saves `settings` (a `settings_get` answer) as they are: the secret
/// kept, no PIN given, then `changes` applied.
pub fn settings_input(settings: &Value, changes: Value) -> Value {
    let mut input = settings.clone();
    let o = input.as_object_mut().unwrap();
    o.remove("has_secret");
    o.remove("staff");
    o.insert("client_secret".into(), Value::Null);
    o.insert("pin".into(), Value::Null);
    for (k, v) in changes.as_object().unwrap() {
        o.insert(k.clone(), v.clone());
    }
    input
}
