//! The customer data pages of an organization (`customer.view`):
//! Entitlements, Support tickets (and each ticket) and Contacts of its linked
//! customer account. The staff area shows the same pages, read-only, through
//! the page types and loaders here.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::db::{self, AnyConnection};
use crate::domain::customer_import::Entitlement;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::customer::{self as data, ContactRow, CustomerLink, TicketDetail, TicketRow};
use crate::web::customer::views::{
    contact_items, customer_label, entitlement_items, ticket_item, ContactItem, EntitlementItem, TicketItem,
    TicketTabs, TicketView, TicketsQuery, TICKETS_PAGE,
};
use crate::web::extract::OrgMember;
use crate::web::layout::{render, Layout};
use crate::web::pager::Pager;
use crate::web::AppState;

/// What a customer data page read: the linked account, if any, and its rows.
pub struct Loaded<T> {
    pub customer: Option<CustomerLink>,
    pub rows: T,
}

impl<T> Loaded<T> {
    fn label(&self) -> Option<String> {
        self.customer.as_ref().map(customer_label)
    }
}

/// The organization's customer account and what `read` takes from it
/// (nothing, without an account).
fn with_customer<T: Default>(
    conn: &mut AnyConnection,
    org_id: &str,
    read: impl FnOnce(&mut AnyConnection, &CustomerLink) -> diesel::QueryResult<T>,
) -> Result<Loaded<T>, AppError> {
    let Some(customer) = data::customer_of(conn, org_id)? else {
        return Ok(Loaded { customer: None, rows: T::default() });
    };
    let rows = read(conn, &customer)?;
    Ok(Loaded { customer: Some(customer), rows })
}

pub fn load_entitlements(conn: &mut AnyConnection, org_id: &str) -> Result<Loaded<Vec<Entitlement>>, AppError> {
    with_customer(conn, org_id, |conn, c| data::entitlements(conn, &c.id))
}

pub fn load_contacts(conn: &mut AnyConnection, org_id: &str) -> Result<Loaded<Vec<ContactRow>>, AppError> {
    with_customer(conn, org_id, |conn, c| data::contacts(conn, &c.id, org_id))
}

/// A page of tickets (one row more than a page, to tell whether there is a
/// next one) and the (open, closed) counts.
pub type TicketList = Loaded<(Vec<TicketRow>, (i64, i64))>;

pub fn load_tickets(conn: &mut AnyConnection, org_id: &str, q: &TicketsQuery) -> Result<TicketList, AppError> {
    with_customer(conn, org_id, |conn, c| {
        let rows = data::tickets(conn, &c.id, q.filter(), q.cursor().as_ref(), TICKETS_PAGE + 1)?;
        Ok((rows, data::ticket_counts(conn, &c.id)?))
    })
}

/// The ticket `id` if it belongs to the organization's customer account.
pub fn load_ticket(conn: &mut AnyConnection, org_id: &str, id: &str) -> Result<TicketDetail, AppError> {
    let customer = data::customer_of(conn, org_id)?.ok_or(AppError::NotFound)?;
    data::ticket(conn, &customer.id, id)?.ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "entitlements.html")]
pub struct EntitlementsPage {
    layout: Layout,
    customer: Option<String>,
    entitlements: Vec<EntitlementItem>,
    /// The staff area's read-only view.
    staff: bool,
}

impl EntitlementsPage {
    pub fn new(layout: Layout, loaded: Loaded<Vec<Entitlement>>, today: time::Date, staff: bool) -> Self {
        Self { layout, customer: loaded.label(), entitlements: entitlement_items(loaded.rows, today), staff }
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
pub struct ContactsPage {
    layout: Layout,
    customer: Option<String>,
    contacts: Vec<ContactItem>,
    staff: bool,
}

impl ContactsPage {
    pub fn new(layout: Layout, loaded: Loaded<Vec<ContactRow>>, staff: bool) -> Self {
        Self { layout, customer: loaded.label(), contacts: contact_items(loaded.rows), staff }
    }
}

#[derive(Template)]
#[template(path = "tickets.html")]
pub struct TicketsPage {
    layout: Layout,
    /// Where "Raise a ticket" goes, when `can_raise`.
    new_href: String,
    customer: Option<String>,
    tickets: Vec<TicketItem>,
    tabs: TicketTabs,
    pager: Pager,
    can_raise: bool,
    staff: bool,
}

impl TicketsPage {
    /// The list at `base` (its path), as the query asked for it.
    pub fn new(layout: Layout, list: TicketList, base: String, q: &TicketsQuery, can_raise: bool, staff: bool) -> Self {
        let customer = list.label();
        let (mut rows, counts) = list.rows;
        let (tabs, pager) = TicketTabs::new(base.clone(), q, counts, &mut rows);
        Self {
            layout,
            new_href: format!("{base}/new"),
            can_raise: can_raise && customer.is_some(),
            customer,
            tickets: rows.iter().map(ticket_item).collect(),
            tabs,
            pager,
            staff,
        }
    }
}

#[derive(Template)]
#[template(path = "ticket.html")]
pub struct TicketPage {
    layout: Layout,
    back: String,
    staff: bool,
    ticket: TicketView,
}

impl TicketPage {
    pub fn new(layout: Layout, detail: &TicketDetail, back: String, staff: bool) -> Self {
        Self { layout, back, staff, ticket: TicketView::new(detail) }
    }
}

#[get("/entitlements")]
pub async fn entitlements(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let org_id = member.org_id().to_string();
    let loaded = db::run(&state.pool, move |conn| load_entitlements(conn, &org_id)).await?;
    let layout = member.layout("Entitlements", "entitlements");
    render(&EntitlementsPage::new(layout, loaded, state.clock.now().date(), false))
}

#[get("/contacts")]
pub async fn contacts(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let org_id = member.org_id().to_string();
    let loaded = db::run(&state.pool, move |conn| load_contacts(conn, &org_id)).await?;
    render(&ContactsPage::new(member.layout("Contacts", "contacts"), loaded, false))
}

#[get("/tickets")]
pub async fn tickets(
    member: OrgMember,
    query: web::Query<TicketsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let q = query.into_inner();
    let (org_id, read) = (member.org_id().to_string(), q.clone());
    let list = db::run(&state.pool, move |conn| load_tickets(conn, &org_id, &read)).await?;
    let base = format!("/orgs/{}/tickets", member.view.org.slug);
    let layout = member.layout("Support tickets", "tickets");
    render(&TicketsPage::new(layout, list, base, &q, member.can(Permission::TicketsCreate), false))
}

#[get("/tickets/{id}")]
pub async fn ticket(
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::CustomerView)?;
    let (slug, id) = path.into_inner();
    let org_id = member.org_id().to_string();
    let ticket = db::run(&state.pool, move |conn| load_ticket(conn, &org_id, &id)).await?;
    let layout = member.layout(&format!("Ticket {}", ticket.row.number), "tickets");
    render(&TicketPage::new(layout, &ticket, format!("/orgs/{slug}/tickets"), false))
}
