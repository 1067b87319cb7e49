//! The billing area: billing details, invoices, reported usage and its
//! monthly totals, and billed members. Uses only the shared pieces.
//!
//! This file: an organization's billing details (one row per organization).

pub mod billed_members;
pub mod invoices;
pub mod payment_methods;
pub mod usage;
pub mod usage_bill;
pub mod usage_page;

use diesel::prelude::*;

use crate::db::schema::billing_details;
use crate::db::AnyConnection;
use crate::domain::billing::BillingDetails;
use crate::store::changes::Actor;

type Row = (String, String, String, String, String, String, String, String, String);

pub fn find(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Option<BillingDetails>> {
    let row: Option<Row> = billing_details::table
        .find(org_id)
        .select((
            billing_details::contact_name,
            billing_details::contact_email,
            billing_details::legal_name,
            billing_details::address_line1,
            billing_details::address_line2,
            billing_details::city,
            billing_details::postal_code,
            billing_details::country,
            billing_details::tax_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(
            contact_name,
            contact_email,
            legal_name,
            address_line1,
            address_line2,
            city,
            postal_code,
            country,
            tax_id,
        )| {
            BillingDetails {
                contact_name,
                contact_email,
                legal_name,
                address_line1,
                address_line2,
                city,
                postal_code,
                country,
                tax_id,
            }
        },
    ))
}

/// Saves checked details; `billing.update` with what changed goes to the
/// organization's log. False when nothing changed.
pub fn save(conn: &mut AnyConnection, org_id: &str, d: &BillingDetails, actor: &Actor) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let before = find(conn, org_id)?;
        if before.as_ref() == Some(d) {
            return Ok(false);
        }
        let values = (
            billing_details::contact_name.eq(&d.contact_name),
            billing_details::contact_email.eq(&d.contact_email),
            billing_details::legal_name.eq(&d.legal_name),
            billing_details::address_line1.eq(&d.address_line1),
            billing_details::address_line2.eq(&d.address_line2),
            billing_details::city.eq(&d.city),
            billing_details::postal_code.eq(&d.postal_code),
            billing_details::country.eq(&d.country),
            billing_details::tax_id.eq(&d.tax_id),
            billing_details::updated_at.eq(actor.now),
        );
        match &before {
            Some(_) => diesel::update(billing_details::table.find(org_id)).set(values).execute(conn)?,
            None => diesel::insert_into(billing_details::table)
                .values((billing_details::org_id.eq(org_id), values))
                .execute(conn)?,
        };
        let changes = before.unwrap_or_default().changes(d);
        actor.record(conn, org_id, "billing.update", "billing details", &changes)?;
        Ok(true)
    })
}
