use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::activity;
use crate::db::AnyConnection;

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
}

pub fn record(conn: &mut AnyConnection, row: &NewActivity<'_>) -> QueryResult<()> {
    diesel::insert_into(activity::table).values(row).execute(conn)?;
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
    let row =
        NewActivity { id: super::new_id(), org_id, actor_id: None, action, target, details, ip: "", created_at: now };
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
    pub created_at: PrimitiveDateTime,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
    /// The name kept when the actor's account was deleted.
    pub former_actor_name: Option<String>,
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
        query = query.filter(
            activity::created_at
                .lt(c.created_at)
                .or(activity::created_at.eq(c.created_at).and(activity::id.lt(c.id.clone()))),
        );
    }
    let mut rows: Vec<ActivityRow> = query.load(conn)?;
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
/// site-wide log, rows of no organization).
pub fn facets(conn: &mut AnyConnection, org_id: Option<&str>) -> QueryResult<Facets> {
    use crate::db::schema::users;
    let mut actions = activity::table.select(activity::action).distinct().order(activity::action.asc()).into_boxed();
    let mut actors = activity::table
        .inner_join(users::table.on(users::id.nullable().eq(activity::actor_id)))
        .select((users::id, users::email))
        .distinct()
        .order(users::email.asc())
        .into_boxed();
    match org_id {
        Some(id) => {
            actions = actions.filter(activity::org_id.eq(id.to_string()));
            actors = actors.filter(activity::org_id.eq(id.to_string()));
        }
        None => {
            actions = actions.filter(activity::org_id.is_null());
            actors = actors.filter(activity::org_id.is_null());
        }
    }
    Ok(Facets { actions: actions.load(conn)?, actors: actors.load(conn)? })
}
