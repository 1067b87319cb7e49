//! One domain's buttons: Verify (the TXT record looked up now), the join
//! policy, Remove.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::page::page;
use crate::db;
use crate::domain::verified_domain::JoinPolicy;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::domains::{claims, joinable_role, DomainError};
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::render_with;
use crate::web::{see_other, AppState};

/// The page again with `message` in the domain's card (422).
async fn refused(member: &OrgMember, state: &AppState, id: &str, message: String) -> Result<HttpResponse, AppError> {
    let mut view = page(member, state).await?;
    if let Some(d) = view.domains.iter_mut().find(|d| d.id == id) {
        d.message = Some((false, message));
    }
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

#[post("/domains/{id}/verify")]
pub async fn verify(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, wanted) = (member.org_id().to_string(), id.clone());
    let row = db::run(&state.pool, move |conn| Ok::<_, AppError>(claims::get(conn, &org_id, &wanted)?))
        .await?
        .ok_or(AppError::NotFound)?;
    match super::verify_now(&state, member.org_id(), &row, member.actor(&req, &state)).await? {
        Ok(None) => {
            flash(&session, &format!("{} is verified.", row.domain));
            Ok(see_other(&format!("/orgs/{slug}/domains")))
        }
        Ok(Some(why)) => refused(&member, &state, &id, why).await,
        Err(e @ DomainError::TakenElsewhere(_)) => refused(&member, &state, &id, e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct PolicyForm {
    policy: String,
    role: String,
}

impl FormFields for PolicyForm {}

#[post("/domains/{id}/policy")]
pub async fn policy(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    form: Form<PolicyForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (slug, id) = path.into_inner();
    let policy =
        JoinPolicy::parse(&form.policy).ok_or(AppError::BadRequest("Choose one of the join policies.".into()))?;
    if !joinable_role(&state.catalog, &form.role) {
        return refused(
            &member,
            &state,
            &id,
            format!("“{}” cannot be given by a domain: choose a role that does not manage members.", form.role),
        )
        .await;
    }
    let (org_id, actor, role) = (member.org_id().to_string(), member.actor(&req, &state), form.role.clone());
    let set = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(claims::set_policy(conn, &org_id, &id, policy, &role, &actor))
    })
    .await?;
    set?;
    flash(&session, "The join policy was saved.");
    Ok(see_other(&format!("/orgs/{slug}/domains")))
}

#[post("/domains/{id}/remove")]
pub async fn remove(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let removed = db::run(&state.pool, move |conn| {
        let row = claims::get(conn, &org_id, &id)?.ok_or(AppError::NotFound)?;
        claims::remove(conn, &org_id, &id, &actor)?;
        Ok::<_, AppError>(row.domain)
    })
    .await?;
    flash(&session, &format!("{removed} was removed."));
    Ok(see_other(&format!("/orgs/{slug}/domains")))
}
