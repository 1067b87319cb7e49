//! A project's connection tokens (`projects.develop`): create one (shown
//! once), list them with their last use, revoke. Both spaces route here.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::settings::project_with;
use super::ProjectIn;
use crate::db;
use crate::domain::{service_token, Permission};
use crate::error::AppError;
use crate::store::customer::services::ServiceError;
use crate::store::projects::tokens;
use crate::web::customer::services::{items, ServiceItem};
use crate::web::extract::flash;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template)]
#[template(path = "projects/tokens.html")]
struct TokensPage {
    layout: Layout,
    noun: String,
    name: String,
    href: String,
    tokens: Vec<ServiceItem>,
    revoke_base: String,
    empty_text: &'static str,
    new_token: Option<(String, String)>,
    api_url: String,
    token_name: String,
    name_error: Option<String>,
}

async fn page(p: &ProjectIn, state: &AppState) -> Result<TokensPage, AppError> {
    let id = p.project.id.clone();
    let rows = db::run(&state.pool, move |conn| tokens::list(conn, &id).map_err(AppError::from)).await?;
    Ok(TokensPage {
        layout: p.space.layout(state, &format!("{} tokens", p.project.name)),
        noun: state.catalog.project_noun().to_lowercase(),
        name: p.project.name.clone(),
        href: p.href(),
        tokens: items(rows),
        revoke_base: format!("{}/tokens", p.href()),
        empty_text: "No tokens yet.",
        new_token: None,
        api_url: state.url("/api/v1/project"),
        token_name: String::new(),
        name_error: None,
    })
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsDevelop).await?;
    render_with(StatusCode::OK, &page(&p, &state).await?)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

impl FormFields for TokenForm {
    const TYPED: &'static [&'static str] = &["name"];
}

pub async fn create(
    req: HttpRequest,
    form: Form<TokenForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsDevelop).await?;
    let typed = form.into_inner().name;
    let name = match service_token::parse_name(&typed) {
        Ok(name) => name,
        Err(e) => {
            let mut view = page(&p, &state).await?;
            (view.token_name, view.name_error) = (typed, Some(e));
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let token = service_token::generate_for_project();
    let (project, actor, hash, token_name) = (p.project.clone(), p.space.actor(&req, &state), token.hash, name.clone());
    let created =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(tokens::create(conn, &project, &token_name, &hash, &actor)))
            .await?;
    let mut view = page(&p, &state).await?;
    match created {
        Ok(()) => {
            view.new_token = Some((name, token.token));
            render_with(StatusCode::OK, &view)
        }
        Err(ServiceError::NameTaken) => {
            view.name_error = Some("A token of this name exists already; choose another name.".into());
            view.token_name = typed;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(ServiceError::Db(e)) => Err(e.into()),
    }
}

pub async fn revoke(req: HttpRequest, session: Session, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsDevelop).await?;
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    let revoked =
        db::run(&state.pool, move |conn| tokens::revoke(conn, &project, &id, &actor).map_err(AppError::from)).await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    flash(&session, "The token was revoked.");
    Ok(see_other(&format!("{}/tokens", p.href())))
}
