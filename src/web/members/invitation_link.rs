//! The emailed link: a page that shows the invitation (GET changes nothing,
//! so mail scanners cannot use it up), and Accept / Decline by POST.

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::invitation::{hash_token, InvitationState};
use crate::error::AppError;
use crate::store::invitations::{self, InvitationView, InviteError};
use crate::web::extract::{anonymous_layout, flash, CurrentUser};
use crate::web::format;
use crate::web::layout::{render_with, Layout};
use crate::web::{client_ip, see_other, AppState};

/// Who is looking at the invitation.
enum Viewer {
    Anonymous,
    Invitee,
    Other { email: String, verified: bool },
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    org_name: String,
    inviter: String,
    role: String,
    email: String,
    expires: String,
    /// Empty while the invitation can be answered.
    final_message: String,
    anonymous: bool,
    invitee: bool,
    other_email: String,
    other_unverified: bool,
    error: Option<String>,
}

async fn load(state: &AppState, token: &str) -> Result<Option<InvitationView>, AppError> {
    let (hash, now) = (hash_token(token), state.clock.now());
    db::run(&state.pool, move |conn| invitations::find_by_token(conn, &hash, now).map_err(AppError::from)).await
}

fn viewer(current: Option<&CurrentUser>, invited: &str) -> Viewer {
    match current.map(|c| &c.user) {
        None => Viewer::Anonymous,
        Some(u) if u.email_verified && u.email.eq_ignore_ascii_case(invited) => Viewer::Invitee,
        Some(u) => Viewer::Other { email: u.email.clone(), verified: u.email_verified },
    }
}

async fn page(
    req: &HttpRequest,
    token: &str,
    view: InvitationView,
    error: Option<String>,
) -> Result<InvitationPage, AppError> {
    let current = CurrentUser::extract(req).await.ok();
    let who = viewer(current.as_ref(), &view.email);
    let layout = match &current {
        Some(current) => current.layout("Invitation"),
        None => anonymous_layout(req, "Invitation"),
    };
    let (anonymous, invitee, other_email, other_unverified) = match who {
        Viewer::Anonymous => (true, false, String::new(), false),
        Viewer::Invitee => (false, true, String::new(), false),
        Viewer::Other { email, verified } => (false, false, email, !verified),
    };
    Ok(InvitationPage {
        layout,
        token: token.to_string(),
        org_name: view.org_name,
        inviter: view.inviter_name.unwrap_or_else(|| "An administrator".into()),
        role: view.role,
        email: view.email,
        expires: format::date_time(view.expires_at),
        final_message: view.state.final_message().to_string(),
        anonymous,
        invitee,
        other_email,
        other_unverified,
        error,
    })
}

fn not_found() -> AppError {
    AppError::BadRequest(
        "This invitation link is not valid. Check that you copied the whole link from the email.".into(),
    )
}

#[get("/invitations/{token}")]
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let view = load(&state, &token).await?.ok_or_else(not_found)?;
    let status = if view.state == InvitationState::Pending { StatusCode::OK } else { StatusCode::GONE };
    render_with(status, &page(&req, &token, view, None).await?)
}

#[post("/invitations/{token}/accept")]
pub async fn accept(
    req: HttpRequest,
    path: web::Path<String>,
    current: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.invitation_links.hit(&client_ip(&req))?;
    let token = path.into_inner();
    let (hash, user, limit) = (hash_token(&token), current.user.clone(), state.org_limit);
    let actor = current.actor(&req, &state);
    let result = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(invitations::accept(conn, &hash, &user.email, user.email_verified, limit, &actor))
    })
    .await?;
    let error = match result {
        Ok(slug) => {
            flash(&req.get_session(), "Welcome! You are now a member of this organization.");
            return Ok(see_other(&format!("/orgs/{slug}")));
        }
        Err(InviteError::Db(e)) => return Err(e.into()),
        Err(InviteError::NotFound) => return Err(not_found()),
        Err(InviteError::Final(_)) => None,
        Err(InviteError::WrongAccount) => {
            Some("This invitation is for another email address. Sign in with that address to accept it.".to_string())
        }
        Err(InviteError::LimitReached) => Some(
            "Your account already belongs to an organization, and each account can belong to only one.".to_string(),
        ),
    };
    let view = load(&state, &token).await?.ok_or_else(not_found)?;
    render_with(StatusCode::CONFLICT, &page(&req, &token, view, error).await?)
}

#[post("/invitations/{token}/decline")]
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
            flash(&session, &format!("You declined the invitation to {}.", view.org_name));
            Ok(see_other(&format!("/invitations/{token}")))
        }
        Err(InviteError::Db(e)) => Err(e.into()),
        Err(InviteError::NotFound) => Err(not_found()),
        Err(_) => {
            let view = load(&state, &token).await?.ok_or_else(not_found)?;
            render_with(StatusCode::CONFLICT, &page(&req, &token, view, None).await?)
        }
    }
}
