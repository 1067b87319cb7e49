//! The `data` of each event, read inside the change's transaction, in the
//! management API's shapes: `organization` as `GET /api/v1/orgs/{slug}`
//! names it (id, name, slug), `member` as a member of its member list,
//! `project` as its project, and the rest named after the API's fields.

use diesel::prelude::*;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, organizations, projects, users};
use crate::db::AnyConnection;

pub fn time(t: PrimitiveDateTime) -> String {
    t.assume_utc().format(&Rfc3339).unwrap_or_default()
}

/// The body every attempt of an event sends, the same bytes each time:
/// `{"type", "timestamp", "data"}` (Standard Webhooks).
pub fn body(event_type: &str, data: &str, event_at: PrimitiveDateTime) -> String {
    let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
    json!({ "type": event_type, "timestamp": time(event_at), "data": data }).to_string()
}

/// `{"organization": {...}}` plus `fields`.
pub fn about_org(conn: &mut AnyConnection, org_id: &str, fields: Value) -> QueryResult<Value> {
    let (id, name, slug): (String, String, String) = organizations::table
        .find(org_id)
        .select((organizations::id, organizations::name, organizations::slug))
        .first(conn)?;
    let mut data = Map::new();
    data.insert("organization".into(), json!({ "id": id, "name": name, "slug": slug }));
    if let Value::Object(more) = fields {
        data.extend(more);
    }
    Ok(Value::Object(data))
}

/// A member as `GET .../members/{user_id}` shows one; None when `user_id`
/// is not a member.
pub fn member(conn: &mut AnyConnection, org_id: &str, user_id: &str) -> QueryResult<Option<Value>> {
    type Row = (String, String, String, PrimitiveDateTime, Option<String>, String);
    let row: Option<Row> = memberships::table
        .inner_join(users::table)
        .inner_join(organizations::table)
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq(user_id))
        .select((
            users::name,
            users::email,
            memberships::role,
            memberships::created_at,
            memberships::default_project_role,
            organizations::owner_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(name, email, role, joined_at, default_project_role, owner)| {
        json!({
            "user_id": user_id,
            "name": name,
            "email": email,
            "role": role,
            "joined_at": time(joined_at),
            "primary_owner": owner == user_id,
            "default_project_role": default_project_role,
        })
    }))
}

/// Someone who is no longer a member (or never was): the API's `Person`.
pub fn person(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Value> {
    let row: Option<(String, String)> =
        users::table.find(user_id).select((users::name, users::email)).first(conn).optional()?;
    let (name, email) = row.unwrap_or_default();
    Ok(json!({ "user_id": user_id, "name": name, "email": email }))
}

/// A project as the API shows one.
pub fn project(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Value> {
    let (id, name, slug, description, created_at): (String, String, String, String, PrimitiveDateTime) =
        projects::table
            .find(project_id)
            .select((projects::id, projects::name, projects::slug, projects::description, projects::created_at))
            .first(conn)?;
    Ok(json!({ "id": id, "name": name, "slug": slug, "description": description, "created_at": time(created_at) }))
}

/// An invitation as the API lists one (its delivery left out: the mail is
/// only queued when the event is written).
pub fn invitation(conn: &mut AnyConnection, id: &str) -> QueryResult<Value> {
    use crate::db::schema::invitations;
    type Row = (String, String, String, String, Option<String>, PrimitiveDateTime, PrimitiveDateTime);
    let (id, email, role, state, invited_by, created_at, expires_at): Row = invitations::table
        .left_join(users::table.on(users::id.nullable().eq(invitations::invited_by)))
        .filter(invitations::id.eq(id))
        .select((
            invitations::id,
            invitations::email,
            invitations::role,
            invitations::state,
            users::name.nullable(),
            invitations::created_at,
            invitations::expires_at,
        ))
        .first(conn)?;
    Ok(json!({
        "id": id,
        "email": email,
        "role": role,
        "state": state,
        "invited_by": invited_by,
        "created_at": time(created_at),
        "expires_at": time(expires_at),
    }))
}

/// `{"organization": ..., "invitation": ...}` for each of `ids` with `receivers`.
pub fn invitation_events(
    conn: &mut AnyConnection,
    receivers: &super::events::Receivers,
    org_id: &str,
    ids: &[String],
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    for id in ids {
        let invitation = invitation(conn, id)?;
        let data = about_org(conn, org_id, json!({ "invitation": invitation }))?;
        receivers.write(conn, data, now)?;
    }
    Ok(())
}
