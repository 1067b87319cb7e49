//! HTTP: one folder per page area (members/, customer/, orgs/, staff/, dev/),
//! and the pieces every page shares (extractors, layout, pager, middleware).
//! A handler extracts, calls the store inside `db::run`, and renders a template.

pub mod api;
pub mod assets;
pub mod billing;
pub mod client;
pub mod csv_export;
pub mod customer;
pub mod dev;
pub mod domains;
pub mod error_page;
pub mod extract;
pub mod format;
pub mod health;
pub mod home;
pub mod input;
pub mod layout;
mod lookup;
pub mod members;
pub mod metrics;
pub mod middleware;
pub mod orgs;
pub mod pager;
pub mod problem;
pub mod projects;
pub mod rate_limit;
pub mod routes;
pub mod scim;
pub mod settings;
pub mod sign_in;
pub mod signed_in_page;
pub mod sso;
pub mod staff;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use url::Url;

use crate::auth::dev_provider::DevProvider;
use crate::auth::Providers;
use crate::clock::Clock;
use crate::db::Pool;
use crate::domain::{OrgLimit, RoleCatalog};

/// Shared by every worker.
pub struct AppState {
    pub pool: Pool,
    pub providers: Providers,
    /// The public URL: links, redirects, the OAuth redirect URI.
    pub base_url: Url,
    /// Client for provider calls; never follows redirects.
    pub http: reqwest::Client,
    pub dev: Option<Arc<DevProvider>>,
    pub org_limit: OrgLimit,
    pub catalog: Arc<RoleCatalog>,
    pub clock: Clock,
    pub invitation_ttl: Duration,
    /// Wakes the mail worker after a request queued mail.
    pub mail_wakeup: Arc<Notify>,
    /// Wakes the webhook worker after a request queued an event.
    pub webhook_wakeup: Arc<Notify>,
    /// ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE.
    pub webhooks_allow_private: bool,
    /// Seals and opens the secrets kept in the database (ORGPORTAL_SECRETS_KEY).
    pub secrets: Arc<crate::domain::sealed::SecretsKey>,
    /// ORGPORTAL_SSO_ALLOW_PRIVATE.
    pub sso_allow_private: bool,
    /// The discovery documents of organizations' identity providers, by issuer.
    pub sso_discovery:
        Arc<parking_lot::Mutex<std::collections::HashMap<String, Arc<crate::auth::discovery::Discovery>>>>,
    /// Looks up the TXT records that prove a domain (ORGPORTAL_DNS_RESOLVER).
    pub dns: crate::dns::Dns,
    /// Where mail is written when there is no SMTP relay (/dev/mailbox).
    pub mailbox_dir: Option<PathBuf>,
    /// ORGPORTAL_STAFF_EMAILS (the `staff` table lists more).
    pub staff_emails: Arc<Vec<String>>,
    pub staff_provisioners: Arc<Vec<String>>,
    pub session_lifetimes: crate::store::accounts::sessions::Lifetimes,
    pub limits: Arc<rate_limit::Limits>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// ORGPORTAL_PERSONAL_SPACES.
    pub personal_spaces: bool,
    /// ORGPORTAL_DIRECT_ADD: the invite form offers adding existing accounts at once.
    pub direct_add: bool,
    /// Request counts and latencies, when ORGPORTAL_METRICS_BIND is set.
    pub metrics: Option<Arc<metrics::Metrics>>,
    /// Which search trigrams not to ask the SQLite index for (a hint).
    pub common_trigrams: Arc<crate::store::members::search_index::CommonTrigrams>,
    /// The payment provider (Payment methods), when its keys are set.
    pub payments: Option<Arc<billing::payment_methods::Payments>>,
    /// Organizations' pages of members (the first and the later ones last asked for), under their members_version.
    pub member_pages: Arc<crate::store::members::kept_pages::KeptPages>,
    /// The Members page's side lists, kept per organization (members::waiting).
    pub waiting_lists: Arc<members::waiting::WaitingLists>,
    /// The Activity page's filter choices, kept per organization.
    pub activity_facets: Arc<crate::store::activity::KeptFacets>,
    /// Projects' first Team pages, kept per project (projects::first_team).
    pub first_teams: Arc<crate::store::projects::first_team::FirstTeams>,
    /// Organizations' first Billing pages, kept per organization.
    pub billing_pages: Arc<billing::page::FirstPages>,
    /// Large organizations' members in order, as the API lists them.
    pub member_orders: Arc<api::member_order::MemberOrders>,
}

impl AppState {
    pub fn url(&self, path: &str) -> String {
        self.base_url.join(path).map(String::from).unwrap_or_else(|_| path.to_string())
    }
}

/// A 303 to `location`: the answer to every successful POST.
pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_string()))
        .finish()
}
