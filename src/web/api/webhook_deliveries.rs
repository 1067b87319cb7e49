//! `/api/v1/orgs/{slug}/webhooks/{id}/deliveries` (webhooks.manage): an
//! endpoint's deliveries, newest first in keyset pages, and Redeliver; the
//! endpoints themselves are in `webhooks`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::key_auth::KeyAuth;
use super::paging::{self, Page, Params};
use super::rfc3339;
use super::webhooks::{found, Queued};
use crate::db;
use crate::store::webhooks::deliveries::{self, DeliveryRow};
use crate::store::webhooks::payload;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    /// The `webhook-id`: the same on every attempt and every redelivery.
    pub event_id: String,
    pub event_type: String,
    /// pending (queued or waiting to retry), delivered, failed (given up)
    pub state: String,
    pub attempts: i32,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When a pending delivery is tried next.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_attempt_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
    /// The first 4 KB of the last answer's body.
    pub last_response: Option<String>,
    /// The body every attempt sends.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
}

fn delivery(row: DeliveryRow) -> Delivery {
    Delivery {
        request: serde_json::from_str(&payload::body(&row.event_type, &row.data, row.event_at)).unwrap_or_default(),
        next_attempt_at: (row.state == "pending").then(|| rfc3339(row.next_attempt_at)),
        id: row.id,
        event_id: row.event_id,
        event_type: row.event_type,
        state: row.state,
        attempts: row.attempts,
        created_at: rfc3339(row.created_at),
        last_attempt_at: row.last_attempt_at.map(rfc3339),
        last_status: row.last_status,
        last_duration_ms: row.last_duration_ms,
        last_error: row.last_error,
        last_response: row.last_response,
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    /// The cursor of the next (older) page; null on the last.
    pub next: Option<String>,
}

/// The endpoint's deliveries, newest first (events are kept 30 days).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/webhooks/{id}/deliveries", tag = "Webhooks", operation_id = "listWebhookDeliveries",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id"),
        ("limit" = Option<i64>, Query, description = "1 to 100; 50 if not given"),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, description = "A page of deliveries", body = DeliveryList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let before = params.position(|token| Some(token.to_string()))?;
    let mut rows = db::run(&auth.state.pool, move |conn| {
        Ok::<_, Problem>(deliveries::page(conn, &row.id, before.as_deref(), limit + 1)?)
    })
    .await?;
    let next = paging::cut(&mut rows, limit, |r| paging::opaque(&r.id));
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(delivery).collect::<Vec<_>>(), next }))
}

/// Sends the delivery's event to the endpoint again, after what is queued.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "Webhooks",
    operation_id = "redeliverWebhook",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id"),
        ("delivery" = String, Path, description = "The delivery's id")),
    responses((status = 202, description = "Queued", body = Queued),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn redeliver(auth: KeyAuth, path: web::Path<(String, String, String)>) -> Result<HttpResponse, Problem> {
    let (_, id, delivery) = path.into_inner();
    let row = found(&auth, id).await?;
    let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
    let queued = db::run(&auth.state.pool, move |conn| {
        let new = deliveries::redeliver(conn, &org_id, &row.id, &delivery, &actor)?;
        Ok::<_, Problem>(match new {
            Some(_) => Some(deliveries::event_of(conn, &delivery)?),
            None => None,
        })
    })
    .await?;
    let event_id = queued.ok_or_else(Problem::not_found)?;
    auth.state.webhook_wakeup.notify_one();
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(Queued { event_id }))
}
