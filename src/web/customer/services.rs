//! Connected services (`services.connect`): connection tokens for a service
//! such as Percona's PMM server. A token is shown once, right after it is
//! made; only its hash is kept. The list shows name, creator, created and
//! last used; a token can be revoked.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::{service_token, Permission};
use crate::error::AppError;
use crate::store::customer::services::{self, ServiceError, ServiceRow};
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

pub struct ServiceItem {
    pub id: String,
    pub name: String,
    pub creator: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    layout: Layout,
    slug: String,
    tokens: Vec<ServiceItem>,
    revoke_base: String,
    empty_text: &'static str,
    name: String,
    name_error: Option<String>,
    /// The token just made: (service name, token), shown this once.
    new_token: Option<(String, String)>,
    api_url: String,
}

#[derive(Deserialize)]
pub struct ConnectForm {
    #[serde(default)]
    name: String,
}

impl FormFields for ConnectForm {
    const TYPED: &'static [&'static str] = &["name"];
}

pub fn items(rows: Vec<ServiceRow>) -> Vec<ServiceItem> {
    rows.into_iter()
        .map(|r| ServiceItem {
            id: r.id,
            name: r.name,
            creator: match (r.creator_name, r.creator_email) {
                (Some(name), Some(email)) => format!("{name} <{email}>"),
                _ => "(account removed)".into(),
            },
            created: format::date_time(r.created_at),
            last_used: r.last_used_at.map(format::date_time).unwrap_or_else(|| "Never".into()),
        })
        .collect()
}

async fn page(
    member: &OrgMember,
    state: &AppState,
    name: String,
    name_error: Option<String>,
    new_token: Option<(String, String)>,
) -> Result<ServicesPage, AppError> {
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| -> Result<_, AppError> { Ok(services::list(conn, &org_id)?) }).await?;
    Ok(ServicesPage {
        layout: member.layout("Connected services", "services"),
        slug: member.view.org.slug.clone(),
        tokens: items(rows),
        revoke_base: format!("/orgs/{}/services", member.view.org.slug),
        empty_text: "No services are connected.",
        name,
        name_error,
        new_token,
        api_url: state.base_url.join("api/v1/connection").map(|u| u.to_string()).unwrap_or_default(),
    })
}

#[get("/services")]
pub async fn list(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::ServicesConnect)?;
    render(&page(&member, &state, String::new(), None, None).await?)
}

#[post("/services")]
pub async fn connect(
    member: OrgMember,
    req: HttpRequest,
    form: Form<ConnectForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ServicesConnect)?;
    let typed = form.into_inner().name;
    let name = match service_token::parse_name(&typed) {
        Ok(name) => name,
        Err(e) => {
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&member, &state, typed, Some(e), None).await?)
        }
    };
    let token = service_token::generate();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let (stored_name, hash) = (name.clone(), token.hash);
    let created = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        Ok(services::create(conn, &org_id, &stored_name, &hash, &actor))
    })
    .await?;
    match created {
        Ok(()) => render(&page(&member, &state, String::new(), None, Some((name, token.token))).await?),
        Err(ServiceError::NameTaken) => {
            let e = format!("A service named “{name}” is connected already. Choose another name or revoke that one.");
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&member, &state, typed, Some(e), None).await?)
        }
        Err(ServiceError::Db(e)) => Err(e.into()),
    }
}

#[post("/services/{id}/revoke")]
pub async fn revoke(
    member: OrgMember,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ServicesConnect)?;
    let (_, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let revoked =
        db::run(&state.pool, move |conn| -> Result<_, AppError> { Ok(services::revoke(conn, &org_id, &id, &actor)?) })
            .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    flash(
        &actix_session::SessionExt::get_session(&req),
        "Connection token revoked. The service can no longer connect.",
    );
    Ok(see_other(&format!("/orgs/{}/services", member.view.org.slug)))
}
