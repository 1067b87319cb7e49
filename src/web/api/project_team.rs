//! `/api/v1/orgs/{slug}/projects/{project}/team`: everyone with access to a
//! project and why (projects.view on it), and a member's role on it
//! (projects.manage on it), as the project's Team page shows and sets them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::key_auth::KeyAuth;
use super::paging::{self, Page, Params};
use super::projects::load;
use super::rfc3339;
use crate::db;
use crate::domain::member_rules::RuleError;
use crate::domain::Permission;
use crate::store::members::page::Cursor;
use crate::store::members::MemberError;
use crate::store::projects::team::{self, TeamRow};
use crate::web::problem::Problem;
use crate::web::projects::team::access_and_why;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "9b1f2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "name": "Grace", "email": "grace@acme.test",
    "organization_role": "Technical user", "project_role": null, "role": "Technical user",
    "why": "organization role Technical user", "direct_collaborator": false, "joined_at": "2027-01-31T12:00:00Z"}))]
pub struct TeamMember {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// Their organization role; null for a direct collaborator of the project.
    pub organization_role: Option<String>,
    /// A role set for them on this project ("" none); null: their default applies.
    pub project_role: Option<String>,
    /// The role their access amounts to; null: no access to the project.
    pub role: Option<String>,
    /// Why, in the Team page's words ("organization role Admin", "Billing, set on this project").
    pub why: String,
    pub direct_collaborator: bool,
    #[schema(format = DateTime)]
    pub joined_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamMember>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

fn member(catalog: &crate::domain::RoleCatalog, r: TeamRow) -> TeamMember {
    let (role, why) = access_and_why(catalog, &r);
    TeamMember {
        direct_collaborator: r.is_direct(),
        joined_at: rfc3339(r.joined_at),
        user_id: r.user_id,
        name: r.name,
        email: r.email,
        organization_role: r.org_role,
        project_role: r.project_role,
        role,
        why,
    }
}

/// The project's team: the organization's members and its direct collaborators, in the order they joined.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/projects/{project}/team", tag = "Projects", operation_id = "listProjectTeam",
    params(("slug" = String, Path, description = "The organization's URL name"), ("project" = String, Path, description = "The project's URL name"),
        ("search" = Option<String>, Query, description = "Only people whose name or email address contains this"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "People per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of the team", body = TeamList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let p = load(&auth, path.into_inner().1).await?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let after = params.cursor()?.map(|(joined_at, user_id)| Cursor { joined_at, user_id });
    let search = params.get("search").map(str::to_string);
    let project = p.project;
    let mut rows = db::run(&auth.state.pool, move |conn| {
        team::page(conn, &project, search.as_deref(), after.as_ref(), limit + 1).map_err(Problem::from)
    })
    .await?;
    let next = paging::cut(&mut rows, limit, |r| paging::cursor(r.joined_at, &r.user_id));
    let catalog = &auth.state.catalog;
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(|r| member(catalog, r)).collect(), next }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "View-only"}))]
pub struct ProjectRole {
    /// A role on this project for a member of the organization: a role's
    /// name, "" for none, or null to go back to their default project role.
    pub role: Option<String>,
}

/// Sets a member's role on the project.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/projects/{project}/team/{user_id}", tag = "Projects", operation_id = "setProjectRole",
    params(("slug" = String, Path, description = "The organization's URL name"), ("project" = String, Path, description = "The project's URL name"),
        ("user_id" = String, Path, description = "A member of the organization")),
    request_body = ProjectRole,
    responses((status = 204, description = "Saved"),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn set_role(
    auth: KeyAuth,
    path: web::Path<(String, String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, Problem> {
    let (_, project_slug, user_id) = path.into_inner();
    let p = load(&auth, project_slug).await?;
    p.require(Permission::ProjectsManage)?;
    let chosen: ProjectRole = body::parse(&raw.0)?;
    if let Some(role) = chosen.role.as_deref().filter(|r| !r.is_empty()) {
        if auth.state.catalog.get(role).is_none() {
            return Err(Problem::invalid("role", RuleError::UnknownRole(role.to_string()).to_string()));
        }
    }
    let (project, actor) = (p.project, auth.actor());
    db::run(&auth.state.pool, move |conn| {
        team::set_member_role(conn, &project, &user_id, chosen.role.as_deref(), &actor).map_err(|e| match e {
            MemberError::Db(e) => Problem::from(e),
            MemberError::NotFound => Problem::not_found(),
            MemberError::Rule(rule) => Problem::conflict(rule.to_string()),
        })
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}
