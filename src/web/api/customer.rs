//! `/api/v1/orgs/{slug}/entitlements` and `/tickets`: the customer data of
//! the organization's linked customer account (customer.view), and a new
//! support ticket (tickets.create), as the customer pages show and raise them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::idempotency::{self, Answer};
use super::key_auth::KeyAuth;
use super::paging::{self, Page, Params};
use super::rfc3339;
use crate::db;
use crate::domain::customer_data::NewTicket;
use crate::domain::Permission;
use crate::store::customer::{self as data, CustomerLink, TicketCursor, TicketFilter, TicketRow};
use crate::web::problem::Problem;

const NOT_LINKED: &str =
    "This organization is not linked to a customer account, so there are no entitlements, support tickets or contacts.";

async fn customer(auth: &KeyAuth) -> Result<CustomerLink, Problem> {
    let org_id = auth.org_id().to_string();
    db::run(&auth.state.pool, move |conn| data::customer_of(conn, &org_id).map_err(Problem::from))
        .await?
        .ok_or_else(|| Problem::conflict(NOT_LINKED))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"product": "MySQL Support", "support_level": "Premium", "starts_on": "2027-01-01",
    "ends_on": "2027-12-31", "quantity": 4, "price": {"minor": 1200000, "currency": "EUR"}, "expired": false}))]
pub struct EntitlementInfo {
    pub product: String,
    pub support_level: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: String,
    pub quantity: i32,
    /// In the currency's minor unit (cents).
    pub price: Option<PriceInfo>,
    pub expired: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PriceInfo {
    pub minor: i64,
    pub currency: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntitlementList {
    pub items: Vec<EntitlementInfo>,
}

/// The customer account's entitlements, those ending last first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/entitlements", tag = "Customer data", operation_id = "listEntitlements",
    params(("slug" = String, Path, description = "The organization's URL name")),
    responses((status = 200, description = "Every entitlement", body = EntitlementList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn entitlements(auth: KeyAuth) -> Result<HttpResponse, Problem> {
    auth.require(Permission::CustomerView)?;
    let customer = customer(&auth).await?;
    let rows =
        db::run(&auth.state.pool, move |conn| data::entitlements(conn, &customer.id).map_err(Problem::from)).await?;
    let today = auth.state.clock.now().date();
    let items = rows
        .into_iter()
        .map(|e| EntitlementInfo {
            expired: e.ends_on < today,
            product: e.product,
            support_level: e.support_level,
            starts_on: e.starts_on.to_string(),
            ends_on: e.ends_on.to_string(),
            quantity: e.quantity,
            price: e.price.map(|m| PriceInfo { minor: m.minor, currency: m.currency }),
        })
        .collect();
    Ok(HttpResponse::Ok().json(EntitlementList { items }))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "5e4d3c2b-1a09-4f8e-7d6c-5b4a39281716", "number": "P-000042", "subject": "Replica lag",
    "status": "New", "priority": "High", "opened_at": "2027-01-31T12:00:00Z", "updated_at": "2027-01-31T12:00:00Z", "closed": false}))]
pub struct Ticket {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub closed: bool,
}

fn ticket(t: TicketRow) -> Ticket {
    Ticket {
        id: t.id,
        number: t.number,
        subject: t.subject,
        status: t.status,
        priority: t.priority,
        opened_at: rfc3339(t.opened_at),
        updated_at: rfc3339(t.updated_at),
        closed: t.closed,
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketList {
    pub items: Vec<Ticket>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// The support tickets, most recently updated first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/tickets", tag = "Customer data", operation_id = "listTickets",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("status" = Option<String>, Query, description = "`open` (the default), `closed` or `all`"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Tickets per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of tickets", body = TicketList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn tickets(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::CustomerView)?;
    let params = Params::of(&req);
    let limit = params.limit()?;
    let before = params.cursor()?.map(|(updated_at, id)| TicketCursor { updated_at, id });
    let filter = match params.get("status").unwrap_or("open") {
        "open" => TicketFilter::Open,
        "closed" => TicketFilter::Closed,
        "all" => TicketFilter::All,
        _ => return Err(Problem::invalid("status", "Choose open, closed or all.")),
    };
    let customer = customer(&auth).await?;
    let mut rows = db::run(&auth.state.pool, move |conn| {
        data::tickets(conn, &customer.id, filter, before.as_ref(), limit + 1).map_err(Problem::from)
    })
    .await?;
    let next = paging::cut(&mut rows, limit, |t| paging::cursor(t.updated_at, &t.id));
    Ok(paging::respond(&req, Page { items: rows.into_iter().map(ticket).collect(), next }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "Replica lag", "priority": "High", "description": "The replica is 20 minutes behind since 09:00 UTC."}))]
pub struct NewTicketBody {
    pub subject: String,
    /// Low, Normal, High or Urgent.
    pub priority: String,
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct RaisedTicket {
    /// The ticket's number, as its page and emails show it.
    pub number: String,
}

/// Raises a support ticket for the linked customer account.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/tickets", tag = "Customer data", operation_id = "raiseTicket",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same body within 24 hours: the first answer, nothing created twice")),
    request_body = NewTicketBody,
    responses((status = 201, description = "Raised", body = RaisedTicket),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn raise(auth: KeyAuth, req: HttpRequest, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::TicketsCreate)?;
    let new: NewTicketBody = body::parse(&raw.0)?;
    let checked = NewTicket::parse(&new.subject, &new.priority, &new.description).map_err(|e| {
        let (field, message) = [("subject", e.subject), ("priority", e.priority), ("description", e.description)]
            .into_iter()
            .find_map(|(f, m)| m.map(|m| (f, m)))
            .unwrap_or(("subject", "This ticket cannot be raised.".into()));
        Problem::invalid(field, message)
    })?;
    let customer = customer(&auth).await?;
    idempotency::once(&auth, &req, &raw.0, || async {
        let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
        let number = db::run(&auth.state.pool, move |conn| {
            data::raise(conn, &org_id, &customer.id, &checked, &actor).map_err(Problem::from)
        })
        .await?;
        Ok(Answer::new(StatusCode::CREATED, RaisedTicket { number }))
    })
    .await
}
