//! The delivery queue. The worker claims endpoints, not deliveries: a lease
//! on the endpoint's row (`locked_until`, as the mail outbox leases
//! messages) lets one worker of one instance at a time deliver its queue,
//! oldest event first, so order holds per endpoint and each delivery is
//! sent once (again only after a crash, under the same webhook-id). A
//! failing endpoint holds back only its own queue. Also: the deliveries
//! page's rows, Redeliver, and pruning after 30 days.

use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{webhook_deliveries, webhook_endpoints, webhook_events};
use crate::db::{kept_update, AnyConnection};
use crate::store::changes::Actor;

/// Events (and their deliveries) are kept this long.
pub const KEPT: time::Duration = time::Duration::days(30);

/// An endpoint claimed for delivery, with what signs for it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub org_id: Option<String>,
    pub url: String,
    pub secret: String,
    /// The secret a rotation replaced, while it still signs.
    pub previous_secret: Option<String>,
    pub failing_since: Option<PrimitiveDateTime>,
}

/// The oldest undelivered event of an endpoint.
#[derive(Debug, Clone, Queryable)]
pub struct Due {
    pub id: String,
    pub next_attempt_at: PrimitiveDateTime,
    pub attempts: i32,
    pub first_attempt_at: Option<PrimitiveDateTime>,
    pub event_id: String,
    pub event_type: String,
    pub data: String,
    pub event_at: PrimitiveDateTime,
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: PrimitiveDateTime,
    pub status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub response: Option<String>,
}

fn to_time(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MINUTE)
}

/// Leases up to `limit` enabled endpoints that have a delivery due and no
/// other worker on them.
/// Only reads when nothing is due: an idle portal polls without taking the
/// writer's turn.
pub fn claim(
    conn: &mut AnyConnection,
    now: PrimitiveDateTime,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let due = |conn: &mut AnyConnection| -> QueryResult<Vec<String>> {
        let mut due: Vec<String> = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .select(webhook_deliveries::endpoint_id)
            .limit(limit * 20)
            .load(conn)?;
        due.sort_unstable();
        due.dedup();
        Ok(due)
    };
    if due(conn)?.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::write_transaction(conn, |conn| {
        let due = due(conn)?;
        let mut claimed = Vec::new();
        for id in due.into_iter().take(limit as usize) {
            let free = webhook_endpoints::id
                .eq(&id)
                .and(webhook_endpoints::enabled.eq(true))
                .and(webhook_endpoints::locked_until.is_null().or(webhook_endpoints::locked_until.le(now)));
            let taken =
                kept_update(webhook_endpoints::table, free, webhook_endpoints::locked_until.eq(now + to_time(lease)))
                    .execute(conn)?;
            if taken == 0 {
                continue;
            }
            let (org_id, url, secret, previous_secret, previous_until, failing_since) = webhook_endpoints::table
                .find(&id)
                .select((
                    webhook_endpoints::org_id,
                    webhook_endpoints::url,
                    webhook_endpoints::secret,
                    webhook_endpoints::previous_secret,
                    webhook_endpoints::previous_until,
                    webhook_endpoints::failing_since,
                ))
                .first::<(
                    Option<String>,
                    String,
                    String,
                    Option<String>,
                    Option<PrimitiveDateTime>,
                    Option<PrimitiveDateTime>,
                )>(conn)?;
            let previous_secret = previous_secret.filter(|_| previous_until.is_some_and(|until| until > now));
            claimed.push(Claimed { id, org_id, url, secret, previous_secret, failing_since });
        }
        Ok(claimed)
    })
}

/// The endpoint's oldest pending delivery (due or not).
pub fn head(conn: &mut AnyConnection, endpoint_id: &str) -> QueryResult<Option<Due>> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::state.eq("pending"))
        .order((webhook_deliveries::created_at, webhook_deliveries::id))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::attempts,
            webhook_deliveries::first_attempt_at,
            webhook_events::id,
            webhook_events::event_type,
            webhook_events::data,
            webhook_events::created_at,
        ))
        .first(conn)
        .optional()
}

/// Records an attempt. `retry_at` None after a failure: given up. A success
/// ends the endpoint's failing streak; a failure starts one if none runs.
pub fn record(
    conn: &mut AnyConnection,
    due: &Due,
    endpoint_id: &str,
    attempt: &Attempt,
    delivered: bool,
    retry_at: Option<PrimitiveDateTime>,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let state = match (delivered, retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        diesel::update(webhook_deliveries::table.find(&due.id))
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::attempts.eq(due.attempts + 1),
                webhook_deliveries::next_attempt_at.eq(retry_at.unwrap_or(attempt.at)),
                webhook_deliveries::first_attempt_at.eq(due.first_attempt_at.unwrap_or(attempt.at)),
                webhook_deliveries::last_attempt_at.eq(attempt.at),
                webhook_deliveries::last_status.eq(attempt.status),
                webhook_deliveries::last_duration_ms.eq(attempt.duration_ms),
                webhook_deliveries::last_error.eq(&attempt.error),
                webhook_deliveries::last_response.eq(&attempt.response),
            ))
            .execute(conn)?;
        if let Some(at) = retry_at.filter(|_| !delivered) {
            hold_behind(conn, endpoint_id, at)?;
        }
        if delivered {
            // Only a streak that runs is ended: most deliveries write nothing here.
            let streak = webhook_endpoints::id.eq(endpoint_id).and(webhook_endpoints::failing_since.is_not_null());
            kept_update(
                webhook_endpoints::table,
                streak,
                webhook_endpoints::failing_since.eq(None::<PrimitiveDateTime>),
            )
            .execute(conn)?;
        } else {
            let streak = webhook_endpoints::id.eq(endpoint_id).and(webhook_endpoints::failing_since.is_null());
            kept_update(webhook_endpoints::table, streak, webhook_endpoints::failing_since.eq(Some(attempt.at)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The endpoint's later deliveries wait for its first: none is due before
/// `at`, so a queue in backoff is not claimed again and again meanwhile.
pub fn hold_behind(conn: &mut AnyConnection, endpoint_id: &str, at: PrimitiveDateTime) -> QueryResult<usize> {
    let sooner = webhook_deliveries::endpoint_id
        .eq(endpoint_id)
        .and(webhook_deliveries::state.eq("pending"))
        .and(webhook_deliveries::next_attempt_at.lt(at));
    kept_update(webhook_deliveries::table, sooner, webhook_deliveries::next_attempt_at.eq(at)).execute(conn)
}

/// Turns off an endpoint that kept failing; true when this call did (so
/// its admins are told once).
pub fn disable(conn: &mut AnyConnection, endpoint_id: &str, reason: &str) -> QueryResult<bool> {
    let on = webhook_endpoints::id.eq(endpoint_id).and(webhook_endpoints::enabled.eq(true));
    let n = kept_update(
        webhook_endpoints::table,
        on,
        (webhook_endpoints::enabled.eq(false), webhook_endpoints::disabled_reason.eq(Some(reason))),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Lets another worker have the endpoint.
pub fn release(conn: &mut AnyConnection, endpoint_id: &str) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(endpoint_id))
        .set(webhook_endpoints::locked_until.eq(None::<PrimitiveDateTime>))
        .execute(conn)
        .map(|_| ())
}

/// A delivery as the deliveries page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct DeliveryRow {
    pub id: String,
    pub state: String,
    pub attempts: i32,
    pub created_at: PrimitiveDateTime,
    pub next_attempt_at: PrimitiveDateTime,
    pub last_attempt_at: Option<PrimitiveDateTime>,
    pub last_status: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub event_id: String,
    pub event_type: String,
    pub data: String,
    pub event_at: PrimitiveDateTime,
}

/// The endpoint's deliveries, newest first, `limit` of them older than the
/// delivery `before` (the last row of the previous page): keyset, never
/// OFFSET. A `before` that is not the endpoint's gives the first page.
pub fn page(
    conn: &mut AnyConnection,
    endpoint_id: &str,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let before: Option<(PrimitiveDateTime, String)> = match before {
        Some(id) => webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .select((webhook_deliveries::created_at, webhook_deliveries::id))
            .first(conn)
            .optional()?,
        None => None,
    };
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::state,
            webhook_deliveries::attempts,
            webhook_deliveries::created_at,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::last_attempt_at,
            webhook_deliveries::last_status,
            webhook_deliveries::last_duration_ms,
            webhook_deliveries::last_error,
            webhook_deliveries::last_response,
            webhook_events::id,
            webhook_events::event_type,
            webhook_events::data,
            webhook_events::created_at,
        ))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at.eq(at).and(webhook_deliveries::id.lt(id))),
        );
    }
    query.load(conn)
}

/// Sends the event of delivery `id` to its endpoint again, as a new
/// delivery at the end of the queue (same webhook-id: a receiver that had
/// it drops the repeat). None when the delivery is not the endpoint's.
pub fn redeliver(
    conn: &mut AnyConnection,
    org_id: &str,
    endpoint_id: &str,
    id: &str,
    actor: &Actor,
) -> QueryResult<Option<String>> {
    crate::db::write_transaction(conn, |conn| {
        let found: Option<(String, String, String)> = webhook_deliveries::table
            .inner_join(webhook_endpoints::table)
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_endpoints::org_id.eq(org_id))
            .select((webhook_events::id, webhook_events::event_type, webhook_endpoints::url))
            .first(conn)
            .optional()?;
        let Some((event_id, event_type, url)) = found else { return Ok(None) };
        let new = super::events::queue(conn, &event_id, endpoint_id, actor.now)?;
        actor.record(conn, org_id, "webhook.redeliver", &url, &format!("{event_type} {event_id}"))?;
        Ok(Some(new))
    })
}

/// Deletes events older than [`KEPT`] with their deliveries, and endpoints
/// of deleted organizations once nothing is left to deliver to them.
pub fn prune(conn: &mut AnyConnection, now: PrimitiveDateTime) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        let old = webhook_events::table.filter(webhook_events::created_at.lt(now - KEPT)).select(webhook_events::id);
        let deliveries =
            diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::event_id.eq_any(old))).execute(conn)?;
        let events =
            diesel::delete(webhook_events::table.filter(webhook_events::created_at.lt(now - KEPT))).execute(conn)?;
        let waiting = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq("pending"))
            .select(webhook_deliveries::endpoint_id);
        let orphans =
            diesel::delete(webhook_endpoints::table.filter(webhook_endpoints::deleted_at.is_not_null()).filter(
                webhook_endpoints::enabled.eq(false).or(diesel::dsl::not(webhook_endpoints::id.eq_any(waiting))),
            ))
            .execute(conn)?;
        Ok(deliveries + events + orphans)
    })
}

/// Who to tell that an endpoint was turned off: the organization's members
/// whose role is one of `roles` (those holding webhooks.manage).
pub struct DisabledNotice {
    pub org_name: String,
    pub org_slug: String,
    pub url: String,
    /// (name, email)
    pub managers: Vec<(String, String)>,
}

pub fn disabled_notice(
    conn: &mut AnyConnection,
    endpoint_id: &str,
    roles: &[String],
) -> QueryResult<Option<DisabledNotice>> {
    use crate::db::schema::{memberships, organizations, users};
    let found: Option<(String, String, String, String)> = webhook_endpoints::table
        .inner_join(organizations::table)
        .filter(webhook_endpoints::id.eq(endpoint_id))
        .select((organizations::id, organizations::name, organizations::slug, webhook_endpoints::url))
        .first(conn)
        .optional()?;
    let Some((org_id, org_name, org_slug, url)) = found else { return Ok(None) };
    let managers = memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(&org_id))
        .filter(memberships::role.eq_any(roles))
        .order(users::email)
        .select((users::name, users::email))
        .load(conn)?;
    Ok(Some(DisabledNotice { org_name, org_slug, url, managers }))
}

/// The event a delivery sends.
pub fn event_of(conn: &mut AnyConnection, delivery_id: &str) -> QueryResult<String> {
    webhook_deliveries::table.find(delivery_id).select(webhook_deliveries::event_id).first(conn)
}
