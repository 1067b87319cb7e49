//! A space's project list (keyset pages in name order, search by name) and
//! the New Project form.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::fields::{Fields, ProjectForm};
use super::Space;
use crate::db;
use crate::domain::project_access::{self, Listing};
use crate::domain::{RoleCatalog, Slug};
use crate::error::AppError;
use crate::store::billing::billed_members;
use crate::store::projects::{self, NewProject, Owner, ProjectCursor, ProjectError};
use crate::web::extract::{flash, CurrentUser, OrgMember};
use crate::web::input::Form;
use crate::web::layout::{render, render_with, Layout};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{format, see_other, AppState};

const PAGE: i64 = 50;

pub struct ProjectItem {
    pub name: String,
    pub href: String,
    pub slug: String,
    pub description: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    layout: Layout,
    space_name: String,
    noun: String,
    nouns: String,
    base: String,
    can_create: bool,
    search: String,
    projects: Vec<ProjectItem>,
    pager: Pager,
    /// In a personal space: "Your personal usage is billed to Acme since ...".
    billed_note: Option<String>,
}

#[derive(Deserialize, Clone)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

fn decode_cursor(s: &str) -> Option<ProjectCursor> {
    format::parse_name_token(s).map(|(name, id)| ProjectCursor { id, name })
}

/// The page of projects (one more than shown) and, in a personal space,
/// the organization that pays for it.
type ListRead = (Vec<projects::Project>, Option<(String, time::PrimitiveDateTime)>);

/// What the list of `owner`'s projects shows `user_id`, who holds `roles`
/// there (an organization's members: their role and default project role).
fn read_list(
    conn: &mut db::AnyConnection,
    catalog: &RoleCatalog,
    (owner, user_id): (&Owner, &str),
    roles: Option<(&str, Option<&str>)>,
    query: &ListQuery,
) -> Result<ListRead, AppError> {
    let shown = match (owner, roles) {
        (Owner::Org(_), Some((role, default))) => project_access::listing(catalog, role, default),
        _ => Listing::All,
    };
    let search = query.q.trim();
    let term = Some(search).filter(|s| !s.is_empty());
    let after = query.after.as_deref().and_then(decode_cursor);
    let billed = match owner {
        Owner::Personal(_) => billed_members::payer_of(conn, user_id)?,
        Owner::Org(_) => None,
    };
    Ok((projects::page(conn, owner, user_id, shown, term, after.as_ref(), PAGE + 1)?, billed))
}

async fn list(space: Space, query: ListQuery, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (owner, user_id) = (space.owner(), space.current().user.id.clone());
    let (catalog, read) = (state.catalog.clone(), query.clone());
    // No total: counting a large space on every view would cost more than the page itself.
    let found =
        db::run_read(&state.pool, move |conn| read_list(conn, &catalog, (&owner, &user_id), None, &read)).await?;
    show_list(space, query, found, &state)
}

fn show_list(
    space: Space,
    query: ListQuery,
    (mut rows, billed): ListRead,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let past_first = query.after.as_deref().and_then(decode_cursor).is_some();
    let base = space.base();
    let q = query.q.trim().to_string();
    let next_href = cut_to_page(&mut rows, PAGE).map(|last| {
        let cursor = format::name_token(&last.name, &last.id);
        format!(
            "{base}?{}",
            serde_urlencoded::to_string([("q", q.as_str()), ("after", cursor.as_str())]).unwrap_or_default()
        )
    });
    let first = if q.is_empty() {
        base.clone()
    } else {
        format!("{base}?{}", serde_urlencoded::to_string([("q", &q)]).unwrap_or_default())
    };
    let nouns = state.catalog.projects_noun();
    render(&ListPage {
        layout: space.layout(state, &nouns),
        space_name: space.name().to_string(),
        noun: state.catalog.project_noun().to_string(),
        can_create: space.can_create(),
        projects: rows
            .into_iter()
            .map(|p| ProjectItem {
                href: format!("{base}/{}", p.slug),
                created: format::date(p.created_at),
                name: p.name,
                slug: p.slug,
                description: p.description.chars().take(140).collect(),
            })
            .collect(),
        pager: Pager::new(first, past_first, next_href, "Next page"),
        nouns,
        base,
        search: q,
        billed_note: billed.map(|(org, since)| crate::web::billing::billed_note(&org, since)),
    })
}

#[get("/projects")]
pub async fn org_list(
    org_page: SignedInPage,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let read = query.clone();
    let catalog = state.catalog.clone();
    let (member, found) = org_page
        .load_member(move |conn, view, user| {
            let owner = Owner::Org(view.org.id.clone());
            let roles = (view.role.as_str(), view.default_project_role.as_deref());
            read_list(conn, &catalog, (&owner, &user.id), Some(roles), &read)
        })
        .await?;
    show_list(Space::Org(Box::new(member)), query, found, &state)
}

#[get("/personal/projects")]
pub async fn personal_list(
    current: CurrentUser,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let space = Space::personal(current, &state)?;
    list(space, query.into_inner(), state).await
}

#[derive(Template)]
#[template(path = "projects/new.html")]
struct NewPage {
    layout: Layout,
    noun: String,
    base: String,
    space_name: String,
    f: Fields,
}

fn new_page(space: &Space, state: &AppState) -> NewPage {
    let noun = state.catalog.project_noun().to_string();
    NewPage {
        layout: space.layout(state, &format!("New {noun}")),
        base: space.base(),
        space_name: space.name().to_string(),
        noun,
        f: Fields::default(),
    }
}

async fn new_form(space: Space, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    space.require_create(state.catalog.project_noun())?;
    render(&new_page(&space, &state))
}

#[get("/projects/new")]
pub async fn org_new(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    new_form(Space::Org(Box::new(member)), state).await
}

#[get("/personal/projects/new")]
pub async fn personal_new(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let space = Space::personal(current, &state)?;
    new_form(space, state).await
}

pub(super) async fn create(
    req: HttpRequest,
    space: Space,
    form: ProjectForm,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let noun = state.catalog.project_noun().to_string();
    space.require_create(&noun)?;
    let mut page = new_page(&space, &state);
    page.f = Fields::typed(&form);
    let Some(parsed) = page.f.parse(&noun, false) else {
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let explicit = parsed.slug.is_some();
    let slug = parsed.slug.unwrap_or_else(|| {
        Slug::derive(parsed.name.as_str())
            .or_else(|| Slug::derive(&format!("{noun} {}", &uuid::Uuid::new_v4().simple().to_string()[..6])))
            .expect("a generated URL name is valid")
    });
    let (name, description) = (parsed.name, parsed.description);
    let (owner, actor) = (space.owner(), space.actor(&req, &state));
    let created = db::run(&state.pool, move |conn| {
        let new = NewProject { owner, name: &name, slug: &slug, explicit_slug: explicit, description: &description };
        Ok::<_, AppError>(projects::create(conn, &new, &actor))
    })
    .await?;
    match created {
        Ok(p) => {
            flash(&session, &format!("{noun} {} created.", p.name));
            Ok(see_other(&format!("{}/{}", space.base(), p.slug)))
        }
        Err(ProjectError::SlugTaken) => {
            page.f.slug_error =
                Some(format!("{} already has a {} with this URL name.", space.name(), noun.to_lowercase()));
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ProjectError::Db(e)) => Err(e.into()),
    }
}

#[post("/projects")]
pub async fn org_create(
    req: HttpRequest,
    member: OrgMember,
    form: Form<ProjectForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    create(req, Space::Org(Box::new(member)), form.into_inner(), session, state).await
}

#[post("/personal/projects")]
pub async fn personal_create(
    req: HttpRequest,
    current: CurrentUser,
    form: Form<ProjectForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let space = Space::personal(current, &state)?;
    create(req, space, form.into_inner(), session, state).await
}
