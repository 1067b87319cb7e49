//! Read-only views of one organization for support staff; each is written to
//! that organization's activity log.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::store::customer::TicketDetail;
use crate::store::members as member_store;
use crate::store::staff;
use crate::web::billing::page::{self as billing_page, BillingQuery};
use crate::web::customer::pages::{
    load_contacts, load_entitlements, load_ticket, load_tickets, ContactsPage, EntitlementsPage, TicketPage,
    TicketsPage,
};
use crate::web::customer::views::TicketsQuery;
use crate::web::extract::StaffOrg;
use crate::web::format;
use crate::web::layout::{render, Layout};
use crate::web::members::page::{decode_cursor, encode_cursor};
use crate::web::pager::Pager;
use crate::web::{see_other, AppState};

const MEMBERS_PAGE: i64 = 50;

#[get("")]
pub async fn organization(org: StaffOrg) -> HttpResponse {
    see_other(&format!("/staff/orgs/{}/entitlements", org.org.slug))
}

/// Reads what a page shows and records the view of it (named by `page`
/// from what was read) in the organization's activity log, in one trip.
pub(super) async fn viewed<T, F, P>(
    org: &StaffOrg,
    req: &HttpRequest,
    state: &AppState,
    page: P,
    read: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection, &str) -> Result<T, AppError> + Send + 'static,
    P: FnOnce(&T) -> String + Send + 'static,
{
    let (org_id, actor) = (org.org.id.clone(), org.staff.current.actor(req, state));
    db::run(&state.pool, move |conn| {
        let shown = read(conn, &org_id)?;
        staff::record_view(conn, &org_id, &page(&shown), &actor)?;
        Ok(shown)
    })
    .await
}

#[get("/entitlements")]
pub async fn entitlements(
    org: StaffOrg,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let loaded = viewed(&org, &req, &state, |_| "entitlements".into(), load_entitlements).await?;
    let layout = org.layout("Staff: entitlements", "entitlements");
    render(&EntitlementsPage::new(layout, loaded, state.clock.now().date(), true))
}

#[get("/billing")]
pub async fn billing(
    org: StaffOrg,
    req: HttpRequest,
    query: web::Query<BillingQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let before = query.cursor();
    let past_first = before.is_some();
    let loaded = viewed(
        &org,
        &req,
        &state,
        |_| "billing".into(),
        move |conn, org_id| billing_page::load(conn, org_id, before.as_ref()),
    )
    .await?;
    let (slug, name) = (org.org.slug.clone(), org.org.name.clone());
    let layout = org.layout("Staff: billing", "billing");
    let base = format!("/staff/orgs/{slug}/billing");
    render(&billing_page::page(layout, (&slug, &name), &base, loaded, past_first, true))
}

/// The organization's payment methods as last reported by the provider, read-only.
#[get("/billing/payment-methods")]
pub async fn payment_methods(
    org: StaffOrg,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    use crate::store::billing::payment_methods as store;
    let (customer, stored) = viewed(
        &org,
        &req,
        &state,
        |_| "payment methods".into(),
        |conn, org_id| Ok((store::customer(conn, org_id)?, store::list(conn, org_id)?)),
    )
    .await?;
    let layout = org.layout("Staff: payment methods", "payment-methods");
    let base = format!("/staff/orgs/{}/billing", org.org.slug);
    let mut page =
        crate::web::billing::payment_methods::MethodsPage::kept(layout, base, &state, customer.as_ref(), &stored);
    page.staff = true;
    render(&page)
}

#[get("/tickets")]
pub async fn tickets(
    org: StaffOrg,
    req: HttpRequest,
    query: web::Query<TicketsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let read = q.clone();
    let list =
        viewed(&org, &req, &state, |_| "tickets".into(), move |conn, org_id| load_tickets(conn, org_id, &read)).await?;
    let base = format!("/staff/orgs/{}/tickets", org.org.slug);
    render(&TicketsPage::new(org.layout("Staff: support tickets", "tickets"), list, base, &q, false, true))
}

#[get("/tickets/{id}")]
pub async fn ticket(
    org: StaffOrg,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let label = |t: &TicketDetail| format!("ticket {}", t.row.number);
    let ticket = viewed(&org, &req, &state, label, move |conn, org_id| load_ticket(conn, org_id, &id)).await?;
    let layout = org.layout(&format!("Staff: ticket {}", ticket.row.number), "tickets");
    render(&TicketPage::new(layout, &ticket, format!("/staff/orgs/{}/tickets", org.org.slug), true))
}

#[get("/contacts")]
pub async fn contacts(org: StaffOrg, req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let loaded = viewed(&org, &req, &state, |_| "contacts".into(), load_contacts).await?;
    render(&ContactsPage::new(org.layout("Staff: contacts", "contacts"), loaded, true))
}

pub struct MemberItem {
    pub name: String,
    pub email: String,
    pub role: String,
    pub joined: String,
    pub is_owner: bool,
}

#[derive(Template)]
#[template(path = "staff_members.html")]
struct MembersPage {
    layout: Layout,
    total: i32,
    members: Vec<MemberItem>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct MembersQuery {
    after: Option<String>,
}

#[get("/members")]
pub async fn members(
    org: StaffOrg,
    req: HttpRequest,
    query: web::Query<MembersQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let after = query.after.as_deref().and_then(decode_cursor);
    let past_first = after.is_some();
    let common = state.common_trigrams.clone();
    let page = viewed(
        &org,
        &req,
        &state,
        |_| "members".into(),
        move |conn, org_id| Ok(member_store::page::page(conn, org_id, None, after.as_ref(), MEMBERS_PAGE, &common)?),
    )
    .await?;
    let slug = &org.org.slug;
    let first = format!("/staff/orgs/{slug}/members");
    let next_href = page.next.map(|c| format!("{first}?after={}", encode_cursor(&c)));
    let pager = Pager::new(first, past_first, next_href, "Next");
    let members = page
        .rows
        .into_iter()
        .map(|r| MemberItem {
            is_owner: r.user_id == org.org.owner_id,
            name: r.name,
            email: r.email,
            role: r.role,
            joined: format::date(r.joined_at),
        })
        .collect();
    render(&MembersPage {
        layout: org.layout("Staff: members", "members"),
        total: org.org.member_count,
        members,
        pager,
    })
}
