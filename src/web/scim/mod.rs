//! SCIM 2.0 for an organization's directory, at `/scim/v2/orgs/{slug}/`:
//! who calls ([`ScimAuth`]: a SCIM token of the organization in the URL),
//! the answers (`application/scim+json`, errors as RFC 7644 section 3.12),
//! the discovery documents, Users, Groups, and the Provisioning page where
//! an admin makes tokens and maps groups to roles. The rules live in
//! domain::scim (filters, PATCH) and store::scim (what a change does).

pub mod discovery;
pub mod groups;
pub mod listing;
pub mod provisioning;
pub mod search;
pub mod users;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde_json::Value;

use crate::db;
use crate::domain::scim::ScimError;
use crate::domain::secret_token::hash_token;
use crate::domain::service_token::bearer_credentials;
use crate::store::changes::Actor;
use crate::store::orgs::Org;
use crate::store::scim::tokens::{self, TokenRow};
use crate::store::scim::Ctx;
use crate::web::AppState;

pub const CONTENT_TYPE: &str = "application/scim+json";
/// Every SCIM token starts so (recognisable in a leaked file).
pub const TOKEN_PREFIX: &str = "opscim_";
pub const MAX_BODY: usize = 1024 * 1024;

/// A SCIM error as an HTTP answer.
#[derive(Debug)]
pub struct Failure(pub ScimError);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.detail)
    }
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure(e)
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure(e.into())
    }
}

impl From<r2d2::Error> for Failure {
    fn from(e: r2d2::Error) -> Self {
        tracing::error!(error = %e, "SCIM: no database connection");
        Failure(ScimError::new(503, None, "The service is busy; try again."))
    }
}

impl From<tokio::task::JoinError> for Failure {
    fn from(e: tokio::task::JoinError) -> Self {
        tracing::error!(error = %e, "SCIM: a task failed");
        Failure(ScimError::new(500, None, "The request failed; nothing was changed."))
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        error_response(&self.0)
    }
}

pub use crate::web::problem::scim_response as error_response;

/// `status` with a SCIM JSON body.
pub fn reply(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type(CONTENT_TYPE).body(body.to_string())
}

/// A single resource, with its ETag (and Location when created).
pub fn resource(status: StatusCode, body: &Value) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type(CONTENT_TYPE);
    if let Some(v) = body["meta"]["version"].as_str() {
        res.insert_header((header::ETAG, v.to_string()));
    }
    if status == StatusCode::CREATED {
        if let Some(l) = body["meta"]["location"].as_str() {
            res.insert_header((header::LOCATION, l.to_string()));
        }
    }
    res.body(body.to_string())
}

/// A request body: JSON (as `application/scim+json` or `application/json`).
pub fn json_body(body: &web::Bytes) -> Result<Value, Failure> {
    if body.len() > MAX_BODY {
        return Err(ScimError::new(413, None, "The request body is larger than 1 MiB.").into());
    }
    serde_json::from_slice(body).map_err(|e| ScimError::invalid_syntax(format!("The body is not JSON: {e}.")).into())
}

pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// A working SCIM token of the organization in the URL.
pub struct ScimAuth {
    pub token: TokenRow,
    pub org: Org,
    pub state: web::Data<AppState>,
    ip: String,
}

impl ScimAuth {
    /// The organization's SCIM root, as resources' locations start.
    pub fn base(&self) -> String {
        self.state.url(&format!("/scim/v2/orgs/{}", self.org.slug))
    }

    /// The token acting: the log shows "SCIM (token NAME)", on behalf of its
    /// creator (or the owner, once the creator's account is gone).
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.token.created_by.clone().unwrap_or_else(|| self.org.owner_id.clone()),
            ip: self.ip.clone(),
            now: self.state.clock.now(),
            via: Some(self.token.acting_label()),
        }
    }

    async fn load(req: HttpRequest) -> Result<Self, Failure> {
        let unauthorized = |d: &str| Failure(ScimError::new(401, None, d));
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| Failure(ScimError::not_found("organization")))?;
        let ip = crate::web::client::client_ip(&req);
        let too_many = |wait: std::time::Duration| {
            Failure(ScimError::new(
                429,
                None,
                format!("Too many requests; try again in {} seconds.", wait.as_secs().max(1)),
            ))
        };
        state.limits.token_failures.check_refused(&ip).map_err(|l| too_many(l.0))?;
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_credentials)
            .ok_or_else(|| unauthorized(&format!("Send a SCIM token as `Authorization: Bearer {TOKEN_PREFIX}...`.")))?;
        let (hash, now) = (hash_token(token), state.clock.now());
        let found = if token.starts_with(TOKEN_PREFIX) {
            db::run_read(&state.pool, move |conn| tokens::find(conn, &hash).map_err(Failure::from)).await?
        } else {
            None
        };
        let Some((token, org)) = found else {
            state.limits.token_failures.failure(&ip).map_err(|l| too_many(l.0))?;
            return Err(unauthorized("This SCIM token is not valid (it may have been revoked or rotated)."));
        };
        if token.needs_touch(now) {
            let id = token.id.clone();
            db::run(&state.pool, move |conn| tokens::touch(conn, &id, now).map_err(Failure::from)).await?;
        }
        state.limits.scim.hit(&token.id).map_err(|l| too_many(l.0))?;
        if req.match_info().get("slug") != Some(org.slug.as_str()) {
            return Err(Failure(ScimError::not_found("organization")));
        }
        Ok(ScimAuth { token, org, state, ip })
    }

    /// Runs a change with the store's context: the organization, its roles,
    /// this token acting, and the role a new member gets (the SSO
    /// connection's first-sign-in role, else the catalog's default).
    pub async fn change<T, F>(&self, f: F) -> Result<T, Failure>
    where
        F: FnOnce(&mut db::AnyConnection, &Ctx<'_>) -> Result<T, ScimError> + Send + 'static,
        T: Send + 'static,
    {
        let (org_id, catalog, actor) = (self.org.id.clone(), self.state.catalog.clone(), self.actor());
        db::run(&self.state.pool, move |conn| {
            let default_role = crate::store::scim::default_role(conn, &catalog, &org_id)?;
            let ctx = Ctx { org_id: &org_id, catalog: &catalog, actor: &actor, default_role: &default_role };
            f(conn, &ctx).map_err(Failure)
        })
        .await
    }
}

impl FromRequest for ScimAuth {
    type Error = Failure;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Failure>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(ScimAuth::load(req.clone()))
    }
}

/// Another method on a discovery endpoint.
async fn not_allowed() -> HttpResponse {
    error_response(&ScimError::new(405, None, "This endpoint is read-only: use GET."))
}

/// Anything else under an organization's SCIM root: a SCIM 404.
async fn unknown() -> HttpResponse {
    error_response(&ScimError::new(404, None, "There is no SCIM endpoint here."))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2/orgs/{slug}")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route("/ServiceProviderConfig", web::get().to(discovery::service_provider_config))
            .route("/ServiceProviderConfig", web::route().to(not_allowed))
            .route("/ResourceTypes", web::get().to(discovery::resource_types))
            .route("/ResourceTypes", web::route().to(not_allowed))
            .route("/ResourceTypes/{id}", web::get().to(discovery::resource_type))
            .route("/Schemas", web::get().to(discovery::schemas))
            .route("/Schemas", web::route().to(not_allowed))
            .route("/Schemas/{id}", web::get().to(discovery::schema))
            .route("/.search", web::post().to(search::everything))
            .route("/Users", web::get().to(users::list))
            .route("/Users", web::post().to(users::create))
            .route("/Users/.search", web::post().to(users::search))
            .route("/Users/{id}", web::get().to(users::get))
            .route("/Users/{id}", web::put().to(users::replace))
            .route("/Users/{id}", web::patch().to(users::patch))
            .route("/Users/{id}", web::delete().to(users::delete))
            .route("/Groups", web::get().to(groups::list))
            .route("/Groups", web::post().to(groups::create))
            .route("/Groups/.search", web::post().to(groups::search))
            .route("/Groups/{id}", web::get().to(groups::get))
            .route("/Groups/{id}", web::put().to(groups::replace))
            .route("/Groups/{id}", web::patch().to(groups::patch))
            .route("/Groups/{id}", web::delete().to(groups::delete))
            .default_service(web::to(unknown)),
    );
}
