//! The emailed link: a page that shows the invitation (GET changes nothing,
//! so mail scanners cannot use it up), and Accept / Decline by POST.

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::invitation::{hash_token, InvitationState};
use crate::error::AppError;
use crate::store::members::invitations::{self, InvitationView, InviteError};
use crate::web::client::client_ip;
use crate::web::extract::{anonymous_layout, flash, CurrentUser};
use crate::web::format;
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

/// Who is looking at the invitation.
enum Viewer {
    Anonymous,
    Invitee,
    Other { email: String, verified: bool },
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    layout: Layout,
    /// `/invitations/{token}` or `/project-invitations/{token}`.
    link: String,
    sign_in_href: String,
    heading: String,
    /// What the invitation is to join: "Acme", "the product Fleet (Acme)".
    target: String,
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

/// What the link's page says about an invitation, to an organization or to a project.
pub struct Summary {
    pub link: String,
    pub heading: String,
    pub target: String,
    pub inviter_name: Option<String>,
    pub role: String,
    pub email: String,
    pub state: InvitationState,
    pub expires_at: time::PrimitiveDateTime,
}

impl Summary {
    fn of(token: &str, view: InvitationView) -> Self {
        Summary {
            link: format!("/invitations/{token}"),
            heading: format!("Join {}", view.org_name),
            target: view.org_name,
            inviter_name: view.inviter_name,
            role: view.role,
            email: view.email,
            state: view.state,
            expires_at: view.expires_at,
        }
    }

    /// 200 while it can be answered, 410 once it cannot.
    pub fn status(&self) -> StatusCode {
        if self.state == InvitationState::Pending {
            StatusCode::OK
        } else {
            StatusCode::GONE
        }
    }
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

/// The link's page for whoever is looking: the invitee gets Accept and
/// Decline, someone signed out a sign-in button, someone else Switch account.
pub async fn page(req: &HttpRequest, s: Summary, error: Option<String>) -> Result<InvitationPage, AppError> {
    let current = CurrentUser::extract(req).await.ok();
    let who = viewer(current.as_ref(), &s.email);
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
        sign_in_href: format!("/login?{}", serde_urlencoded::to_string([("next", &s.link)]).unwrap_or_default()),
        link: s.link,
        heading: s.heading,
        target: s.target,
        inviter: s.inviter_name.unwrap_or_else(|| "An administrator".into()),
        role: s.role,
        email: s.email,
        expires: format::date_time(s.expires_at),
        final_message: s.state.final_message().to_string(),
        anonymous,
        invitee,
        other_email,
        other_unverified,
        error,
    })
}

pub fn not_found() -> AppError {
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
    let summary = Summary::of(&token, load(&state, &token).await?.ok_or_else(not_found)?);
    render_with(summary.status(), &page(&req, summary, None).await?)
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
    let summary = Summary::of(&token, load(&state, &token).await?.ok_or_else(not_found)?);
    render_with(StatusCode::CONFLICT, &page(&req, summary, error).await?)
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
            let summary = Summary::of(&token, load(&state, &token).await?.ok_or_else(not_found)?);
            render_with(StatusCode::CONFLICT, &page(&req, summary, None).await?)
        }
    }
}
