//! How customer data looks on a page, shared by the members' pages and the
//! staff area: the rows of the entitlements, tickets and contacts tables,
//! a ticket on its own page, and the tickets list's query and tabs.

use time::{Date, PrimitiveDateTime, Time};

use crate::domain::customer_data::EntitlementState;
use crate::domain::customer_import::Entitlement;
use crate::store::customer::{ContactRow, CustomerLink, TicketCursor, TicketDetail, TicketFilter, TicketRow};
use crate::web::format;
use crate::web::pager::{cut_to_page, Pager};

pub const TICKETS_PAGE: i64 = 50;

pub struct EntitlementItem {
    pub product: String,
    pub support_level: String,
    pub starts: String,
    pub ends: String,
    pub quantity: i32,
    pub state: &'static str,
    pub expired: bool,
}

fn day(d: Date) -> String {
    format::date(PrimitiveDateTime::new(d, Time::MIDNIGHT))
}

pub fn entitlement_items(rows: Vec<Entitlement>, today: Date) -> Vec<EntitlementItem> {
    rows.into_iter()
        .map(|r| {
            let state = EntitlementState::on(today, r.starts_on, r.ends_on);
            EntitlementItem {
                starts: day(r.starts_on),
                ends: day(r.ends_on),
                product: r.product,
                support_level: r.support_level,
                quantity: r.quantity,
                state: state.label(),
                expired: state == EntitlementState::Expired,
            }
        })
        .collect()
}

pub struct TicketItem {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub opened: String,
    pub updated: String,
    pub closed: bool,
}

pub fn ticket_item(r: &TicketRow) -> TicketItem {
    TicketItem {
        id: r.id.clone(),
        number: r.number.clone(),
        subject: r.subject.clone(),
        status: r.status.clone(),
        priority: r.priority.clone(),
        opened: format::date(r.opened_at),
        updated: format::date_time(r.updated_at),
        closed: r.closed,
    }
}

/// One ticket on its own page: its row and what only the page shows.
pub struct TicketView {
    pub item: TicketItem,
    /// "Ada Admin <ada@...>" for a ticket raised in the portal.
    pub raised_by: Option<String>,
    pub description: String,
    pub imported: bool,
}

impl TicketView {
    pub fn new(t: &TicketDetail) -> Self {
        let imported = t.source != "portal";
        let raised_by = match (&t.raised_by_name, &t.raised_by_email) {
            (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
            _ if !imported => Some("(account removed)".into()),
            _ => None,
        };
        Self { item: ticket_item(&t.row), raised_by, description: t.description.clone(), imported }
    }
}

pub struct ContactItem {
    pub name: String,
    pub email: String,
    pub portal_role: String,
    pub member_role: Option<String>,
}

pub fn contact_items(rows: Vec<ContactRow>) -> Vec<ContactItem> {
    rows.into_iter()
        .map(|r| ContactItem { name: r.name, email: r.email, portal_role: r.portal_role, member_role: r.member_role })
        .collect()
}

/// "Northwind Databases (CUST-1001)"
pub fn customer_label(c: &CustomerLink) -> String {
    format!("{} ({})", c.name, c.external_id)
}

/// The tickets list's query: `?status=open|closed|all&before=...`.
#[derive(serde::Deserialize, Default, Clone)]
pub struct TicketsQuery {
    #[serde(default)]
    pub status: String,
    pub before: Option<String>,
}

impl TicketsQuery {
    /// Open tickets unless asked otherwise.
    pub fn filter(&self) -> TicketFilter {
        match self.status.as_str() {
            "closed" => TicketFilter::Closed,
            "all" => TicketFilter::All,
            _ => TicketFilter::Open,
        }
    }

    pub fn cursor(&self) -> Option<TicketCursor> {
        let (updated_at, id) = format::parse_keyset_token(self.before.as_deref()?)?;
        Some(TicketCursor { updated_at, id })
    }
}

pub fn filter_key(f: TicketFilter) -> &'static str {
    match f {
        TicketFilter::Open => "open",
        TicketFilter::Closed => "closed",
        TicketFilter::All => "all",
    }
}

/// The tab strip of a tickets list at `base` (a path).
pub struct TicketTabs {
    pub base: String,
    pub current: &'static str,
    pub open: i64,
    pub closed: i64,
}

impl TicketTabs {
    /// `rows` holds up to one more than a page: that one says there is a next
    /// page, and is dropped here.
    pub fn new(base: String, q: &TicketsQuery, counts: (i64, i64), rows: &mut Vec<TicketRow>) -> (Self, Pager) {
        let current = filter_key(q.filter());
        let first = format!("{base}?status={current}");
        let next_href = cut_to_page(rows, TICKETS_PAGE)
            .map(|last| format!("{first}&before={}", format::keyset_token(last.updated_at, &last.id)));
        let pager = Pager::new(first, q.before.is_some(), next_href, "Older");
        (Self { base, current, open: counts.0, closed: counts.1 }, pager)
    }

    pub fn all(&self) -> i64 {
        self.open + self.closed
    }
}
