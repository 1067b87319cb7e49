//! A project's Team page: everyone who may reach the project (members of
//! its organization and direct collaborators), with their effective role
//! and why, in keyset pages with search; roles set on the project
//! (`projects.manage`). Inviting and removing collaborators is in
//! `collaborators.rs`. Every space routes here (see startup).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::settings::{project_with, space_of};
use super::{load, load_in_org, ProjectIn, Space};
use crate::db;
use crate::domain::project_access;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::page::Cursor;
use crate::store::members::MemberError;
use crate::store::projects::collaborators;
use crate::store::projects::first_team::{self, FirstTeams};
use crate::store::projects::invitations::{self, PendingProjectInvitation};
use crate::store::projects::team;
use crate::store::projects::team::TeamRow;
use crate::web::extract::flash;
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::members::page::{decode_cursor, delivery_label, encode_cursor};
use crate::web::pager::{page_of, Pager};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{see_other, AppState};

const PAGE: i64 = 50;

/// A row as the page shows it, borrowing the read (or kept) row's text.
pub struct TeamItem<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    /// The effective role, or None for no access.
    pub access: Option<String>,
    pub why: String,
    /// What the role select shows: "=default", "" (none) or a role.
    pub choice: &'a str,
    /// Their organization role manages projects: a project role would not apply.
    pub keeps_org_role: bool,
    pub direct: bool,
    /// The row of the person looking at the page.
    pub me: bool,
}

pub struct PendingItem {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub expires: String,
    pub expired: bool,
    pub delivery: String,
    pub delivery_class: &'static str,
    pub delivery_error: String,
}

/// The invite form, as typed, with its messages.
#[derive(Default)]
pub struct InviteFields {
    pub email: String,
    pub role: String,
    pub email_error: Option<String>,
    pub role_error: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/team.html")]
struct TeamPage<'a> {
    layout: Layout,
    noun: String,
    name: String,
    href: String,
    personal: bool,
    /// Who owns a personal project, said to whoever reads the page.
    owner_line: String,
    /// The organization's name, or "this personal space".
    outside: String,
    search: String,
    members: Vec<TeamItem<'a>>,
    roles: Vec<String>,
    can_manage: bool,
    error: Option<(String, String)>,
    pager: Pager,
    invite: InviteFields,
    pending: Vec<PendingItem>,
    validity: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct TeamQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

/// The role a team row amounts to on the project (None: no access) and why,
/// in the Team page's words.
pub fn access_and_why(catalog: &crate::domain::RoleCatalog, r: &TeamRow) -> (Option<String>, String) {
    let facts = r.facts();
    match project_access::viewable(catalog, &facts) {
        Some((w, _)) => (w.role().map(str::to_string), w.describe()),
        None => match project_access::access(catalog, &facts) {
            Some(w) => (None, format!("{} (cannot view projects)", w.describe())),
            None if r.project_role.as_deref() == Some("") => (None, "set to none on this project".into()),
            None => (None, "default project role: none".into()),
        },
    }
}

fn item<'a>(state: &AppState, me: &str, r: &'a TeamRow) -> TeamItem<'a> {
    let (access, why) = access_and_why(&state.catalog, r);
    TeamItem {
        keeps_org_role: r
            .org_role
            .as_deref()
            .is_some_and(|role| state.catalog.grants(role, Permission::ProjectsManage)),
        choice: r.project_role.as_deref().unwrap_or("=default"),
        direct: r.is_direct(),
        me: r.user_id == me,
        user_id: &r.user_id,
        name: &r.name,
        email: &r.email,
        access,
        why,
    }
}

fn pending_item(inv: PendingProjectInvitation) -> PendingItem {
    let (delivery, delivery_class, delivery_error) = delivery_label(inv.delivery.as_ref());
    PendingItem {
        expired: inv.state == crate::domain::invitation::InvitationState::Expired,
        expires: format::date_time(inv.expires_at),
        invited_by: inv.invited_by.unwrap_or_else(|| "—".into()),
        id: inv.id,
        email: inv.email,
        role: inv.role,
        delivery,
        delivery_class,
        delivery_error,
    }
}

/// Renders the Team page; `error` is a message next to one person's row,
/// `invite` the invite form as typed. 409/422 when either carries a message.
pub(super) async fn render(
    p: &ProjectIn,
    state: &AppState,
    query: TeamQuery,
    error: Option<(String, String)>,
    invite: Option<InviteFields>,
) -> Result<HttpResponse, AppError> {
    let (project, read, now) = (p.project.clone(), query.clone(), state.clock.now());
    let can_manage = p.can(Permission::ProjectsManage);
    let found = db::run_read(&state.pool, move |conn| read_team(conn, &project, can_manage, &read, now, None)).await?;
    show(p, state, query, (error, invite), found)
}

/// The rows read for the page: the kept first page itself (not a copy of
/// its 51 rows' text on every request), or a page read now.
enum TeamRows {
    Kept(std::sync::Arc<first_team::FirstTeam>),
    Read(Vec<TeamRow>),
}

impl TeamRows {
    fn all(&self) -> &[TeamRow] {
        match self {
            TeamRows::Kept(first) => &first.rows,
            TeamRows::Read(rows) => rows,
        }
    }
}

type TeamRead = (TeamRows, Vec<PendingProjectInvitation>);

/// The page of the team the query asks for (one row more than shown) and,
/// for those who manage the project, its pending invitations. The first
/// page of an organization's project comes from `kept` when given, under
/// the organization's members_version read with the session.
fn read_team(
    conn: &mut db::AnyConnection,
    project: &crate::store::projects::Project,
    can_manage: bool,
    query: &TeamQuery,
    now: time::PrimitiveDateTime,
    kept: Option<(&FirstTeams, i64)>,
) -> Result<TeamRead, AppError> {
    let after = query.after.as_deref().and_then(decode_cursor);
    let term = Some(query.q.trim()).filter(|t| !t.is_empty());
    if let (None, None, Some((kept, members_version))) = (&after, term, kept) {
        let first = first_team::first(conn, kept, project, members_version, PAGE + 1)?;
        let pending =
            if can_manage { invitations::with_deliveries(conn, &first.invitations, now)? } else { Vec::new() };
        return Ok((TeamRows::Kept(first), pending));
    }
    let rows = team::page(conn, project, term, after.as_ref(), PAGE + 1)?;
    let pending = if can_manage { invitations::pending(conn, &project.id, now)? } else { Vec::new() };
    Ok((TeamRows::Read(rows), pending))
}

fn show(
    p: &ProjectIn,
    state: &AppState,
    query: TeamQuery,
    (error, invite): (Option<(String, String)>, Option<InviteFields>),
    (rows, pending): TeamRead,
) -> Result<HttpResponse, AppError> {
    let past_first = query.after.as_deref().and_then(decode_cursor).is_some();
    let search = query.q.trim().to_string();
    let can_manage = p.can(Permission::ProjectsManage);
    let href = p.href();
    let team = format!("{href}/team");
    let (shown, last) = page_of(rows.all(), PAGE);
    let next_href = last.map(|last| {
        let cursor = encode_cursor(&Cursor { joined_at: last.joined_at, user_id: last.user_id.clone() });
        let q = serde_urlencoded::to_string([("q", search.as_str()), ("after", cursor.as_str())]).unwrap_or_default();
        format!("{team}?{q}")
    });
    let first = if search.is_empty() {
        team.clone()
    } else {
        format!("{team}?{}", serde_urlencoded::to_string([("q", &search)]).unwrap_or_default())
    };
    let status = match (&error, &invite) {
        (Some(_), _) => StatusCode::CONFLICT,
        (None, Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, None) => StatusCode::OK,
    };
    let me = p.space.current().user.id.clone();
    let personal = p.project.org_id.is_none();
    let page = TeamPage {
        layout: p.space.layout(state, &format!("{} team", p.project.name)),
        noun: state.catalog.project_noun().to_lowercase(),
        name: p.project.name.clone(),
        personal,
        owner_line: match &p.space {
            Space::Shared { owner_name, .. } => format!("The owner of {owner_name} may do everything in it."),
            _ => format!("{} owns this personal space and may do everything in it.", p.space.current().user.name),
        },
        outside: if personal { "this personal space".into() } else { p.space.name().to_string() },
        members: shown.iter().map(|r| item(state, &me, r)).collect(),
        roles: state.catalog.roles().iter().map(|r| r.name.clone()).collect(),
        can_manage,
        pager: Pager::new(first, past_first, next_href, "Next page"),
        invite: invite.unwrap_or_else(|| InviteFields {
            role: state.catalog.default_role().to_string(),
            ..InviteFields::default()
        }),
        pending: pending.into_iter().map(pending_item).collect(),
        validity: crate::web::members::invite::validity(state.invitation_ttl),
        href,
        search,
        error,
    };
    render_with(status, &page)
}

pub async fn team(
    req: HttpRequest,
    query: web::Query<TeamQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    if req.match_info().get("slug").is_some() {
        // An organization's project: one trip for the whole page.
        let key = req.match_info().get("project").unwrap_or_default().to_string();
        let (read, now, kept) = (query.clone(), state.clock.now(), state.first_teams.clone());
        let (p, found) =
            load_in_org(SignedInPage::extract(&req).await?, key, &state, move |conn, project, permissions, _, view| {
                let can_manage = permissions.contains(&Permission::ProjectsManage);
                read_team(conn, project, can_manage, &read, now, Some((&kept, view.org.members_version)))
            })
            .await?;
        return show(&p, &state, query, (None, None), found);
    }
    let (space, key) = space_of(&req, &state).await?;
    let p = load(space, key, &state).await?;
    render(&p, &state, query, None, None).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    /// The row is a direct collaborator's (their grant is changed, not a member's project role).
    #[serde(default)]
    direct: bool,
}

impl FormFields for RoleForm {}

/// Sets a member's role on this project: "=default" (back to their default
/// project role), "" (none) or a catalog role; or a direct collaborator's role.
pub async fn set_role(
    req: HttpRequest,
    form: Form<RoleForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsManage).await?;
    let user_id = req.match_info().get("user_id").unwrap_or_default().to_string();
    let RoleForm { role: chosen, direct } = form.into_inner();
    let role = match chosen.as_str() {
        "=default" | "" if direct => {
            let message = "Choose a role; to take their access away, use Remove.".to_string();
            return render(&p, &state, TeamQuery::default(), Some((user_id, message)), None).await;
        }
        "=default" => None,
        "" => Some(String::new()),
        r if state.catalog.get(r).is_some() => Some(r.to_string()),
        other => return Err(AppError::BadRequest(format!("“{other}” is not a role of this portal."))),
    };
    let (project, actor, target) = (p.project.clone(), p.space.actor(&req, &state), user_id.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(match (direct, role) {
            (true, Some(role)) => collaborators::set_role(conn, &project, &target, &role, &actor),
            (_, role) => team::set_member_role(conn, &project, &target, role.as_deref(), &actor),
        })
    })
    .await?;
    match result {
        Ok(changed) => {
            flash(&session, if changed { "Role on this project saved." } else { "Nothing to change." });
            Ok(see_other(&format!("{}/team", p.href())))
        }
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Rule(rule)) => {
            render(&p, &state, TeamQuery::default(), Some((user_id, rule.to_string())), None).await
        }
        Err(MemberError::Db(e)) => Err(e.into()),
    }
}
