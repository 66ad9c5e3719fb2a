//! Configuration from flags and environment (DESIGN.md §4.3), and building the engine.

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

/// The environment variables Kasse reads (kept apart from `std::env` so tests can build one).
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub account_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub profile_id: Option<String>,
    pub api_url: Option<String>,
    pub checkout_url: Option<String>,
    pub currency: Option<String>,
    pub counter: Option<String>,
    pub return_url: Option<String>,
    pub timeout_secs: Option<String>,
    pub reconcile_grace_secs: Option<String>,
    pub store_id: Option<String>,
    pub store_name: Option<String>,
}

impl Env {
    /// Reads the process environment; empty values count as unset.
    pub fn from_process() -> Env {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            account_id: get("KASSE_ACCOUNT_ID"),
            client_id: get("KASSE_CLIENT_ID"),
            client_secret: get("KASSE_CLIENT_SECRET"),
            profile_id: get("KASSE_PROFILE_ID"),
            api_url: get("KASSE_API_URL"),
            checkout_url: get("KASSE_CHECKOUT_URL"),
            currency: get("KASSE_CURRENCY"),
            counter: get("KASSE_COUNTER"),
            return_url: get("KASSE_RETURN_URL"),
            timeout_secs: get("KASSE_TIMEOUT_SECS"),
            reconcile_grace_secs: get("KASSE_RECONCILE_GRACE_SECS"),
            store_id: get("KASSE_STORE_ID"),
            store_name: get("KASSE_STORE_NAME"),
        }
    }

    /// `KASSE_CLIENT_SECRET is` / `KASSE_ACCOUNT_ID and KASSE_CLIENT_SECRET are`: the credential
    /// variables that are unset, for the error message.
    fn missing_credentials(&self) -> String {
        let missing: Vec<&str> = [
            ("KASSE_ACCOUNT_ID", &self.account_id),
            ("KASSE_CLIENT_ID", &self.client_id),
            ("KASSE_CLIENT_SECRET", &self.client_secret),
        ]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
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

fn secs(name: &'static str, v: &Option<String>, default: u64) -> Result<Duration, ConfigError> {
    match v {
        None => Ok(Duration::from_secs(default)),
        Some(s) => s
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| ConfigError::Invalid {
                name,
                message: format!("must be a whole number of seconds (got {s:?})"),
            }),
    }
}

/// Builds the engine ([`App::open`]): the log in the data dir, the account from the
/// environment (or the in-process simulator with `--demo`). What is wrong is said with the
/// variable the person set.
pub async fn open(data_dir: Option<&Path>, demo: bool, env: &Env) -> anyhow::Result<Opened> {
    let currency = match &env.currency {
        Some(c) => c.parse::<Currency>().map_err(|e| ConfigError::Invalid {
            name: "KASSE_CURRENCY",
            message: e.to_string(),
        })?,
        None => Currency::Nok,
    };
    let timeout = secs("KASSE_TIMEOUT_SECS", &env.timeout_secs, 30)?;
    let grace = env
        .reconcile_grace_secs
        .as_ref()
        .map(|_| secs("KASSE_RECONCILE_GRACE_SECS", &env.reconcile_grace_secs, 0))
        .transpose()?;
    let connection = if demo {
        Connection::Demo
    } else {
        let (Some(a), Some(id), Some(s)) = (&env.account_id, &env.client_id, &env.client_secret)
        else {
            return Err(ConfigError::NoCredentials {
                missing: env.missing_credentials(),
            }
            .into());
        };
        Connection::Account {
            account_id: a.clone(),
            client_id: id.clone(),
            client_secret: s.clone().into(),
            api_url: env.api_url.clone(),
            checkout_url: env.checkout_url.clone(),
        }
    };
    let mut config = AppConfig::new(connection, "kasse-cli");
    config.counter = env.counter.clone();
    config.profile_id = env.profile_id.clone().unwrap_or_else(|| "default".into());
    config.currency = currency;
    config.return_url = env.return_url.clone();
    config.request_timeout = timeout;
    config.reconcile_grace = grace;
    config.store = env.store_id.as_ref().map(|id| kasse_core::StoreRef {
        id: id.trim().to_owned(),
        name: env.store_name.clone(),
    });
    let LocalLog {
        store,
        demo_dir: _demo_dir,
    } = open_log(data_dir, demo)?;
    let app = App::open(store, config)
        .await
        .map_err(|e| say_with_variable(e, env))?;
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
        "checkout_url" if env.checkout_url.is_some() => "KASSE_CHECKOUT_URL",
        "checkout_url" => "KASSE_API_URL",
        "request_timeout" => "KASSE_TIMEOUT_SECS",
        "reconcile_grace" => "KASSE_RECONCILE_GRACE_SECS",
        "demo" => "--demo",
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
    demo_dir: Option<DemoDir>,
}

/// Opens (creating when needed) the log in the data dir; with `--demo` and no `--data-dir`, a
/// throw-away one.
pub fn open_log(data_dir: Option<&Path>, demo: bool) -> anyhow::Result<LocalLog> {
    let (dir, demo_dir) = match (data_dir, demo) {
        (Some(d), _) => (d.to_path_buf(), None),
        (None, true) => {
            let d = std::env::temp_dir().join(format!("kasse-demo-{}", std::process::id()));
            (d.clone(), Some(DemoDir(d)))
        }
        (None, false) => (default_data_dir(), None),
    };
    std::fs::create_dir_all(&dir).map_err(|e| ConfigError::Invalid {
        name: "--data-dir",
        message: format!("cannot create {}: {e}", dir.display()),
    })?;
    let store = Store::open(dir.join("kasse.sqlite"))?;
    Ok(LocalLog { store, demo_dir })
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

/// Logs to stderr (warnings by default; `RUST_LOG` for more), never to stdout.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
