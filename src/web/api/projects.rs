//! `/api/v1/orgs/{slug}/projects`: the organization's projects the key's
//! creator may see (projects.view), new ones (projects.create), one project,
//! its settings and deletion (projects.manage on it). On a project the key
//! holds its permissions intersected with its creator's access to that
//! project (organization role, default project role, or a role set on it),
//! as the project's pages compute it.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::idempotency::{self, Answer};
use super::key_auth::{require_in, KeyAuth};
use super::paging::{self, Page, Params};
use super::rfc3339;
use crate::db;
use crate::domain::project_access::{self, AccessFacts};
use crate::domain::{project, Permission, ProjectName, Slug};
use crate::store::members;
use crate::store::projects::{self as store, NewProject, Owner, Project, ProjectCursor, ProjectError};
use crate::web::format;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Fleet", "slug": "fleet",
    "description": "Devices in the field", "created_at": "2027-01-31T12:00:00Z"}))]
pub struct ProjectInfo {
    pub id: String,
    pub name: String,
    /// The URL name, unique in the organization.
    pub slug: String,
    pub description: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

fn info(p: &Project) -> ProjectInfo {
    ProjectInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        slug: p.slug.clone(),
        description: p.description.clone(),
        created_at: rfc3339(p.created_at),
    }
}

/// A project of the organization with what the key may do on it.
pub struct KeyProject {
    pub project: Project,
    pub permissions: BTreeSet<Permission>,
}

impl KeyProject {
    pub fn require(&self, p: Permission) -> Result<(), Problem> {
        require_in(&self.permissions, p)
    }
}

/// The project `{project}` if the key's creator may see it and the key holds projects.view.
pub async fn load(auth: &KeyAuth, project_slug: String) -> Result<KeyProject, Problem> {
    auth.require(Permission::ProjectsView)?;
    let (org_id, creator) = (auth.org_id().to_string(), auth.key.created_by.clone());
    let found = db::run(&auth.state.pool, move |conn| {
        let Some(project) = store::find(conn, &Owner::Org(org_id.clone()), &project_slug)? else { return Ok(None) };
        let rows = store::access_rows(conn, Some(&org_id), &project.id, &creator)?;
        Ok::<_, Problem>(Some((project, rows)))
    })
    .await?;
    let (project, rows) = found.ok_or_else(Problem::not_found)?;
    let facts = AccessFacts {
        personal_owner: false,
        org_role: rows.membership.as_ref().map(|(role, _)| role.as_str()),
        default_project_role: rows.membership.as_ref().and_then(|(_, d)| d.as_deref()),
        grant: rows.grant.as_ref().map(|(role, direct)| (role.as_str(), *direct)),
    };
    let (_, on_project) = project_access::viewable(&auth.state.catalog, &facts).ok_or_else(Problem::not_found)?;
    let permissions = on_project.into_iter().filter(|p| auth.held.contains(p)).collect();
    Ok(KeyProject { project, permissions })
}

#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectInfo>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// Lists the projects the key's creator may see, in name order.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/projects", tag = "Projects", operation_id = "listProjects",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("search" = Option<String>, Query, description = "Only projects whose name contains this (any letter case)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Projects per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of projects", body = ProjectList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::ProjectsView)?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let after = params.position(format::parse_name_token)?.map(|(name, id)| ProjectCursor { name, id });
    let search = params.get("search").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let (org_id, creator, role) =
        (auth.org_id().to_string(), auth.key.created_by.clone(), auth.key.creator_role.clone().unwrap_or_default());
    let catalog = auth.state.catalog.clone();
    let mut rows = db::run(&auth.state.pool, move |conn| {
        let default = members::default_project_role(conn, &org_id, &creator)?;
        let shown = project_access::listing(&catalog, &role, default.as_deref());
        let owner = Owner::Org(org_id);
        store::page(conn, &owner, &creator, shown, search.as_deref(), after.as_ref(), limit + 1).map_err(Problem::from)
    })
    .await?;
    let next = paging::cut(&mut rows, limit, |p| paging::opaque(&format::name_token(&p.name, &p.id)));
    Ok(paging::respond(&req, Page { items: rows.iter().map(info).collect(), next }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Fleet", "description": "Devices in the field"}))]
pub struct NewProjectBody {
    pub name: String,
    /// The URL name; absent: made from the name.
    pub slug: Option<String>,
    #[serde(default)]
    pub description: String,
}

fn parsed(
    state: &crate::web::AppState,
    name: &str,
    slug: Option<&str>,
    description: &str,
) -> Result<(ProjectName, Option<Slug>, String), Problem> {
    let noun = state.catalog.project_noun();
    let name = ProjectName::parse(name, noun).map_err(|e| Problem::invalid("name", e))?;
    let slug = slug.map(Slug::parse).transpose().map_err(|e| Problem::invalid("slug", e))?;
    let description = project::parse_description(description).map_err(|e| Problem::invalid("description", e))?;
    Ok((name, slug, description))
}

fn slug_taken(auth: &KeyAuth) -> Problem {
    let noun = auth.state.catalog.project_noun().to_lowercase();
    Problem::invalid("slug", format!("{} already has a {noun} with this URL name.", auth.org.name))
}

/// Creates a project in the organization.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/projects", tag = "Projects", operation_id = "createProject",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same body within 24 hours: the first answer, nothing created twice")),
    request_body = NewProjectBody,
    responses((status = 201, description = "The project", body = ProjectInfo),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn create(auth: KeyAuth, req: HttpRequest, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::ProjectsCreate)?;
    let new: NewProjectBody = body::parse(&raw.0)?;
    let (name, slug, description) = parsed(&auth.state, &new.name, new.slug.as_deref(), &new.description)?;
    idempotency::once(&auth, &req, &raw.0, || async {
        let explicit = slug.is_some();
        let slug = slug.or_else(|| Slug::derive(name.as_str())).unwrap_or_else(|| {
            Slug::derive(&format!("project {}", &uuid::Uuid::new_v4().simple().to_string()[..6]))
                .expect("a valid URL name")
        });
        let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
        let created = db::run(&auth.state.pool, move |conn| {
            let new = NewProject {
                owner: Owner::Org(org_id),
                name: &name,
                slug: &slug,
                explicit_slug: explicit,
                description: &description,
            };
            Ok::<_, Problem>(store::create(conn, &new, &actor))
        })
        .await?;
        match created {
            Ok(p) => Ok(Answer::new(StatusCode::CREATED, info(&p))),
            Err(ProjectError::SlugTaken) => Err(slug_taken(&auth)),
            Err(ProjectError::Db(e)) => Err(e.into()),
        }
    })
    .await
}

/// One project.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/projects/{project}", tag = "Projects", operation_id = "getProject",
    params(("slug" = String, Path, description = "The organization's URL name"), ("project" = String, Path, description = "The project's URL name")),
    responses((status = 200, description = "The project", body = ProjectInfo),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let p = load(&auth, path.into_inner().1).await?;
    Ok(HttpResponse::Ok().json(info(&p.project)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Devices in the field, and their gateways"}))]
pub struct ProjectUpdate {
    pub name: Option<String>,
    /// A new URL name: the old one stops working.
    pub slug: Option<String>,
    pub description: Option<String>,
}

/// Renames the project, changes its URL name or its description.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/projects/{project}", tag = "Projects", operation_id = "updateProject",
    params(("slug" = String, Path, description = "The organization's URL name"), ("project" = String, Path, description = "The project's URL name")),
    request_body = ProjectUpdate,
    responses((status = 200, description = "The project as saved", body = ProjectInfo),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn update(auth: KeyAuth, path: web::Path<(String, String)>, raw: RawBody) -> Result<HttpResponse, Problem> {
    let p = load(&auth, path.into_inner().1).await?;
    p.require(Permission::ProjectsManage)?;
    let change: ProjectUpdate = body::parse(&raw.0)?;
    let current = &p.project;
    let (name, slug, description) = parsed(
        &auth.state,
        change.name.as_deref().unwrap_or(&current.name),
        Some(change.slug.as_deref().unwrap_or(&current.slug)),
        change.description.as_deref().unwrap_or(&current.description),
    )?;
    let slug = slug.expect("given");
    let (project, actor, id) = (p.project.clone(), auth.actor(), p.project.id.clone());
    let saved = db::run(&auth.state.pool, move |conn| {
        match store::rename(conn, &project, &name, &slug, &description, &actor) {
            Ok(_) => Ok(Ok(store::find_by_id(conn, &id)?)),
            Err(ProjectError::SlugTaken) => Ok(Err(())),
            Err(ProjectError::Db(e)) => Err(Problem::from(e)),
        }
    })
    .await?;
    match saved {
        Ok(Some(project)) => Ok(HttpResponse::Ok().json(info(&project))),
        Ok(None) => Err(Problem::not_found()),
        Err(()) => Err(slug_taken(&auth)),
    }
}

/// Deletes the project and its team's roles on it; its usage stays on past bills.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/projects/{project}", tag = "Projects", operation_id = "deleteProject",
    params(("slug" = String, Path, description = "The organization's URL name"), ("project" = String, Path, description = "The project's URL name")),
    responses((status = 204, description = "Deleted"),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn delete(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let p = load(&auth, path.into_inner().1).await?;
    p.require(Permission::ProjectsManage)?;
    let (project, actor) = (p.project, auth.actor());
    db::run(&auth.state.pool, move |conn| store::delete(conn, &project, &actor).map_err(Problem::from)).await?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}
