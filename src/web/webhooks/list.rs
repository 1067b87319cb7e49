//! The Webhooks page: the organization's endpoints, and the form that adds
//! one (its signing secret is shown once, on the answer).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use super::{check, event_choices, new_secret, EndpointForm, EventChoice, FieldErrors, Typed};
use crate::db;
use crate::domain::sealed::WEBHOOK_SECRET;
use crate::domain::webhook::events::Subscription;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::webhooks::endpoints::{self, EndpointError, EndpointRow};
use crate::web::extract::OrgMember;
use crate::web::format;
use crate::web::input::Form;
use crate::web::layout::{render_with, Layout};
use crate::web::AppState;

pub struct EndpointItem {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    /// "On", "Off", "Off: it failed every delivery for 3 days.", "Failing since ..."
    pub state: String,
    pub healthy: bool,
    pub created: String,
}

pub fn item(row: EndpointRow) -> EndpointItem {
    let events = match Subscription::from_stored(&row.event_types) {
        Subscription::All => "All events".to_string(),
        Subscription::Chosen(types) => types.join(", "),
    };
    let (state, healthy) = match (row.enabled, &row.disabled_reason, row.failing_since) {
        (false, Some(why), _) => (format!("Off: {why}"), false),
        (false, None, _) => ("Off".to_string(), false),
        (true, _, Some(since)) => (format!("Failing since {}", format::date_time(since)), false),
        (true, _, None) => ("On".to_string(), true),
    };
    EndpointItem {
        id: row.id,
        url: row.url,
        description: row.description,
        events,
        state,
        healthy,
        created: format::date_time(row.created_at),
    }
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    slug: String,
    endpoints: Vec<EndpointItem>,
    typed: Typed,
    choices: Vec<EventChoice>,
    errors: FieldErrors,
    /// The endpoint just added: (its id, its URL, its secret), shown this once.
    created: Option<(String, String, String)>,
    allow_private: bool,
}

async fn page(member: &OrgMember, state: &AppState, typed: Typed) -> Result<WebhooksPage, AppError> {
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| Ok::<_, AppError>(endpoints::list(conn, &org_id)?)).await?;
    Ok(WebhooksPage {
        layout: member.layout("Webhooks", "webhooks"),
        slug: member.view.org.slug.clone(),
        endpoints: rows.into_iter().map(item).collect(),
        choices: event_choices(&typed),
        typed,
        errors: FieldErrors::default(),
        created: None,
        allow_private: state.webhooks_allow_private,
    })
}

#[get("/webhooks")]
pub async fn list(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    render_with(StatusCode::OK, &page(&member, &state, Typed::new_endpoint()).await?)
}

#[post("/webhooks")]
pub async fn create(
    req: HttpRequest,
    member: OrgMember,
    form: Form<EndpointForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::WebhooksManage)?;
    let typed = Typed::from_form(&form);
    let fields = match check(&typed, state.webhooks_allow_private, true).await {
        Ok(fields) => fields,
        Err(errors) => {
            let mut view = page(&member, &state, typed).await?;
            view.errors = errors;
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let (org_id, actor, secret) = (member.org_id().to_string(), member.actor(&req, &state), new_secret());
    let (stored, url) = (state.secrets.seal(WEBHOOK_SECRET, &secret), fields.url.clone());
    let created =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(endpoints::create(conn, &org_id, &fields, &stored, &actor)))
            .await?;
    match created {
        Ok(id) => {
            let mut view = page(&member, &state, Typed::new_endpoint()).await?;
            view.created = Some((id, url, secret));
            render_with(StatusCode::OK, &view)
        }
        Err(EndpointError::TooMany) => {
            let mut view = page(&member, &state, typed).await?;
            view.errors.url = Some(EndpointError::TooMany.to_string());
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(EndpointError::NotFound) => Err(AppError::NotFound),
        Err(EndpointError::Db(e)) => Err(e.into()),
    }
}
