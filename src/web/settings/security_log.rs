//! Settings -> Security log: the account's own sign-ins, sign-outs and ended
//! sessions, newest first, in keyset pages.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::user_agent;
use crate::error::AppError;
use crate::store::accounts::security_log::{self, EventCursor, SecurityEvent};
use crate::web::extract::CurrentUser;
use crate::web::layout::{render, Layout};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::{format, AppState};

const PAGE: i64 = 50;

pub struct EventItem {
    pub when: String,
    pub what: &'static str,
    pub details: String,
    pub ip: String,
    pub browser: String,
}

#[derive(Template)]
#[template(path = "settings/security_log.html")]
struct SecurityLogPage {
    layout: Layout,
    events: Vec<EventItem>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct LogQuery {
    before: Option<String>,
}

#[get("/settings/security-log")]
pub async fn page(
    current: CurrentUser,
    query: web::Query<LogQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let before = query
        .before
        .as_deref()
        .and_then(format::parse_keyset_token)
        .map(|(created_at, id)| EventCursor { created_at, id });
    let past_first = before.is_some();
    let user_id = current.user.id.clone();
    let mut rows = db::run(&state.pool, move |conn| {
        security_log::list(conn, &user_id, before.as_ref(), PAGE + 1).map_err(AppError::from)
    })
    .await?;
    let next_href = cut_to_page(&mut rows, PAGE)
        .map(|last| format!("/settings/security-log?before={}", format::keyset_token(last.created_at, &last.id)));
    let events = rows
        .into_iter()
        .map(|r| EventItem {
            when: format::date_time(r.created_at),
            what: SecurityEvent::label_of(&r.action),
            browser: user_agent::describe(&r.user_agent),
            details: r.details,
            ip: r.ip,
        })
        .collect();
    render(&SecurityLogPage {
        layout: super::layout(&current, "Security log", "security-log"),
        events,
        pager: Pager::new("/settings/security-log".into(), past_first, next_href, "Older"),
    })
}
