//! The app's state: the engine for the configured account (or the demo simulator), the
//! settings, and where the secret lives. Commands borrow it; settings changes rebuild it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dintero_client::{AccountId, Client, Config, Environment};
use dintero_sandbox::{Sandbox, SandboxConfig};
use kasse_core::clock::{RandomIds, SystemClock};
use kasse_core::settings::Settings;
use kasse_core::store::Store;
use kasse_core::{CoreError, Kasse, KasseConfig};

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

/// Everything the commands need.
pub struct AppState {
    /// Where the log and settings live.
    pub data_dir: PathBuf,
    /// The settings' own connection to the log file (they outlive engine rebuilds).
    pub settings_store: Store,
    /// The secret store.
    pub secrets: Arc<dyn SecretStore>,
    /// The current engine.
    engine: RwLock<Arc<Engine>>,
    /// Forces demo mode (`KASSE_DEMO=1`).
    force_demo: bool,
    /// What the start-up checks of the journal found (final once the full verify is done).
    journal: tokio::sync::watch::Receiver<JournalCheck>,
}

/// The state of the journal as the start-up checks found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalCheck {
    /// The full verify is still running (in the background; selling is not held up).
    Running,
    /// Every row checked out.
    Sound {
        /// Rows read by the full verify.
        rows: u64,
    },
    /// The journal was changed outside Kasse: what is wrong, naming the rows.
    Altered(Vec<String>),
    /// The journal could not be read to check it.
    Unchecked(String),
}

impl JournalCheck {
    /// A sentence for the cashier, when there is something to say.
    pub fn notice(&self) -> Option<String> {
        match self {
            JournalCheck::Running | JournalCheck::Sound { .. } => None,
            JournalCheck::Altered(problems) => Some(format!(
                "The sales journal was changed outside Kasse: {}. Selling goes on; keep this computer as it is and tell whoever looks after the accounts.",
                problems.join("; ")
            )),
            JournalCheck::Unchecked(e) => {
                Some(format!("The sales journal could not be checked: {e}"))
            }
        }
    }
}

/// The start-up checks of the log file: first the cheap one (the rows added since the last
/// sound check, against the point it recorded: milliseconds), then the full verify of every
/// row on a thread of its own (2.5 s per million rows), so the app starts and sells at once.
/// Problems are logged at ERROR, naming the rows, and published for the `notice` to the UI.
fn check_journal_at_start(
    store: &Store,
    path: PathBuf,
) -> tokio::sync::watch::Receiver<JournalCheck> {
    let (tx, rx) = tokio::sync::watch::channel(JournalCheck::Running);
    let quick = store.check_journal();
    std::thread::spawn(move || {
        let full = Store::open(&path).and_then(|s| s.verify_journal());
        let check = match (quick, full) {
            (Err(e), _) | (_, Err(e)) => JournalCheck::Unchecked(e.to_string()),
            (Ok(q), Ok(f)) if q.ok && f.ok => JournalCheck::Sound { rows: f.rows },
            (Ok(q), Ok(f)) => {
                let mut problems: Vec<String> = Vec::new();
                for p in q.problems.iter().chain(&f.problems) {
                    let p = p.to_string();
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
        force_demo: bool,
    ) -> Result<AppState, CoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            CoreError::input(
                "data_dir",
                format!("cannot create {}: {e}", data_dir.display()),
            )
        })?;
        let settings_store = Store::open(data_dir.join("kasse.sqlite"))?;
        let journal = check_journal_at_start(&settings_store, data_dir.join("kasse.sqlite"));
        let settings = Settings::load(&settings_store)?;
        let engine = start_engine(data_dir, &settings, secrets.as_ref(), force_demo).await?;
        Ok(AppState {
            data_dir: data_dir.to_path_buf(),
            settings_store,
            secrets,
            engine: RwLock::new(Arc::new(engine)),
            force_demo,
            journal,
        })
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
                &self.data_dir,
                &settings,
                self.secrets.as_ref(),
                self.force_demo,
            )
            .await?,
        );
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = engine.clone();
        Ok(engine)
    }
}

/// A client for an account, from settings and a secret.
pub fn client_for(account: &str, client_id: &str, secret: &str) -> Result<Client, CoreError> {
    let account = AccountId::parse(account)
        .map_err(|_| CoreError::input("account_id", "must be T or P followed by 8 digits"))?;
    let mut config = Config::new(account, client_id, secret)
        .with_system("kasse", env!("CARGO_PKG_VERSION"))
        .with_plugin("kasse-desktop", env!("CARGO_PKG_VERSION"));
    if let Ok(url) = std::env::var("KASSE_API_URL") {
        config = config.with_base_url(url);
    }
    Ok(Client::new(config)?)
}

async fn start_engine(
    data_dir: &Path,
    settings: &Settings,
    secrets: &dyn SecretStore,
    force_demo: bool,
) -> Result<Engine, CoreError> {
    let secret = (!settings.account_id.is_empty())
        .then(|| secrets.get(&settings.account_id))
        .flatten();
    let live = match (&secret, force_demo) {
        (Some(secret), false) if !settings.client_id.is_empty() => Some(secret.clone()),
        _ => None,
    };
    let (client, store, mode, sandbox, return_url) = match live {
        Some(secret) => {
            let client = client_for(&settings.account_id, &settings.client_id, &secret)?;
            let mode = match client.environment() {
                Environment::Production => Mode::Live,
                _ => Mode::Test,
            };
            let store = Store::open(data_dir.join("kasse.sqlite"))?;
            let ret = settings
                .return_url
                .clone()
                .unwrap_or_else(|| "https://www.dintero.com/".into());
            (client, store, mode, None, ret)
        }
        None => {
            let sandbox = Sandbox::start(SandboxConfig::default())
                .await
                .map_err(|e| {
                    CoreError::input("demo", format!("the demo simulator did not start: {e}"))
                })?;
            let c = sandbox.config().clone();
            let config = Config::new(
                AccountId::parse(&c.account_id)?,
                c.client_id,
                c.client_secret,
            )
            .with_base_url(sandbox.base_url())
            .with_system("kasse", env!("CARGO_PKG_VERSION"));
            let client = Client::new(config)?;
            // Demo sales live in memory: the simulator forgets them when the app closes.
            let store = Store::open_in_memory()?;
            let ret = format!("{}/_sim/return", sandbox.base_url());
            (client, store, Mode::Demo, Some(sandbox), ret)
        }
    };
    // The counter's own id (made once per log) prefixes its references: the name in Settings
    // is for people, and two counters given the same name still make different references.
    let mut config = KasseConfig::new(store.counter_id()?, return_url);
    config.profile_id = settings.profile_id.clone();
    config.currency = settings.currency;
    config.cadence = settings.cadence;
    config.reconcile_grace = Duration::from_secs(45);
    config.check_against(&client)?;
    let kasse = Kasse::new(
        store,
        client,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        config,
    );
    if let Err(e) = kasse.resume().await {
        // Offline at start: the watcher and the next sync settle what is open.
        tracing::warn!(error = %e, "could not resume open sales at start");
    }
    Ok(Engine {
        kasse,
        mode,
        sandbox,
    })
}
