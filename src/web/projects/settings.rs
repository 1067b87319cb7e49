//! A project's settings (`projects.manage` on it): rename, change its URL
//! name (the old address stops working), delete with a typed confirmation.
//! Each handler serves both spaces (startup routes `/orgs/{slug}/projects/...`
//! and `/personal/projects/...` to it) and reads the space from the path.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::fields::{Fields, Parsed, ProjectForm};
use super::{load, ProjectIn, Space};
use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::projects::{self, ProjectError};
use crate::web::extract::{flash, CurrentUser, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template)]
#[template(path = "projects/settings.html")]
struct SettingsPage {
    layout: Layout,
    noun: String,
    href: String,
    base: String,
    space_name: String,
    saved_name: String,
    f: Fields,
    delete_typed: String,
    delete_error: Option<String>,
    /// Direct collaborators may not move a project away from its owner.
    can_transfer: bool,
}

fn page(p: &ProjectIn, state: &AppState) -> SettingsPage {
    let noun = state.catalog.project_noun().to_string();
    SettingsPage {
        layout: p.space.layout(state, &format!("{} settings", p.project.name)),
        href: p.href(),
        base: p.space.base(),
        space_name: p.space.name().to_string(),
        saved_name: p.project.name.clone(),
        f: Fields {
            name: p.project.name.clone(),
            slug: p.project.slug.clone(),
            description: p.project.description.clone(),
            ..Fields::default()
        },
        noun,
        delete_typed: String::new(),
        delete_error: None,
        can_transfer: !matches!(p.space, Space::Shared { .. }),
    }
}

/// The space and project of a path that startup routes under each of
/// `/orgs/{slug}/projects/{project}`, `/personal/projects/{project}` and `/shared/{project}`.
pub(super) async fn space_of(req: &HttpRequest, state: &AppState) -> Result<(Space, String), AppError> {
    use actix_web::FromRequest;
    let project = req.match_info().get("project").unwrap_or_default().to_string();
    let space = if req.match_info().get("slug").is_some() {
        Space::Org(Box::new(OrgMember::extract(req).await?))
    } else if req.path().starts_with("/shared/") {
        Space::Shared { current: CurrentUser::extract(req).await?, owner_name: String::new() }
    } else {
        Space::personal(CurrentUser::extract(req).await?, state)?
    };
    Ok((space, project))
}

/// The project of the path (any space) when the person holds `permission` on it.
pub(super) async fn project_with(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    permission: Permission,
) -> Result<ProjectIn, AppError> {
    let (space, slug) = space_of(req, state).await?;
    let p = load(space, slug, state).await?;
    p.require(permission)?;
    Ok(p)
}

pub(super) async fn managed(req: &HttpRequest, state: &web::Data<AppState>) -> Result<ProjectIn, AppError> {
    project_with(req, state, Permission::ProjectsManage).await
}

pub async fn settings(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let p = managed(&req, &state).await?;
    render_with(StatusCode::OK, &page(&p, &state))
}

pub async fn save(
    req: HttpRequest,
    form: Form<ProjectForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = managed(&req, &state).await?;
    let form = form.into_inner();
    let mut view = page(&p, &state);
    view.f = Fields::typed(&form);
    let Some(Parsed { name, slug: Some(slug), description }) = view.f.parse(&view.noun, true) else {
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    let new_slug = slug.as_str().to_string();
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(projects::rename(conn, &project, &name, &slug, &description, &actor))
    })
    .await?;
    match result {
        Ok(changed) => {
            flash(&session, if changed { "Settings saved." } else { "Nothing to change." });
            Ok(see_other(&p.space.project_href(&p.project.id, &new_slug)))
        }
        Err(ProjectError::SlugTaken) => {
            view.f.slug_error =
                Some(format!("{} already has a {} with this URL name.", p.space.name(), view.noun.to_lowercase()));
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(ProjectError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm_name: String,
}

impl FormFields for DeleteForm {
    const TYPED: &'static [&'static str] = &["confirm_name"];
}

pub async fn delete(
    req: HttpRequest,
    form: Form<DeleteForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = managed(&req, &state).await?;
    let form = form.into_inner();
    if form.confirm_name.trim() != p.project.name {
        let mut view = page(&p, &state);
        view.delete_error =
            Some(format!("Type the {}'s name, {}, exactly to delete it.", view.noun.to_lowercase(), p.project.name));
        view.delete_typed = form.confirm_name;
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    db::run(&state.pool, move |conn| projects::delete(conn, &project, &actor).map_err(AppError::from)).await?;
    flash(&session, &format!("{} {} was deleted.", state.catalog.project_noun(), p.project.name));
    Ok(see_other(&p.space.base()))
}
