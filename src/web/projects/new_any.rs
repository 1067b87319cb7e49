//! New Project from the header's + menu (Segments): the same form as a
//! space's, with an owner select: the personal space or any organization
//! where the person's role may create projects.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::fields::{Fields, ProjectForm};
use super::list;
use super::Space;
use crate::domain::Permission;
use crate::error::AppError;
use crate::web::extract::{CurrentUser, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::AppState;

/// A space the person may create projects in: (value, label).
fn owners(current: &CurrentUser, state: &AppState) -> Vec<(String, String)> {
    let personal = state.personal_spaces.then(|| ("personal".to_string(), "Personal".to_string()));
    let orgs = current
        .orgs
        .iter()
        .filter(|o| state.catalog.grants(&o.role, Permission::ProjectsCreate))
        .map(|o| (o.slug.clone(), o.name.clone()));
    personal.into_iter().chain(orgs).collect()
}

#[derive(Template)]
#[template(path = "projects/new_any.html")]
struct NewAnyPage {
    layout: Layout,
    noun: String,
    owners: Vec<(String, String)>,
    owner: String,
    owner_error: Option<String>,
    f: Fields,
    base: String,
    space_name: String,
}

fn page(current: &CurrentUser, state: &AppState, owner: String) -> NewAnyPage {
    let noun = state.catalog.project_noun().to_string();
    NewAnyPage {
        layout: current.layout(&format!("New {noun}")),
        owners: owners(current, state),
        noun,
        owner,
        owner_error: None,
        f: Fields::default(),
        base: "…/projects".into(),
        space_name: "its owner".into(),
    }
}

#[derive(Deserialize)]
pub struct OwnerQuery {
    #[serde(default)]
    owner: String,
}

#[get("/projects/new")]
pub async fn new_form(
    current: CurrentUser,
    query: web::Query<OwnerQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render_with(StatusCode::OK, &page(&current, &state, query.into_inner().owner))
}

#[derive(Deserialize)]
pub struct NewAnyForm {
    #[serde(default)]
    owner: String,
    #[serde(flatten)]
    project: ProjectForm,
}

impl FormFields for NewAnyForm {
    const TYPED: &'static [&'static str] = &["name", "slug", "description"];
}

#[post("/projects")]
pub async fn create(
    req: HttpRequest,
    current: CurrentUser,
    form: Form<NewAnyForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let chosen = match form.owner.as_str() {
        "personal" if state.personal_spaces => Ok(Space::Personal(current)),
        "" | "personal" => Err(current),
        slug => match OrgMember::of(&req, slug.to_string()).await {
            Ok(m) if m.can(Permission::ProjectsCreate) => Ok(Space::Org(Box::new(m))),
            _ => Err(current),
        },
    };
    let space = match chosen {
        Ok(space) => space,
        Err(current) => {
            let mut view = page(&current, &state, form.owner);
            view.f = Fields::typed(&form.project);
            view.owner_error = Some(format!("Choose where the {} belongs.", view.noun.to_lowercase()));
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    list::create(req, space, form.project, session, state).await
}
