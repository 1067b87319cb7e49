//! Server-side sessions. The browser's cookie holds a random token; a row
//! here, found by the token's hash, says whose it is and until when. Each
//! change a person makes to their sessions is written to their security log
//! in the same transaction.

use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, organizations, sessions, staff, users};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
pub use crate::store::accounts::security_log::Client;
use crate::store::accounts::security_log::{self, SecurityEvent};
use crate::store::accounts::users::User;
use crate::store::new_id;
use crate::store::orgs::{MemberView, Org, OrgSummary};

/// "Last seen" is written at most this often per session, not on every request.
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub last_seen_at: PrimitiveDateTime,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub expires_at: PrimitiveDateTime,
    pub ip: String,
    pub user_agent: String,
    /// What it was signed in with: `oidc`, `dev`, `sso:<connection id>`, ...
    pub provider: String,
}

/// How long sessions live: ORGPORTAL_SESSION_IDLE and ORGPORTAL_SESSION_MAX.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: Duration,
    pub max: Duration,
}

fn since(now: PrimitiveDateTime, d: Duration) -> PrimitiveDateTime {
    now - time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

fn until(now: PrimitiveDateTime, d: Duration) -> PrimitiveDateTime {
    now.checked_add(time::Duration::try_from(d).unwrap_or(time::Duration::MAX)).unwrap_or(PrimitiveDateTime::MAX)
}

/// Starts a session for `user_id` with the token whose hash is `token_hash`;
/// writes `session.sign_in`. The user's ended sessions are cleared away here.
pub fn create(
    conn: &mut AnyConnection,
    user_id: &str,
    token_hash: &str,
    client: &Client,
    lifetimes: Lifetimes,
    now: PrimitiveDateTime,
    provider: &str,
) -> QueryResult<String> {
    crate::db::write_transaction(conn, |conn| {
        let id = new_id();
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::expires_at.le(now).or(sessions::last_seen_at.le(since(now, lifetimes.idle)))),
        )
        .execute(conn)?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(&id),
                sessions::token_hash.eq(token_hash),
                sessions::user_id.eq(user_id),
                sessions::created_at.eq(now),
                sessions::last_seen_at.eq(now),
                sessions::expires_at.eq(until(now, lifetimes.max)),
                sessions::ip.eq(&client.ip),
                sessions::user_agent.eq(&client.user_agent),
                sessions::provider.eq(provider),
            ))
            .execute(conn)?;
        security_log::record(conn, user_id, SecurityEvent::SignIn, client, &format!("via {provider}"), now)?;
        Ok(id)
    })
}

/// A live session as the signed-in lookup finds it.
pub struct Live {
    pub session: Session,
    pub user: User,
    /// Some(may provision) when the user's address is in the staff table
    /// (whether that counts, the caller decides: only for a verified address).
    pub staff_listed: Option<bool>,
    /// The user's organizations by name, for the header's switcher.
    pub orgs: Vec<OrgSummary>,
    /// The user's membership of the organization asked for, if any.
    pub view: Option<MemberView>,
}

/// The live session of `token_hash`: not signed out, not idle longer than
/// `idle`, not past its absolute end; with its user, whether they are
/// staff, their organizations and their membership of `slug`. One
/// statement, one row per membership (issue 33: every signed-in page ran
/// two before its own). Reads only: the caller touches the session when
/// [`touch_due`] says so.
pub fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
    idle: Duration,
    now: PrimitiveDateTime,
    slug: Option<&str>,
) -> QueryResult<Option<Live>> {
    type Row = (Session, User, Option<bool>, Option<Org>, Option<String>, Option<FastTimestamp>, Option<String>);
    let rows: Vec<Row> = crate::db::native!(conn, |c| sessions::table
        .inner_join(users::table)
        .left_join(staff::table.on(staff::email.eq(users::email)))
        .left_join(memberships::table.on(memberships::user_id.eq(users::id)))
        .left_join(organizations::table.on(organizations::id.eq(memberships::org_id)))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(since(now, idle)))
        .order((organizations::name.asc(), organizations::slug.asc()))
        .select((
            Session::as_select(),
            User::as_select(),
            staff::can_provision.nullable(),
            Option::<Org>::as_select(),
            memberships::role.nullable(),
            memberships::created_at.nullable(),
            memberships::default_project_role.nullable(),
        ))
        .load(c))?;
    let mut rows = rows.into_iter();
    let Some((session, user, staff_listed, org, role, joined_at, default)) = rows.next() else { return Ok(None) };
    let membership = |org: Option<Org>, role: Option<String>, joined_at: Option<FastTimestamp>, default| {
        Some((org?, role?, joined_at?, default))
    };
    let first = membership(org, role, joined_at, default);
    let memberships = first.into_iter().chain(rows.filter_map(|r| membership(r.3, r.4, r.5, r.6)));
    let (mut orgs, mut view) = (Vec::new(), None);
    for (org, role, joined_at, default_project_role) in memberships {
        if view.is_none() && slug == Some(org.slug.as_str()) {
            let joined_at = joined_at.into();
            view = Some(MemberView { org: org.clone(), role: role.clone(), joined_at, default_project_role });
        }
        orgs.push(OrgSummary { name: org.name, slug: org.slug, role });
    }
    Ok(Some(Live { session, user, staff_listed, orgs, view }))
}

pub fn touch_due(session: &Session, now: PrimitiveDateTime) -> bool {
    now - session.last_seen_at >= TOUCH_EVERY
}

/// "Last seen" is now. A lost race with another request only writes the same minute twice.
pub fn touch(conn: &mut AnyConnection, session_id: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        diesel::update(sessions::table.find(session_id)).set(sessions::last_seen_at.eq(now)).execute(conn).map(|_| ())
    })
}

/// Sign-out: the session of `token_hash` ends; `session.sign_out` is logged.
pub fn end(conn: &mut AnyConnection, token_hash: &str, client: &Client, now: PrimitiveDateTime) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let found: Option<Session> = sessions::table
            .filter(sessions::token_hash.eq(token_hash))
            .select(Session::as_select())
            .first(conn)
            .optional()?;
        if let Some(s) = found {
            diesel::delete(sessions::table.find(&s.id)).execute(conn)?;
            security_log::record(conn, &s.user_id, SecurityEvent::SignOut, client, "", now)?;
        }
        Ok(())
    })
}

/// The user's live sessions, most recently used first.
pub fn list_active(
    conn: &mut AnyConnection,
    user_id: &str,
    idle: Duration,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(since(now, idle)))
        .order((sessions::last_seen_at.desc(), sessions::id.asc()))
        .select(Session::as_select())
        .load(conn)
}

/// Ends one of the user's own sessions (another user's id finds nothing).
/// Returns whether there was one to end.
pub fn revoke(
    conn: &mut AnyConnection,
    user_id: &str,
    session_id: &str,
    client: &Client,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let found: Option<Session> = sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::user_id.eq(user_id))
            .select(Session::as_select())
            .first(conn)
            .optional()?;
        let Some(s) = found else { return Ok(false) };
        diesel::delete(sessions::table.find(&s.id)).execute(conn)?;
        let details = format!("session from {} started {}", s.ip, s.created_at.date());
        security_log::record(conn, user_id, SecurityEvent::SessionRevoked, client, &details, now)?;
        Ok(true)
    })
}

/// Ends every session of the user but `keep_id`; returns how many ended.
pub fn revoke_others(
    conn: &mut AnyConnection,
    user_id: &str,
    keep_id: &str,
    client: &Client,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        let n = diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::id.ne(keep_id)))
            .execute(conn)?;
        if n > 0 {
            let details = if n == 1 { "1 other session".to_string() } else { format!("{n} other sessions") };
            security_log::record(conn, user_id, SecurityEvent::OthersRevoked, client, &details, now)?;
        }
        Ok(n)
    })
}
