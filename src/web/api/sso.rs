//! `/api/v1/orgs/{slug}/sso` (org.manage): the organization's own OpenID
//! Connect provider as the Single sign-on page shows it, read only and
//! never with its client secret.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::key_auth::KeyAuth;
use super::rfc3339;
use crate::db;
use crate::domain::Permission;
use crate::store::domains::sso;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"kind": "oidc", "issuer": "https://login.acme.example", "client_id": "orgportal",
    "domains": ["acme.example"], "default_role": "Technical user", "enabled": true, "required": false,
    "tested_at": "2027-01-31T12:00:00Z"}))]
pub struct Connection {
    /// `oidc` (OpenID Connect).
    pub kind: String,
    pub issuer: String,
    pub client_id: String,
    /// The verified domains whose people sign in through it.
    pub domains: Vec<String>,
    /// The role a first sign-in gives.
    pub default_role: String,
    /// Offered at "Sign in with SSO".
    pub enabled: bool,
    /// Covered members must sign in through it to open the organization.
    pub required: bool,
    /// The last successful test sign-in since the provider last changed.
    #[schema(format = DateTime)]
    pub tested_at: Option<String>,
}

/// The organization's single sign-on connection (404 when none is set up).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/sso", tag = "Domains", operation_id = "getSsoConnection",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "The connection, without its secret", body = Connection),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgManage)?;
    let org_id = auth.org_id().to_string();
    let row = db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(sso::get(conn, &org_id)?))
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(HttpResponse::Ok().json(Connection {
        kind: "oidc".into(),
        domains: row.covered(),
        issuer: row.issuer,
        client_id: row.client_id,
        default_role: row.default_role,
        enabled: row.enabled,
        required: row.required,
        tested_at: row.tested_at.map(rfc3339),
    }))
}
