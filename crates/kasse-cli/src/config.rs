//! Configuration from flags and environment (DESIGN.md §4.3), and building the engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dintero_sandbox::Sandbox;
use kasse_core::app::{App, AppConfig, Connection};
use kasse_core::money::Currency;
use kasse_core::store::Store;
use kasse_core::{CoreError, Kasse};
use time::OffsetDateTime;

/// A configuration value that is missing or wrong, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No credentials and no `--demo`.
    #[error("no Dintero credentials: {missing} not set; set KASSE_ACCOUNT_ID, KASSE_CLIENT_ID and KASSE_CLIENT_SECRET (see README.md), or try Kasse with --demo")]
    NoCredentials {
        /// The variables that are missing, e.g. `KASSE_CLIENT_SECRET is`.
        missing: String,
    },
    /// A variable has a value Kasse cannot use.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable or flag.
        name: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Every `KASSE_*` variable [`Env`] holds (`KASSE_DATA_DIR` is a flag's default, read by clap).
const VARS: [&str; 14] = [
    "KASSE_ACCOUNT_ID",
    "KASSE_CLIENT_ID",
    "KASSE_CLIENT_SECRET",
    "KASSE_PROFILE_ID",
    "KASSE_API_URL",
    "KASSE_CHECKOUT_URL",
    "KASSE_CURRENCY",
    "KASSE_COUNTER",
    "KASSE_RETURN_URL",
    "KASSE_TIMEOUT_SECS",
    "KASSE_RECONCILE_GRACE_SECS",
    "KASSE_STORE_ID",
    "KASSE_STORE_NAME",
    "KASSE_CAPTURE_AT_PAYMENT",
];

/// The credential variables, in the order an error names them.
const CREDENTIALS: [&str; 3] = ["KASSE_ACCOUNT_ID", "KASSE_CLIENT_ID", "KASSE_CLIENT_SECRET"];

/// The environment Kasse reads, looked up by variable name so that each value and the name an
/// error says are one. No `Debug`: it holds the client secret.
#[derive(Default, Clone)]
pub struct Env(BTreeMap<&'static str, String>);

impl Env {
    /// Reads the process environment; empty values count as unset.
    pub fn from_process() -> Env {
        Env(VARS
            .iter()
            .filter_map(|&k| Some((k, std::env::var(k).ok()?)))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect())
    }

    /// A variable's value, when set.
    fn get(&self, name: &str) -> Option<&str> {
        debug_assert!(VARS.contains(&name), "{name} is not a variable Kasse reads");
        self.0.get(name).map(String::as_str)
    }

    /// The configuration for a diagnostics zip: every variable Kasse reads, its value when it
    /// is not a secret, `set` or `unset` for the client secret.
    pub fn described(&self) -> serde_json::Value {
        VARS.iter()
            .map(|&k| {
                let v = match (self.get(k), k) {
                    (Some(_), "KASSE_CLIENT_SECRET") => "set".into(),
                    (Some(v), _) => v.to_owned(),
                    (None, _) => "unset".into(),
                };
                (k.to_owned(), serde_json::Value::from(v))
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// The secrets this environment holds (to keep out of a diagnostics zip).
    pub fn secrets(&self) -> Vec<String> {
        self.owned("KASSE_CLIENT_SECRET").into_iter().collect()
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// `on`/`off` (also `1`/`0`, `true`/`false`), when set.
    fn switch(&self, name: &'static str) -> Result<Option<bool>, ConfigError> {
        let Some(s) = self.get(name) else {
            return Ok(None);
        };
        match s.trim().to_ascii_lowercase().as_str() {
            "on" | "1" | "true" | "yes" => Ok(Some(true)),
            "off" | "0" | "false" | "no" => Ok(Some(false)),
            _ => Err(ConfigError::Invalid {
                name,
                message: format!("must be on or off (got {s:?})"),
            }),
        }
    }

    /// A whole number of seconds, when set.
    fn secs(&self, name: &'static str) -> Result<Option<Duration>, ConfigError> {
        let Some(s) = self.get(name) else {
            return Ok(None);
        };
        s.trim()
            .parse::<u64>()
            .map(|n| Some(Duration::from_secs(n)))
            .map_err(|_| ConfigError::Invalid {
                name,
                message: format!("must be a whole number of seconds (got {s:?})"),
            })
    }

    /// `KASSE_CLIENT_SECRET is` / `KASSE_ACCOUNT_ID and KASSE_CLIENT_SECRET are`: the credential
    /// variables that are unset, for the error message.
    fn missing_credentials(&self) -> String {
        let missing: Vec<&str> = CREDENTIALS
            .into_iter()
            .filter(|k| self.get(k).is_none())
            .collect();
        match missing.as_slice() {
            [one] => format!("{one} is"),
            [a, b] => format!("{a} and {b} are"),
            _ => "KASSE_ACCOUNT_ID, KASSE_CLIENT_ID and KASSE_CLIENT_SECRET are".into(),
        }
    }
}

/// The engine and what must live as long as it.
pub struct Opened {
    pub kasse: Kasse,
    _sandbox: Option<Sandbox>,
    _demo_dir: Option<DemoDir>,
}

/// A throw-away data directory for `--demo`, removed on exit.
struct DemoDir(PathBuf);

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The counter's currency (`KASSE_CURRENCY`, NOK when unset).
pub fn currency(env: &Env) -> Result<Currency, ConfigError> {
    match env.get("KASSE_CURRENCY") {
        Some(c) => c.parse::<Currency>().map_err(|e| ConfigError::Invalid {
            name: "KASSE_CURRENCY",
            message: e.to_string(),
        }),
        None => Ok(Currency::Nok),
    }
}

/// Builds the engine ([`App::open`]): the log in the data dir, the account from the
/// environment (or the in-process simulator with `--demo`). What is wrong is said with the
/// variable the person set.
pub async fn open(
    data_dir: Option<&Path>,
    demo: bool,
    lan: bool,
    env: &Env,
) -> anyhow::Result<Opened> {
    let currency = currency(env)?;
    let timeout = env
        .secs("KASSE_TIMEOUT_SECS")?
        .unwrap_or(Duration::from_secs(30));
    let grace = env.secs("KASSE_RECONCILE_GRACE_SECS")?;
    let connection = if demo {
        Connection::Demo
    } else {
        let [Some(account_id), Some(client_id), Some(client_secret)] =
            CREDENTIALS.map(|k| env.owned(k))
        else {
            return Err(ConfigError::NoCredentials {
                missing: env.missing_credentials(),
            }
            .into());
        };
        Connection::Account {
            account_id,
            client_id,
            client_secret: client_secret.into(),
            api_url: env.owned("KASSE_API_URL"),
            checkout_url: env.owned("KASSE_CHECKOUT_URL"),
        }
    };
    let mut config = AppConfig::new(connection, "kasse-cli");
    config.counter = env.owned("KASSE_COUNTER");
    config.profile_id = env
        .owned("KASSE_PROFILE_ID")
        .unwrap_or_else(|| "default".into());
    config.currency = currency;
    config.return_url = env.owned("KASSE_RETURN_URL");
    config.demo_lan = lan;
    // Unset: as the log's saved setting "Capture at payment" says (on by default).
    config.auto_capture = env.switch("KASSE_CAPTURE_AT_PAYMENT")?;
    config.request_timeout = timeout;
    config.reconcile_grace = grace;
    config.store = env.get("KASSE_STORE_ID").map(|id| kasse_core::StoreRef {
        id: id.trim().to_owned(),
        name: env.owned("KASSE_STORE_NAME"),
    });
    let LocalLog {
        store,
        demo_dir: _demo_dir,
        ..
    } = open_log(data_dir, demo)?;
    let app = App::open(store, config)
        .await
        .map_err(|e| say_with_variable(e, env))?;
    // A log changed outside Kasse is read-only: every command that would write (or act at
    // Dintero) is refused before it starts, naming the row.
    if let Some(why) = app.read_only {
        return Err(CoreError::Store(kasse_core::store::StoreError::JournalBroken(why)).into());
    }
    Ok(Opened {
        kasse: app.kasse,
        _sandbox: app.sandbox,
        _demo_dir,
    })
}

/// An error about a setting, said with the variable (or flag) the person set.
fn say_with_variable(e: CoreError, env: &Env) -> anyhow::Error {
    let CoreError::InvalidInput { field, message } = e else {
        return e.into();
    };
    let name = match field.as_str() {
        "account_id" => "KASSE_ACCOUNT_ID",
        "client_id" => "KASSE_CLIENT_ID",
        "client_secret" => "KASSE_CLIENT_SECRET",
        "api_url" => "KASSE_API_URL",
        "checkout_url" if env.get("KASSE_CHECKOUT_URL").is_some() => "KASSE_CHECKOUT_URL",
        "checkout_url" => "KASSE_API_URL",
        "request_timeout" => "KASSE_TIMEOUT_SECS",
        "reconcile_grace" => "KASSE_RECONCILE_GRACE_SECS",
        "demo" => "--demo",
        "lan" => "--lan",
        _ => {
            return CoreError::InvalidInput { field, message }.into();
        }
    };
    let hint = match name {
        n if n.ends_with("_URL") => "; write the whole URL, e.g. http://127.0.0.1:8787",
        "KASSE_RECONCILE_GRACE_SECS" => "; raise it, or lower KASSE_TIMEOUT_SECS",
        _ => "",
    };
    ConfigError::Invalid {
        name,
        message: format!("{message}{hint}"),
    }
    .into()
}

/// The sales log alone, for the commands that never call Dintero (`transactions`, `show`,
/// `journal verify`): they work without credentials and offline.
pub struct LocalLog {
    pub store: Store,
    /// The data directory the log is in.
    pub dir: PathBuf,
    demo_dir: Option<DemoDir>,
}

/// Opens (creating when needed) the log in the data dir; with `--demo` and no `--data-dir`, a
/// throw-away one.
pub fn open_log(data_dir: Option<&Path>, demo: bool) -> anyhow::Result<LocalLog> {
    let (dir, demo_dir) = match kept_data_dir(data_dir, demo) {
        Some(d) => (d, None),
        None => {
            let d = std::env::temp_dir().join(format!("kasse-demo-{}", std::process::id()));
            (d.clone(), Some(DemoDir(d)))
        }
    };
    kasse_core::store::private_dir(&dir).map_err(|e| ConfigError::Invalid {
        name: "--data-dir",
        message: format!("cannot create {}: {e}", dir.display()),
    })?;
    let store = Store::open(dir.join("kasse.sqlite"))?;
    Ok(LocalLog {
        store,
        dir,
        demo_dir,
    })
}

/// The data directory a run keeps: `--data-dir`, else the default one; `None` for `--demo`
/// without `--data-dir` (a throw-away folder, removed on exit).
pub fn kept_data_dir(data_dir: Option<&Path>, demo: bool) -> Option<PathBuf> {
    match (data_dir, demo) {
        (Some(d), _) => Some(d.to_path_buf()),
        (None, true) => None,
        (None, false) => Some(default_data_dir()),
    }
}

fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("kasse");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(".local/share/kasse");
    }
    PathBuf::from(".kasse")
}

/// `YYYY-MM-DD` (start of that day, UTC) or an RFC 3339 timestamp.
pub fn parse_date(s: &str) -> Result<OffsetDateTime, ConfigError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| ConfigError::Invalid {
            name: "--since",
            message: format!("not a date (got {s:?}); write YYYY-MM-DD, e.g. 2026-11-24"),
        })
}

/// Logs to stderr (warnings by default; `RUST_LOG` for more), never to stdout, and to the
/// data directory's daily `kasse-cli` log file (`kasse_core::support::logs`); a throw-away
/// demo keeps no file.
pub fn init_tracing(data_dir: Option<&Path>, demo: bool) {
    let dir = kept_data_dir(data_dir, demo);
    let today = OffsetDateTime::now_utc().date();
    kasse_core::support::logs::init(
        kasse_core::support::logs::Program::Cli,
        dir.as_deref(),
        today,
    );
    tracing::info!(
        version = kasse_build_info::VERSION,
        commit = kasse_build_info::COMMIT,
        "kasse-cli started"
    );
}
