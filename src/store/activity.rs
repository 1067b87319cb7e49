//! The activity log: writing its rows (with the filter choices they add),
//! reading a page of it, and the choices of the Activity page's filters.

use std::sync::Arc;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{activity, activity_facets};
use crate::db::AnyConnection;
use crate::store::kept::Kept;

/// One row of the activity log, as written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = activity)]
pub struct NewActivity<'a> {
    pub id: String,
    pub org_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    pub details: &'a str,
    pub ip: &'a str,
    pub created_at: PrimitiveDateTime,
    /// The API key the actor acted through, as the log names it.
    pub via: Option<&'a str>,
}

/// Writes the row, and its action and actor into the log's filter choices.
pub fn record(conn: &mut AnyConnection, row: &NewActivity<'_>) -> QueryResult<()> {
    record_all(conn, std::slice::from_ref(row))
}

/// Writes the rows in one statement, and their actions and actors into the
/// log's filter choices (each once).
pub fn record_all(conn: &mut AnyConnection, rows: &[NewActivity<'_>]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                activity::id.eq(r.id.as_str()),
                activity::org_id.eq(r.org_id),
                activity::actor_id.eq(r.actor_id),
                activity::action.eq(r.action),
                activity::target.eq(r.target),
                activity::details.eq(r.details),
                activity::ip.eq(r.ip),
                activity::created_at.eq(r.created_at),
                activity::via.eq(r.via),
            )
        })
        .collect();
    crate::db::native!(conn, |c| diesel::insert_into(activity::table).values(values).execute(c))?;
    let mut facets: Vec<(&str, &str, &str)> = Vec::new();
    for r in rows {
        let scope = r.org_id.unwrap_or("");
        facets.push((scope, "action", r.action));
        if let Some(actor) = r.actor_id {
            facets.push((scope, "actor", actor));
        }
    }
    facets.sort_unstable();
    facets.dedup();
    for (scope, kind, value) in facets {
        remember(conn, scope, kind, value)?;
    }
    Ok(())
}

/// A row for a change the operator made on the command line (no signed-in
/// actor, no address); `org_id` None for a site-wide change.
pub fn record_operator(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    action: &str,
    target: &str,
    details: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    let row = NewActivity {
        id: crate::store::new_id(),
        org_id,
        actor_id: None,
        action,
        target,
        details,
        ip: "",
        created_at: now,
        via: None,
    };
    record(conn, &row)
}

/// What the Activity page filters by; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// The actor's user id.
    pub actor_id: Option<String>,
    pub action: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<PrimitiveDateTime>,
    /// Before this time (exclusive).
    pub until: Option<PrimitiveDateTime>,
}

/// Where the next (older) page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCursor {
    pub created_at: PrimitiveDateTime,
    pub id: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct ActivityRow {
    pub id: String,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
    /// The name kept when the actor's account was deleted.
    pub former_actor_name: Option<String>,
    /// "API key NAME (created by PERSON)" when the change came through a key.
    pub via: Option<String>,
}

/// The organization's activity (None: the site-wide log), newest first, filtered; `limit` rows after
/// `before` (keyset: never OFFSET).
pub fn list(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    filter: &ActivityFilter,
    before: Option<&ActivityCursor>,
    limit: i64,
) -> QueryResult<Vec<ActivityRow>> {
    use crate::db::schema::users;
    // On the backend's own connection: the query is built per request
    // (its filters vary), and diesel's multi-connection would write it twice.
    let mut rows: Vec<ActivityRow> = crate::db::native!(conn, |c| {
        let mut query = activity::table
            .left_join(users::table.on(users::id.nullable().eq(activity::actor_id)))
            .select((
                activity::id,
                activity::created_at,
                users::name.nullable(),
                users::email.nullable(),
                activity::action,
                activity::target,
                activity::details,
                activity::ip,
                activity::actor_name,
                activity::via,
            ))
            .order((activity::created_at.desc(), activity::id.desc()))
            .limit(limit)
            .into_boxed();
        query = match org_id {
            Some(id) => query.filter(activity::org_id.eq(id.to_string())),
            None => query.filter(activity::org_id.is_null()),
        };
        if let Some(actor) = &filter.actor_id {
            query = query.filter(activity::actor_id.eq(actor.clone()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(activity::action.eq(action.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(activity::created_at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(activity::created_at.lt(until));
        }
        if let Some(c) = before {
            // `created_at <= c` first: the index range starts at the cursor
            // (an OR alone makes SQLite read every newer row to skip them).
            query = query.filter(
                activity::created_at
                    .le(c.created_at)
                    .and(activity::created_at.lt(c.created_at).or(activity::id.lt(c.id.clone()))),
            );
        }
        query.load(c)
    })?;
    for r in &mut rows {
        if r.actor_name.is_none() {
            r.actor_name = r.former_actor_name.take();
        }
    }
    Ok(rows)
}

/// Before an account is deleted: its activity rows keep the name it had.
pub fn keep_actor_name(conn: &mut AnyConnection, user_id: &str, name: &str) -> QueryResult<usize> {
    diesel::update(activity::table.filter(activity::actor_id.eq(user_id)))
        .set(activity::actor_name.eq(name))
        .execute(conn)
}

/// The choices of the Activity page's filters.
pub struct Facets {
    pub actions: Vec<String>,
    /// (user id, email)
    pub actors: Vec<(String, String)>,
}

/// The actions and actors that appear in the organization's log (None: the
/// site-wide log, rows of no organization), from the facets kept as rows
/// are written (a log of any length answers in a few rows).
pub fn facets(conn: &mut AnyConnection, org_id: Option<&str>) -> QueryResult<Facets> {
    use crate::db::schema::users;
    let scope = org_id.unwrap_or("");
    // Both lists in one statement. Actors whose account is gone drop out,
    // as their rows' links do.
    let rows: Vec<(String, String, Option<String>)> = activity_facets::table
        .left_join(users::table.on(activity_facets::kind.eq("actor").and(users::id.eq(activity_facets::value))))
        .filter(activity_facets::scope.eq(scope))
        .select((activity_facets::kind, activity_facets::value, users::email.nullable()))
        .load(conn)?;
    let (mut actions, mut actors) = (Vec::new(), Vec::new());
    for (kind, value, email) in rows {
        match (kind.as_str(), email) {
            ("action", _) => actions.push(value),
            ("actor", Some(email)) => actors.push((value, email)),
            _ => {}
        }
    }
    actions.sort_unstable();
    actors.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Facets { actions, actors })
}

/// Organizations' filter choices, kept under their `facets_version`.
pub type KeptFacets = Kept<Facets>;

/// The organization's [`facets`], kept while its `facets_version` (read in
/// the same transaction) stays where it was: migration 000028's triggers
/// move it when a choice is added or removed and when an actor's address
/// changes or their account goes.
pub fn kept_facets(
    conn: &mut AnyConnection,
    kept: &KeptFacets,
    org_id: &str,
    facets_version: i64,
) -> QueryResult<Arc<Facets>> {
    kept.get_or_read(org_id, facets_version, || facets(conn, Some(org_id)))
}

/// Adds a filter choice of the log `scope` unless it is there: one read of
/// its key; the rare insert runs in a savepoint, so that two transactions
/// adding the same choice at once both go on.
fn remember(conn: &mut AnyConnection, scope: &str, kind: &str, value: &str) -> QueryResult<()> {
    let known: Option<String> =
        activity_facets::table.find((scope, kind, value)).select(activity_facets::value).first(conn).optional()?;
    if known.is_some() {
        return Ok(());
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(activity_facets::table)
            .values((
                activity_facets::scope.eq(scope),
                activity_facets::kind.eq(kind),
                activity_facets::value.eq(value),
            ))
            .execute(conn)
    });
    match inserted {
        Err(e) if crate::store::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// An organization's filter choices go with it.
pub fn forget_facets(conn: &mut AnyConnection, org_id: &str) -> QueryResult<()> {
    diesel::delete(activity_facets::table.filter(activity_facets::scope.eq(org_id))).execute(conn)?;
    Ok(())
}
