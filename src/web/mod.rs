//! HTTP: one file per page area. A handler extracts, calls the store inside
//! `db::run`, and renders a template.

pub mod activity;
pub mod assets;
pub mod customer_pages;
pub mod customer_views;
pub mod dev_mailbox;
pub mod dev_oauth;
pub mod extract;
pub mod format;
pub mod health;
pub mod home;
pub mod invitation_link;
pub mod invite;
pub mod layout;
pub mod member_edit;
pub mod members;
pub mod middleware;
pub mod org_lifecycle;
pub mod org_settings;
pub mod orgs;
pub mod pager;
pub mod pending_invitations;
pub mod roles;
pub mod service_api;
pub mod services;
pub mod sign_in;
pub mod staff;
pub mod ticket_form;

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
    /// Where mail is written when there is no SMTP relay (/dev/mailbox).
    pub mailbox_dir: Option<PathBuf>,
    /// ORGPORTAL_STAFF_EMAILS (the `staff` table lists more).
    pub staff_emails: Arc<Vec<String>>,
}

impl AppState {
    pub fn url(&self, path: &str) -> String {
        self.base_url.join(path).map(String::from).unwrap_or_else(|_| path.to_string())
    }
}

/// The client's address as seen by this server (proxies are not trusted).
pub fn client_ip(req: &actix_web::HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// A 303 to `location`: the answer to every successful POST.
pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_string()))
        .finish()
}

/// Store errors that reach a handler unhandled: a rule or a missing row is
/// "not found" to the user, a database failure is ours.
impl From<crate::store::members::MemberError> for crate::error::AppError {
    fn from(e: crate::store::members::MemberError) -> Self {
        match e {
            crate::store::members::MemberError::Db(e) => e.into(),
            _ => crate::error::AppError::NotFound,
        }
    }
}

impl From<crate::store::invitations::InviteError> for crate::error::AppError {
    fn from(e: crate::store::invitations::InviteError) -> Self {
        match e {
            crate::store::invitations::InviteError::Db(e) => e.into(),
            _ => crate::error::AppError::NotFound,
        }
    }
}
