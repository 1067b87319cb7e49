//! A person's own security log: sign-ins, sign-outs and ended sessions, shown
//! to them alone under Settings -> Security log.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::security_events;
use crate::db::AnyConnection;
use crate::store::new_id;

/// Where a request comes from, as written to the session and the security log.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    SignIn,
    SignOut,
    SessionRevoked,
    OthersRevoked,
    /// An operator moved one of the person's personal projects into an organization.
    ProjectMoved,
}

impl SecurityEvent {
    pub fn key(self) -> &'static str {
        match self {
            SecurityEvent::SignIn => "session.sign_in",
            SecurityEvent::SignOut => "session.sign_out",
            SecurityEvent::SessionRevoked => "session.revoke",
            SecurityEvent::OthersRevoked => "session.revoke_others",
            SecurityEvent::ProjectMoved => "project.moved",
        }
    }

    /// What the Security log page calls it.
    pub fn label_of(key: &str) -> &'static str {
        match key {
            "session.sign_in" => "Signed in",
            "session.sign_out" => "Signed out",
            "session.revoke" => "Signed out another session",
            "session.revoke_others" => "Signed out of all other sessions",
            "project.moved" => "A personal project moved to an organization",
            _ => "Other",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct EventRow {
    pub id: String,
    pub action: String,
    pub ip: String,
    pub user_agent: String,
    pub details: String,
    pub created_at: PrimitiveDateTime,
}

pub fn record(
    conn: &mut AnyConnection,
    user_id: &str,
    event: SecurityEvent,
    client: &Client,
    details: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::id.eq(new_id()),
            security_events::user_id.eq(user_id),
            security_events::action.eq(event.key()),
            security_events::ip.eq(&client.ip),
            security_events::user_agent.eq(&client.user_agent),
            security_events::details.eq(details),
            security_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where the next (older) page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCursor {
    pub created_at: PrimitiveDateTime,
    pub id: String,
}

/// The user's events, newest first: `limit` of them after `before` (keyset).
pub fn list(
    conn: &mut AnyConnection,
    user_id: &str,
    before: Option<&EventCursor>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = security_events::table
        .filter(security_events::user_id.eq(user_id.to_string()))
        .order((security_events::created_at.desc(), security_events::id.desc()))
        .select(EventRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(c) = before {
        query = query.filter(
            security_events::created_at
                .lt(c.created_at)
                .or(security_events::created_at.eq(c.created_at).and(security_events::id.lt(c.id.clone()))),
        );
    }
    query.load(conn)
}
