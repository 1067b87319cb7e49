//! `/api/v1/orgs/{slug}/members`: the members (org.view), in the order they
//! joined, searchable, a cursor page at a time; one member; a new role
//! (members.manage) or default project role (projects.manage); removal
//! (members.manage). The Members and Edit Member pages' store functions and
//! rules: nobody changes their own role, the primary owner stays, the last
//! member who manages members stays.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::key_auth::KeyAuth;
use super::member_json::{member, Member, MemberList};
use super::member_order;
use super::paging::{self, Page, Params};
use crate::db;
use crate::db::schema::organizations;
use crate::domain::member_rules::RuleError;
use crate::domain::Permission;
use crate::store::members::page::Cursor;
use crate::store::members::{self, kept_pages, MemberError};
use crate::web::problem::Problem;

/// Lists the members in the order they joined.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", tag = "Members", operation_id = "listMembers",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("search" = Option<String>, Query, description = "Only members whose name or email address contains this (any letter case)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Members per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of members; `Link: <...>; rel=\"next\"` names the next", body = MemberList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgView)?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let after = params.cursor()?.map(|(joined_at, user_id)| Cursor { joined_at, user_id });
    let search = params.get("search").unwrap_or_default().to_string();
    let whole = crate::store::contains_pattern(Some(&search)).is_none();
    let state = &auth.state;
    let (common, kept, orders) =
        (state.common_trigrams.clone(), state.member_pages.clone(), state.member_orders.clone());
    let (org_id, owner) = (auth.org_id().to_string(), auth.org.owner_id.clone());
    let cursor = after.clone();
    let read = db::run_read(&state.pool, move |conn| {
        use diesel::prelude::*;
        let version: i64 = organizations::table.find(&org_id).select(organizations::members_version).first(conn)?;
        if let Some(order) = orders.get(&org_id, version, &owner).filter(|_| whole) {
            return Ok(Read::Kept(order));
        }
        let listed = kept_pages::Listed { org_id: &org_id, members_version: version };
        let page = kept_pages::page(conn, &kept, listed, Some(&search), cursor.as_ref(), limit, &common)
            .map_err(Problem::from)?;
        Ok::<_, Problem>(Read::Page(page))
    })
    .await?;
    let page = match read {
        Read::Kept(order) => return Ok(order.respond(&req, after.as_ref(), limit as usize)),
        Read::Page(page) => page,
    };
    if whole && page.next.is_some() {
        member_order::build_later(state, auth.org_id(), &auth.org.owner_id);
    }
    let owner = &auth.org.owner_id;
    let items = page.rows.iter().map(|r| member(r, owner)).collect();
    let next = page.next.as_ref().map(|c| paging::cursor(c.joined_at, &c.user_id));
    Ok(paging::respond(&req, Page { items, next }))
}

/// A list page as read: from the kept order, or from the database.
enum Read {
    Kept(std::sync::Arc<member_order::Order>),
    Page(std::sync::Arc<members::page::MemberPage>),
}

#[derive(Serialize, ToSchema)]
pub struct MemberDetail<'a> {
    #[serde(flatten)]
    pub member: Member<'a>,
    /// The role the member holds on the organization's projects: null is the
    /// same as their organization role, "" none, otherwise a role's name.
    pub default_project_role: Option<String>,
}

/// The member's JSON (MemberDetail), or 404.
async fn detail(auth: &KeyAuth, user_id: String) -> Result<HttpResponse, Problem> {
    let org_id = auth.org_id().to_string();
    let found = db::run(&auth.state.pool, move |conn| {
        let Some(row) = members::find(conn, &org_id, &user_id)? else { return Ok(None) };
        let project_role = members::default_project_role(conn, &org_id, &user_id)?;
        Ok::<_, Problem>(Some((row, project_role)))
    })
    .await?;
    let (row, default_project_role) = found.ok_or_else(Problem::not_found)?;
    Ok(HttpResponse::Ok().json(MemberDetail { member: member(&row, &auth.org.owner_id), default_project_role }))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{user_id}", tag = "Members", operation_id = "getMember",
    params(("slug" = String, Path, description = "The organization's URL name"), ("user_id" = String, Path, description = "The member's user id")),
    responses((status = 200, description = "The member", body = MemberDetail),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    auth.require(Permission::OrgView)?;
    let (_, user_id) = path.into_inner();
    detail(&auth, user_id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "View-only"}))]
pub struct MemberUpdate {
    /// A new organization role (members.manage).
    pub role: Option<String>,
    /// A new default project role (projects.manage): null for the same as the
    /// organization role, "" for none, or a role's name.
    #[serde(default, deserialize_with = "body::present")]
    #[schema(value_type = Option<String>)]
    pub default_project_role: Option<Option<String>>,
}

fn refused(e: MemberError, field: &str) -> Problem {
    match e {
        MemberError::Rule(rule @ RuleError::UnknownRole(_)) => Problem::invalid(field, rule.to_string()),
        MemberError::Rule(rule) => Problem::conflict(rule.to_string()),
        MemberError::NotFound => Problem::not_found(),
        MemberError::Db(e) => e.into(),
    }
}

/// Changes a member's role or default project role.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/members/{user_id}", tag = "Members", operation_id = "updateMember",
    params(("slug" = String, Path, description = "The organization's URL name"), ("user_id" = String, Path, description = "The member's user id")),
    request_body = MemberUpdate,
    responses((status = 200, description = "The member as saved", body = MemberDetail),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 413, response = super::responses::TooLarge), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn update(auth: KeyAuth, path: web::Path<(String, String)>, raw: RawBody) -> Result<HttpResponse, Problem> {
    let (_, user_id) = path.into_inner();
    let change: MemberUpdate = body::parse(&raw.0)?;
    if change.role.is_some() {
        auth.require(Permission::MembersManage)?;
    }
    if change.default_project_role.is_some() {
        auth.require(Permission::ProjectsManage)?;
    }
    if change.role.is_none() && change.default_project_role.is_none() {
        auth.require(Permission::OrgView)?;
    }
    let catalog = auth.state.catalog.clone();
    if let Some(Some(role)) = &change.default_project_role {
        if !role.is_empty() && catalog.get(role).is_none() {
            return Err(Problem::invalid("default_project_role", RuleError::UnknownRole(role.clone()).to_string()));
        }
    }
    let (org_id, actor, target) = (auth.org_id().to_string(), auth.actor(), user_id.clone());
    db::run(&auth.state.pool, move |conn| {
        if let Some(role) = &change.role {
            members::change_role(conn, &catalog, &org_id, &target, role, &actor).map_err(|e| refused(e, "role"))?;
        }
        if let Some(value) = &change.default_project_role {
            members::set_default_project_role(conn, &org_id, &target, value.as_deref(), &actor)
                .map_err(|e| refused(e, "default_project_role"))?;
        }
        Ok::<_, Problem>(())
    })
    .await?;
    detail(&auth, user_id).await
}

/// Removes a member from the organization.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/members/{user_id}", tag = "Members", operation_id = "removeMember",
    params(("slug" = String, Path, description = "The organization's URL name"), ("user_id" = String, Path, description = "The member's user id")),
    responses((status = 204, description = "Removed"),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn remove(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    auth.require(Permission::MembersManage)?;
    let (_, user_id) = path.into_inner();
    let (org_id, actor, catalog) = (auth.org_id().to_string(), auth.actor(), auth.state.catalog.clone());
    db::run(&auth.state.pool, move |conn| {
        members::remove(conn, &catalog, &org_id, &user_id, &actor).map_err(|e| refused(e, "user_id"))
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}
