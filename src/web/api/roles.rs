//! `/api/v1/orgs/{slug}/roles` (org.view): the role catalog, as the Roles
//! page shows it.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::key_auth::KeyAuth;
use crate::domain::Permission;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"name": "Billing", "description": "Views the organization; opens the Billing pages.",
    "permissions": ["org.view", "billing.view", "billing.manage"]}))]
pub struct RoleInfo {
    pub name: String,
    pub description: String,
    /// Permission keys such as `members.invite`.
    pub permissions: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleCatalogInfo {
    /// Given to whoever creates an organization.
    pub owner_role: String,
    /// The role an invitation gets when none is named.
    pub default_role: String,
    pub roles: Vec<RoleInfo>,
}

/// The roles members can hold, with their permissions.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/roles", tag = "Roles", operation_id = "listRoles",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "The role catalog", body = RoleCatalogInfo),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgView)?;
    let catalog = &auth.state.catalog;
    let roles = catalog
        .roles()
        .iter()
        .map(|r| RoleInfo {
            name: r.name.clone(),
            description: r.description.clone(),
            permissions: r.permissions.iter().map(|p| p.key().to_string()).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(RoleCatalogInfo {
        owner_role: catalog.owner_role().to_string(),
        default_role: catalog.default_role().to_string(),
        roles,
    }))
}
