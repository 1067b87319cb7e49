//! The Members page: members with search and keyset pages, and the pending
//! invitations with their delivery state.

use actix_session::Session;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::invitation::InvitationState;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::invitations;
use crate::store::members::kept_pages;
use crate::store::members::page::Cursor;
use crate::store::members::MemberRow;
use crate::store::outbox::Delivery;
use crate::web::format;
use crate::web::layout::{render, Layout};
use crate::web::pager::Pager;
use crate::web::signed_in_page::SignedInPage;
use crate::web::AppState;

pub const PAGE_SIZE: i64 = 50;
const NEW_LINK_KEY: &str = "new_invitation_link";

/// A link made by Copy link, shown once on the next Members page.
pub fn show_link_once(session: &Session, email: &str, link: &str) {
    let _ = session.insert(NEW_LINK_KEY, (email, link));
}

/// A member's row on the page, borrowed from the page read (which may be
/// the one kept in memory for the organization).
pub struct MemberItem<'a> {
    pub row: &'a MemberRow,
    pub joined: String,
    pub is_owner: bool,
    pub is_me: bool,
}

pub struct InvitationItem {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub sent: String,
    pub expires: String,
    pub expired: bool,
    pub delivery: String,
    pub delivery_class: &'static str,
    pub delivery_error: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage<'a> {
    layout: Layout,
    slug: String,
    members: Vec<MemberItem<'a>>,
    total: i64,
    search: String,
    pager: Pager,
    invitations: Vec<InvitationItem>,
    can_invite: bool,
    can_manage: bool,
    new_link: Option<(String, String)>,
    /// People with a verified address at a domain of the organization who
    /// asked to join (Organization -> Domains, policy "suggest").
    join_requests: Vec<JoinRequestItem>,
    /// (name, address, role kept) of the people the organization's
    /// directory suspended (SCIM `active: false`): no longer members.
    suspended: Vec<(String, String, String)>,
}

pub struct JoinRequestItem {
    user_id: String,
    name: String,
    email: String,
    domain: String,
    asked: String,
}

#[derive(Deserialize)]
pub struct MembersQuery {
    q: Option<String>,
    after: Option<String>,
}

pub fn encode_cursor(c: &Cursor) -> String {
    format::keyset_token(c.joined_at, &c.user_id)
}

pub fn decode_cursor(s: &str) -> Option<Cursor> {
    format::parse_keyset_token(s).map(|(joined_at, user_id)| Cursor { joined_at, user_id })
}

/// An invitation email's delivery as a badge: (text, class, last error).
pub fn delivery_label(delivery: Option<&Delivery>) -> (String, &'static str, String) {
    let Some(d) = delivery else { return ("link only".into(), "badge", String::new()) };
    let error = d.last_error.clone().unwrap_or_default();
    match d.state.as_str() {
        "sent" => ("sent".into(), "badge badge-ok", String::new()),
        "queued" => ("queued".into(), "badge", String::new()),
        "retrying" => (format!("delivery failed, retrying ({} attempts)", d.attempts), "badge badge-warn", error),
        _ => (format!("delivery failed after {} attempts", d.attempts), "badge badge-bad", error),
    }
}

#[get("/members")]
pub async fn list(
    org_page: SignedInPage,
    query: web::Query<MembersQuery>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let search = query.q.clone().unwrap_or_default();
    let after = query.after.as_deref().and_then(decode_cursor);
    let now = state.clock.now();
    let (term, cursor) = (search.clone(), after.clone());
    let (common, kept) = (state.common_trigrams.clone(), state.member_pages.clone());
    let waiting = state.waiting_lists.clone();
    let (member, (page, total, pending, lists)) = org_page
        .load(Permission::OrgView, move |conn, view| {
            let org = &view.org;
            let page = kept_pages::page(conn, &kept, org.into(), Some(&term), cursor.as_ref(), PAGE_SIZE, &common)?;
            let total = i64::from(org.member_count);
            // Kept under the versions the session's statement read.
            let lists = super::waiting::of(&waiting, conn, org)?;
            let pending = invitations::with_deliveries(conn, &lists.invitations, now)?;
            Ok((page, total, pending, lists))
        })
        .await?;
    let owner_id = &member.view.org.owner_id;
    let me = member.user_id();
    let members = page.rows.iter().map(|row| member_item(row, owner_id, me)).collect();
    let slug = member.view.org.slug.clone();
    let next_href = page.next.as_ref().map(|c| {
        let q = serde_urlencoded::to_string([("q", search.as_str()), ("after", &encode_cursor(c))]).unwrap_or_default();
        format!("/orgs/{slug}/members?{q}")
    });
    let first = match search.as_str() {
        "" => format!("/orgs/{slug}/members"),
        term => format!("/orgs/{slug}/members?{}", serde_urlencoded::to_string([("q", term)]).unwrap_or_default()),
    };
    let pager = Pager::new(first, after.is_some(), next_href, "Next page");
    let invitations = pending
        .iter()
        .map(|inv| {
            let (delivery, delivery_class, delivery_error) = delivery_label(inv.delivery.as_ref());
            InvitationItem {
                id: inv.id.clone(),
                email: inv.email.clone(),
                role: inv.role.clone(),
                invited_by: inv.invited_by.clone().unwrap_or_else(|| "—".into()),
                sent: format::date(inv.created_at),
                expires: format::date_time(inv.expires_at),
                expired: inv.state == InvitationState::Expired,
                delivery,
                delivery_class,
                delivery_error,
            }
        })
        .collect();
    let new_link = crate::auth::session::take(&session, NEW_LINK_KEY);
    let join_requests = lists
        .requests
        .iter()
        .map(|r| JoinRequestItem {
            user_id: r.user_id.clone(),
            name: r.name.clone(),
            email: r.email.clone(),
            domain: r.domain.clone(),
            asked: format::date_time(r.created_at),
        })
        .collect();
    render(&MembersPage {
        join_requests,
        suspended: lists
            .suspended
            .iter()
            .map(|(n, e, r)| (n.clone(), e.clone(), r.clone().unwrap_or_default()))
            .collect(),
        layout: member.layout("Members", "members"),
        slug,
        members,
        total,
        search,
        pager,
        invitations,
        can_invite: member.can(Permission::MembersInvite),
        can_manage: member.can(Permission::MembersManage),
        new_link,
    })
}

fn member_item<'a>(row: &'a MemberRow, owner_id: &str, me: &str) -> MemberItem<'a> {
    MemberItem { row, joined: format::date(row.joined_at), is_owner: row.user_id == owner_id, is_me: row.user_id == me }
}

/// The Members page rendered from memory with `rows` made-up members: the
/// benchmark's baseline (the same template, no database, no session).
pub fn sample_page(rows: usize) -> Result<String, AppError> {
    let rows: Vec<MemberRow> = (0..rows)
        .map(|i| MemberRow {
            user_id: format!("00000000-0000-4000-8000-{i:012}"),
            name: format!("Member {i:05}"),
            email: format!("member{i:05}@example.com"),
            role: "Technical user".into(),
            joined_at: time::macros::datetime!(2026-11-24 12:00),
            added_by: None,
        })
        .collect();
    let owner = &rows[0].user_id.clone();
    let members = rows.iter().map(|row| member_item(row, owner, "")).collect();
    let mut layout = Layout::bare("Members");
    layout.user = Some(crate::web::layout::UserMenu { name: "Bench Admin".into(), email: "admin@bench.test".into() });
    layout.csrf = "x".repeat(43);
    layout.org = Some(crate::web::layout::OrgNav {
        name: "Bench".into(),
        slug: "bench".into(),
        section: "members",
        show_activity: true,
        show_customer: true,
        show_services: true,
        show_billing: true,
        show_api_keys: true,
        show_webhooks: true,
        show_domains: true,
        projects_label: "Projects".into(),
    });
    let page = MembersPage {
        layout,
        slug: "bench".into(),
        members,
        total: 10_000,
        search: String::new(),
        pager: Pager::new(String::new(), false, Some("/orgs/bench/members?q=&after=1~x".into()), "Next page"),
        invitations: Vec::new(),
        can_invite: true,
        can_manage: true,
        new_link: None,
        join_requests: Vec::new(),
        suspended: Vec::new(),
    };
    Ok(page.render()?)
}
