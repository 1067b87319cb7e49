//! Settings -> Organizations: every organization the person belongs to, with
//! their role and Leave (the rules of the Organization page apply).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::store::accounts::{self, Membership};
use crate::store::billing::billed_members;
use crate::store::members::{self, MemberError};
use crate::web::billing::billed_note;
use crate::web::extract::{flash, CurrentUser};
use crate::web::layout::{render_with, Layout};
use crate::web::{format, see_other, AppState};

pub struct OrgItem {
    pub name: String,
    pub slug: String,
    pub role: String,
    pub joined: String,
    pub is_owner: bool,
    /// Why Leave was refused, shown in this organization's row.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/organizations.html")]
struct OrganizationsPage {
    layout: Layout,
    orgs: Vec<OrgItem>,
    billed_note: Option<String>,
}

async fn page(
    current: &CurrentUser,
    state: &AppState,
    refused: Option<(&str, String)>,
) -> Result<OrganizationsPage, AppError> {
    let user_id = current.user.id.clone();
    let (rows, billed): (Vec<Membership>, _) = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        Ok((accounts::memberships_of(conn, &user_id)?, billed_members::payer_of(conn, &user_id)?))
    })
    .await?;
    let orgs = rows
        .into_iter()
        .map(|m| OrgItem {
            is_owner: m.is_owner(&current.user.id),
            error: refused.as_ref().filter(|(slug, _)| *slug == m.slug).map(|(_, e)| e.clone()),
            name: m.name,
            slug: m.slug,
            role: m.role,
            joined: format::date(m.joined_at),
        })
        .collect();
    Ok(OrganizationsPage {
        layout: super::layout(current, "Organizations", "organizations"),
        orgs,
        billed_note: billed.map(|(org, since)| billed_note(&org, since)),
    })
}

#[get("/settings/organizations")]
pub async fn list(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_with(StatusCode::OK, &page(&current, &state, None).await?)
}

#[post("/settings/organizations/{slug}/leave")]
pub async fn leave(
    req: HttpRequest,
    current: CurrentUser,
    path: web::Path<String>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let (user_id, actor, catalog) = (current.user.id.clone(), current.actor(&req, &state), state.catalog.clone());
    let lookup = slug.clone();
    let result = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(view) = crate::store::orgs::find_for_member(conn, &lookup, &user_id)? else { return Ok(None) };
        Ok(Some((view.org.name.clone(), members::leave(conn, &catalog, &view.org.id, &actor))))
    })
    .await?;
    match result {
        None => Err(AppError::NotFound),
        Some((name, Ok(()))) => {
            flash(&session, &format!("You left {name}."));
            Ok(see_other("/settings/organizations"))
        }
        Some((_, Err(MemberError::Rule(rule)))) => {
            let page = page(&current, &state, Some((&slug, rule.to_string()))).await?;
            render_with(StatusCode::CONFLICT, &page)
        }
        Some((_, Err(MemberError::NotFound))) => Err(AppError::NotFound),
        Some((_, Err(MemberError::Db(e)))) => Err(e.into()),
    }
}
