//! HTTP: one file per page area. A handler extracts, calls the store inside
//! `db::run`, and renders a template.

pub mod assets;
pub mod dev_oauth;
pub mod extract;
pub mod health;
pub mod home;
pub mod layout;
pub mod middleware;
pub mod orgs;
pub mod sign_in;

use std::sync::Arc;

use url::Url;

use crate::auth::dev_provider::DevProvider;
use crate::auth::Providers;
use crate::db::Pool;
use crate::domain::OrgLimit;

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
