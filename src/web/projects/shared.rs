//! "Shared with me": the projects the signed-in person reaches as a direct
//! collaborator, whoever owns them. Each opens at `/shared/{id}`.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::store::projects::collaborators::{self, SharedProject};
use crate::web::extract::CurrentUser;
use crate::web::layout::{render, Layout};
use crate::web::AppState;

pub struct SharedItem {
    pub href: String,
    pub name: String,
    pub owner: String,
    pub role: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "projects/shared.html")]
struct SharedPage {
    layout: Layout,
    noun: String,
    nouns: String,
    projects: Vec<SharedItem>,
}

fn item(p: SharedProject) -> SharedItem {
    let owner = match (p.org_name, p.owner_name) {
        (Some(org), _) => org,
        (None, Some(person)) => format!("{person}’s personal space"),
        (None, None) => "—".into(),
    };
    SharedItem { href: format!("/shared/{}", p.id), name: p.name, owner, role: p.role, description: p.description }
}

#[get("/shared")]
pub async fn list(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user_id = current.user.id.clone();
    let rows =
        db::run(&state.pool, move |conn| collaborators::shared_with(conn, &user_id).map_err(AppError::from)).await?;
    let mut layout = current.layout("Shared with me");
    layout.shared = true;
    render(&SharedPage {
        layout,
        noun: state.catalog.project_noun().to_lowercase(),
        nouns: state.catalog.projects_noun(),
        projects: rows.into_iter().map(item).collect(),
    })
}
