//! The emailed link of an invitation to one project: the same page as an
//! organization's (GET changes nothing), Accept / Decline by POST.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::db;
use crate::domain::invitation::hash_token;
use crate::error::AppError;
use crate::store::projects::invitations::{self, Accepted, ProjectInvitationView, ProjectInviteError};
use crate::web::client::client_ip;
use crate::web::extract::{flash, CurrentUser};
use crate::web::layout::render_with;
use crate::web::members::invitation_link::{not_found, page, Summary};
use crate::web::{see_other, AppState};

async fn summary(state: &AppState, token: &str) -> Result<Summary, AppError> {
    let (hash, now) = (hash_token(token), state.clock.now());
    let view = db::run(&state.pool, move |conn| invitations::find_by_token(conn, &hash, now).map_err(AppError::from))
        .await?
        .ok_or_else(not_found)?;
    let noun = state.catalog.project_noun().to_lowercase();
    let ProjectInvitationView { project_name, owner_name, inviter_name, role, email, state, expires_at, .. } = view;
    Ok(Summary {
        link: format!("/project-invitations/{token}"),
        heading: format!("Join {project_name}"),
        target: format!("the {noun} {project_name} ({owner_name})"),
        inviter_name,
        role,
        email,
        state,
        expires_at,
    })
}

#[get("/project-invitations/{token}")]
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let s = summary(&state, &path.into_inner()).await?;
    render_with(s.status(), &page(&req, s, None).await?)
}

/// Where the project is for the person who accepted: their own space, the
/// organization they are a member of, or their shared projects.
fn destination(a: &Accepted) -> String {
    use crate::store::projects::invitations::HasAccess;
    match (&a.already, &a.org_slug) {
        (Some(HasAccess::PersonalOwner), _) => format!("/personal/projects/{}", a.project.slug),
        (Some(HasAccess::Member), Some(org)) => format!("/orgs/{org}/projects/{}", a.project.slug),
        _ => format!("/shared/{}", a.project.id),
    }
}

#[post("/project-invitations/{token}/accept")]
pub async fn accept(
    req: HttpRequest,
    path: web::Path<String>,
    current: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.invitation_links.hit(&client_ip(&req))?;
    let token = path.into_inner();
    let (hash, user) = (hash_token(&token), current.user.clone());
    let actor = current.actor(&req, &state);
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(invitations::accept(conn, &hash, &user.email, user.email_verified, &actor))
    })
    .await?;
    let error = match result {
        Ok(accepted) => {
            let message = match accepted.already {
                None => format!("Welcome! You are now a collaborator on {}.", accepted.project.name),
                Some(_) => format!("You already had access to {}; nothing else changed.", accepted.project.name),
            };
            flash(&session, &message);
            return Ok(see_other(&destination(&accepted)));
        }
        Err(ProjectInviteError::WrongAccount) => {
            Some("This invitation is for another email address. Sign in with that address to accept it.".to_string())
        }
        Err(ProjectInviteError::Final(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let s = summary(&state, &token).await?;
    render_with(StatusCode::CONFLICT, &page(&req, s, error).await?)
}

#[post("/project-invitations/{token}/decline")]
pub async fn decline(
    req: HttpRequest,
    path: web::Path<String>,
    current: Option<CurrentUser>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.invitation_links.hit(&client_ip(&req))?;
    let token = path.into_inner();
    let user_id = current.map(|c| c.user.id);
    let (hash, ip, now) = (hash_token(&token), client_ip(&req), state.clock.now());
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(invitations::decline(conn, &hash, user_id.as_deref(), &ip, now))
    })
    .await?;
    match result {
        Ok(view) => {
            flash(&session, &format!("You declined the invitation to {}.", view.project_name));
            Ok(see_other(&format!("/project-invitations/{token}")))
        }
        Err(ProjectInviteError::Final(_)) => {
            let s = summary(&state, &token).await?;
            render_with(StatusCode::CONFLICT, &page(&req, s, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}
