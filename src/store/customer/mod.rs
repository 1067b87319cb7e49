//! The customer area: the platform's customer accounts (imported), their
//! data pages, connected services, and linking contacts at sign-in.
//!
//! This file: what the customer data pages read (the customer account linked
//! to an organization, its entitlements, contacts and tickets) and raising a
//! ticket.

pub mod import;
pub mod services;

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::db::schema::{customer_contacts, customers, entitlements, memberships, tickets, users};
use crate::db::AnyConnection;
use crate::domain::customer_data::{self, NewTicket};
use crate::domain::customer_import::Entitlement;
use crate::domain::money::Money;
use crate::store::members::Actor;
use crate::store::new_id;

/// The customer account an organization is linked to.
#[derive(Debug, Clone, Queryable)]
pub struct CustomerLink {
    pub id: String,
    pub external_id: String,
    pub name: String,
}

pub fn customer_of(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Option<CustomerLink>> {
    customers::table
        .filter(customers::org_id.eq(org_id))
        .select((customers::id, customers::external_id, customers::name))
        .order(customers::external_id.asc())
        .first(conn)
        .optional()
}

/// Entitlements, those ending last first.
pub fn entitlements(conn: &mut AnyConnection, customer_id: &str) -> QueryResult<Vec<Entitlement>> {
    type Row = (String, String, Date, Date, i32, Option<i64>, Option<String>);
    let rows = entitlements::table
        .filter(entitlements::customer_id.eq(customer_id))
        .select((
            entitlements::product,
            entitlements::support_level,
            entitlements::starts_on,
            entitlements::ends_on,
            entitlements::quantity,
            entitlements::price_minor,
            entitlements::price_currency,
        ))
        .order((entitlements::ends_on.desc(), entitlements::product.asc()))
        .load::<Row>(conn)?;
    let entitlement = |(product, support_level, starts_on, ends_on, quantity, minor, currency): Row| Entitlement {
        product,
        support_level,
        starts_on,
        ends_on,
        quantity,
        price: minor.zip(currency).map(|(minor, currency)| Money { minor, currency }),
    };
    Ok(rows.into_iter().map(entitlement).collect())
}

#[derive(Debug, Clone)]
pub struct ContactRow {
    pub name: String,
    pub email: String,
    pub portal_role: String,
    /// Their role in the organization, once they have signed in and joined.
    pub member_role: Option<String>,
}

pub fn contacts(conn: &mut AnyConnection, customer_id: &str, org_id: &str) -> QueryResult<Vec<ContactRow>> {
    let rows: Vec<(String, String, String)> = customer_contacts::table
        .filter(customer_contacts::customer_id.eq(customer_id))
        .select((customer_contacts::name, customer_contacts::email, customer_contacts::portal_role))
        .order((customer_contacts::name.asc(), customer_contacts::email.asc()))
        .load(conn)?;
    let emails: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let members: Vec<(String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .filter(users::email.eq_any(&emails))
        .select((users::email, memberships::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, email, portal_role)| {
            let member_role = members.iter().find(|(e, _)| *e == email).map(|(_, r)| r.clone());
            ContactRow { name, email, portal_role, member_role }
        })
        .collect())
}

/// Which tickets the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketFilter {
    Open,
    Closed,
    All,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub opened_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub closed: bool,
}

/// Where the next page starts: after this (updated_at, id), newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCursor {
    pub updated_at: PrimitiveDateTime,
    pub id: String,
}

/// Tickets, most recently updated first, `limit` rows after `before`.
pub fn tickets(
    conn: &mut AnyConnection,
    customer_id: &str,
    filter: TicketFilter,
    before: Option<&TicketCursor>,
    limit: i64,
) -> QueryResult<Vec<TicketRow>> {
    let mut query = tickets::table
        .filter(tickets::customer_id.eq(customer_id))
        .select(TicketRow::as_select())
        .order((tickets::updated_at.desc(), tickets::id.desc()))
        .limit(limit)
        .into_boxed();
    match filter {
        TicketFilter::Open => query = query.filter(tickets::closed.eq(false)),
        TicketFilter::Closed => query = query.filter(tickets::closed.eq(true)),
        TicketFilter::All => {}
    }
    if let Some(c) = before {
        query = query.filter(
            tickets::updated_at
                .lt(c.updated_at)
                .or(tickets::updated_at.eq(c.updated_at).and(tickets::id.lt(c.id.clone()))),
        );
    }
    query.load(conn)
}

/// How many tickets are (open, closed).
pub fn ticket_counts(conn: &mut AnyConnection, customer_id: &str) -> QueryResult<(i64, i64)> {
    let rows: Vec<(bool, i64)> = tickets::table
        .filter(tickets::customer_id.eq(customer_id))
        .group_by(tickets::closed)
        .select((tickets::closed, diesel::dsl::count_star()))
        .load(conn)?;
    let of = |closed: bool| rows.iter().find(|r| r.0 == closed).map_or(0, |r| r.1);
    Ok((of(false), of(true)))
}

/// Raises a ticket for the organization's customer account and records it in
/// the organization's activity log; returns the ticket's number.
pub fn raise(
    conn: &mut AnyConnection,
    org_id: &str,
    customer_id: &str,
    ticket: &NewTicket,
    actor: &Actor,
) -> QueryResult<String> {
    crate::db::write_transaction(conn, |conn| {
        // Two tickets raised at once must not get the same number.
        diesel::update(customers::table.find(customer_id)).set(customers::name.eq(customers::name)).execute(conn)?;
        let raised: i64 = tickets::table
            .filter(tickets::customer_id.eq(customer_id))
            .filter(tickets::source.eq("portal"))
            .count()
            .get_result(conn)?;
        let number = customer_data::portal_ticket_number(raised + 1);
        diesel::insert_into(tickets::table)
            .values((
                tickets::id.eq(new_id()),
                tickets::customer_id.eq(customer_id),
                tickets::number.eq(&number),
                tickets::subject.eq(&ticket.subject),
                tickets::status.eq(customer_data::NEW_TICKET_STATUS),
                tickets::priority.eq(&ticket.priority),
                tickets::opened_at.eq(actor.now),
                tickets::updated_at.eq(actor.now),
                tickets::description.eq(&ticket.description),
                tickets::source.eq("portal"),
                tickets::raised_by.eq(&actor.user_id),
                tickets::closed.eq(false),
            ))
            .execute(conn)?;
        actor.record(conn, org_id, "ticket.create", &number, &format!("{} ({})", ticket.subject, ticket.priority))?;
        Ok(number)
    })
}

/// A ticket with what its own page adds to the list's row.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub row: TicketRow,
    pub description: String,
    /// "import" or "portal".
    pub source: String,
    pub raised_by_name: Option<String>,
    pub raised_by_email: Option<String>,
}

/// One ticket of the customer (None for another customer's ticket id).
pub fn ticket(conn: &mut AnyConnection, customer_id: &str, id: &str) -> QueryResult<Option<TicketDetail>> {
    type DetailRow = (TicketRow, String, String, Option<String>, Option<String>);
    let found: Option<DetailRow> = tickets::table
        .left_join(users::table.on(users::id.nullable().eq(tickets::raised_by)))
        .filter(tickets::customer_id.eq(customer_id))
        .filter(tickets::id.eq(id))
        .select((
            TicketRow::as_select(),
            tickets::description,
            tickets::source,
            users::name.nullable(),
            users::email.nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(|(row, description, source, raised_by_name, raised_by_email)| TicketDetail {
        row,
        description,
        source,
        raised_by_name,
        raised_by_email,
    }))
}
