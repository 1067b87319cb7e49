//! The Activity page: the organization's log, newest first, filtered by
//! actor, action and date range, in keyset pages, and exported as CSV.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time};

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::activity::{self, ActivityCursor, ActivityFilter, ActivityRow};
use crate::web::csv_export::{streamed_attachment, CsvExport};
use crate::web::extract::OrgMember;
use crate::web::format;
use crate::web::layout::{render, Layout};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::signed_in_page::SignedInPage;
use crate::web::AppState;

const PAGE_SIZE: i64 = 50;
/// CSV exports read the log in batches of this many rows.
const EXPORT_BATCH: i64 = 1000;

#[derive(Deserialize, Default, Clone)]
pub struct ActivityQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<String>,
}

pub struct Entry {
    /// Day and time, shown on two lines when the table is narrow.
    pub day: String,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    layout: Layout,
    /// The page's path: `/orgs/{slug}/activity` or `/staff/activity`.
    base: String,
    heading: &'static str,
    intro: &'static str,
    q: ActivityQuery,
    facets: Arc<activity::Facets>,
    entries: Vec<Entry>,
    from_error: Option<String>,
    to_error: Option<String>,
    pager: Pager,
    export_href: String,
}

pub fn parse_day(v: &str) -> Result<Option<Date>, String> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    Date::parse(v.trim(), format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| format!("“{}” is not a date; use YYYY-MM-DD.", v.trim()))
}

/// The filter of the query, and the message for each date that could not be read.
fn filter(q: &ActivityQuery) -> (ActivityFilter, Option<String>, Option<String>) {
    let from = parse_day(&q.from);
    let to = parse_day(&q.to);
    let f = ActivityFilter {
        actor_id: Some(q.actor.clone()).filter(|a| !a.is_empty()),
        action: Some(q.action.clone()).filter(|a| !a.is_empty()),
        from: from.clone().ok().flatten().map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT)),
        // The whole "to" day is included.
        until: to.clone().ok().flatten().and_then(|d| d.next_day()).map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT)),
    };
    (f, from.err(), to.err())
}

fn encode_cursor(c: &ActivityCursor) -> String {
    format::keyset_token(c.created_at, &c.id)
}

fn decode_cursor(s: &str) -> Option<ActivityCursor> {
    format::parse_keyset_token(s).map(|(created_at, id)| ActivityCursor { created_at, id })
}

fn actor_label(r: &ActivityRow) -> String {
    if let Some(via) = &r.via {
        return via.clone();
    }
    match (&r.actor_name, &r.actor_email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(name), None) => format!("{name} (account deleted)"),
        _ => "—".to_string(),
    }
}

fn query_string(q: &ActivityQuery, before: Option<&str>) -> String {
    let mut pairs = vec![("actor", q.actor.as_str()), ("action", &q.action), ("from", &q.from), ("to", &q.to)];
    if let Some(b) = before {
        pairs.push(("before", b));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Which log a page shows: an organization's, or the site-wide one (rows of
/// no organization: deletions, imports, staff changes, sign-ins of people
/// without an organization).
pub struct Log {
    pub org_id: Option<String>,
    /// The page's path; `{base}.csv` is the export.
    pub base: String,
    pub heading: &'static str,
    pub intro: &'static str,
}

/// One page of `log`, filtered by the query.
pub async fn render_log(
    layout: Layout,
    log: Log,
    q: ActivityQuery,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let (org_id, query) = (log.org_id.clone(), q.clone());
    let read = db::run_read(&state.pool, move |conn| read_log(conn, org_id.as_deref(), &query, None)).await?;
    show_log(layout, log, q, read)
}

type LogRead = (Vec<ActivityRow>, Arc<activity::Facets>);

/// The page's rows (one more than a page, to know whether there is a next)
/// and the filter lists: what `show_log` shows. An organization's lists come
/// from `kept` when given, under the facets_version the session's statement
/// read.
fn read_log(
    conn: &mut db::AnyConnection,
    org_id: Option<&str>,
    q: &ActivityQuery,
    kept: Option<(&activity::KeptFacets, i64)>,
) -> Result<LogRead, AppError> {
    let (f, _, _) = filter(q);
    let before = q.before.as_deref().and_then(decode_cursor);
    let rows = activity::list(conn, org_id, &f, before.as_ref(), PAGE_SIZE + 1)?;
    let facets = match (org_id, kept) {
        (Some(org_id), Some((kept, version))) => activity::kept_facets(conn, kept, org_id, version)?,
        _ => Arc::new(activity::facets(conn, org_id)?),
    };
    Ok((rows, facets))
}

fn show_log(layout: Layout, log: Log, q: ActivityQuery, (mut rows, facets): LogRead) -> Result<HttpResponse, AppError> {
    let (_, from_error, to_error) = filter(&q);
    let base = log.base;
    let next_href = cut_to_page(&mut rows, PAGE_SIZE).map(|last| {
        let cursor = encode_cursor(&ActivityCursor { created_at: last.created_at, id: last.id.clone() });
        format!("{base}?{}", query_string(&q, Some(&cursor)))
    });
    let first = format!("{base}?{}", query_string(&q, None));
    let pager = Pager::new(first, q.before.is_some(), next_href, "Older");
    let entries = rows
        .iter()
        .map(|r| Entry {
            day: format::date(r.created_at),
            time: format::time_of_day(r.created_at),
            actor: actor_label(r),
            action: r.action.clone(),
            target: r.target.clone(),
            details: r.details.clone(),
            ip: r.ip.clone(),
        })
        .collect();
    let export_href = format!("{base}.csv?{}", query_string(&q, None));
    render(&ActivityPage {
        layout,
        base,
        heading: log.heading,
        intro: log.intro,
        q,
        facets,
        entries,
        from_error,
        to_error,
        pager,
        export_href,
    })
}

#[get("/activity")]
pub async fn page(
    org_page: SignedInPage,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let (read, kept) = (q.clone(), state.activity_facets.clone());
    let (member, found) = org_page
        .load(Permission::ActivityView, move |conn, view| {
            read_log(conn, Some(&view.org.id), &read, Some((&kept, view.org.facets_version)))
        })
        .await?;
    let log = Log {
        org_id: Some(member.org_id().to_string()),
        base: format!("/orgs/{}/activity", member.view.org.slug),
        heading: "Activity",
        intro: "Everything that happened in this organization, newest first. Times are UTC.",
    };
    show_log(member.layout("Activity", "activity"), log, q, found)
}

/// Every row of `org_id`'s log (None: site-wide) that the query selects, as CSV.
pub async fn export_log(
    org_id: Option<String>,
    filename: String,
    q: &ActivityQuery,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let (f, from_error, to_error) = filter(q);
    if let Some(e) = from_error.or(to_error) {
        return Err(AppError::BadRequest(e));
    }
    // One batch per trip to the database, sent before the next is read.
    // The first is read before the answer starts, so that a failure there
    // is an error page, not a 200 cut short.
    struct Next {
        before: Option<ActivityCursor>,
        done: bool,
    }
    let (pool, f) = (state.pool.clone(), std::sync::Arc::new(f));
    let read = move |before: Option<ActivityCursor>, first: bool| {
        let (pool, f, org_id) = (pool.clone(), f.clone(), org_id.clone());
        async move {
            let (bytes, last, n) = db::run(&pool, move |conn| -> Result<_, AppError> {
                let rows = activity::list(conn, org_id.as_deref(), &f, before.as_ref(), EXPORT_BATCH)?;
                Ok((csv_part(&rows, first)?, rows.last().map(|l| (l.created_at, l.id.clone())), rows.len()))
            })
            .await?;
            let before = last.map(|(created_at, id)| ActivityCursor { created_at, id });
            Ok::<_, AppError>((actix_web::web::Bytes::from(bytes), Next { before, done: (n as i64) < EXPORT_BATCH }))
        }
    };
    let (head, after_head) = read(None, true).await?;
    let rest = futures_util::stream::unfold(after_head, move |next| {
        let read = read.clone();
        async move {
            if next.done {
                return None;
            }
            Some(match read(next.before, false).await {
                Ok((bytes, next)) => (Ok(bytes), next),
                Err(e) => {
                    tracing::error!(error = %e, "the activity export stopped");
                    (Err(e), Next { before: None, done: true })
                }
            })
        }
    });
    let parts =
        futures_util::StreamExt::chain(futures_util::stream::once(std::future::ready(Ok::<_, AppError>(head))), rest);
    Ok(streamed_attachment(parts, &filename))
}

/// One batch of rows as CSV; the first with the header.
fn csv_part(rows: &[ActivityRow], first: bool) -> Result<Vec<u8>, AppError> {
    let mut out = if first {
        CsvExport::new(&["time", "actor_name", "actor_email", "action", "target", "details", "ip", "via"])?
    } else {
        CsvExport::rows_only()
    };
    for r in rows {
        let when = r.created_at.assume_utc().format(&time::format_description::well_known::Rfc3339);
        out.row(&[
            when.unwrap_or_default().as_str(),
            r.actor_name.as_deref().unwrap_or(""),
            r.actor_email.as_deref().unwrap_or(""),
            &r.action,
            &r.target,
            &r.details,
            &r.ip,
            r.via.as_deref().unwrap_or(""),
        ])?;
    }
    out.finish()
}

#[get("/activity.csv")]
pub async fn export(
    member: OrgMember,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::ActivityView)?;
    let filename = format!("activity-{}.csv", member.view.org.slug);
    export_log(Some(member.org_id().to_string()), filename, &query, &state).await
}
