//! Edit Member: change a member's role, remove them (after a confirmation
//! page), and, for the primary owner, transfer ownership to them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::{self, Actor, MemberError, MemberRow};
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template)]
#[template(path = "member_edit.html")]
struct EditPage {
    layout: Layout,
    slug: String,
    target: MemberRow,
    joined: String,
    roles: Vec<String>,
    selected: String,
    error: Option<String>,
    target_is_owner: bool,
    can_transfer: bool,
    owner_role: String,
    /// The default project role section (projects.manage): the catalog's noun
    /// and the current choice ("=same", "" for none, or a role).
    project_noun: Option<String>,
    project_default: String,
}

#[derive(Template)]
#[template(path = "member_remove.html")]
struct RemovePage {
    layout: Layout,
    slug: String,
    target: MemberRow,
}

async fn target(state: &AppState, member: &OrgMember, user_id: String) -> Result<MemberRow, AppError> {
    let org_id = member.org_id().to_string();
    db::run(&state.pool, move |conn| members::find(conn, &org_id, &user_id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)
}

fn edit_page(
    member: &OrgMember,
    state: &AppState,
    target: MemberRow,
    selected: String,
    error: Option<String>,
) -> EditPage {
    let target_is_owner = target.user_id == member.view.org.owner_id;
    EditPage {
        layout: member.layout(&format!("Edit {}", target.name), "members"),
        slug: member.view.org.slug.clone(),
        joined: format::date(target.joined_at),
        roles: state.catalog.roles().iter().map(|r| r.name.clone()).collect(),
        selected,
        error,
        target_is_owner,
        can_transfer: member.is_owner() && !target_is_owner && target.role == state.catalog.owner_role(),
        owner_role: state.catalog.owner_role().to_string(),
        project_noun: member.can(Permission::ProjectsManage).then(|| state.catalog.project_noun().to_lowercase()),
        project_default: SAME.to_string(),
        target,
    }
}

/// The choice "same as organization role" in the default project role select.
const SAME: &str = "=same";

async fn with_project_default(state: &AppState, member: &OrgMember, mut page: EditPage) -> Result<EditPage, AppError> {
    let (org_id, user_id) = (member.org_id().to_string(), page.target.user_id.clone());
    let current = db::run(&state.pool, move |conn| {
        members::default_project_role(conn, &org_id, &user_id).map_err(AppError::from)
    })
    .await?;
    page.project_default = current.unwrap_or_else(|| SAME.to_string());
    Ok(page)
}

#[get("/members/{user_id}/edit")]
pub async fn edit(
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersManage)?;
    let (_, user_id) = path.into_inner();
    if user_id == member.user_id() {
        return Err(AppError::Forbidden(
            "You cannot change your own role. Ask another member who manages members.".into(),
        ));
    }
    let target = target(&state, &member, user_id).await?;
    let selected = target.role.clone();
    render(&with_project_default(&state, &member, edit_page(&member, &state, target, selected, None)).await?)
}

#[derive(Deserialize)]
pub struct ProjectRoleForm {
    #[serde(default)]
    default_project_role: String,
}

impl FormFields for ProjectRoleForm {}

/// Sets the member's default project role (projects.manage).
#[post("/members/{user_id}/project-role")]
pub async fn change_project_role(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    form: Form<ProjectRoleForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ProjectsManage)?;
    let (slug, user_id) = path.into_inner();
    let chosen = form.into_inner().default_project_role;
    let value = match chosen.as_str() {
        SAME => None,
        "" => Some(String::new()),
        role if state.catalog.get(role).is_some() => Some(role.to_string()),
        other => return Err(AppError::BadRequest(format!("“{other}” is not a role of this portal."))),
    };
    let target_id = user_id.clone();
    let result = act(&req, &member, &state, move |c, _, org, actor| {
        members::set_default_project_role(c, org, &target_id, value.as_deref(), actor)
    })
    .await?;
    match result {
        Ok(changed) => {
            let noun = state.catalog.project_noun().to_lowercase();
            let message = if changed { format!("Default {noun} role saved.") } else { "Nothing to change.".into() };
            flash(&session, &message);
            Ok(see_other(&format!("/orgs/{slug}/members/{user_id}/edit")))
        }
        Err(MemberError::NotFound) | Err(MemberError::Rule(_)) => Err(AppError::NotFound),
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

impl FormFields for RoleForm {}

/// Runs a membership change as the signed-in member.
async fn act<T, F>(
    req: &HttpRequest,
    member: &OrgMember,
    state: &AppState,
    f: F,
) -> Result<Result<T, MemberError>, AppError>
where
    F: FnOnce(&mut crate::db::AnyConnection, &crate::domain::RoleCatalog, &str, &Actor) -> Result<T, MemberError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let (org_id, actor, catalog) = (member.org_id().to_string(), member.actor(req, state), state.catalog.clone());
    db::run(&state.pool, move |conn| Ok::<_, AppError>(f(conn, &catalog, &org_id, &actor))).await
}

#[post("/members/{user_id}/role")]
pub async fn change_role(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    form: Form<RoleForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersManage)?;
    let (slug, user_id) = path.into_inner();
    let role = form.into_inner().role;
    let (target_id, new_role) = (user_id.clone(), role.clone());
    let result = act(&req, &member, &state, move |c, cat, org, actor| {
        members::change_role(c, cat, org, &target_id, &new_role, actor)
    })
    .await?;
    match result {
        Ok(()) => {
            flash(&session, &format!("Role changed to {role}."));
            Ok(see_other(&format!("/orgs/{slug}/members")))
        }
        Err(MemberError::Rule(rule)) => {
            let target = target(&state, &member, user_id).await?;
            let page = edit_page(&member, &state, target, role, Some(rule.to_string()));
            render_with(StatusCode::CONFLICT, &with_project_default(&state, &member, page).await?)
        }
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}

#[get("/members/{user_id}/remove")]
pub async fn confirm_remove(
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersManage)?;
    let (slug, user_id) = path.into_inner();
    let target = target(&state, &member, user_id).await?;
    render(&RemovePage { layout: member.layout("Remove member", "members"), slug, target })
}

#[post("/members/{user_id}/remove")]
pub async fn remove(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersManage)?;
    let (slug, user_id) = path.into_inner();
    let target_id = user_id.clone();
    let result =
        act(&req, &member, &state, move |c, cat, org, actor| members::remove(c, cat, org, &target_id, actor)).await?;
    match result {
        Ok(removed) => {
            flash(&session, &format!("{} was removed from the organization.", removed.name));
            Ok(see_other(&format!("/orgs/{slug}/members")))
        }
        Err(MemberError::Rule(rule)) => {
            let target = target(&state, &member, user_id).await?;
            let selected = target.role.clone();
            render_with(StatusCode::CONFLICT, &edit_page(&member, &state, target, selected, Some(rule.to_string())))
        }
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    user_id: String,
}

impl FormFields for TransferForm {}

#[post("/transfer")]
pub async fn transfer(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<String>,
    form: Form<TransferForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersManage)?;
    let slug = path.into_inner();
    let target_id = form.into_inner().user_id;
    let result = act(&req, &member, &state, move |c, cat, org, actor| {
        members::transfer_ownership(c, cat, org, &target_id, actor)
    })
    .await?;
    match result {
        Ok(new_owner) => {
            flash(&session, &format!("{} is now the primary owner.", new_owner.name));
            Ok(see_other(&format!("/orgs/{slug}")))
        }
        Err(MemberError::Rule(rule)) => Err(AppError::Forbidden(rule.to_string())),
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}
