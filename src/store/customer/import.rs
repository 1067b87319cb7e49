//! Customer accounts: the operator's import. A customer is found by its
//! external id and updated in place (its id and organization link stay);
//! contacts, entitlements and tickets are replaced only when they differ.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{customer_contacts, customers, entitlements, tickets};
use crate::db::AnyConnection;
use crate::domain::customer_import::{Contact, CustomerRecord, Ticket};
use crate::store::activity::record_operator as record;
use crate::store::new_id;

/// `tickets.source` of the tickets that come from the import.
const IMPORTED: &str = "import";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Mails to billing contacts about new or overdue invoices.
    pub mails: usize,
}

fn current(conn: &mut AnyConnection, id: &str, external_id: &str, name: String) -> QueryResult<CustomerRecord> {
    let mut contacts: Vec<Contact> = customer_contacts::table
        .filter(customer_contacts::customer_id.eq(id))
        .select((customer_contacts::email, customer_contacts::name, customer_contacts::portal_role))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(email, name, portal_role)| Contact { email, name, portal_role })
        .collect();
    let mut ents = crate::store::customer::entitlements(conn, id)?;
    type TicketRow = (String, String, String, String, PrimitiveDateTime, PrimitiveDateTime);
    let mut ticks: Vec<Ticket> = tickets::table
        .filter(tickets::customer_id.eq(id))
        .filter(tickets::source.eq(IMPORTED))
        .select((
            tickets::number,
            tickets::subject,
            tickets::status,
            tickets::priority,
            tickets::opened_at,
            tickets::updated_at,
        ))
        .load::<TicketRow>(conn)?
        .into_iter()
        .map(|(number, subject, status, priority, opened_at, updated_at)| Ticket {
            number,
            subject,
            status,
            priority,
            opened_at,
            updated_at,
        })
        .collect();
    contacts.sort();
    ents.sort();
    ticks.sort();
    let invoices = crate::store::billing::invoices::all(conn, id)?;
    Ok(CustomerRecord {
        external_id: external_id.to_string(),
        name,
        contacts,
        entitlements: ents,
        tickets: ticks,
        invoices,
    })
}

/// Rows per INSERT statement: well under both backends' bound-parameter limits.
const ROWS_PER_INSERT: usize = 500;

/// Inserts a row made by `$row` for each of `$items` into `$table`: on
/// PostgreSQL in statements of up to ROWS_PER_INSERT rows; on SQLite
/// (in-process, so a statement per row costs no round trip, and diesel's
/// multi-backend connection has no batch insert for it) one by one.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $items:expr, $row:expr) => {
        match $conn {
            AnyConnection::Postgresql(c) => {
                for chunk in $items.chunks(ROWS_PER_INSERT) {
                    let rows: Vec<_> = chunk.iter().map($row).collect();
                    diesel::insert_into($table).values(rows).execute(c)?;
                }
            }
            AnyConnection::Sqlite(c) => {
                for row in $items.iter().map($row) {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
        }
    };
}

/// Writes a customer's contacts, entitlements and imported tickets, each
/// table in multi-row statements (one round trip per table for a usual
/// customer: the import of 10,000 customers on PostgreSQL was bound by
/// round trips). `replace` first deletes what an earlier import wrote.
fn write_children(conn: &mut AnyConnection, id: &str, r: &CustomerRecord, replace: bool) -> QueryResult<()> {
    if replace {
        diesel::delete(customer_contacts::table.filter(customer_contacts::customer_id.eq(id))).execute(conn)?;
        diesel::delete(entitlements::table.filter(entitlements::customer_id.eq(id))).execute(conn)?;
        // Tickets raised in the portal stay; only the imported ones are replaced.
        diesel::delete(tickets::table.filter(tickets::customer_id.eq(id)).filter(tickets::source.eq(IMPORTED)))
            .execute(conn)?;
    }
    insert_rows!(conn, customer_contacts::table, r.contacts, |c| {
        (
            customer_contacts::id.eq(new_id()),
            customer_contacts::customer_id.eq(id),
            customer_contacts::email.eq(&c.email),
            customer_contacts::name.eq(&c.name),
            customer_contacts::portal_role.eq(&c.portal_role),
        )
    });
    insert_rows!(conn, entitlements::table, r.entitlements, |e| {
        (
            entitlements::id.eq(new_id()),
            entitlements::customer_id.eq(id),
            entitlements::product.eq(&e.product),
            entitlements::support_level.eq(&e.support_level),
            entitlements::starts_on.eq(e.starts_on),
            entitlements::ends_on.eq(e.ends_on),
            entitlements::quantity.eq(e.quantity),
            entitlements::price_minor.eq(e.price.as_ref().map(|p| p.minor)),
            entitlements::price_currency.eq(e.price.as_ref().map(|p| p.currency.as_str())),
        )
    });
    insert_rows!(conn, tickets::table, r.tickets, |t| {
        (
            tickets::id.eq(new_id()),
            tickets::customer_id.eq(id),
            tickets::number.eq(&t.number),
            tickets::subject.eq(&t.subject),
            tickets::status.eq(&t.status),
            tickets::priority.eq(&t.priority),
            tickets::opened_at.eq(t.opened_at),
            tickets::updated_at.eq(t.updated_at),
            tickets::source.eq(IMPORTED),
            tickets::closed.eq(crate::domain::customer_data::is_closed(&t.status)),
        )
    });
    Ok(())
}

/// Imports every record in one transaction: all of the file or nothing.
/// `render` writes the billing contact's mail about a new or overdue invoice.
pub fn import(
    conn: &mut AnyConnection,
    records: &[CustomerRecord],
    render: crate::store::billing::invoices::RenderNotice<'_>,
    now: PrimitiveDateTime,
) -> QueryResult<ImportReport> {
    crate::db::write_transaction(conn, |conn| {
        let mut report = ImportReport::default();
        for r in records {
            let existing: Option<(String, String, Option<String>)> = customers::table
                .filter(customers::external_id.eq(&r.external_id))
                .select((customers::id, customers::name, customers::org_id))
                .first(conn)
                .optional()?;
            match existing {
                None => {
                    let id = new_id();
                    diesel::insert_into(customers::table)
                        .values((
                            customers::id.eq(&id),
                            customers::external_id.eq(&r.external_id),
                            customers::name.eq(&r.name),
                            customers::created_at.eq(now),
                            customers::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    write_children(conn, &id, r, false)?;
                    report.mails += crate::store::billing::invoices::sync(conn, &id, &r.invoices, render, now)?;
                    report.created += 1;
                }
                Some((id, name, org_id)) => {
                    if current(conn, &id, &r.external_id, name)? == *r {
                        report.unchanged += 1;
                        continue;
                    }
                    diesel::update(customers::table.find(&id))
                        .set((customers::name.eq(&r.name), customers::updated_at.eq(now)))
                        .execute(conn)?;
                    write_children(conn, &id, r, true)?;
                    report.mails += crate::store::billing::invoices::sync(conn, &id, &r.invoices, render, now)?;
                    report.updated += 1;
                    if let Some(org_id) = org_id {
                        record(
                            conn,
                            Some(&org_id),
                            "customer.update",
                            &r.external_id,
                            "updated by the operator's import",
                            now,
                        )?;
                    }
                }
            }
        }
        if report.created + report.updated > 0 {
            let details =
                format!("{} created, {} updated, {} unchanged", report.created, report.updated, report.unchanged);
            record(conn, None, "customers.import", "command line", &details, now)?;
        }
        Ok(report)
    })
}

/// What auto-linking did at a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linked {
    /// The first contact of an unlinked customer: an organization was made for them.
    Created { slug: String },
    /// A later contact: added to the customer's organization with this role.
    Joined { slug: String, role: String },
}

/// Auto-linking (Percona): called at each sign-in with a verified email.
/// `role_for` maps a contact's portal role to a role of the catalog.
pub fn auto_link(
    conn: &mut AnyConnection,
    user: &crate::store::accounts::users::User,
    owner_role: &str,
    role_for: &dyn Fn(&str) -> String,
    limit: crate::domain::OrgLimit,
    ip: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<Linked>> {
    use crate::db::schema::{memberships, organizations};
    if !user.email_verified {
        return Ok(Vec::new());
    }
    crate::db::write_transaction(conn, |conn| {
        let matches: Vec<(String, String, Option<String>, String)> = customer_contacts::table
            .inner_join(customers::table)
            .filter(customer_contacts::email.eq(&user.email))
            .select((customers::id, customers::name, customers::org_id, customer_contacts::portal_role))
            .order(customers::external_id.asc())
            .load(conn)?;
        let mut done = Vec::new();
        for (customer_id, customer_name, org_id, portal_role) in matches {
            let mine: i64 = memberships::table.filter(memberships::user_id.eq(&user.id)).count().get_result(conn)?;
            match org_id {
                None => {
                    if !limit.allows_another(mine) {
                        continue;
                    }
                    let name =
                        crate::domain::OrgName::parse(&customer_name).map_err(|_| diesel::result::Error::NotFound)?;
                    let base = crate::domain::Slug::derive(&customer_name)
                        .or_else(|| crate::domain::Slug::derive(&format!("customer {}", &customer_id[..8])))
                        .ok_or(diesel::result::Error::NotFound)?;
                    let slug = crate::store::orgs::SlugChoice::Derived(base);
                    let new = crate::store::orgs::NewOrg {
                        name: &name,
                        slug: &slug,
                        owner_id: &user.id,
                        owner_role,
                        limit,
                        now,
                    };
                    let org = match crate::store::orgs::create(conn, &new, ip) {
                        Ok(org) => org,
                        Err(crate::store::orgs::CreateOrgError::Db(e)) => return Err(e),
                        Err(_) => continue,
                    };
                    diesel::update(customers::table.find(&customer_id))
                        .set(customers::org_id.eq(&org.id))
                        .execute(conn)?;
                    done.push(Linked::Created { slug: org.slug });
                }
                Some(org_id) => {
                    let already: i64 = memberships::table
                        .filter(memberships::org_id.eq(&org_id))
                        .filter(memberships::user_id.eq(&user.id))
                        .count()
                        .get_result(conn)?;
                    if already > 0 || !limit.allows_another(mine) {
                        continue;
                    }
                    let role = role_for(&portal_role);
                    crate::store::members::insert_membership(conn, &org_id, &user.id, &role, "provisioning", now)?;
                    let actor = crate::store::members::Actor::person(user.id.clone(), ip, now);
                    crate::store::members::direct_grants::replace_with_membership(
                        conn,
                        &org_id,
                        &user.id,
                        &user.email,
                        &actor,
                    )?;
                    actor.record(
                        conn,
                        &org_id,
                        "member.join",
                        &user.email,
                        &format!("customer contact, role {role}"),
                    )?;
                    let slug: String = organizations::table.find(&org_id).select(organizations::slug).first(conn)?;
                    done.push(Linked::Joined { slug, role });
                }
            }
        }
        Ok(done)
    })
}
