//! The state every clone of the client shares: configuration, the connection pool, the URLs
//! built once (each collection's, the token endpoint's), the prebuilt authentication and
//! `Dintero-System-*` headers, and the token cache.

use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use super::call::Collection;
use crate::auth::TokenCache;
use crate::config::{parse_base_url, Config};
use crate::error::{error_chain, Error};

/// Shared state behind every clone of the public client.
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(super) http: reqwest::Client,
    /// The URL of each [`Collection`].
    pub(super) sessions_profile_url: Url,
    pub(super) sessions_url: Url,
    pub(super) transactions_url: Url,
    pub(super) token_url: Url,
    pub(super) audience: String,
    pub(super) basic_auth: HeaderValue,
    /// The `Dintero-System-*` headers, validated and built once (sent on every API call, not
    /// on the token request).
    pub(super) system_headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) tokens: TokenCache,
}

fn header_value(field: &'static str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidConfig {
        field,
        message: "must be printable ASCII (it is sent as an HTTP header)".to_owned(),
    })
}

/// Appends path segments (percent-encoded) to a base URL that may carry a path prefix.
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

impl Inner {
    pub(crate) fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let auth_base = parse_base_url("auth_base_url", &config.auth_base_url)?;
        let checkout_base = parse_base_url("checkout_base_url", &config.checkout_base_url)?;
        let aid = config.account_id.as_str();
        let token_url = join(&auth_base, &["v1", "accounts", aid, "auth", "token"]);
        // The audience names the account's grant, not the host asked: it is Dintero's literal
        // `https://api.dintero.com/v1/accounts/{aid}` whichever host serves the token (the
        // checkout host, a proxy, a simulator), dintero-api.md §3.1.
        let audience = format!("{}/v1/accounts/{aid}", crate::config::DEFAULT_AUTH_BASE_URL);

        let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            config.client_id,
            config.client_secret.expose()
        ));
        let mut basic_auth = header_value("client_secret", &format!("Basic {credentials}"))?;
        basic_auth.set_sensitive(true);

        let mut system_headers = Vec::with_capacity(4);
        for (name, field, value) in [
            ("dintero-system-name", "system.name", &config.system.name),
            (
                "dintero-system-version",
                "system.version",
                &config.system.version,
            ),
            (
                "dintero-system-plugin-name",
                "system.plugin_name",
                &config.system.plugin_name,
            ),
            (
                "dintero-system-plugin-version",
                "system.plugin_version",
                &config.system.plugin_version,
            ),
        ] {
            system_headers.push((HeaderName::from_static(name), header_value(field, value)?));
        }

        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(header_value("user_agent", &config.user_agent)?)
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::InvalidConfig {
                field: "http",
                message: format!("could not set up the HTTP client: {}", error_chain(&e)),
            })?;

        let collection = |c: Collection| join(&checkout_base, &c.segments());
        Ok(Self {
            config,
            http,
            sessions_profile_url: collection(Collection::SessionsProfile),
            sessions_url: collection(Collection::Sessions),
            transactions_url: collection(Collection::Transactions),
            token_url,
            audience,
            basic_auth,
            system_headers,
            tokens: TokenCache::new(),
        })
    }

    /// The URL of `collection` followed by `segments` (percent-encoded): the same URL as
    /// joining the collection's path and `segments` to the Checkout base URL.
    pub(crate) fn checkout_url(&self, collection: Collection, segments: &[&str]) -> Url {
        let base = match collection {
            Collection::SessionsProfile => &self.sessions_profile_url,
            Collection::Sessions => &self.sessions_url,
            Collection::Transactions => &self.transactions_url,
        };
        if segments.is_empty() {
            base.clone()
        } else {
            join(base, segments)
        }
    }

    pub(crate) fn token_url(&self) -> &Url {
        &self.token_url
    }

    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }
}
