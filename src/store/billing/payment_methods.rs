//! An organization's payment methods as the provider last reported them
//! (ids, brand, last four digits, expiry: never a card number), its customer
//! id at the provider (kept with the billing details), and the provider's
//! webhook events already handled.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{billing_details, organizations, payment_methods, provider_events};
use crate::db::AnyConnection;
use crate::domain::payment_method::Card;
use crate::store::activity::{self, NewActivity};
use crate::store::new_id;
use crate::store::outbox::{self, OutgoingMail};

/// Who the provider's customer is for an organization with billing details.
#[derive(Debug, Clone)]
pub struct Customer {
    pub org_name: String,
    pub org_slug: String,
    pub contact_name: String,
    pub contact_email: String,
    pub legal_name: String,
    /// None until the first payment method is added.
    pub provider_id: Option<String>,
}

/// None when the organization has no billing details yet.
pub fn customer(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Option<Customer>> {
    let row: Option<(String, String, String, String, String, Option<String>)> = billing_details::table
        .inner_join(organizations::table)
        .filter(billing_details::org_id.eq(org_id))
        .select((
            organizations::name,
            organizations::slug,
            billing_details::contact_name,
            billing_details::contact_email,
            billing_details::legal_name,
            billing_details::provider_customer_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(org_name, org_slug, contact_name, contact_email, legal_name, provider_id)| Customer {
        org_name,
        org_slug,
        contact_name,
        contact_email,
        legal_name,
        provider_id,
    }))
}

/// Keeps the customer the provider just created for the organization.
pub fn set_customer(conn: &mut AnyConnection, org_id: &str, provider_id: &str) -> QueryResult<()> {
    diesel::update(billing_details::table.find(org_id))
        .set(billing_details::provider_customer_id.eq(provider_id))
        .execute(conn)
        .map(|_| ())
}

/// The organization whose customer this is.
pub fn org_of_customer(conn: &mut AnyConnection, provider_id: &str) -> QueryResult<Option<String>> {
    billing_details::table
        .filter(billing_details::provider_customer_id.eq(provider_id))
        .select(billing_details::org_id)
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub card: Card,
    pub is_default: bool,
}

/// The methods as last reported, oldest first.
pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<Stored>> {
    let rows: Vec<(String, String, String, i32, i32, bool)> = payment_methods::table
        .filter(payment_methods::org_id.eq(org_id))
        .order((payment_methods::added_at.asc(), payment_methods::provider_id.asc()))
        .select((
            payment_methods::provider_id,
            payment_methods::brand,
            payment_methods::last4,
            payment_methods::exp_month,
            payment_methods::exp_year,
            payment_methods::is_default,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, brand, last4, exp_month, exp_year, is_default)| Stored {
            card: Card { id, brand, last4, exp_month, exp_year },
            is_default,
        })
        .collect())
}

/// Makes the kept list what the provider reports now; what appeared and
/// what went, for the log. Methods kept before keep when they were added.
pub fn sync(
    conn: &mut AnyConnection,
    org_id: &str,
    cards: &[Card],
    default: Option<&str>,
    now: PrimitiveDateTime,
) -> QueryResult<(Vec<Card>, Vec<Card>)> {
    crate::db::write_transaction(conn, |conn| {
        let before = list(conn, org_id)?;
        let gone: Vec<Card> =
            before.iter().filter(|b| !cards.iter().any(|c| c.id == b.card.id)).map(|b| b.card.clone()).collect();
        let new: Vec<Card> = cards.iter().filter(|c| !before.iter().any(|b| b.card.id == c.id)).cloned().collect();
        for card in &gone {
            diesel::delete(payment_methods::table.find(&card.id)).execute(conn)?;
        }
        for (i, card) in cards.iter().enumerate() {
            let is_default = default == Some(card.id.as_str());
            let values = (
                payment_methods::brand.eq(&card.brand),
                payment_methods::last4.eq(&card.last4),
                payment_methods::exp_month.eq(card.exp_month),
                payment_methods::exp_year.eq(card.exp_year),
                payment_methods::is_default.eq(is_default),
            );
            if before.iter().any(|b| b.card.id == card.id) {
                diesel::update(payment_methods::table.find(&card.id)).set(values).execute(conn)?;
            } else {
                // New ones in the provider's order, after every kept one.
                let added_at = now + time::Duration::microseconds(i as i64);
                diesel::insert_into(payment_methods::table)
                    .values((
                        payment_methods::provider_id.eq(&card.id),
                        payment_methods::org_id.eq(org_id),
                        values,
                        payment_methods::added_at.eq(added_at),
                    ))
                    .execute(conn)?;
            }
        }
        Ok((new, gone))
    })
}

/// One change to the organization's methods: its activity row and, when
/// there are billing details, the billing contact's mail, in one transaction.
pub struct Change<'a> {
    pub org_id: &'a str,
    /// None: reported by the provider (a change made elsewhere).
    pub actor_id: Option<&'a str>,
    pub ip: &'a str,
    pub action: &'a str,
    pub card: &'a Card,
    pub details: &'a str,
    pub mail: Option<OutgoingMail>,
    pub now: PrimitiveDateTime,
}

pub fn record(conn: &mut AnyConnection, change: &Change<'_>) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| write(conn, change))
}

/// Records a card's arrival or departure once, whoever tells of it first:
/// the person's confirmation, or the provider's webhook (`key` names the
/// change, such as `added:pm_...`). False when it was told already.
pub fn record_once(conn: &mut AnyConnection, key: &str, change: &Change<'_>) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        if seen(conn, key)? {
            return Ok(false);
        }
        mark_seen(conn, key, change.action, change.now)?;
        write(conn, change)?;
        Ok(true)
    })
}

fn write(conn: &mut AnyConnection, change: &Change<'_>) -> QueryResult<()> {
    {
        activity::record(
            conn,
            &NewActivity {
                id: new_id(),
                org_id: Some(change.org_id),
                actor_id: change.actor_id,
                action: change.action,
                target: &change.card.describe(),
                details: change.details,
                ip: change.ip,
                created_at: change.now,
                via: None,
            },
        )?;
        if let Some(mail) = &change.mail {
            outbox::enqueue_for(conn, None, mail, change.now)?;
        }
        Ok(())
    }
}

/// Whether the provider's event was handled already.
pub fn seen(conn: &mut AnyConnection, event_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(provider_events::table.find(event_id))).get_result(conn)
}

/// Marks the event handled, once it was (a concurrent delivery of the same
/// event that marked it first is no error).
pub fn mark_seen(conn: &mut AnyConnection, event_id: &str, kind: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    let inserted = diesel::insert_into(provider_events::table)
        .values((
            provider_events::id.eq(event_id),
            provider_events::kind.eq(kind),
            provider_events::received_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Err(e) if crate::store::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}
