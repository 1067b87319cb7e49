//! The support staff area: every organization with search, and read-only
//! views of one organization's entitlements, tickets, contacts and members.
//! Each view of an organization's data is written to its activity log.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::activity::{export_log, render_log, ActivityQuery, Log};
use super::customer_pages::{
    load_contacts, load_entitlements, load_ticket, load_tickets, ContactsPage, EntitlementsPage, TicketPage,
    TicketsPage,
};
use super::customer_views::TicketsQuery;
use super::extract::{StaffOrg, StaffUser};
use super::format;
use super::layout::{render, Layout};
use super::members::{decode_cursor, encode_cursor};
use super::pager::{cut_to_page, Pager};
use super::{see_other, AppState};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::store::customer_data::TicketDetail;
use crate::store::members as member_store;
use crate::store::staff::{self, OrgListRow};

const ORGS_PAGE: i64 = 50;
const MEMBERS_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct OrgsQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

pub struct OrgItem {
    pub name: String,
    pub slug: String,
    pub members: i32,
    pub created: String,
    pub customer: String,
}

#[derive(Template)]
#[template(path = "staff_orgs.html")]
struct OrgsPage {
    layout: Layout,
    q: String,
    orgs: Vec<OrgItem>,
    pager: Pager,
}

#[get("/staff")]
pub async fn organizations(
    staff: StaffUser,
    query: web::Query<OrgsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let OrgsQuery { q, after } = query.into_inner();
    let (search, after_slug) = (q.clone(), after.clone());
    let mut rows: Vec<OrgListRow> = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        Ok(staff::organizations(conn, Some(&search), after_slug.as_deref(), ORGS_PAGE + 1)?)
    })
    .await?;
    let listed = |after: Option<&str>| {
        let mut pairs = vec![("q", q.as_str())];
        pairs.extend(after.map(|a| ("after", a)));
        format!("/staff?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let next_href = cut_to_page(&mut rows, ORGS_PAGE).map(|last| listed(Some(&last.slug)));
    let pager = Pager::new(listed(None), after.is_some(), next_href, "Next");
    let orgs = rows
        .into_iter()
        .map(|r| OrgItem {
            name: r.name,
            slug: r.slug,
            members: r.member_count,
            created: format::date(r.created_at),
            customer: r.customer.unwrap_or_default(),
        })
        .collect();
    let mut layout = staff.current.layout("Staff: organizations");
    layout.wide = true;
    render(&OrgsPage { layout, q, orgs, pager })
}

const SITE_LOG: &str = "Changes that belong to no organization, newest first: deleted organizations, \
customer imports, support staff added or removed, sign-ins of people without an organization. Times are UTC.";

#[get("/staff/activity")]
pub async fn site_activity(
    staff: StaffUser,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let log = Log { org_id: None, base: "/staff/activity".into(), heading: "Site activity", intro: SITE_LOG };
    let mut layout = staff.current.layout("Staff: site activity");
    layout.wide = true;
    render_log(layout, log, query.into_inner(), &state).await
}

#[get("/staff/activity.csv")]
pub async fn site_activity_export(
    _staff: StaffUser,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export_log(None, "activity-site.csv".into(), &query, &state).await
}

#[get("/staff/orgs/{slug}")]
pub async fn organization(org: StaffOrg) -> HttpResponse {
    see_other(&format!("/staff/orgs/{}/entitlements", org.org.slug))
}

/// Reads what a page shows and records the view of it (named by `page`
/// from what was read) in the organization's activity log, in one trip.
async fn viewed<T, F, P>(org: &StaffOrg, req: &HttpRequest, state: &AppState, page: P, read: F) -> Result<T, AppError>
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

#[get("/staff/orgs/{slug}/entitlements")]
pub async fn entitlements(
    org: StaffOrg,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let loaded = viewed(&org, &req, &state, |_| "entitlements".into(), load_entitlements).await?;
    let layout = org.layout("Staff: entitlements", "entitlements");
    render(&EntitlementsPage::new(layout, loaded, state.clock.now().date(), true))
}

#[get("/staff/orgs/{slug}/tickets")]
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

#[get("/staff/orgs/{slug}/tickets/{id}")]
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

#[get("/staff/orgs/{slug}/contacts")]
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

#[get("/staff/orgs/{slug}/members")]
pub async fn members(
    org: StaffOrg,
    req: HttpRequest,
    query: web::Query<MembersQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let after = query.after.as_deref().and_then(decode_cursor);
    let past_first = after.is_some();
    let page = viewed(
        &org,
        &req,
        &state,
        |_| "members".into(),
        move |conn, org_id| Ok(member_store::page(conn, org_id, None, after.as_ref(), MEMBERS_PAGE)?),
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
