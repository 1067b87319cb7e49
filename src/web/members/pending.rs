//! Actions on a pending invitation from the Members page: Resend Email (new
//! link by mail), Copy link (new link shown once) and Revoke.

use actix_session::Session;
use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::db;
use crate::domain::{Email, Permission};
use crate::error::AppError;
use crate::store::members::invitations;
use crate::web::extract::{flash, OrgMember};
use crate::web::members::invite::prepare;
use crate::web::members::page::show_link_once;
use crate::web::{see_other, AppState};

async fn reissue(
    req: &HttpRequest,
    member: &OrgMember,
    id: String,
    send: bool,
    state: &AppState,
) -> Result<(String, String), AppError> {
    member.require(Permission::MembersInvite)?;
    if send {
        state.limits.invitations_sent.hit(member.org_id())?;
    }
    let org_id = member.org_id().to_string();
    let (lookup_org, lookup_id) = (org_id.clone(), id.clone());
    let (email, role) =
        db::run(&state.pool, move |conn| invitations::find_open(conn, &lookup_org, &lookup_id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
    let parsed = Email::parse(&email).map_err(AppError::BadRequest)?;
    let (new, link) = prepare(state, &member.view.org.name, &member.current.user.name, parsed, &role)?;
    let (actor, ttl) = (member.actor(req, state), state.invitation_ttl);
    db::run(&state.pool, move |conn| {
        invitations::reissue(conn, &org_id, &id, &new, send, ttl, &actor).map_err(AppError::from)
    })
    .await?;
    Ok((email, link))
}

#[post("/invitations/{id}/resend")]
pub async fn resend(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (email, _) = reissue(&req, &member, id, true, &state).await?;
    state.mail_wakeup.notify_one();
    flash(&session, &format!("A new invitation was sent to {email}. The previous link no longer works."));
    Ok(see_other(&format!("/orgs/{slug}/members")))
}

#[post("/invitations/{id}/link")]
pub async fn copy_link(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let (email, link) = reissue(&req, &member, id, false, &state).await?;
    show_link_once(&session, &email, &link);
    Ok(see_other(&format!("/orgs/{slug}/members")))
}

#[post("/invitations/{id}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersInvite)?;
    let (slug, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let email =
        db::run(&state.pool, move |conn| invitations::revoke(conn, &org_id, &id, &actor).map_err(AppError::from))
            .await?;
    flash(&session, &format!("The invitation for {email} was revoked."));
    Ok(see_other(&format!("/orgs/{slug}/members")))
}
