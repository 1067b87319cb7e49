//! The customer data pages of an organization (`customer.view`):
//! Entitlements, Support tickets and Contacts of its linked customer account.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use super::customer_views::{
    contact_items, customer_label, entitlement_items, load_ticket, ticket_items, ContactItem, EntitlementItem,
    TicketItem, TicketList, TicketTabs, TicketView, TicketsQuery,
};
use super::extract::OrgMember;
use super::layout::{render, Layout};
use super::AppState;
use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::customer_data as data;

#[derive(Template)]
#[template(path = "entitlements.html")]
struct EntitlementsPage {
    layout: Layout,
    customer: Option<String>,
    entitlements: Vec<EntitlementItem>,
}

#[get("/orgs/{slug}/entitlements")]
pub async fn entitlements(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let org_id = member.org_id().to_string();
    let (customer, rows) = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(customer) = data::customer_of(conn, &org_id)? else { return Ok((None, Vec::new())) };
        let rows = data::entitlements(conn, &customer.id)?;
        Ok((Some(customer), rows))
    })
    .await?;
    render(&EntitlementsPage {
        layout: member.layout("Entitlements", "entitlements"),
        customer: customer.as_ref().map(customer_label),
        entitlements: entitlement_items(rows, state.clock.now().date()),
    })
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    layout: Layout,
    customer: Option<String>,
    contacts: Vec<ContactItem>,
}

#[get("/orgs/{slug}/contacts")]
pub async fn contacts(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let org_id = member.org_id().to_string();
    let (customer, rows) = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(customer) = data::customer_of(conn, &org_id)? else { return Ok((None, Vec::new())) };
        let rows = data::contacts(conn, &customer.id, &org_id)?;
        Ok((Some(customer), rows))
    })
    .await?;
    render(&ContactsPage {
        layout: member.layout("Contacts", "contacts"),
        customer: customer.as_ref().map(customer_label),
        contacts: contact_items(rows),
    })
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct TicketsPage {
    layout: Layout,
    slug: String,
    customer: Option<String>,
    tickets: Vec<TicketItem>,
    tabs: TicketTabs,
    can_raise: bool,
}

#[get("/orgs/{slug}/tickets")]
pub async fn tickets(
    member: OrgMember,
    query: web::Query<TicketsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let q = query.into_inner();
    let filter = q.filter();
    let org_id = member.org_id().to_string();
    let TicketList { customer, mut rows, counts } =
        db::run(&state.pool, move |conn| TicketList::load(conn, &org_id, &q)).await?;
    let slug = member.view.org.slug.clone();
    let tabs = TicketTabs::new(format!("/orgs/{slug}/tickets"), filter, counts, &mut rows);
    render(&TicketsPage {
        layout: member.layout("Support tickets", "tickets"),
        can_raise: customer.is_some() && member.can(Permission::TicketsCreate),
        customer: customer.as_ref().map(customer_label),
        slug,
        tickets: ticket_items(&rows),
        tabs,
    })
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    layout: Layout,
    back: String,
    staff: bool,
    ticket: TicketView,
}

#[get("/orgs/{slug}/tickets/{id}")]
pub async fn ticket(
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let (slug, id) = path.into_inner();
    let org_id = member.org_id().to_string();
    let ticket = db::run(&state.pool, move |conn| load_ticket(conn, &org_id, &id)).await?;
    render(&TicketPage {
        layout: member.layout(&format!("Ticket {}", ticket.number), "tickets"),
        back: format!("/orgs/{slug}/tickets"),
        staff: false,
        ticket,
    })
}

/// The ticket page as support staff see it (the same page, read-only notice).
pub fn staff_ticket_page(layout: Layout, slug: &str, view: TicketView) -> Result<HttpResponse, AppError> {
    render(&TicketPage { layout, back: format!("/staff/orgs/{slug}/tickets"), staff: true, ticket: view })
}
