//! Invoices of a customer account: written by the operator's import (by
//! invoice number, in the import's transaction, with the billing contact's
//! mail in the outbox), read by the Billing page in keyset pages.

use std::collections::HashMap;

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::db::schema::{billing_details, customers, invoices, organizations};
use crate::db::AnyConnection;
use crate::domain::customer_import::Invoice;
use crate::domain::money::Money;
use crate::store::new_id;
use crate::store::outbox::{self, OutgoingMail};

/// What the billing contact is told about one invoice.
pub struct InvoiceNotice<'a> {
    pub to: &'a str,
    pub contact_name: &'a str,
    pub org_name: &'a str,
    pub org_slug: &'a str,
    pub invoice: &'a Invoice,
    /// It is overdue (else: a new invoice).
    pub overdue: bool,
}

/// Renders a notice's mail; the import's caller supplies it (the store does
/// not know the mail templates or the portal's address).
pub type RenderNotice<'a> = &'a dyn Fn(&InvoiceNotice<'_>) -> Option<OutgoingMail>;

type Row = (String, Date, Date, Date, i64, String, String, Date, Option<String>);

fn invoice((number, issued_on, period_start, period_end, minor, currency, status, due_on, pdf_url): Row) -> Invoice {
    Invoice { number, issued_on, period_start, period_end, amount: Money { minor, currency }, status, due_on, pdf_url }
}

macro_rules! invoice_columns {
    () => {
        (
            invoices::number,
            invoices::issued_on,
            invoices::period_start,
            invoices::period_end,
            invoices::amount_minor,
            invoices::currency,
            invoices::status,
            invoices::due_on,
            invoices::pdf_url,
        )
    };
}

/// Every invoice of the customer, sorted like the import's record.
pub fn all(conn: &mut AnyConnection, customer_id: &str) -> QueryResult<Vec<Invoice>> {
    let rows: Vec<Row> =
        invoices::table.filter(invoices::customer_id.eq(customer_id)).select(invoice_columns!()).load(conn)?;
    let mut out: Vec<Invoice> = rows.into_iter().map(invoice).collect();
    out.sort();
    Ok(out)
}

/// Where the next page starts: after this (issued_on, id), newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceCursor {
    pub issued_on: Date,
    pub id: String,
}

/// One page of the customer's invoices, newest first (keyset, never OFFSET).
pub fn page(
    conn: &mut AnyConnection,
    customer_id: &str,
    before: Option<&InvoiceCursor>,
    limit: i64,
) -> QueryResult<Vec<(String, Invoice)>> {
    let mut query = invoices::table
        .filter(invoices::customer_id.eq(customer_id))
        .order((invoices::issued_on.desc(), invoices::id.desc()))
        .select((invoices::id, invoice_columns!()))
        .limit(limit)
        .into_boxed();
    if let Some(c) = before {
        // `issued <= x` first: the index range starts at the cursor.
        query = query.filter(
            invoices::issued_on
                .le(c.issued_on)
                .and(invoices::issued_on.lt(c.issued_on).or(invoices::id.lt(c.id.clone()))),
        );
    }
    let rows: Vec<(String, Row)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(id, row)| (id, invoice(row))).collect())
}

/// The billing contact of the customer's organization: (email, name, org name, org slug).
fn contact_of(conn: &mut AnyConnection, customer_id: &str) -> QueryResult<Option<(String, String, String, String)>> {
    customers::table
        .inner_join(organizations::table.on(organizations::id.nullable().eq(customers::org_id)))
        .inner_join(billing_details::table.on(billing_details::org_id.eq(organizations::id)))
        .filter(customers::id.eq(customer_id))
        .select((
            billing_details::contact_email,
            billing_details::contact_name,
            organizations::name,
            organizations::slug,
        ))
        .first(conn)
        .optional()
}

/// Makes the customer's invoices those of the import: added, changed in
/// place by number, removed when the file no longer has them. The billing
/// contact (if the organization has one) is emailed once about each new
/// invoice and once when one becomes overdue. Returns how many mails were queued.
pub fn sync(
    conn: &mut AnyConnection,
    customer_id: &str,
    wanted: &[Invoice],
    render: RenderNotice<'_>,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    let contact = contact_of(conn, customer_id)?;
    let mut queued = 0;
    let mut notify = |conn: &mut AnyConnection, invoice: &Invoice, overdue: bool| -> QueryResult<bool> {
        let Some((to, name, org_name, org_slug)) = &contact else { return Ok(false) };
        let notice = InvoiceNotice { to, contact_name: name, org_name, org_slug, invoice, overdue };
        let Some(mail) = render(&notice) else { return Ok(false) };
        outbox::enqueue_for(conn, None, &mail, now)?;
        queued += 1;
        Ok(true)
    };
    let numbers: Vec<&str> = wanted.iter().map(|i| i.number.as_str()).collect();
    diesel::delete(
        invoices::table.filter(invoices::customer_id.eq(customer_id)).filter(invoices::number.ne_all(numbers)),
    )
    .execute(conn)?;
    // What is stored already, read once: number -> (id, told it is overdue at).
    let stored: HashMap<String, (String, Option<PrimitiveDateTime>)> = invoices::table
        .filter(invoices::customer_id.eq(customer_id))
        .select((invoices::number, invoices::id, invoices::overdue_notified_at))
        .load::<(String, String, Option<PrimitiveDateTime>)>(conn)?
        .into_iter()
        .map(|(number, id, told)| (number, (id, told)))
        .collect();
    for inv in wanted {
        let existing = stored.get(&inv.number).cloned();
        let overdue = inv.status == "overdue";
        let id = match &existing {
            Some((id, _)) => id.clone(),
            None => new_id(),
        };
        let values = (
            invoices::issued_on.eq(inv.issued_on),
            invoices::period_start.eq(inv.period_start),
            invoices::period_end.eq(inv.period_end),
            invoices::amount_minor.eq(inv.amount.minor),
            invoices::currency.eq(&inv.amount.currency),
            invoices::status.eq(&inv.status),
            invoices::due_on.eq(inv.due_on),
            invoices::pdf_url.eq(&inv.pdf_url),
        );
        match existing {
            None => {
                diesel::insert_into(invoices::table)
                    .values((
                        invoices::id.eq(&id),
                        invoices::customer_id.eq(customer_id),
                        invoices::number.eq(&inv.number),
                        values,
                    ))
                    .execute(conn)?;
                // A new invoice that is already overdue gets one mail, about that.
                if notify(conn, inv, overdue)? {
                    let overdue_at = overdue.then_some(now);
                    diesel::update(invoices::table.find(&id))
                        .set((invoices::notified_at.eq(Some(now)), invoices::overdue_notified_at.eq(overdue_at)))
                        .execute(conn)?;
                }
            }
            Some((_, overdue_notified_at)) => {
                diesel::update(invoices::table.find(&id)).set(values).execute(conn)?;
                if overdue && overdue_notified_at.is_none() && notify(conn, inv, true)? {
                    diesel::update(invoices::table.find(&id))
                        .set(invoices::overdue_notified_at.eq(Some(now)))
                        .execute(conn)?;
                }
            }
        }
    }
    Ok(queued)
}
