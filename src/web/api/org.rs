//! `/api/v1/orgs/{slug}`: the organization (org.view), renamed or given
//! another URL name (org.manage) with the Organization page's rules and words.

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::key_auth::KeyAuth;
use super::rfc3339;
use crate::db;
use crate::domain::{OrgName, Permission, Slug};
use crate::store::orgs::{self, Org, RenameError};
use crate::web::problem::Problem;

/// A person: a member, an inviter, an owner.
#[derive(Serialize, ToSchema)]
pub struct Person {
    pub user_id: String,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "4f6c1a52-0d0e-4d1c-9a59-6a3f1c2b7e10", "name": "Acme", "slug": "acme",
    "created_at": "2027-01-31T12:00:00Z", "member_count": 12,
    "owner": {"user_id": "9b1f2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "name": "Ada Admin", "email": "ada@acme.test"}}))]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// The URL name: `/orgs/{slug}`, `/api/v1/orgs/{slug}`.
    pub slug: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub member_count: i64,
    /// The primary owner.
    pub owner: Person,
}

async fn read(auth: &KeyAuth, org: Org) -> Result<Organization, Problem> {
    let found = org.clone();
    let details = db::run(&auth.state.pool, move |conn| orgs::details(conn, &found).map_err(Problem::from)).await?;
    Ok(Organization {
        owner: Person { user_id: org.owner_id.clone(), name: details.owner_name, email: details.owner_email },
        member_count: details.member_count,
        created_at: rfc3339(org.created_at),
        id: org.id,
        name: org.name,
        slug: org.slug,
    })
}

/// The organization.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", tag = "Organization", operation_id = "getOrganization",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "The organization", body = Organization),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgView)?;
    let org = auth.org.clone();
    Ok(HttpResponse::Ok().json(read(&auth, org).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Acme Europe"}))]
pub struct OrganizationUpdate {
    /// The new name; absent: unchanged.
    pub name: Option<String>,
    /// The new URL name; absent: unchanged. The old one stops working.
    pub slug: Option<String>,
}

/// Renames the organization or changes its URL name.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}", tag = "Organization", operation_id = "updateOrganization",
    params(("slug" = String, Path, description = "The organization's URL name")),
    request_body = OrganizationUpdate,
    responses((status = 200, description = "The organization as saved", body = Organization),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn update(auth: KeyAuth, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgManage)?;
    let change: OrganizationUpdate = body::parse(&raw.0)?;
    let name =
        OrgName::parse(change.name.as_deref().unwrap_or(&auth.org.name)).map_err(|e| Problem::invalid("name", e))?;
    let slug =
        Slug::parse(change.slug.as_deref().unwrap_or(&auth.org.slug)).map_err(|e| Problem::invalid("slug", e))?;
    let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
    let org = db::run(&auth.state.pool, move |conn| {
        match orgs::rename(conn, &org_id, &name, &slug, &actor) {
            Ok(_) => {}
            Err(RenameError::SlugTaken) => {
                return Err(Problem::invalid("slug", "That URL name is taken. Choose another."))
            }
            Err(RenameError::Db(e)) => return Err(e.into()),
        }
        orgs::find_by_slug(conn, slug.as_str())?.ok_or_else(Problem::not_found)
    })
    .await?;
    Ok(HttpResponse::Ok().json(read(&auth, org).await?))
}
