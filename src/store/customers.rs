//! Customer accounts: the operator's import. A customer is found by its
//! external id and updated in place (its id and organization link stay);
//! contacts, entitlements and tickets are replaced only when they differ.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::new_id;
use crate::db::schema::{customer_contacts, customers, entitlements, tickets};
use crate::db::AnyConnection;
use crate::domain::customer_import::{Contact, CustomerRecord, Entitlement, Ticket};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn current(conn: &mut AnyConnection, id: &str, external_id: &str, name: String) -> QueryResult<CustomerRecord> {
    let mut contacts: Vec<Contact> = customer_contacts::table
        .filter(customer_contacts::customer_id.eq(id))
        .select((customer_contacts::email, customer_contacts::name, customer_contacts::portal_role))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(email, name, portal_role)| Contact { email, name, portal_role })
        .collect();
    let mut ents: Vec<Entitlement> = entitlements::table
        .filter(entitlements::customer_id.eq(id))
        .select((
            entitlements::product,
            entitlements::support_level,
            entitlements::starts_on,
            entitlements::ends_on,
            entitlements::quantity,
        ))
        .load::<(String, String, time::Date, time::Date, i32)>(conn)?
        .into_iter()
        .map(|(product, support_level, starts_on, ends_on, quantity)| Entitlement {
            product,
            support_level,
            starts_on,
            ends_on,
            quantity,
        })
        .collect();
    type TicketRow = (String, String, String, String, PrimitiveDateTime, PrimitiveDateTime);
    let mut ticks: Vec<Ticket> = tickets::table
        .filter(tickets::customer_id.eq(id))
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
    Ok(CustomerRecord { external_id: external_id.to_string(), name, contacts, entitlements: ents, tickets: ticks })
}

fn write_children(conn: &mut AnyConnection, id: &str, r: &CustomerRecord) -> QueryResult<()> {
    diesel::delete(customer_contacts::table.filter(customer_contacts::customer_id.eq(id))).execute(conn)?;
    diesel::delete(entitlements::table.filter(entitlements::customer_id.eq(id))).execute(conn)?;
    diesel::delete(tickets::table.filter(tickets::customer_id.eq(id))).execute(conn)?;
    for c in &r.contacts {
        diesel::insert_into(customer_contacts::table)
            .values((
                customer_contacts::id.eq(new_id()),
                customer_contacts::customer_id.eq(id),
                customer_contacts::email.eq(&c.email),
                customer_contacts::name.eq(&c.name),
                customer_contacts::portal_role.eq(&c.portal_role),
            ))
            .execute(conn)?;
    }
    for e in &r.entitlements {
        diesel::insert_into(entitlements::table)
            .values((
                entitlements::id.eq(new_id()),
                entitlements::customer_id.eq(id),
                entitlements::product.eq(&e.product),
                entitlements::support_level.eq(&e.support_level),
                entitlements::starts_on.eq(e.starts_on),
                entitlements::ends_on.eq(e.ends_on),
                entitlements::quantity.eq(e.quantity),
            ))
            .execute(conn)?;
    }
    for t in &r.tickets {
        diesel::insert_into(tickets::table)
            .values((
                tickets::id.eq(new_id()),
                tickets::customer_id.eq(id),
                tickets::number.eq(&t.number),
                tickets::subject.eq(&t.subject),
                tickets::status.eq(&t.status),
                tickets::priority.eq(&t.priority),
                tickets::opened_at.eq(t.opened_at),
                tickets::updated_at.eq(t.updated_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Imports every record in one transaction: all of the file or nothing.
pub fn import(
    conn: &mut AnyConnection,
    records: &[CustomerRecord],
    now: PrimitiveDateTime,
) -> QueryResult<ImportReport> {
    crate::db::write_transaction(conn, |conn| {
        let mut report = ImportReport::default();
        for r in records {
            let existing: Option<(String, String)> = customers::table
                .filter(customers::external_id.eq(&r.external_id))
                .select((customers::id, customers::name))
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
                    write_children(conn, &id, r)?;
                    report.created += 1;
                }
                Some((id, name)) => {
                    if current(conn, &id, &r.external_id, name)? == *r {
                        report.unchanged += 1;
                        continue;
                    }
                    diesel::update(customers::table.find(&id))
                        .set((customers::name.eq(&r.name), customers::updated_at.eq(now)))
                        .execute(conn)?;
                    write_children(conn, &id, r)?;
                    report.updated += 1;
                }
            }
        }
        Ok(report)
    })
}
