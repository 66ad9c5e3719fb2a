//! The application layer: an engine assembled from what a shell knows, in one place, so the
//! desktop app and `kasse-cli` run on the same defaults and rules. A shell says where the log
//! is and what it was told (settings, flags, environment); [`App::open`] makes the Dintero
//! client (or starts the in-process simulator for demo mode), checks the configuration against
//! it, and builds the [`Kasse`]. Errors name the setting at fault in the core's words
//! (`account_id`, `api_url`, `reconcile_grace`, …); each shell says them in its own.

use std::sync::Arc;
use std::time::Duration;

use dintero_client::{AccountId, Client, Config, Environment, Secret};
use dintero_sandbox::{Sandbox, SandboxConfig};

use crate::cadence::Cadence;
use crate::clock::{RandomIds, SystemClock};
use crate::engine::{Kasse, KasseConfig, StoreRef};
use crate::error::CoreError;
use crate::money::Currency;
use crate::store::{JournalBroken, Store};

/// How many days the first sync of a log looks back.
pub const FIRST_SYNC_DAYS: i64 = 30;

/// Where Kasse takes payments.
#[derive(Debug, Clone)]
pub enum Connection {
    /// A Dintero account.
    Account {
        /// `T…` (test) or `P…` (production).
        account_id: String,
        /// The API client id.
        client_id: String,
        /// The API client secret.
        client_secret: Secret,
        /// The token host (default Dintero's); a simulator serves both hosts.
        api_url: Option<String>,
        /// The Checkout API host; default: `api_url` when that is not Dintero's token host.
        checkout_url: Option<String>,
    },
    /// Demo mode: an in-process `dintero-sandbox`, its test account and cards.
    Demo,
}

/// What a counter runs against, from its saved account and whether its secret could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// No account is configured (or demo mode is forced): the built-in simulator.
    Demo,
    /// The configured account, with its secret.
    Account,
    /// An account is configured but its secret cannot be read (the keyring is locked or gone,
    /// the file was removed). Never quietly demo mode: a cashier would take "payments" that
    /// move no money. The counter stops selling and says how to fix it.
    SecretUnreadable,
}

/// Decides [`Wanted`]: an account counts as configured when it has an id and a client id.
pub fn wanted(account_id: &str, client_id: &str, secret_read: bool, force_demo: bool) -> Wanted {
    let configured = !account_id.trim().is_empty() && !client_id.trim().is_empty();
    match (force_demo, configured, secret_read) {
        (true, _, _) | (false, false, _) => Wanted::Demo,
        (false, true, true) => Wanted::Account,
        (false, true, false) => Wanted::SecretUnreadable,
    }
}

/// Demo, a test account or a production account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The in-process simulator.
    Demo,
    /// A `T…` account.
    Test,
    /// A `P…` account: real money.
    Live,
}

/// What a shell was told, with Kasse's defaults for the rest ([`AppConfig::new`]).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where payments go.
    pub connection: Connection,
    /// The shell, as Dintero sees it (`Dintero-System-Plugin-Name`): `kasse-cli`, `kasse-desktop`.
    pub shell: &'static str,
    /// The prefix of the counter's references; `None`: the log's own counter id.
    pub counter: Option<String>,
    /// Dintero payment profile.
    pub profile_id: String,
    /// Currency of orders that name none.
    pub currency: Currency,
    /// Where customers land after paying; `None`: the simulator's page in demo mode, Dintero's
    /// site otherwise.
    pub return_url: Option<String>,
    /// How long one request to Dintero may take.
    pub request_timeout: Duration,
    /// How long a lost answer waits before "not found" means "did not happen"; `None`: the
    /// request timeout and 15 s.
    pub reconcile_grace: Option<Duration>,
    /// The watcher's poll cadence.
    pub cadence: Cadence,
    /// The shop, sent with every checkout; sync imports only its sales.
    pub store: Option<StoreRef>,
    /// Where the staff PINs are kept when not in the log ([`KasseConfig::staff`]).
    pub staff: Option<Arc<Store>>,
    /// Demo mode only (`--lan`): the simulator listens on every interface and its checkout
    /// URLs (the QR) carry this machine's LAN address ([`crate::lan`]), so a phone on the same
    /// network can pay; without one, opening fails naming `lan`. Ignored for an account.
    pub demo_lan: bool,
    /// Capture counter sales at payment ([`KasseConfig::auto_capture`]); `None`: as the log's
    /// saved setting says ([`crate::settings::Settings::capture_at_payment`], on by default).
    pub auto_capture: Option<bool>,
    /// The customer display the engine feeds ([`KasseConfig::display`]); `None`: its own.
    pub display: Option<crate::display::Hub>,
}

impl AppConfig {
    /// Kasse's defaults for `connection`, as `shell`.
    pub fn new(connection: Connection, shell: &'static str) -> AppConfig {
        AppConfig {
            connection,
            shell,
            counter: None,
            profile_id: "default".into(),
            currency: Currency::Nok,
            return_url: None,
            request_timeout: Duration::from_secs(30),
            reconcile_grace: None,
            cadence: Cadence::default(),
            store: None,
            staff: None,
            demo_lan: false,
            auto_capture: None,
            display: None,
        }
    }
}

/// A running engine and what it runs against.
#[derive(Debug)]
pub struct App {
    /// The engine.
    pub kasse: Kasse,
    /// Demo, test or live.
    pub mode: Mode,
    /// The in-process simulator in demo mode (stops when this is dropped).
    pub sandbox: Option<Sandbox>,
    /// Why the log is read-only, when the start-up check found it changed outside Kasse:
    /// every write (charge, operation, sync, setting) is then refused with `journal_broken`,
    /// while reading, listing and `journal verify` still work.
    pub read_only: Option<JournalBroken>,
}

impl App {
    /// Assembles the engine over `store`: the journal checked from its last checkpoint
    /// ([`Store::check_at_start`]; a broken one opens the log read-only), the client for the
    /// account (or the demo simulator), the configuration checked against it. Starts nothing:
    /// call [`Kasse::resume`].
    pub async fn open(store: Store, config: AppConfig) -> Result<App, CoreError> {
        Self::open_probing(store, config, crate::lan::probe).await
    }

    /// [`App::open`], with `probe` saying this machine's addresses for `demo_lan`.
    async fn open_probing(
        store: Store,
        config: AppConfig,
        probe: fn() -> Vec<std::net::IpAddr>,
    ) -> Result<App, CoreError> {
        let read_only = store.check_at_start()?;
        let (client, mode, sandbox) = match &config.connection {
            Connection::Demo => {
                let sandbox = Sandbox::start(demo_sandbox(config.demo_lan, probe)?)
                    .await
                    .map_err(|e| {
                        CoreError::input("demo", format!("the demo simulator did not start: {e}"))
                    })?;
                let c = sandbox.config();
                let client = client(
                    &config,
                    &c.account_id,
                    &c.client_id,
                    Secret::new(c.client_secret.clone()),
                    Some(&sandbox.base_url()),
                    None,
                )?;
                (client, Mode::Demo, Some(sandbox))
            }
            Connection::Account { .. } => {
                let client = account_client(&config)?;
                let mode = match client.environment() {
                    Environment::Production => Mode::Live,
                    _ => Mode::Test,
                };
                (client, mode, None)
            }
        };
        let return_url = config.return_url.clone().unwrap_or_else(|| match &sandbox {
            // Where the customer's browser lands: reachable from a phone with `demo_lan`.
            Some(s) => format!("{}/_sim/return", s.customer_url()),
            None => "https://www.dintero.com/".into(),
        });
        let counter = match &config.counter {
            Some(c) => c.clone(),
            None => store.counter_id()?,
        };
        let mut kc = KasseConfig::new(counter, return_url);
        // The pay window is on this machine: with `demo_lan` it frames the simulator over
        // loopback, as the engine talks to it.
        kc.embed_endpoint = sandbox
            .as_ref()
            .filter(|s| s.customer_url() != s.base_url())
            .map(|s| s.base_url());
        kc.profile_id = config.profile_id.clone();
        kc.currency = config.currency;
        kc.cadence = config.cadence;
        kc.reconcile_grace = config
            .reconcile_grace
            .unwrap_or(config.request_timeout + Duration::from_secs(15));
        kc.store = config.store.clone();
        kc.staff = config.staff.clone();
        if let Some(hub) = &config.display {
            kc.display = hub.clone();
        }
        kc.auto_capture = match config.auto_capture {
            Some(on) => on,
            None => crate::settings::Settings::load(&store)?.capture_at_payment,
        };
        kc.check_against(&client)?;
        let kasse = Kasse::new(
            store,
            client,
            Arc::new(SystemClock),
            Arc::new(RandomIds),
            kc,
        );
        Ok(App {
            kasse,
            mode,
            sandbox,
            read_only,
        })
    }
}

/// The demo simulator's configuration: on loopback, or with `lan` on every interface with
/// checkout URLs at the LAN address `probe` finds ([`crate::lan::pick`]).
fn demo_sandbox(
    lan: bool,
    probe: fn() -> Vec<std::net::IpAddr>,
) -> Result<SandboxConfig, CoreError> {
    if !lan {
        return Ok(SandboxConfig::default());
    }
    let host = crate::lan::pick(&probe()).ok_or_else(|| {
        CoreError::input(
            "lan",
            "this computer has no address on a local network, so a phone cannot reach the demo: \
             connect it to the shop's Wi-Fi or cable, or leave out --lan and use Pay here",
        )
    })?;
    Ok(SandboxConfig {
        listen: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
        public_host: Some(host),
        ..SandboxConfig::default()
    })
}

/// The Dintero client for an account (e.g. to test credentials before they are saved); demo
/// mode has none.
pub fn account_client(config: &AppConfig) -> Result<Client, CoreError> {
    match &config.connection {
        Connection::Account {
            account_id,
            client_id,
            client_secret,
            api_url,
            checkout_url,
        } => client(
            config,
            account_id,
            client_id,
            client_secret.clone(),
            api_url.as_deref(),
            checkout_url.as_deref(),
        ),
        Connection::Demo => Err(CoreError::input(
            "account_id",
            "demo mode has no Dintero account to connect to",
        )),
    }
}

/// The Dintero client: one URL serves both hosts on a simulator, so `api_url` alone is enough
/// there; Dintero's own token host is never taken for the Checkout API.
fn client(
    config: &AppConfig,
    account_id: &str,
    client_id: &str,
    secret: Secret,
    api_url: Option<&str>,
    checkout_url: Option<&str>,
) -> Result<Client, CoreError> {
    let account = AccountId::parse(account_id).map_err(|e| match e {
        dintero_client::Error::InvalidConfig { message, .. } => {
            CoreError::input("account_id", message)
        }
        other => other.into(),
    })?;
    let mut c = Config::new(account, client_id, secret)
        .with_system("kasse", env!("CARGO_PKG_VERSION"))
        .with_plugin(config.shell, env!("CARGO_PKG_VERSION"))
        .with_timeouts(Duration::from_secs(5), config.request_timeout);
    if let Some(u) = api_url {
        c = c.with_auth_base_url(u);
    }
    let checkout = checkout_url.or(api_url.filter(|u| !u.contains("api.dintero.com")));
    if let Some(u) = checkout {
        c = c.with_checkout_base_url(u);
    }
    Client::new(c).map_err(|e| match e {
        dintero_client::Error::InvalidConfig { field, message } => {
            let field = match field {
                "auth_base_url" => "api_url",
                "checkout_base_url" if checkout_url.is_some() => "checkout_url",
                "checkout_base_url" => "api_url",
                "timeouts.request" => "request_timeout",
                other => other,
            };
            CoreError::input(field, message)
        }
        other => other.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(account_id: &str, api_url: Option<&str>) -> AppConfig {
        AppConfig::new(
            Connection::Account {
                account_id: account_id.into(),
                client_id: "id".into(),
                client_secret: "secret".into(),
                api_url: api_url.map(str::to_owned),
                checkout_url: None,
            },
            "kasse-test",
        )
    }

    fn field_of(e: CoreError) -> String {
        e.field().unwrap_or_else(|| panic!("no field: {e}"))
    }

    #[tokio::test]
    async fn demo_runs_on_the_in_process_simulator_with_the_logs_counter_id() {
        let store = Store::open_in_memory().unwrap();
        let id = store.counter_id().unwrap();
        let app = App::open(store, AppConfig::new(Connection::Demo, "kasse-test"))
            .await
            .unwrap();
        assert_eq!(app.mode, Mode::Demo);
        let base = app.sandbox.as_ref().unwrap().base_url();
        let config = app.kasse.config();
        assert_eq!(config.counter, id);
        assert_eq!(config.return_url, format!("{base}/_sim/return"));
        assert_eq!(config.reconcile_grace, Duration::from_secs(45));
        assert!(app
            .kasse
            .api()
            .config()
            .checkout_base_url
            .starts_with(&base));
    }

    /// Issue 16, defect 11: with `demo_lan` the QR's checkout URL (and where the customer lands)
    /// carries the machine's LAN address, never loopback, while the engine itself talks to the
    /// simulator over loopback (nothing is sent to the LAN address here); without an address,
    /// opening fails naming `lan`.
    #[tokio::test]
    async fn demo_lan_puts_the_lan_address_in_the_checkout_url() {
        fn lan() -> Vec<std::net::IpAddr> {
            vec!["127.0.0.1".parse().unwrap(), "10.20.30.40".parse().unwrap()]
        }
        fn none() -> Vec<std::net::IpAddr> {
            vec!["127.0.0.1".parse().unwrap()]
        }
        let mut config = AppConfig::new(Connection::Demo, "kasse-test");
        config.demo_lan = true;
        let app = App::open_probing(Store::open_in_memory().unwrap(), config.clone(), lan)
            .await
            .unwrap();
        let sandbox = app.sandbox.as_ref().unwrap();
        assert!(sandbox.local_addr().ip().is_unspecified());
        let port = sandbox.local_addr().port();
        assert!(app
            .kasse
            .api()
            .config()
            .checkout_base_url
            .starts_with("http://127.0.0.1:"));
        let order = crate::order::OrderInput::from_json_str(
            r#"{"lines":[{"description":"Coffee","quantity":"1","unit_price":3900,"vat":"25"}]}"#,
        )
        .unwrap();
        let charge = app.kasse.charge(&order).await.unwrap();
        let lan_url = format!("http://10.20.30.40:{port}/v1/view/");
        assert!(charge.url.starts_with(&lan_url), "{}", charge.url);
        // Pay here, on this machine, frames the simulator over loopback.
        let embed = app.kasse.embed(&charge.sale.id).unwrap();
        assert_eq!(embed.endpoint, format!("http://127.0.0.1:{port}"));
        assert_eq!(
            app.kasse.config().return_url,
            format!("http://10.20.30.40:{port}/_sim/return")
        );
        // Issue 16, defect 9: the checkout asks for the counter's language.
        app.kasse.set_checkout_language("nb");
        let charge = app.kasse.charge(&order).await.unwrap();
        assert!(charge.url.starts_with(&lan_url), "{}", charge.url);
        assert!(charge.url.ends_with("?language=no"), "{}", charge.url);

        let e = App::open_probing(Store::open_in_memory().unwrap(), config, none)
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "lan");
        // Without `demo_lan`, loopback as before.
        let app = App::open_probing(
            Store::open_in_memory().unwrap(),
            AppConfig::new(Connection::Demo, "kasse-test"),
            lan,
        )
        .await
        .unwrap();
        let charge = app.kasse.charge(&order).await.unwrap();
        assert!(
            charge.url.starts_with("http://127.0.0.1:"),
            "{}",
            charge.url
        );
        // And Pay here frames the checkout URL's own origin.
        let embed = app.kasse.embed(&charge.sale.id).unwrap();
        assert!(
            charge.url.starts_with(&embed.endpoint),
            "{}",
            embed.endpoint
        );
        assert_eq!(app.kasse.config().embed_endpoint, None);
    }

    #[tokio::test]
    async fn an_account_is_test_or_live_and_one_simulator_url_serves_both_hosts() {
        let open = |c| App::open(Store::open_in_memory().unwrap(), c);
        let app = open(account("T12345678", Some("http://127.0.0.1:8787")))
            .await
            .unwrap();
        assert_eq!(app.mode, Mode::Test);
        let c = app.kasse.api().config();
        assert_eq!(c.auth_base_url, "http://127.0.0.1:8787");
        assert_eq!(c.checkout_base_url, "http://127.0.0.1:8787");
        assert_eq!(c.system.plugin_name, "kasse-test");
        assert_eq!(app.kasse.config().return_url, "https://www.dintero.com/");
        // Dintero's token host is never taken for the Checkout API.
        let app = open(account("P12345678", Some("https://api.dintero.com")))
            .await
            .unwrap();
        assert_eq!(app.mode, Mode::Live);
        assert_eq!(
            app.kasse.api().config().checkout_base_url,
            "https://checkout.dintero.com"
        );
    }

    #[test]
    fn a_configured_account_whose_secret_is_unreadable_is_never_demo() {
        assert_eq!(wanted("", "", false, false), Wanted::Demo);
        assert_eq!(wanted("T12345678", "", true, false), Wanted::Demo);
        assert_eq!(wanted("T12345678", "id", true, false), Wanted::Account);
        assert_eq!(
            wanted("P12345678", "id", false, false),
            Wanted::SecretUnreadable
        );
        assert_eq!(wanted(" ", "id", false, false), Wanted::Demo);
        assert_eq!(
            wanted("P12345678", "id", false, true),
            Wanted::Demo,
            "forced"
        );
    }

    #[tokio::test]
    async fn what_is_wrong_names_the_setting() {
        let open = |c| App::open(Store::open_in_memory().unwrap(), c);
        let e = open(account("X1", None)).await.unwrap_err();
        assert_eq!(field_of(e), "account_id");
        let e = open(account("T12345678", Some("not a url")))
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "api_url");
        // A production account is refused a URL that is not https, not sent to it.
        let e = open(account("P12345678", Some("http://127.0.0.1:8787")))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        assert_eq!(field_of(e), "api_url");
        let mut short = account("T12345678", None);
        short.reconcile_grace = Some(Duration::from_secs(10));
        let e = open(short).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("at least the request timeout (30 s)"),
            "{e}"
        );
        assert_eq!(field_of(e), "reconcile_grace");
        let mut quick = account("T12345678", None);
        quick.request_timeout = Duration::from_secs(2);
        let app = open(quick).await.unwrap();
        assert_eq!(app.kasse.config().reconcile_grace, Duration::from_secs(17));
        assert!(matches!(
            account_client(&AppConfig::new(Connection::Demo, "kasse-test")),
            Err(CoreError::InvalidInput { .. })
        ));
    }
}
