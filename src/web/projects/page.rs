//! A project's page: what it is, who owns it, and the signed-in person's
//! access to it and why.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use super::{load, load_in_org, ProjectIn, Space};
use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::accounts::users::{self, User};
use crate::store::billing::usage;
use crate::store::projects::Project;
use crate::web::extract::CurrentUser;
use crate::web::layout::{render, Layout};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{format, AppState};

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    layout: Layout,
    noun: String,
    name: String,
    slug: String,
    href: String,
    description: String,
    owner: String,
    /// Empty when the owner's page is not open to the reader (a shared project).
    owner_href: String,
    /// The breadcrumb: the space the reader came through.
    crumb: String,
    crumb_href: String,
    created_on: String,
    created_by: String,
    role: String,
    why: String,
    permissions: Vec<(&'static str, bool)>,
    can_manage: bool,
    can_develop: bool,
    /// The project's usage as the platform reported it: (month, metric, total), newest first.
    usage: Vec<(String, String, i64)>,
}

/// Sums the monthly totals over payers; the last `MONTHS` months with usage.
fn usage_rows(rows: Vec<(time::Date, String, String, i64)>) -> Vec<(String, String, i64)> {
    const MONTHS: usize = 12;
    let mut out: Vec<(time::Date, String, i64)> = Vec::new();
    for (month, metric, _, quantity) in rows {
        match out.iter_mut().find(|(m, k, _)| *m == month && *k == metric) {
            Some((_, _, total)) => *total += quantity,
            None => out.push((month, metric, quantity)),
        }
    }
    let mut months: Vec<time::Date> = out.iter().map(|(m, _, _)| *m).collect();
    months.dedup();
    let keep: Vec<time::Date> = months.into_iter().take(MONTHS).collect();
    out.into_iter()
        .filter(|(m, _, _)| keep.contains(m))
        .map(|(m, metric, q)| (format!("{} {}", m.month(), m.year()), metric, q))
        .collect()
}

async fn show(p: ProjectIn, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (project, me) = (p.project.clone(), p.space.current().user.clone());
    let found = db::run_read(&state.pool, move |conn| read_page(conn, &project, &me)).await?;
    show_read(p, state, found)
}

/// The name of who created the project and its monthly usage.
type PageRead = (Option<String>, Vec<(time::Date, String, String, i64)>);

fn read_page(conn: &mut db::AnyConnection, project: &Project, me: &User) -> Result<PageRead, AppError> {
    let name = match &project.created_by {
        Some(id) if *id == me.id => Some(me.name.clone()),
        Some(id) => users::find(conn, id)?.map(|u| u.name),
        None => None,
    };
    Ok((name, usage::monthly(conn, &project.id)?))
}

fn show_read(
    p: ProjectIn,
    state: web::Data<AppState>,
    (created_by, usage): PageRead,
) -> Result<HttpResponse, AppError> {
    let (owner, owner_href) = match &p.space {
        Space::Org(m) => (m.view.org.name.clone(), format!("/orgs/{}", m.view.org.slug)),
        Space::Personal(_) => ("Personal space".to_string(), "/personal/projects".to_string()),
        Space::Shared { owner_name, .. } => (owner_name.clone(), String::new()),
    };
    let (crumb, crumb_href) = match &p.space {
        Space::Shared { .. } => ("Shared with me".to_string(), "/shared".to_string()),
        _ => (owner.clone(), owner_href.clone()),
    };
    const SHOWN: [Permission; 3] = [Permission::ProjectsView, Permission::ProjectsDevelop, Permission::ProjectsManage];
    render(&ShowPage {
        layout: p.space.layout(&state, &p.project.name),
        noun: state.catalog.project_noun().to_string(),
        name: p.project.name.clone(),
        slug: p.project.slug.clone(),
        href: p.href(),
        description: p.project.description.clone(),
        owner,
        owner_href,
        crumb,
        crumb_href,
        created_on: format::long_date(p.project.created_at),
        created_by: created_by.unwrap_or_else(|| "—".into()),
        role: p.why.role().unwrap_or("Owner").to_string(),
        why: p.why.describe(),
        permissions: SHOWN.iter().map(|perm| (perm.label(), p.can(*perm))).collect(),
        can_manage: p.can(Permission::ProjectsManage),
        can_develop: p.can(Permission::ProjectsDevelop),
        usage: usage_rows(usage),
    })
}

#[get("/projects/{project}")]
pub async fn org_show(
    org_page: SignedInPage,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // One trip: the session, the project and the page's reads.
    let (p, found) =
        load_in_org(org_page, path.into_inner().1, &state, |conn, project, _, me, _| read_page(conn, project, me))
            .await?;
    show_read(p, state, found)
}

#[get("/personal/projects/{project}")]
pub async fn personal_show(
    current: CurrentUser,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = load(Space::personal(current, &state)?, path.into_inner(), &state).await?;
    show(p, state).await
}

#[get("/shared/{project}")]
pub async fn shared_show(
    current: CurrentUser,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = load(Space::Shared { current, owner_name: String::new() }, path.into_inner(), &state).await?;
    show(p, state).await
}
