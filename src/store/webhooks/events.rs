//! Writes an event and one delivery per enabled endpoint of the organization
//! that receives its type, inside the transaction of the change it tells
//! about: a change that rolls back leaves no event, one that commits cannot
//! lose its event. An organization without endpoints pays one indexed read.

use diesel::prelude::*;
use serde_json::Value;
use time::PrimitiveDateTime;

use crate::db::schema::{webhook_deliveries, webhook_endpoints, webhook_events};
use crate::db::AnyConnection;
use crate::domain::webhook::events::{Subscription, PING};
use crate::store::new_id;

/// Records `event_type` for the organization's endpoints that receive it,
/// with the data `data` reads (only then: most organizations have no
/// endpoint); returns the event's id, None when no endpoint receives it.
pub fn record<F>(
    conn: &mut AnyConnection,
    org_id: &str,
    event_type: &str,
    now: PrimitiveDateTime,
    data: F,
) -> QueryResult<Option<String>>
where
    F: FnOnce(&mut AnyConnection) -> QueryResult<Value>,
{
    let receivers = Receivers::of(conn, org_id, event_type)?;
    if receivers.is_empty() {
        return Ok(None);
    }
    let data = data(conn)?;
    receivers.write(conn, data, now).map(Some)
}

/// The endpoints of an organization that receive one event type, read once
/// for a batch of events (ten invitations at once).
pub struct Receivers {
    org_id: String,
    event_type: String,
    endpoints: Vec<String>,
}

impl Receivers {
    pub fn of(conn: &mut AnyConnection, org_id: &str, event_type: &str) -> QueryResult<Receivers> {
        let endpoints: Vec<(String, String)> = webhook_endpoints::table
            .filter(webhook_endpoints::org_id.eq(org_id))
            .filter(webhook_endpoints::enabled.eq(true))
            .filter(webhook_endpoints::deleted_at.is_null())
            .select((webhook_endpoints::id, webhook_endpoints::event_types))
            .load(conn)?;
        let endpoints = endpoints
            .into_iter()
            .filter(|(_, types)| Subscription::from_stored(types).receives(event_type))
            .map(|(id, _)| id)
            .collect();
        Ok(Receivers { org_id: org_id.into(), event_type: event_type.into(), endpoints })
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Writes one event with `data` for these endpoints; returns its id.
    pub fn write(&self, conn: &mut AnyConnection, data: Value, now: PrimitiveDateTime) -> QueryResult<String> {
        write(conn, Some(&self.org_id), &self.event_type, &data, &self.endpoints, now)
    }
}

/// A `ping` for one endpoint (the page's test button), whatever it chose.
pub fn ping(conn: &mut AnyConnection, org_id: &str, endpoint_id: &str, now: PrimitiveDateTime) -> QueryResult<String> {
    let data = serde_json::json!({ "endpoint_id": endpoint_id, "message": "A test event from orgportal." });
    write(conn, Some(org_id), PING, &data, &[endpoint_id.to_string()], now)
}

fn write(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    event_type: &str,
    data: &Value,
    endpoints: &[String],
    now: PrimitiveDateTime,
) -> QueryResult<String> {
    let event_id = format!("msg_{}", new_id());
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::id.eq(&event_id),
            webhook_events::org_id.eq(org_id),
            webhook_events::event_type.eq(event_type),
            webhook_events::data.eq(data.to_string()),
            webhook_events::created_at.eq(now),
        ))
        .execute(conn)?;
    for endpoint_id in endpoints {
        queue(conn, &event_id, endpoint_id, now)?;
    }
    Ok(event_id)
}

/// A delivery of `event_id` to `endpoint_id`, due at once.
pub(super) fn queue(
    conn: &mut AnyConnection,
    event_id: &str,
    endpoint_id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::event_id.eq(event_id),
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::state.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}
