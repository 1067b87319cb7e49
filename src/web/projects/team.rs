//! A project's Team page: everyone who may reach the project, with their
//! effective role and why, in keyset pages with search; roles set on the
//! project for members (`projects.manage`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{load, ProjectIn, Space};
use crate::db;
use crate::domain::project_access;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::{Cursor, MemberError};
use crate::store::project_team::{self, TeamRow};
use crate::web::extract::{flash, CurrentUser, OrgMember};
use crate::web::layout::{render_with, Layout};
use crate::web::members::page::{decode_cursor, encode_cursor};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::{see_other, AppState};

const PAGE: i64 = 50;

pub struct TeamItem {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// The effective role, or None for no access.
    pub access: Option<String>,
    pub why: String,
    /// What the role select shows: "=default", "" (none) or a role.
    pub choice: String,
    /// Their organization role manages projects: a project role would not apply.
    pub keeps_org_role: bool,
}

#[derive(Template)]
#[template(path = "projects/team.html")]
struct TeamPage {
    layout: Layout,
    noun: String,
    name: String,
    href: String,
    personal: bool,
    owner_name: String,
    search: String,
    members: Vec<TeamItem>,
    roles: Vec<String>,
    can_manage: bool,
    error: Option<(String, String)>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct TeamQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

fn item(state: &AppState, r: TeamRow) -> TeamItem {
    let facts = r.facts();
    let (access, why) = match project_access::viewable(&state.catalog, &facts) {
        Some((w, _)) => (w.role().map(str::to_string), w.describe()),
        None => match project_access::access(&state.catalog, &facts) {
            Some(w) => (None, format!("{} (cannot view projects)", w.describe())),
            None if r.project_role.as_deref() == Some("") => (None, "set to none on this project".into()),
            None => (None, "default project role: none".into()),
        },
    };
    TeamItem {
        keeps_org_role: state.catalog.grants(&r.org_role, Permission::ProjectsManage),
        choice: r.project_role.clone().unwrap_or_else(|| "=default".into()),
        user_id: r.user_id,
        name: r.name,
        email: r.email,
        access,
        why,
    }
}

async fn render(
    p: &ProjectIn,
    state: &AppState,
    query: TeamQuery,
    error: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let after = query.after.as_deref().and_then(decode_cursor);
    let past_first = after.is_some();
    let search = query.q.trim().to_string();
    let (project, term) = (p.project.clone(), search.clone());
    let mut rows = db::run(&state.pool, move |conn| {
        let term = Some(term.as_str()).filter(|t| !t.is_empty());
        project_team::page(conn, &project, term, after.as_ref(), PAGE + 1).map_err(AppError::from)
    })
    .await?;
    let href = p.href();
    let team = format!("{href}/team");
    let next_href = cut_to_page(&mut rows, PAGE).map(|last| {
        let cursor = encode_cursor(&Cursor { joined_at: last.joined_at, user_id: last.user_id.clone() });
        let q = serde_urlencoded::to_string([("q", search.as_str()), ("after", cursor.as_str())]).unwrap_or_default();
        format!("{team}?{q}")
    });
    let first = if search.is_empty() {
        team.clone()
    } else {
        format!("{team}?{}", serde_urlencoded::to_string([("q", &search)]).unwrap_or_default())
    };
    let status = if error.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    let page = TeamPage {
        layout: p.space.layout(state, &format!("{} team", p.project.name)),
        noun: state.catalog.project_noun().to_lowercase(),
        name: p.project.name.clone(),
        personal: matches!(p.space, Space::Personal(_)),
        owner_name: p.space.current().user.name.clone(),
        members: rows.into_iter().map(|r| item(state, r)).collect(),
        roles: state.catalog.roles().iter().map(|r| r.name.clone()).collect(),
        can_manage: p.can(Permission::ProjectsManage),
        pager: Pager::new(first, past_first, next_href, "Next page"),
        href,
        search,
        error,
    };
    render_with(status, &page)
}

#[get("/orgs/{slug}/projects/{project}/team")]
pub async fn org_team(
    member: OrgMember,
    path: web::Path<(String, String)>,
    query: web::Query<TeamQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = load(Space::Org(member), path.into_inner().1, &state).await?;
    render(&p, &state, query.into_inner(), None).await
}

#[get("/personal/projects/{project}/team")]
pub async fn personal_team(
    current: CurrentUser,
    path: web::Path<String>,
    query: web::Query<TeamQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = load(Space::personal(current, &state)?, path.into_inner(), &state).await?;
    render(&p, &state, query.into_inner(), None).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// Sets a member's role on this project: "=default" (back to their default
/// project role), "" (none) or a catalog role.
#[post("/orgs/{slug}/projects/{project}/team/{user_id}")]
pub async fn set_role(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String, String)>,
    form: web::Form<RoleForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (_, project_slug, user_id) = path.into_inner();
    let p = load(Space::Org(member), project_slug, &state).await?;
    p.require(Permission::ProjectsManage)?;
    let chosen = form.into_inner().role;
    let role = match chosen.as_str() {
        "=default" => None,
        "" => Some(String::new()),
        r if state.catalog.get(r).is_some() => Some(r.to_string()),
        other => return Err(AppError::BadRequest(format!("“{other}” is not a role of this portal."))),
    };
    let (project, actor, target) = (p.project.clone(), p.space.actor(&req, &state), user_id.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(project_team::set_member_role(conn, &project, &target, role.as_deref(), &actor))
    })
    .await?;
    match result {
        Ok(changed) => {
            flash(&session, if changed { "Role on this project saved." } else { "Nothing to change." });
            Ok(see_other(&format!("{}/team", p.href())))
        }
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Rule(rule)) => {
            render(&p, &state, TeamQuery { q: String::new(), after: None }, Some((user_id, rule.to_string()))).await
        }
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}
