//! A batch of invitations, from the invite form or the management API:
//! which of its addresses can be invited, and each one's invitation, mail
//! and activity row, written in one transaction.
//!
//! A handful of statements for the whole batch, not eight for each address:
//! the batch holds SQLite's one writer (db/writer.rs) while it runs, and one
//! statement each for ten addresses held it 1.5 ms a request in issue 29's
//! invite bench, so a request arriving behind a few others waited past the
//! 10 ms its p99 must stay under.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{invitations, memberships, users};
use crate::db::AnyConnection;
use crate::domain::invitation::InvitationState;
use crate::store::activity::{self, NewActivity};
use crate::store::members::invitations::{row as invitation_row, ttl, NewInvitation};
use crate::store::members::pending_invitations::PendingInvitation;
use crate::store::members::{lock_org, Actor, MemberError};
use crate::store::new_id;
use crate::store::outbox::{self, Delivery};
use crate::store::webhooks::events::Receivers;
use crate::store::webhooks::payload;

/// What became of one address of the batch.
#[derive(Debug, Clone)]
pub enum RowOutcome {
    /// Invited: the invitation as the pending list shows it, its mail queued.
    Invited(Box<PendingInvitation>),
    AlreadyMember,
    AlreadyPending,
}

/// Writes every row that can be invited (with its mail and its activity
/// row), and says for each row what happened, in the rows' order. An address
/// twice in the batch is invited once. One transaction: all or nothing on a
/// database error.
pub fn create_batch(
    conn: &mut AnyConnection,
    org_id: &str,
    rows: &[NewInvitation],
    lifetime: Duration,
    actor: &Actor,
) -> Result<Vec<RowOutcome>, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        expire_stale(conn, org_id, actor.now)?;
        let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
        let members = members_among(conn, org_id, &emails)?;
        let mut taken = pending_among(conn, org_id, &emails)?;
        // To the microsecond, as PostgreSQL keeps it: the answer is then
        // what the database holds on both backends.
        let now = crate::db::timestamp::as_stored(actor.now);
        let expires_at = now + ttl(lifetime);
        let inviter: Option<String> = users::table.find(&actor.user_id).select(users::name).first(conn).optional()?;
        let mut invited = Vec::new();
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            let email = row.email.as_str();
            if members.contains(email) {
                outcomes.push(RowOutcome::AlreadyMember);
            } else if !taken.insert(email.to_string()) {
                outcomes.push(RowOutcome::AlreadyPending);
            } else {
                let id = new_id();
                outcomes.push(RowOutcome::Invited(Box::new(PendingInvitation {
                    id: id.clone(),
                    email: email.to_string(),
                    role: row.role.clone(),
                    invited_by: inviter.clone(),
                    created_at: now,
                    expires_at,
                    state: InvitationState::Pending,
                    delivery: Some(Delivery {
                        invitation_id: Some(id.clone()),
                        state: "queued".into(),
                        attempts: 0,
                        last_error: None,
                        created_at: now,
                    }),
                })));
                invited.push((id, row));
            }
        }
        write(conn, org_id, &invited, (now, expires_at), actor)?;
        Ok(outcomes)
    })
}

/// The invitations, their mail and their activity rows: one multi-row
/// statement per table.
fn write(
    conn: &mut AnyConnection,
    org_id: &str,
    invited: &[(String, &NewInvitation)],
    (now, expires_at): (PrimitiveDateTime, PrimitiveDateTime),
    actor: &Actor,
) -> QueryResult<()> {
    if invited.is_empty() {
        return Ok(());
    }
    let values: Vec<_> =
        invited.iter().map(|(id, row)| invitation_row(id, org_id, row, &actor.user_id, (now, expires_at))).collect();
    crate::db::native!(conn, |c| diesel::insert_into(invitations::table).values(values).execute(c))?;
    let mail: Vec<(&str, &outbox::OutgoingMail)> = invited.iter().map(|(id, row)| (id.as_str(), &row.mail)).collect();
    outbox::enqueue_invitations(conn, &mail, now)?;
    let details: Vec<String> = invited.iter().map(|(_, row)| format!("role {}", row.role)).collect();
    let log: Vec<NewActivity<'_>> = invited
        .iter()
        .zip(&details)
        .map(|((_, row), details)| actor.activity(org_id, "invitation.create", row.email.as_str(), details))
        .collect();
    activity::record_all(conn, &log)?;
    let receivers = Receivers::of(conn, org_id, "invitation.created")?;
    if !receivers.is_empty() {
        let ids: Vec<String> = invited.iter().map(|(id, _)| id.clone()).collect();
        payload::invitation_events(conn, &receivers, org_id, &ids, now)?;
    }
    Ok(())
}

/// Pending invitations that ran out become `expired`, so the address can be
/// invited again; each is an `invitation.expired` event.
pub fn expire_stale(conn: &mut AnyConnection, org_id: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    let stale =
        || invitations::org_id.eq(org_id).and(invitations::state.eq("pending")).and(invitations::expires_at.le(now));
    let receivers = Receivers::of(conn, org_id, "invitation.expired")?;
    let ids: Vec<String> = if receivers.is_empty() {
        Vec::new()
    } else {
        invitations::table.filter(stale()).select(invitations::id).load(conn)?
    };
    let n = crate::db::kept_update(invitations::table, stale(), invitations::state.eq("expired")).execute(conn)?;
    payload::invitation_events(conn, &receivers, org_id, &ids, now)?;
    Ok(n)
}

/// Those of `emails` whose account is a member. The accounts by address
/// first, then their memberships by key: a join let SQLite read every
/// membership of the organization.
fn members_among(conn: &mut AnyConnection, org_id: &str, emails: &[&str]) -> QueryResult<HashSet<String>> {
    let accounts: Vec<(String, String)> =
        users::table.filter(users::email.eq_any(emails)).select((users::id, users::email)).load(conn)?;
    if accounts.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<&str> = accounts.iter().map(|(id, _)| id.as_str()).collect();
    let members: HashSet<String> = memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq_any(&ids))
        .select(memberships::user_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(accounts.into_iter().filter(|(id, _)| members.contains(id)).map(|(_, email)| email).collect())
}

/// Those of `emails` with an invitation to the organization waiting for an
/// answer. Read by `invitations_org_email` and the states compared here: with
/// the state in the query (a bound parameter) SQLite chose the (org_id,
/// state) index and read every pending invitation of the organization.
fn pending_among(conn: &mut AnyConnection, org_id: &str, emails: &[&str]) -> QueryResult<HashSet<String>> {
    let rows: Vec<(String, String)> = invitations::table
        .filter(invitations::org_id.eq(org_id))
        .filter(invitations::email.eq_any(emails))
        .select((invitations::email, invitations::state))
        .load(conn)?;
    Ok(rows.into_iter().filter(|(_, state)| state == "pending").map(|(email, _)| email).collect())
}

/// Marks the invitations that ran out unanswered as expired, a hundred
/// organizations at a time, each in a transaction of its own; upkeep calls
/// it, so `invitation.expired` is sent without waiting for the next batch.
pub fn expire_everywhere(conn: &mut AnyConnection, now: PrimitiveDateTime) -> QueryResult<usize> {
    let mut orgs: Vec<String> = invitations::table
        .filter(invitations::state.eq("pending"))
        .filter(invitations::expires_at.le(now))
        .select(invitations::org_id)
        .limit(1000)
        .load(conn)?;
    orgs.sort_unstable();
    orgs.dedup();
    let mut expired = 0;
    for org_id in orgs.iter().take(100) {
        expired += crate::db::write_transaction(conn, |conn| expire_stale(conn, org_id, now))?;
    }
    Ok(expired)
}
