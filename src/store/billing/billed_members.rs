//! Members whose personal-space usage an organization pays (Particle's
//! billed users). Each period is a row from `since` until `until`; a person
//! has at most one open period (a unique index), so one organization pays
//! at a time. Every change writes its activity row.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{billed_members, memberships, organizations, users};
use crate::db::AnyConnection;
use crate::domain::usage_payer::BilledPeriod;
use crate::store::changes::{lock_org, Actor, MemberError};
use crate::store::is_unique_violation;
use crate::store::new_id;

#[derive(Debug, Clone, Queryable)]
pub struct BilledMember {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub since: PrimitiveDateTime,
    pub until: Option<PrimitiveDateTime>,
    pub added_by: String,
    pub ended_by: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BilledError {
    #[error("no member of the organization has this address")]
    NotMember,
    #[error("already billed to this organization")]
    AlreadyHere,
    /// Billed to another organization: it must end there first.
    #[error("billed to {org_name}")]
    Elsewhere { name: String, org_name: String, since: PrimitiveDateTime },
    #[error("not billed to this organization")]
    NotBilled,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<MemberError> for BilledError {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Db(e) => BilledError::Db(e),
            _ => BilledError::NotMember,
        }
    }
}

macro_rules! billed_columns {
    () => {
        (
            users::id,
            users::name,
            users::email,
            billed_members::since,
            billed_members::until,
            billed_members::added_by,
            billed_members::ended_by,
        )
    };
}

/// Every billed period of these people, for the usage of their personal projects.
pub fn periods(conn: &mut AnyConnection, user_ids: &[String]) -> QueryResult<Vec<BilledPeriod>> {
    let rows: Vec<(String, String, PrimitiveDateTime, Option<PrimitiveDateTime>)> = billed_members::table
        .filter(billed_members::user_id.eq_any(user_ids))
        .select((billed_members::user_id, billed_members::org_id, billed_members::since, billed_members::until))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, org_id, since, until)| BilledPeriod {
            user_id,
            org_id,
            since: since.date(),
            until: until.map(|u| u.date()),
        })
        .collect())
}

fn email_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<String> {
    users::table.find(user_id).select(users::email).first(conn)
}

/// The open period of a person, wherever it is: (organization id, its name, since).
fn open_period(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Option<(String, String, PrimitiveDateTime)>> {
    billed_members::table
        .inner_join(organizations::table)
        .filter(billed_members::user_id.eq(user_id))
        .filter(billed_members::until.is_null())
        .select((organizations::id, organizations::name, billed_members::since))
        .first(conn)
        .optional()
}

/// Starts billing the personal usage of the member with this address to
/// the organization, from now; `billing.member_add` in its log.
pub fn add(conn: &mut AnyConnection, org_id: &str, email: &str, actor: &Actor) -> Result<BilledMember, BilledError> {
    let result = crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let (user_id, name): (String, String) = memberships::table
            .inner_join(users::table)
            .filter(memberships::org_id.eq(org_id))
            .filter(users::email.eq(email))
            .select((users::id, users::name))
            .order(users::id)
            .first(conn)
            .optional()?
            .ok_or(BilledError::NotMember)?;
        match open_period(conn, &user_id)? {
            Some((other, _, _)) if other == org_id => return Err(BilledError::AlreadyHere),
            Some((_, org_name, since)) => return Err(BilledError::Elsewhere { name, org_name, since }),
            None => {}
        }
        let added_by = email_of(conn, &actor.user_id)?;
        start_period(conn, org_id, &user_id, &added_by, actor.now)?;
        actor.record(conn, org_id, "billing.member_add", email, "personal usage billed to the organization")?;
        billed_event(conn, org_id, "billing.member_added", &user_id, "added", actor.now)?;
        Ok(BilledMember {
            user_id,
            name,
            email: email.to_string(),
            since: actor.now,
            until: None,
            added_by,
            ended_by: String::new(),
        })
    });
    match result {
        // Another organization added them at the same moment: its period stands.
        Err(BilledError::Db(e)) if is_unique_violation(&e) => {
            let (user_id, name): (String, String) =
                users::table.filter(users::email.eq(email)).select((users::id, users::name)).first(conn)?;
            match open_period(conn, &user_id)? {
                Some((_, org_name, since)) => Err(BilledError::Elsewhere { name, org_name, since }),
                None => Err(BilledError::Db(e)),
            }
        }
        other => other,
    }
}

/// Opens a period from `now`; the caller has checked there is no open one.
pub(crate) fn start_period(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    added_by: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(billed_members::table)
        .values((
            billed_members::id.eq(new_id()),
            billed_members::org_id.eq(org_id),
            billed_members::user_id.eq(user_id),
            billed_members::since.eq(now),
            billed_members::added_by.eq(added_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends the open period of `user_id` in the organization; returns their
/// address. `billing.member_remove` in the log.
pub fn remove(conn: &mut AnyConnection, org_id: &str, user_id: &str, actor: &Actor) -> Result<String, BilledError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let by = format!("removed by {}", email_of(conn, &actor.user_id)?);
        if end(conn, org_id, user_id, &by, actor.now)? == 0 {
            return Err(BilledError::NotBilled);
        }
        let email = email_of(conn, user_id)?;
        actor.record(conn, org_id, "billing.member_remove", &email, "personal usage no longer billed")?;
        billed_event(conn, org_id, "billing.member_removed", user_id, "removed", actor.now)?;
        Ok(email)
    })
}

fn end(conn: &mut AnyConnection, org_id: &str, user_id: &str, by: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        billed_members::table
            .filter(billed_members::org_id.eq(org_id))
            .filter(billed_members::user_id.eq(user_id))
            .filter(billed_members::until.is_null()),
    )
    .set((billed_members::until.eq(now), billed_members::ended_by.eq(by)))
    .execute(conn)
}

/// A member leaves (or is removed, or deletes their account): the
/// organization stops paying for their personal usage, with its log row.
pub fn end_on_departure(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    email: &str,
    why: &str,
    actor: &Actor,
) -> QueryResult<()> {
    if end(conn, org_id, user_id, why, actor.now)? > 0 {
        actor.record(conn, org_id, "billing.member_end", email, why)?;
        billed_event(conn, org_id, "billing.member_removed", user_id, why, actor.now)?;
    }
    Ok(())
}

/// The people the organization bills now, by name.
pub fn current(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<BilledMember>> {
    billed_members::table
        .inner_join(users::table)
        .filter(billed_members::org_id.eq(org_id))
        .filter(billed_members::until.is_null())
        .order((users::name.asc(), users::id.asc()))
        .select(billed_columns!())
        .load(conn)
}

/// Periods that ended, the latest first.
pub fn ended(conn: &mut AnyConnection, org_id: &str, limit: i64) -> QueryResult<Vec<BilledMember>> {
    billed_members::table
        .inner_join(users::table)
        .filter(billed_members::org_id.eq(org_id))
        .filter(billed_members::until.is_not_null())
        .order((billed_members::until.desc(), users::id.asc()))
        .limit(limit)
        .select(billed_columns!())
        .load(conn)
}

/// Periods that overlap [start, end): who the organization billed at some
/// time in that month.
pub fn during(
    conn: &mut AnyConnection,
    org_id: &str,
    start: PrimitiveDateTime,
    end: PrimitiveDateTime,
) -> QueryResult<Vec<BilledMember>> {
    billed_members::table
        .inner_join(users::table)
        .filter(billed_members::org_id.eq(org_id))
        .filter(billed_members::since.lt(end))
        .filter(billed_members::until.is_null().or(billed_members::until.ge(start)))
        .order((users::name.asc(), users::id.asc(), billed_members::since.asc()))
        .select(billed_columns!())
        .load(conn)
}

/// Who pays for this person's personal usage now: (organization name, since).
pub fn payer_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Option<(String, PrimitiveDateTime)>> {
    Ok(open_period(conn, user_id)?.map(|(_, name, since)| (name, since)))
}

/// `billing.member_added` and `billing.member_removed`: the person, and why.
fn billed_event(
    conn: &mut AnyConnection,
    org_id: &str,
    event_type: &str,
    user_id: &str,
    why: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    use crate::store::webhooks::{self, payload};
    webhooks::record(conn, org_id, event_type, now, |conn| {
        let person = payload::person(conn, user_id)?;
        payload::about_org(conn, org_id, serde_json::json!({ "member": person, "why": why }))
    })
    .map(|_| ())
}
