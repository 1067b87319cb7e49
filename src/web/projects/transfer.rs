//! Transfer (Particle's "products to transfer"): move a project from a
//! personal space into an organization, or between organizations, by someone
//! who may manage it where it is and may create projects where it goes.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::settings::managed;
use super::{ProjectIn, Space};
use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::orgs;
use crate::store::projects;
use crate::store::projects::ProjectError;
use crate::web::extract::flash;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

pub struct Destination {
    pub name: String,
    pub slug: String,
}

#[derive(Template)]
#[template(path = "projects/transfer.html")]
struct TransferPage {
    layout: Layout,
    noun: String,
    name: String,
    href: String,
    from: String,
    from_org: bool,
    destinations: Vec<Destination>,
    chosen: String,
    overrides: bool,
    direct: i64,
    error: Option<String>,
}

/// Organizations the person may create projects in, but the project's own.
fn destinations(p: &ProjectIn, state: &AppState) -> Vec<Destination> {
    let current = match &p.space {
        Space::Org(m) => Some(m.view.org.slug.as_str()),
        Space::Personal(_) | Space::Shared { .. } => None,
    };
    p.space
        .current()
        .orgs
        .iter()
        .filter(|o| Some(o.slug.as_str()) != current && state.catalog.grants(&o.role, Permission::ProjectsCreate))
        .map(|o| Destination { name: o.name.clone(), slug: o.slug.clone() })
        .collect()
}

async fn page(
    p: &ProjectIn,
    state: &AppState,
    chosen: String,
    error: Option<String>,
) -> Result<TransferPage, AppError> {
    let id = p.project.id.clone();
    let direct = db::run(&state.pool, move |conn| projects::direct_count(conn, &id).map_err(AppError::from)).await?;
    Ok(TransferPage {
        layout: p.space.layout(state, &format!("Transfer {}", p.project.name)),
        noun: state.catalog.project_noun().to_lowercase(),
        name: p.project.name.clone(),
        href: p.href(),
        from: p.space.name().to_string(),
        from_org: matches!(p.space, Space::Org(_)),
        destinations: destinations(p, state),
        chosen,
        overrides: matches!(p.space, Space::Org(_)),
        direct,
        error,
    })
}

/// The project of the path, when the person may move it: a manager where
/// it is. A direct collaborator, whatever their role, may not take it away
/// from its owner.
async fn movable(req: &HttpRequest, state: &web::Data<AppState>) -> Result<ProjectIn, AppError> {
    let p = managed(req, state).await?;
    if let Space::Shared { owner_name, .. } = &p.space {
        return Err(AppError::Forbidden(format!(
            "Only {owner_name} can transfer this {}: you are a direct collaborator.",
            state.catalog.project_noun().to_lowercase()
        )));
    }
    Ok(p)
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let p = movable(&req, &state).await?;
    render_with(StatusCode::OK, &page(&p, &state, String::new(), None).await?)
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    to: String,
}

impl FormFields for TransferForm {}

pub async fn transfer(
    req: HttpRequest,
    form: Form<TransferForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = movable(&req, &state).await?;
    let to = form.into_inner().to;
    let refuse = |message: String| async {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&p, &state, to.clone(), Some(message)).await?)
    };
    if to.is_empty() {
        return refuse("Choose the organization to move it to.".into()).await;
    }
    let user_id = p.space.current().user.id.clone();
    let lookup = to.clone();
    let target =
        db::run(&state.pool, move |conn| orgs::find_for_member(conn, &lookup, &user_id).map_err(AppError::from))
            .await?;
    let Some(target) = target.filter(|t| state.catalog.grants(&t.role, Permission::ProjectsCreate)) else {
        return refuse("You can move it only into an organization where your role may create projects.".into()).await;
    };
    if p.project.org_id.as_deref() == Some(target.org.id.as_str()) {
        return refuse("It is already in that organization.".into()).await;
    }
    let (project, actor, to_id) = (p.project.clone(), p.space.actor(&req, &state), target.org.id.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(projects::transfer::transfer(conn, &project, &to_id, &actor))
    })
    .await?;
    match result {
        Ok(()) => {
            flash(&session, &format!("{} moved to {}.", p.project.name, target.org.name));
            Ok(see_other(&format!("/orgs/{}/projects/{}", target.org.slug, p.project.slug)))
        }
        Err(ProjectError::SlugTaken) => {
            refuse(format!(
                "{} already has a {} with the URL name {}. Change this one's URL name in its settings first.",
                target.org.name,
                state.catalog.project_noun().to_lowercase(),
                p.project.slug
            ))
            .await
        }
        Err(ProjectError::Db(e)) => Err(e.into()),
    }
}
