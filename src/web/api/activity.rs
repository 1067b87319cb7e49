//! `/api/v1/orgs/{slug}/activity` (activity.view): the organization's
//! activity log, newest first, with the Activity page's filters (actor,
//! action, from, to) and a cursor.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use time::{PrimitiveDateTime, Time};
use utoipa::ToSchema;

use super::key_auth::KeyAuth;
use super::paging::{self, Page, Params};
use super::rfc3339;
use crate::db;
use crate::domain::Permission;
use crate::store::activity::{self, ActivityCursor, ActivityFilter, ActivityRow};
use crate::web::orgs::activity::parse_day;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "3c2b1a09-8f7e-4d6c-5b4a-392817161514", "at": "2027-01-31T12:00:00Z",
    "actor_name": "Ada Admin", "actor_email": "ada@acme.test", "via": "API key Provisioning job (created by Ada Admin)",
    "action": "invitation.create", "target": "grace@acme.test", "details": "role Technical user", "ip": "203.0.113.7"}))]
pub struct ActivityEntry {
    pub id: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// Who acted (the kept name when their account was deleted); null for the operator.
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    /// "API key NAME (created by PERSON)" when the change came through an API key.
    pub via: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
}

fn entry(r: ActivityRow) -> ActivityEntry {
    ActivityEntry {
        id: r.id,
        at: rfc3339(r.created_at),
        actor_name: r.actor_name,
        actor_email: r.actor_email,
        via: r.via,
        action: r.action,
        target: r.target,
        details: r.details,
        ip: r.ip,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityEntry>,
    /// The cursor of the next (older) page; null on the last.
    pub next: Option<String>,
}

fn day(params: &Params, name: &str) -> Result<Option<time::Date>, Problem> {
    parse_day(params.get(name).unwrap_or_default()).map_err(|e| Problem::invalid(name, e))
}

/// The activity log, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/activity", tag = "Activity", operation_id = "listActivity",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("actor" = Option<String>, Query, description = "Only what this user id did"),
        ("action" = Option<String>, Query, description = "Only this action, e.g. `member.role_change`"),
        ("from" = Option<String>, Query, description = "From this day on (YYYY-MM-DD, UTC)"),
        ("to" = Option<String>, Query, description = "Up to and including this day (YYYY-MM-DD, UTC)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Entries per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of the log", body = ActivityList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::ActivityView)?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let before = params.cursor()?.map(|(created_at, id)| ActivityCursor { created_at, id });
    let filter = ActivityFilter {
        actor_id: params.get("actor").filter(|a| !a.is_empty()).map(str::to_string),
        action: params.get("action").filter(|a| !a.is_empty()).map(str::to_string),
        from: day(&params, "from")?.map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT)),
        until: day(&params, "to")?.and_then(|d| d.next_day()).map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT)),
    };
    let org_id = auth.org_id().to_string();
    let mut rows = db::run_read(&auth.state.pool, move |conn| {
        activity::list(conn, Some(&org_id), &filter, before.as_ref(), limit + 1).map_err(Problem::from)
    })
    .await?;
    let next = paging::cut(&mut rows, limit, |r| paging::cursor(r.created_at, &r.id));
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(entry).collect(), next }))
}
