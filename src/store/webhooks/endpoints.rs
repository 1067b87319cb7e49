//! An organization's webhook endpoints (`webhooks.manage`): added with a
//! signing secret, changed, turned off and on, rotated (the old secret signs
//! beside the new one for a day) and deleted. Each change is in the
//! activity log; a deleted endpoint's deliveries go with it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::webhook_endpoints;
use crate::db::AnyConnection;
use crate::domain::sealed::{Sealed, SecretsKey, WEBHOOK_SECRET};
use crate::store::changes::{lock_org, Actor};
use crate::store::new_id;

/// An organization keeps at most this many endpoints.
pub const MOST: i64 = 20;
/// How long the secret a rotation replaced still signs.
pub const OLD_SECRET_SIGNS: time::Duration = time::Duration::hours(24);

#[derive(Debug, Clone, Queryable)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<PrimitiveDateTime>,
    pub previous_until: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
}

macro_rules! columns {
    () => {
        (
            webhook_endpoints::id,
            webhook_endpoints::url,
            webhook_endpoints::description,
            webhook_endpoints::event_types,
            webhook_endpoints::enabled,
            webhook_endpoints::disabled_reason,
            webhook_endpoints::failing_since,
            webhook_endpoints::previous_until,
            webhook_endpoints::created_at,
        )
    };
}

/// What the form or the API sets on an endpoint.
#[derive(Debug, Clone)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    /// `Subscription::stored()`.
    pub event_types: String,
    pub enabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("no such endpoint")]
    NotFound,
    #[error("An organization can have at most {MOST} webhook endpoints; delete one first.")]
    TooMany,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq(org_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .order((webhook_endpoints::created_at, webhook_endpoints::id))
        .select(columns!())
        .load(conn)
}

pub fn get(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::org_id.eq(org_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(columns!())
        .first(conn)
        .optional()
}

/// Adds an endpoint signed with `secret` (a `whsec_...` sealed for
/// [`WEBHOOK_SECRET`]); returns its id.
pub fn create(
    conn: &mut AnyConnection,
    org_id: &str,
    fields: &EndpointFields,
    secret: &Sealed,
    actor: &Actor,
) -> Result<String, EndpointError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| EndpointError::NotFound)?;
        let held: i64 = webhook_endpoints::table
            .filter(webhook_endpoints::org_id.eq(org_id))
            .filter(webhook_endpoints::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        if held >= MOST {
            return Err(EndpointError::TooMany);
        }
        let id = new_id();
        diesel::insert_into(webhook_endpoints::table)
            .values((
                webhook_endpoints::id.eq(&id),
                webhook_endpoints::org_id.eq(org_id),
                webhook_endpoints::url.eq(&fields.url),
                webhook_endpoints::description.eq(&fields.description),
                webhook_endpoints::event_types.eq(&fields.event_types),
                webhook_endpoints::enabled.eq(fields.enabled),
                webhook_endpoints::secret.eq(&secret.0),
                webhook_endpoints::created_by.eq(&actor.user_id),
                webhook_endpoints::created_at.eq(actor.now),
            ))
            .execute(conn)?;
        actor.record(conn, org_id, "webhook.create", &fields.url, &fields.event_types)?;
        Ok(id)
    })
}

/// Changes an endpoint. Turning it on again clears why the portal had
/// turned it off and starts its failure count afresh.
pub fn update(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    fields: &EndpointFields,
    actor: &Actor,
) -> Result<(), EndpointError> {
    crate::db::write_transaction(conn, |conn| {
        let before = get(conn, org_id, id)?.ok_or(EndpointError::NotFound)?;
        let reenabled = fields.enabled && !before.enabled;
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::url.eq(&fields.url),
                webhook_endpoints::description.eq(&fields.description),
                webhook_endpoints::event_types.eq(&fields.event_types),
                webhook_endpoints::enabled.eq(fields.enabled),
            ))
            .execute(conn)?;
        // On again: why it was off, and its failing streak, are history. (An
        // endpoint that is on has no reason; the worker owns the streak.)
        if reenabled {
            diesel::update(webhook_endpoints::table.find(id))
                .set((
                    webhook_endpoints::disabled_reason.eq(None::<String>),
                    webhook_endpoints::failing_since.eq(None::<PrimitiveDateTime>),
                ))
                .execute(conn)?;
        }
        let what = if before.enabled == fields.enabled {
            "changed"
        } else if fields.enabled {
            "turned on"
        } else {
            "turned off"
        };
        actor.record(conn, org_id, "webhook.update", &fields.url, what)?;
        Ok(())
    })
}

/// Deletes an endpoint and its deliveries; returns its URL.
pub fn delete(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<String, EndpointError> {
    crate::db::write_transaction(conn, |conn| {
        let before = get(conn, org_id, id)?.ok_or(EndpointError::NotFound)?;
        diesel::delete(webhook_endpoints::table.find(id)).execute(conn)?;
        actor.record(conn, org_id, "webhook.delete", &before.url, "")?;
        Ok(before.url)
    })
}

/// Signs from now on with `secret`; the one it replaces signs too for
/// [`OLD_SECRET_SIGNS`], so receivers can switch without losing a delivery.
pub fn rotate(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    secret: &Sealed,
    actor: &Actor,
) -> Result<(), EndpointError> {
    crate::db::write_transaction(conn, |conn| {
        let before = get(conn, org_id, id)?.ok_or(EndpointError::NotFound)?;
        let old: String = webhook_endpoints::table.find(id).select(webhook_endpoints::secret).first(conn)?;
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::secret.eq(&secret.0),
                webhook_endpoints::previous_secret.eq(Some(old)),
                webhook_endpoints::previous_until.eq(Some(actor.now + OLD_SECRET_SIGNS)),
            ))
            .execute(conn)?;
        actor.record(conn, org_id, "webhook.rotate", &before.url, "")?;
        Ok(())
    })
}

/// Queues a `ping` to the endpoint (its test button); returns the event id.
pub fn ping(conn: &mut AnyConnection, org_id: &str, id: &str, now: PrimitiveDateTime) -> Result<String, EndpointError> {
    crate::db::write_transaction(conn, |conn| {
        get(conn, org_id, id)?.ok_or(EndpointError::NotFound)?;
        Ok(super::events::ping(conn, org_id, id, now)?)
    })
}

/// Called in the transaction that deletes the organization, before it:
/// its endpoints stay (org_id becomes NULL by the foreign key) until they
/// have delivered `org.deleted`; upkeep removes them then.
pub fn mark_org_deleted(conn: &mut AnyConnection, org_id: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::org_id.eq(org_id)))
        .set(webhook_endpoints::deleted_at.eq(Some(now)))
        .execute(conn)
}

/// Seals under the current key every signing secret that is not: those
/// written before sealing existed and those sealed with the previous key.
/// Run at start-up; returns how many were sealed anew.
pub fn reseal(conn: &mut AnyConnection, key: &SecretsKey) -> anyhow::Result<usize> {
    let rows: Vec<(String, String, Option<String>)> = webhook_endpoints::table
        .select((webhook_endpoints::id, webhook_endpoints::secret, webhook_endpoints::previous_secret))
        .load(conn)?;
    let mut n = 0;
    for (id, secret, previous) in rows {
        let stale = |s: &String| !key.is_current(&Sealed(s.clone()));
        if !stale(&secret) && !previous.as_ref().is_some_and(stale) {
            continue;
        }
        let again = |s: String| -> anyhow::Result<String> {
            Ok(key.seal(WEBHOOK_SECRET, &key.open(WEBHOOK_SECRET, &Sealed(s))?).0)
        };
        let secret = again(secret)?;
        let previous = previous.map(again).transpose()?;
        diesel::update(webhook_endpoints::table.find(&id))
            .set((webhook_endpoints::secret.eq(secret), webhook_endpoints::previous_secret.eq(previous)))
            .execute(conn)?;
        n += 1;
    }
    Ok(n)
}
