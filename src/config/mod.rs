//! Settings: defaults, then `orgportal.toml` (or the file named by
//! `ORGPORTAL_CONFIG`), then `ORGPORTAL_*` environment variables.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::domain::OrgLimit;

mod describe;
mod parse;
mod payments;
mod rate;
mod read;
pub use parse::{parse_duration, parse_secrets_key, parse_session_key};
pub use payments::PaymentSettings;
pub use rate::{Rate, RateLimits};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: Url,
    pub credentials: ClientCredentials,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    /// Public URL; None means `http://` + the bound address.
    pub base_url: Option<Url>,
    pub data_dir: PathBuf,
    /// None means the SQLite file in the data directory.
    pub database_url: Option<Secret>,
    /// None means the key generated into the data directory.
    pub session_key: Option<Vec<u8>>,
    /// ORGPORTAL_SECRETS_KEY: seals the secrets kept in the database
    /// (domain::sealed); None: generated once into the data directory.
    pub secrets_key: Option<Vec<u8>>,
    /// ORGPORTAL_SECRETS_KEY_PREVIOUS: the key before a rotation, which still
    /// opens what it sealed until the start-up pass seals it anew.
    pub secrets_key_previous: Option<Vec<u8>>,
    pub oidc: Option<OidcSettings>,
    pub github: Option<ClientCredentials>,
    pub google: Option<ClientCredentials>,
    pub allow_dev_sign_in: bool,
    pub organizations_per_user: OrgLimit,
    /// HTTP worker threads; None means one per core.
    pub workers: Option<usize>,
    /// TOML role catalog; None means the built-in one.
    pub roles_file: Option<PathBuf>,
    pub invitation_ttl: Duration,
    /// None means mail is written to `{data}/mail` and listed at /dev/mailbox.
    pub smtp_url: Option<Secret>,
    /// A PEM file of certificate authorities to trust for the SMTP relay's
    /// TLS, besides the system's (a company CA); never "trust anything".
    pub smtp_ca_file: Option<PathBuf>,
    pub mail_from: String,
    /// The first retry of a failed delivery waits this long; each next one twice as long.
    pub mail_retry_base: Duration,
    /// The time source (tests move it forward).
    pub clock: crate::clock::Clock,
    /// Support staff by verified email (lower-cased); `orgportal staff add` adds more.
    pub staff_emails: Vec<String>,
    /// Staff who may also set up organizations (staff.provision);
    /// `orgportal staff add --provision` adds more.
    pub staff_provisioners: Vec<String>,
    /// A session ends after this long without a request...
    pub session_idle: Duration,
    /// ...and this long after sign-in, whatever happens.
    pub session_max: Duration,
    pub rate_limits: RateLimits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Every user has a personal space that owns projects.
    pub personal_spaces: bool,
    /// The invite form may add people who have an account at once (Segments' "Add member").
    pub direct_add: bool,
    /// ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE: webhooks may go to http:// and to
    /// loopback, private and link-local addresses (tests, private networks).
    pub webhooks_allow_private: bool,
    /// ORGPORTAL_SSO_ALLOW_PRIVATE: an organization's identity provider may
    /// be at an http:// URL or a loopback or private address (tests).
    pub sso_allow_private: bool,
    /// ORGPORTAL_DNS_RESOLVER: the DNS server verified domains are looked up
    /// at; None: the system's resolver.
    pub dns_resolver: Option<std::net::SocketAddr>,
    /// Where `/metrics` is served (Prometheus); None: not at all.
    pub metrics_bind: Option<String>,
    /// The payment provider (Stripe); None: the platform manages payment methods.
    pub payments: Option<PaymentSettings>,
}

/// A setting that could not be used, named as the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct SettingError {
    pub name: String,
    pub reason: String,
}

fn bad(name: &str, reason: impl Into<String>) -> SettingError {
    SettingError { name: format!("ORGPORTAL_{}", name.to_uppercase()), reason: reason.into() }
}

impl Settings {
    /// Defaults for the embedded setup: SQLite, development sign-in, mail to disk.
    pub fn defaults() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            base_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            session_key: None,
            secrets_key: None,
            secrets_key_previous: None,
            oidc: None,
            github: None,
            google: None,
            allow_dev_sign_in: false,
            organizations_per_user: OrgLimit::Unlimited,
            workers: None,
            roles_file: None,
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            smtp_url: None,
            smtp_ca_file: None,
            mail_from: "orgportal <orgportal@localhost>".into(),
            mail_retry_base: Duration::from_secs(30),
            clock: crate::clock::Clock::default(),
            staff_emails: Vec::new(),
            staff_provisioners: Vec::new(),
            session_idle: Duration::from_secs(7 * 24 * 3600),
            session_max: Duration::from_secs(30 * 24 * 3600),
            rate_limits: RateLimits::default(),
            trusted_proxies: Vec::new(),
            personal_spaces: true,
            direct_add: false,
            webhooks_allow_private: false,
            dns_resolver: None,
            sso_allow_private: false,
            metrics_bind: None,
            payments: None,
        }
    }

    /// Reads the configuration file and the environment.
    pub fn load() -> Result<Self, SettingError> {
        let file = std::env::var("ORGPORTAL_CONFIG").unwrap_or_else(|_| "orgportal.toml".into());
        let explicit = std::env::var_os("ORGPORTAL_CONFIG").is_some();
        let source = config::Config::builder()
            .add_source(config::File::from(Path::new(&file)).required(explicit))
            .add_source(config::Environment::with_prefix("ORGPORTAL").try_parsing(false))
            .build()
            .map_err(|e| bad("config", format!("cannot read {file}: {e}")))?;
        let raw: read::Raw = source.try_deserialize().map_err(|e| bad("config", e.to_string()))?;
        Self::from_raw(raw)
    }

    /// The database URL in force, with the default SQLite file filled in.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_string(),
            None => format!("sqlite://{}", self.data_dir.join("orgportal.db").display()),
        }
    }

    /// True when no real provider is configured: the development provider runs.
    pub fn uses_dev_sign_in(&self) -> bool {
        self.oidc.is_none() && self.github.is_none() && self.google.is_none()
    }
}
