//! Leaving an organization, and deleting it (the admin types its name).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::{self, MemberError};
use crate::store::orgs;
use crate::web::client::client_ip;
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::orgs::page::org_page;
use crate::web::{see_other, AppState};

#[post("/leave")]
pub async fn leave(
    req: HttpRequest,
    member: OrgMember,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (org_id, actor, catalog) = (member.org_id().to_string(), member.actor(&req, &state), state.catalog.clone());
    let result =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(members::leave(conn, &catalog, &org_id, &actor))).await?;
    match result {
        Ok(()) => {
            flash(&session, &format!("You left {}.", member.view.org.name));
            Ok(see_other("/getting-started"))
        }
        Err(MemberError::Rule(rule)) => {
            let mut page = org_page(&member, &state).await?;
            page.leave_error = Some(rule.to_string());
            crate::web::layout::render_with(StatusCode::CONFLICT, &page)
        }
        Err(MemberError::NotFound) => Err(AppError::NotFound),
        Err(MemberError::Db(e)) => Err(e.into()),
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

#[post("/delete")]
pub async fn delete(
    req: HttpRequest,
    member: OrgMember,
    form: Form<DeleteForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgDelete)?;
    let typed = form.into_inner().confirm_name;
    if typed.trim() != member.view.org.name {
        let message = format!("Type the organization's name, {}, exactly to delete it.", member.view.org.name);
        let mut page = org_page(&member, &state).await?;
        (page.delete_typed, page.delete_error) = (typed, Some(message));
        return crate::web::layout::render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (org, user_id, ip, now) =
        (member.view.org.clone(), member.user_id().to_string(), client_ip(&req), state.clock.now());
    db::run(&state.pool, move |conn| orgs::delete(conn, &org, &user_id, &ip, now).map_err(AppError::from)).await?;
    tracing::info!(org_id = %member.view.org.id, "organization deleted");
    flash(&session, &format!("The organization {} was deleted.", member.view.org.name));
    Ok(see_other("/getting-started"))
}
