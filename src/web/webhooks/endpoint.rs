//! One endpoint's page: its settings (URL, description, events, on or
//! off), Rotate secret (the new one shown once; the old one signs beside it
//! for a day), Send test ping, Delete, and its deliveries.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::deliveries::{self, DeliveryItem};
use super::list::{item, EndpointItem};
use super::{check, event_choices, new_secret, EndpointForm, EventChoice, FieldErrors, Typed};
use crate::db;
use crate::domain::sealed::WEBHOOK_SECRET;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::webhooks::endpoints::{self, EndpointRow};
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::Form;
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template)]
#[template(path = "webhook.html")]
struct EndpointPage {
    layout: Layout,
    slug: String,
    endpoint: EndpointItem,
    typed: Typed,
    choices: Vec<EventChoice>,
    errors: FieldErrors,
    /// A secret just made by a rotation, shown this once.
    new_secret: Option<String>,
    /// Until when the replaced secret still signs.
    old_secret_until: Option<String>,
    deliveries: Vec<DeliveryItem>,
    /// The cursor of the next (older) page of deliveries.
    next: Option<String>,
    /// True on an older page (a link back to the newest).
    older: bool,
    allow_private: bool,
}

async fn find(member: &OrgMember, state: &AppState, id: &str) -> Result<EndpointRow, AppError> {
    let (org_id, id) = (member.org_id().to_string(), id.to_string());
    db::run(&state.pool, move |conn| Ok::<_, AppError>(endpoints::get(conn, &org_id, &id)?))
        .await?
        .ok_or(AppError::NotFound)
}

async fn page(
    member: &OrgMember,
    state: &AppState,
    row: EndpointRow,
    typed: Option<Typed>,
    before: Option<String>,
) -> Result<EndpointPage, AppError> {
    let typed = typed.unwrap_or_else(|| Typed::from_stored(&row.url, &row.description, &row.event_types, row.enabled));
    let now = state.clock.now();
    let old_secret_until = row.previous_until.filter(|until| *until > now).map(format::date_time);
    let older = before.is_some();
    let (deliveries, next) = deliveries::load(state, row.id.clone(), before).await?;
    Ok(EndpointPage {
        layout: member.layout("Webhook endpoint", "webhooks"),
        slug: member.view.org.slug.clone(),
        endpoint: item(row),
        choices: event_choices(&typed),
        typed,
        errors: FieldErrors::default(),
        new_secret: None,
        old_secret_until,
        deliveries,
        next,
        older,
        allow_private: state.webhooks_allow_private,
    })
}

#[derive(Deserialize)]
pub struct Older {
    before: Option<String>,
}

#[get("/webhooks/{id}")]
pub async fn show(
    member: OrgMember,
    path: web::Path<(String, String)>,
    query: web::Query<Older>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let row = find(&member, &state, &path.1).await?;
    render_with(StatusCode::OK, &page(&member, &state, row, None, query.into_inner().before).await?)
}

#[post("/webhooks/{id}")]
pub async fn update(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    form: Form<EndpointForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let (slug, id) = path.into_inner();
    let row = find(&member, &state, &id).await?;
    let typed = Typed::from_form(&form);
    let fields = match check(&typed, state.webhooks_allow_private, typed.enabled).await {
        Ok(fields) => fields,
        Err(errors) => {
            let mut view = page(&member, &state, row, Some(typed), None).await?;
            view.errors = errors;
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let (org_id, actor, endpoint) = (member.org_id().to_string(), member.actor(&req, &state), id.clone());
    let updated = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(endpoints::update(conn, &org_id, &endpoint, &fields, &actor))
    })
    .await?;
    match updated {
        Ok(()) => {
            // Turned on again: what waited goes out now.
            state.webhook_wakeup.notify_one();
            flash(&session, "The endpoint was saved.");
            Ok(see_other(&format!("/orgs/{slug}/webhooks/{id}")))
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/webhooks/{id}/rotate")]
pub async fn rotate(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let id = path.into_inner().1;
    let (org_id, actor, secret) = (member.org_id().to_string(), member.actor(&req, &state), new_secret());
    let (endpoint, stored) = (id.clone(), state.secrets.seal(WEBHOOK_SECRET, &secret));
    let rotated = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(endpoints::rotate(conn, &org_id, &endpoint, &stored, &actor))
    })
    .await?;
    match rotated {
        Ok(()) => {
            let row = find(&member, &state, &id).await?;
            let mut view = page(&member, &state, row, None, None).await?;
            view.new_secret = Some(secret);
            render_with(StatusCode::OK, &view)
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/webhooks/{id}/ping")]
pub async fn ping(
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, endpoint, now) = (member.org_id().to_string(), id.clone(), state.clock.now());
    let queued =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(endpoints::ping(conn, &org_id, &endpoint, now))).await?;
    match queued {
        Ok(_) => {
            state.webhook_wakeup.notify_one();
            flash(&session, "A ping event was queued; its delivery is listed below.");
            Ok(see_other(&format!("/orgs/{slug}/webhooks/{id}")))
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/webhooks/{id}/delete")]
pub async fn delete(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let (slug, id) = path.into_inner();
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let deleted =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(endpoints::delete(conn, &org_id, &id, &actor))).await?;
    match deleted {
        Ok(url) => {
            flash(&session, &format!("The endpoint {url} was deleted."));
            Ok(see_other(&format!("/orgs/{slug}/webhooks")))
        }
        Err(e) => Err(e.into()),
    }
}
