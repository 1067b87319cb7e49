//! An endpoint's deliveries as its page lists them (the last 100, then
//! older pages by keyset), and Redeliver.

use actix_session::Session;
use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::webhooks::deliveries::{self, DeliveryRow};
use crate::store::webhooks::payload;
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::{see_other, AppState};

/// Deliveries on one page.
pub const PAGE: i64 = 100;

pub struct DeliveryItem {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub created: String,
    /// "Delivered", "Waiting to retry", "Queued", "Failed"
    pub state: &'static str,
    pub ok: bool,
    pub attempts: i32,
    pub last_status: String,
    pub duration: String,
    pub last_error: String,
    pub next_attempt: String,
    /// The body every attempt sent.
    pub request: String,
    pub response: String,
}

fn item(row: DeliveryRow) -> DeliveryItem {
    let state = match (row.state.as_str(), row.attempts) {
        ("delivered", _) => "Delivered",
        ("failed", _) => "Failed",
        (_, 0) => "Queued",
        _ => "Waiting to retry",
    };
    DeliveryItem {
        request: pretty(&payload::body(&row.event_type, &row.data, row.event_at)),
        id: row.id,
        event_id: row.event_id,
        event_type: row.event_type,
        created: format::date_time(row.created_at),
        ok: state == "Delivered",
        state,
        attempts: row.attempts,
        last_status: row.last_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
        duration: row.last_duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into()),
        last_error: row.last_error.unwrap_or_default(),
        next_attempt: if state == "Waiting to retry" { format::date_time(row.next_attempt_at) } else { String::new() },
        response: row.last_response.unwrap_or_default(),
    }
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_string())
}

/// A page of the endpoint's deliveries, and the cursor of the next.
pub async fn load(
    state: &AppState,
    endpoint_id: String,
    before: Option<String>,
) -> Result<(Vec<DeliveryItem>, Option<String>), AppError> {
    let mut rows = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(deliveries::page(conn, &endpoint_id, before.as_deref(), PAGE + 1)?)
    })
    .await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let next = if more { rows.last().map(|r| r.id.clone()) } else { None };
    Ok((rows.into_iter().map(item).collect(), next))
}

#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let (slug, endpoint_id, delivery) = path.into_inner();
    let (org_id, actor, endpoint) = (member.org_id().to_string(), member.actor(&req, &state), endpoint_id.clone());
    let queued = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(deliveries::redeliver(conn, &org_id, &endpoint, &delivery, &actor)?)
    })
    .await?;
    if queued.is_none() {
        return Err(AppError::NotFound);
    }
    state.webhook_wakeup.notify_one();
    flash(&session, "The event was queued to be sent again.");
    Ok(see_other(&format!("/orgs/{slug}/webhooks/{endpoint_id}")))
}
