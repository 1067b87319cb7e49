//! Joining by verified domain: Join (automatic) and Ask to join (suggest)
//! from Getting Started, and the Members page's Approve and Decline
//! (`members.invite`). An organization that offers nothing to the person
//! gets the same answer whether it exists or not.

use actix_session::Session;
use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::domains::joins::{self, JoinError};
use crate::store::orgs;
use crate::web::extract::{flash, CurrentUser, OrgMember};
use crate::web::{see_other, AppState};

/// The organization a join button names: its id and name, if it exists.
async fn org_of(state: &AppState, slug: String) -> Result<Option<(String, String)>, AppError> {
    db::run(&state.pool, move |conn| Ok::<_, AppError>(orgs::find_by_slug(conn, &slug)?.map(|o| (o.id, o.name)))).await
}

/// Getting Started again, saying why nothing happened.
fn refused(session: &Session, e: JoinError) -> Result<HttpResponse, AppError> {
    match e {
        JoinError::Db(e) => Err(e.into()),
        e => {
            flash(session, &e.to_string());
            Ok(see_other("/getting-started"))
        }
    }
}

#[post("/join")]
pub async fn join(
    req: HttpRequest,
    current: CurrentUser,
    path: web::Path<String>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let Some((org_id, org_name)) = org_of(&state, slug.clone()).await? else {
        return refused(&session, JoinError::NotOffered);
    };
    let (actor, limit) = (current.actor(&req, &state), state.org_limit);
    let joined = db::run(&state.pool, move |conn| Ok::<_, AppError>(joins::join(conn, &org_id, limit, &actor))).await?;
    match joined {
        Ok(role) => {
            flash(&session, &format!("You joined {org_name} as {role}."));
            Ok(see_other(&format!("/orgs/{slug}")))
        }
        Err(e) => refused(&session, e),
    }
}

#[post("/join-requests")]
pub async fn ask(
    req: HttpRequest,
    current: CurrentUser,
    path: web::Path<String>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some((org_id, org_name)) = org_of(&state, path.into_inner()).await? else {
        return refused(&session, JoinError::NotOffered);
    };
    let actor = current.actor(&req, &state);
    let asked = db::run(&state.pool, move |conn| Ok::<_, AppError>(joins::ask(conn, &org_id, &actor))).await?;
    match asked {
        Ok(()) => {
            flash(&session, &format!("You asked to join {org_name}. An admin of {org_name} will answer; you get access when they approve."));
            Ok(see_other("/getting-started"))
        }
        Err(e) => refused(&session, e),
    }
}

/// Approve or decline, back on the Members page with what happened.
async fn answer(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
    approving: bool,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersInvite)?;
    let (slug, user_id) = path.into_inner();
    let (org_id, actor, catalog, limit) =
        (member.org_id().to_string(), member.actor(&req, &state), state.catalog.clone(), state.org_limit);
    let answered = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(if approving {
            joins::approve(conn, &catalog, &org_id, &user_id, limit, &actor)
        } else {
            joins::decline(conn, &org_id, &user_id, &actor)
        })
    })
    .await?;
    let message = match answered {
        Ok(email) if approving => format!("{email} is now a member."),
        Ok(email) => format!("The request of {email} was declined."),
        Err(JoinError::NoRequest) => return Err(AppError::NotFound),
        Err(JoinError::Db(e)) => return Err(e.into()),
        Err(JoinError::LimitReached) => {
            "They cannot join: they already belong to as many organizations as this portal allows.".into()
        }
        Err(e) => e.to_string(),
    };
    flash(&session, &message);
    Ok(see_other(&format!("/orgs/{slug}/members")))
}

#[post("/join-requests/{user_id}/approve")]
pub async fn approve(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    answer(req, member, path, session, state, true).await
}

#[post("/join-requests/{user_id}/decline")]
pub async fn decline(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    answer(req, member, path, session, state, false).await
}
