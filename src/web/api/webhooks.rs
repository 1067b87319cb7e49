//! `/api/v1/orgs/{slug}/webhooks` (webhooks.manage): the organization's
//! endpoints as the Webhooks pages manage them (list, add with the secret in
//! the answer only, read, change, delete, rotate the secret, ping); each
//! endpoint's deliveries are in `webhook_deliveries`. The same store
//! functions and the same checks as the pages (`web::webhooks::check`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::idempotency::{self, Answer};
use super::key_auth::KeyAuth;
use super::paging::{self, Page};
use super::rfc3339;
use crate::db;
use crate::domain::sealed::WEBHOOK_SECRET;
use crate::domain::webhook::events::Subscription;
use crate::domain::Permission;
use crate::store::webhooks::endpoints::{self, EndpointError, EndpointRow};
use crate::web::problem::Problem;
use crate::web::webhooks::{check, new_secret, FieldErrors, Typed};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "url": "https://hooks.example.com/orgportal",
    "description": "Access sync", "event_types": ["member.added", "member.removed"], "enabled": true,
    "disabled_reason": null, "failing_since": null, "created_at": "2027-01-31T12:00:00Z"}))]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// `["*"]` for every type (also those added later), or the chosen ones.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why the portal turned it off (3 days of failures), when it did.
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed; null while it works.
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

fn endpoint(row: EndpointRow) -> Endpoint {
    let event_types = match Subscription::from_stored(&row.event_types) {
        Subscription::All => vec!["*".to_string()],
        Subscription::Chosen(types) => types,
    };
    Endpoint {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since.map(rfc3339),
        created_at: rfc3339(row.created_at),
    }
}

/// An endpoint just added, or a secret just rotated: the secret, this once.
#[derive(Serialize, ToSchema)]
pub struct WithSecret {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// `whsec_...`: sign checks with it; it is not shown again.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/orgportal", "description": "Access sync",
    "event_types": ["member.added", "member.removed"]}))]
pub struct NewEndpoint {
    /// `https`, resolving to public addresses only.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// `["*"]` (the default) for every type, or the ones wanted.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// False to add it turned off.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct EndpointUpdate {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// Turning it on again sends what waited, in order.
    pub enabled: Option<bool>,
}

fn typed(url: &str, description: &str, event_types: &[String], enabled: bool) -> Typed {
    let all = event_types.iter().any(|t| t == "*");
    Typed {
        url: url.to_string(),
        description: description.to_string(),
        all,
        chosen: if all { Vec::new() } else { event_types.to_vec() },
        enabled,
    }
}

/// The page's messages as the API's 422, naming the first field that is wrong.
fn refused(errors: FieldErrors) -> Problem {
    let fields = [("url", errors.url), ("description", errors.description), ("event_types", errors.events)];
    let (field, detail) = fields.into_iter().find_map(|(f, e)| e.map(|e| (f, e))).unwrap_or(("url", String::new()));
    Problem::invalid(field, detail)
}

pub(super) async fn found(auth: &KeyAuth, id: String) -> Result<EndpointRow, Problem> {
    auth.require(Permission::WebhooksManage)?;
    let org_id = auth.org_id().to_string();
    db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(endpoints::get(conn, &org_id, &id)?))
        .await?
        .ok_or_else(Problem::not_found)
}

fn db_error(e: EndpointError) -> Problem {
    match e {
        EndpointError::Db(e) => e.into(),
        EndpointError::TooMany => Problem::invalid("url", EndpointError::TooMany.to_string()),
        EndpointError::NotFound => Problem::not_found(),
    }
}

/// The organization's webhook endpoints (at most 20), oldest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/webhooks", tag = "Webhooks", operation_id = "listWebhookEndpoints",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "The endpoints; `next` is always null", body = EndpointList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::WebhooksManage)?;
    let org_id = auth.org_id().to_string();
    let rows = db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(endpoints::list(conn, &org_id)?)).await?;
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(endpoint).collect::<Vec<_>>(), next: None }))
}

#[derive(Serialize, ToSchema)]
pub struct EndpointList {
    pub items: Vec<Endpoint>,
    pub next: Option<String>,
}

/// Adds an endpoint; the answer holds its signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/webhooks", tag = "Webhooks", operation_id = "createWebhookEndpoint",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same body within 24 hours: the first answer, nothing created twice")),
    request_body = NewEndpoint,
    responses((status = 201, description = "The endpoint, with its secret", body = WithSecret),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn create(auth: KeyAuth, req: HttpRequest, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::WebhooksManage)?;
    let new: NewEndpoint = body::parse(&raw.0)?;
    let types = new.event_types.unwrap_or_else(|| vec!["*".into()]);
    let fields = check(&typed(&new.url, &new.description, &types, true), auth.state.webhooks_allow_private, true)
        .await
        .map_err(refused)?;
    let fields = endpoints::EndpointFields { enabled: new.enabled.unwrap_or(true), ..fields };
    idempotency::once(&auth, &req, &raw.0, || async {
        let (org_id, actor, secret) = (auth.org_id().to_string(), auth.actor(), new_secret());
        let stored = auth.state.secrets.seal(WEBHOOK_SECRET, &secret);
        let made = db::run(&auth.state.pool, move |conn| {
            let id = endpoints::create(conn, &org_id, &fields, &stored, &actor);
            Ok::<_, Problem>(match id {
                Ok(id) => Ok(endpoints::get(conn, &org_id, &id)?),
                Err(e) => Err(e),
            })
        })
        .await?;
        match made {
            Ok(Some(row)) => Ok(Answer::new(StatusCode::CREATED, WithSecret { endpoint: endpoint(row), secret })),
            Ok(None) => Err(Problem::not_found()),
            Err(e) => Err(db_error(e)),
        }
    })
    .await
}

/// One endpoint.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/webhooks/{id}", tag = "Webhooks", operation_id = "getWebhookEndpoint",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint", body = Endpoint),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn get(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    Ok(HttpResponse::Ok().json(endpoint(row)))
}

/// Changes an endpoint: its URL, description, event types, on or off.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/webhooks/{id}", tag = "Webhooks", operation_id = "updateWebhookEndpoint",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id")),
    request_body = EndpointUpdate,
    responses((status = 200, description = "The endpoint as saved", body = Endpoint),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn update(auth: KeyAuth, path: web::Path<(String, String)>, raw: RawBody) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let change: EndpointUpdate = body::parse(&raw.0)?;
    let current = endpoint(row.clone());
    let enabled = change.enabled.unwrap_or(row.enabled);
    let wanted = typed(
        change.url.as_deref().unwrap_or(&row.url),
        change.description.as_deref().unwrap_or(&row.description),
        change.event_types.as_deref().unwrap_or(&current.event_types),
        enabled,
    );
    let fields = check(&wanted, auth.state.webhooks_allow_private, enabled).await.map_err(refused)?;
    let (org_id, actor, id) = (auth.org_id().to_string(), auth.actor(), row.id);
    let saved = db::run(&auth.state.pool, move |conn| {
        Ok::<_, Problem>(match endpoints::update(conn, &org_id, &id, &fields, &actor) {
            Ok(()) => Ok(endpoints::get(conn, &org_id, &id)?),
            Err(e) => Err(e),
        })
    })
    .await?;
    auth.state.webhook_wakeup.notify_one();
    match saved {
        Ok(Some(row)) => Ok(HttpResponse::Ok().json(endpoint(row))),
        Ok(None) => Err(Problem::not_found()),
        Err(e) => Err(db_error(e)),
    }
}

/// Deletes an endpoint and its deliveries.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/webhooks/{id}", tag = "Webhooks", operation_id = "deleteWebhookEndpoint",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn delete(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
    let deleted =
        db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(endpoints::delete(conn, &org_id, &row.id, &actor)))
            .await?;
    deleted.map_err(db_error)?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}

/// Makes a new signing secret, in the answer only; the old one signs
/// beside it for 24 hours.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/webhooks/{id}/rotate", tag = "Webhooks", operation_id = "rotateWebhookSecret",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint, with its new secret", body = WithSecret),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn rotate(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let (org_id, actor, secret) = (auth.org_id().to_string(), auth.actor(), new_secret());
    let stored = auth.state.secrets.seal(WEBHOOK_SECRET, &secret);
    let rotated = db::run(&auth.state.pool, move |conn| {
        Ok::<_, Problem>(endpoints::rotate(conn, &org_id, &row.id, &stored, &actor).map(|()| row))
    })
    .await?;
    let row = rotated.map_err(db_error)?;
    Ok(HttpResponse::Ok().json(WithSecret { endpoint: endpoint(row), secret }))
}

/// The event that was queued.
#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// The `webhook-id` it is sent with.
    pub event_id: String,
}

/// Sends a `ping` event to the endpoint.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/webhooks/{id}/ping", tag = "Webhooks", operation_id = "pingWebhookEndpoint",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 202, description = "Queued", body = Queued),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn ping(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    let row = found(&auth, path.into_inner().1).await?;
    let (org_id, now) = (auth.org_id().to_string(), auth.state.clock.now());
    let queued =
        db::run(&auth.state.pool, move |conn| Ok::<_, Problem>(endpoints::ping(conn, &org_id, &row.id, now))).await?;
    let event_id = queued.map_err(db_error)?;
    auth.state.webhook_wakeup.notify_one();
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(Queued { event_id }))
}
