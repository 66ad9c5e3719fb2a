//! The app's state: the engine for the configured account (or the demo simulator), the
//! settings, and where the secret lives. Commands borrow it; settings changes rebuild it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use dintero_sandbox::Sandbox;
use kasse_core::app::{App, AppConfig, Connection, Mode as AppMode, Wanted};
use kasse_core::clock::{Clock, IdSource};
use kasse_core::display::Hub;
use kasse_core::settings::Settings;
use kasse_core::store::{JournalBroken, Store};
use kasse_core::{CoreError, Kasse};

use crate::dto::{Mode, SecretStorage};
use crate::secret::SecretStore;

/// One running engine and what it runs against.
#[derive(Debug)]
pub struct Engine {
    /// The engine.
    pub kasse: Kasse,
    /// Demo, test or live.
    pub mode: Mode,
    /// The in-process simulator in demo mode.
    pub sandbox: Option<Sandbox>,
}

/// How the app was started: what the environment and the command line ask of demo mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Launch {
    /// Demo mode even with an account configured (`KASSE_DEMO=1`).
    pub force_demo: bool,
    /// `--lan`: in demo mode, the QR carries this machine's LAN address
    /// ([`AppConfig::demo_lan`]).
    pub demo_lan: bool,
}

/// Everything the commands need.
pub struct AppState {
    /// Where the log and settings live.
    pub data_dir: PathBuf,
    /// The settings' own connection to the log file (they outlive engine rebuilds); the staff
    /// PINs and their lockout live there too, also while the engine sells into a demo log in
    /// memory.
    pub settings_store: Arc<Store>,
    /// The secret store.
    pub secrets: Arc<dyn SecretStore>,
    /// The customer display every engine of this app feeds, so a display window or tablet
    /// keeps following across a settings change.
    pub display: Hub,
    /// The current engine.
    engine: RwLock<Arc<Engine>>,
    /// How the app was started.
    launch: Launch,
    /// What the start-up checks of the journal found (final once the full verify is done).
    journal: tokio::sync::watch::Receiver<JournalCheck>,
}

/// The state of the log as the start-up checks found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalCheck {
    /// The full check is still running (in the background; the app is usable meanwhile).
    Running,
    /// Every journal row and every sale checked out.
    Sound {
        /// Rows read by the full verify.
        rows: u64,
    },
    /// The log was changed outside Kasse, so it is read-only: what is wrong, naming the rows
    /// or sales.
    Altered(Vec<String>),
    /// The log could not be read to check it.
    Unchecked(String),
}

impl JournalCheck {
    /// A sentence for the cashier, when there is something to say.
    pub fn notice(&self) -> Option<String> {
        match self {
            JournalCheck::Running | JournalCheck::Sound { .. } => None,
            JournalCheck::Altered(problems) => Some(format!(
                "The sales log was changed outside Kasse: {}. Kasse is read-only: nothing can be sold, refunded or changed until it is restored. Keep this computer as it is and tell whoever looks after the accounts.",
                problems.join("; ")
            )),
            JournalCheck::Unchecked(e) => {
                Some(format!("The sales journal could not be checked: {e}"))
            }
        }
    }
}

/// The start-up checks of the log file: first the cheap one, before the engine starts (the
/// rows added since the last sound check, and that checkpoint: milliseconds), which makes a
/// changed log read-only at once; then the full check (every row, every sale against its
/// events) on a connection of its own on a thread of its own, so the app starts at once. The
/// full check makes the log read-only when it finds what the cheap one cannot (an old row
/// edited in place, a sale's stored row changed), through the store it shares that state with.
/// Problems are logged at ERROR, naming the rows, and published for the `notice` to the UI.
fn check_journal_at_start(store: &Store) -> tokio::sync::watch::Receiver<JournalCheck> {
    let (tx, rx) = tokio::sync::watch::channel(JournalCheck::Running);
    let quick = store.check_at_start();
    let background = store.reopen();
    let path = store.path().map(Path::to_path_buf).unwrap_or_default();
    std::thread::spawn(move || {
        let full = background.and_then(|s| s.check_all());
        let check = match (quick, full) {
            (Err(e), _) | (_, Err(e)) => JournalCheck::Unchecked(e.to_string()),
            (Ok(_), Ok(f)) if f.broken.is_none() => JournalCheck::Sound {
                rows: f.journal.rows,
            },
            (Ok(q), Ok(f)) => {
                let sales = f.projection.mismatches.iter().map(|m| {
                    JournalBroken::Sale {
                        sale_id: m.sale_id.clone(),
                        differences: m.differences.clone(),
                    }
                    .to_string()
                });
                let mut problems: Vec<String> = Vec::new();
                for p in q
                    .map(|q| q.to_string())
                    .into_iter()
                    .chain(f.journal.problems.iter().map(|p| p.to_string()))
                    .chain(sales)
                {
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
                if problems.len() > 5 {
                    let more = problems.len() - 5;
                    problems.truncate(5);
                    problems.push(format!("and {more} more (see kasse-cli journal verify)"));
                }
                JournalCheck::Altered(problems)
            }
        };
        if let Some(text) = check.notice() {
            tracing::error!(journal = %path.display(), "{text}");
        }
        tx.send_replace(check);
    });
    rx
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens the log in `data_dir` and starts the engine for the saved settings: demo mode when
    /// no account is configured (or `force_demo`).
    pub async fn open(
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        launch: Launch,
    ) -> Result<AppState, CoreError> {
        kasse_core::store::private_dir(data_dir).map_err(|e| {
            CoreError::input(
                "data_dir",
                format!("cannot create {}: {e}", data_dir.display()),
            )
        })?;
        let settings_store = Arc::new(Store::open(data_dir.join("kasse.sqlite"))?);
        let journal = check_journal_at_start(&settings_store);
        let settings = Settings::load(&settings_store)?;
        let display = Hub::new();
        let engine = start_engine(
            &settings_store,
            &settings,
            secrets.as_ref(),
            launch,
            &settings_store,
            &display,
        )
        .await?;
        Ok(AppState {
            display,
            data_dir: data_dir.to_path_buf(),
            settings_store,
            secrets,
            engine: RwLock::new(Arc::new(engine)),
            launch,
            journal,
        })
    }

    /// The app in demo mode against `sandbox`, its engine reading `clock` and taking its ids
    /// from `ids`, with `counter` as its receipt prefix: the same answers at every run, for the
    /// UI's recorded fixtures (`tests/it/fixtures.rs`). The engine is the one [`App::open`]
    /// composes for that sandbox's account; only time and ids are swapped. A settings change
    /// that restarts the engine starts an ordinary demo engine.
    pub async fn open_fixed(
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        sandbox: Sandbox,
        counter: &str,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Result<AppState, CoreError> {
        let launch = Launch {
            force_demo: true,
            demo_lan: false,
        };
        let state = AppState::open(data_dir, secrets, launch).await?;
        let c = sandbox.config();
        let connection = Connection::Account {
            account_id: c.account_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone().into(),
            api_url: Some(sandbox.base_url()),
            checkout_url: None,
        };
        let mut config = app_config(&state.settings()?, connection);
        config.counter = Some(counter.to_owned());
        config.staff = Some(state.settings_store.clone());
        config.display = Some(state.display.clone());
        config.return_url = Some(format!("{}/_sim/return", sandbox.base_url()));
        let app = App::open(Store::open_in_memory()?, config).await?;
        let kasse = Kasse::new(
            Store::open_in_memory()?,
            app.kasse.api().clone(),
            clock,
            ids,
            app.kasse.config().clone(),
        );
        *state.engine.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Engine {
            kasse,
            mode: Mode::Demo,
            sandbox: Some(sandbox),
        });
        Ok(state)
    }

    /// What the start-up checks of the journal found so far.
    pub fn journal_check(&self) -> JournalCheck {
        self.journal.borrow().clone()
    }

    /// What the start-up checks of the journal found, once the full verify is done.
    pub async fn journal_checked(&self) -> JournalCheck {
        let mut rx = self.journal.clone();
        let result = rx
            .wait_for(|c| *c != JournalCheck::Running)
            .await
            .map(|c| c.clone());
        result.unwrap_or_else(|_| JournalCheck::Unchecked("the check stopped".into()))
    }

    /// The current engine.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The engine handle.
    pub fn kasse(&self) -> Kasse {
        self.engine().kasse.clone()
    }

    /// The saved settings.
    pub fn settings(&self) -> Result<Settings, CoreError> {
        Settings::load(&self.settings_store)
    }

    /// Where the secret goes.
    pub fn secret_storage(&self, settings: &Settings) -> SecretStorage {
        if settings.account_id.is_empty() || self.secrets.get(&settings.account_id).is_none() {
            SecretStorage::None
        } else {
            self.secrets.kind()
        }
    }

    /// Restarts the engine after a settings change.
    pub async fn rebuild(&self) -> Result<Arc<Engine>, CoreError> {
        let settings = self.settings()?;
        let engine = Arc::new(
            start_engine(
                &self.settings_store,
                &settings,
                self.secrets.as_ref(),
                self.launch,
                &self.settings_store,
                &self.display,
            )
            .await?,
        );
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = engine.clone();
        Ok(engine)
    }
}

/// The engine's configuration for the saved settings: the account when one is configured
/// with its secret (and demo mode is not forced), else demo mode.
pub fn app_config(settings: &Settings, connection: Connection) -> AppConfig {
    let demo = matches!(connection, Connection::Demo);
    let mut config = AppConfig::new(connection, "kasse-desktop");
    config.profile_id = settings.profile_id.clone();
    config.currency = settings.currency;
    config.cadence = settings.cadence;
    config.auto_capture = Some(settings.capture_at_payment);
    if !demo {
        config.return_url = settings.return_url.clone();
    }
    config
}

/// An account connection from settings and a secret (`KASSE_API_URL` points it elsewhere, e.g.
/// at a simulator).
pub fn account(account_id: &str, client_id: &str, secret: &str) -> Connection {
    Connection::Account {
        account_id: account_id.trim().to_owned(),
        client_id: client_id.trim().to_owned(),
        client_secret: secret.into(),
        api_url: std::env::var("KASSE_API_URL")
            .ok()
            .filter(|u| !u.is_empty()),
        checkout_url: None,
    }
}

/// The engine for `settings`, over the log of `log` (a second connection, read-only whenever
/// `log` is) or, in demo mode, over a log in memory that is read-only with it too.
async fn start_engine(
    log: &Store,
    settings: &Settings,
    secrets: &dyn SecretStore,
    launch: Launch,
    staff: &Arc<Store>,
    display: &Hub,
) -> Result<Engine, CoreError> {
    let secret = (!settings.account_id.is_empty())
        .then(|| secrets.get(&settings.account_id))
        .flatten();
    let wanted = kasse_core::app::wanted(
        &settings.account_id,
        &settings.client_id,
        secret.is_some(),
        launch.force_demo,
    );
    let (connection, store) = match (wanted, &secret) {
        (Wanted::Account, Some(secret)) => (
            account(&settings.account_id, &settings.client_id, secret),
            log.reopen()?,
        ),
        // Demo sales live in memory: the simulator forgets them when the app closes. Without
        // its secret the account's log is not opened either; the UI sends the cashier to
        // Settings and sells nothing.
        _ => (
            Connection::Demo,
            Store::open_in_memory()?.read_only_with(log),
        ),
    };
    let mut config = app_config(settings, connection);
    config.staff = Some(staff.clone());
    config.display = Some(display.clone());
    config.demo_lan = launch.demo_lan;
    let app = App::open(store, config).await?;
    let mode = match app.mode {
        _ if wanted == Wanted::SecretUnreadable => Mode::SecretMissing,
        AppMode::Demo => Mode::Demo,
        AppMode::Test => Mode::Test,
        AppMode::Live => Mode::Live,
    };
    app.kasse.set_checkout_language(&settings.language);
    display.set_weighed(settings.weighed_quick_items());
    if let Err(e) = app.kasse.resume().await {
        // Offline at start: the watcher and the next sync settle what is open.
        tracing::warn!(error = %e, "could not resume open sales at start");
    }
    Ok(Engine {
        kasse: app.kasse,
        mode,
        sandbox: app.sandbox,
    })
}
