//! Settings -> Sessions: every live session of the account (browser, address,
//! when it started and was last used), Sign out of one, and Sign out of all
//! other sessions.

use actix_session::Session;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::user_agent;
use crate::error::AppError;
use crate::store::accounts::sessions;
use crate::web::client::client;
use crate::web::extract::{flash, CurrentUser};
use crate::web::layout::{render, Layout};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{format, see_other, AppState};

pub struct SessionItem {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "settings/sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<SessionItem>,
    idle: String,
    max: String,
}

fn days_or_hours(d: std::time::Duration) -> String {
    let hours = d.as_secs() / 3600;
    match hours {
        0 => format!("{} minutes", (d.as_secs() / 60).max(1)),
        h if h % 24 == 0 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}

#[get("/settings/sessions")]
pub async fn list(page: SignedInPage, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (lifetimes, now) = (state.session_lifetimes, state.clock.now());
    let (current, rows) = page
        .load_own(move |conn, user| sessions::list_active(conn, &user.id, lifetimes.idle, now).map_err(AppError::from))
        .await?;
    let mut items: Vec<SessionItem> = rows
        .into_iter()
        .map(|s| SessionItem {
            current: s.id == current.session_id,
            browser: user_agent::describe(&s.user_agent),
            ip: s.ip,
            started: format::date_time(s.created_at),
            last_seen: format::date_time(s.last_seen_at),
            id: s.id,
        })
        .collect();
    // This session first, then the most recently used.
    items.sort_by_key(|s| !s.current);
    render(&SessionsPage {
        layout: super::layout(&current, "Sessions", "sessions"),
        sessions: items,
        idle: days_or_hours(lifetimes.idle),
        max: days_or_hours(lifetimes.max),
    })
}

#[post("/settings/sessions/{id}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    current: CurrentUser,
    path: web::Path<String>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == current.session_id {
        return Err(AppError::BadRequest("To end this session, use Sign out in the user menu.".into()));
    }
    let (user_id, client, now) = (current.user.id.clone(), client(&req), state.clock.now());
    let ended =
        db::run(&state.pool, move |conn| sessions::revoke(conn, &user_id, &id, &client, now).map_err(AppError::from))
            .await?;
    if !ended {
        // Another person's session, or one that already ended: nothing to say about it.
        return Err(AppError::NotFound);
    }
    flash(&session, "The session was signed out.");
    Ok(see_other("/settings/sessions"))
}

#[post("/settings/sessions/revoke-others")]
pub async fn revoke_others(
    req: HttpRequest,
    current: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (user_id, keep, client, now) =
        (current.user.id.clone(), current.session_id.clone(), client(&req), state.clock.now());
    let n = db::run(&state.pool, move |conn| {
        sessions::revoke_others(conn, &user_id, &keep, &client, now).map_err(AppError::from)
    })
    .await?;
    let message = match n {
        0 => "There were no other sessions.".to_string(),
        1 => "1 other session was signed out.".to_string(),
        n => format!("{n} other sessions were signed out."),
    };
    flash(&session, &message);
    Ok(see_other("/settings/sessions"))
}
