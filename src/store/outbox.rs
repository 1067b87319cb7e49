//! The mail outbox: a change writes its mail here in its own transaction;
//! the worker in `mail::worker` delivers it later, with retries.
//!
//! Mail is never sent inside a request: a relay that is slow or down would
//! hold the page, and a change could commit while its mail is lost (or the
//! mail go out for a change that rolled back). Several instances share the
//! table: a worker claims due messages by setting `locked_until` (a lease of
//! two minutes), so others skip them; a worker that dies mid-message leaves
//! a lease that runs out, and the message is claimed again. A message can so
//! be sent twice after a crash, never lost; its Message-ID stays the same on
//! every attempt, so receivers can drop the repeat.

use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::mail_outbox;
use crate::db::{kept_update, AnyConnection};
use crate::store::new_id;

/// A rendered message waiting to be queued.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct DueMail {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
}

/// Delivery as the Members page shows it.
#[derive(Debug, Clone, Queryable)]
pub struct Delivery {
    pub invitation_id: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: PrimitiveDateTime,
}

fn to_time(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::HOUR)
}

/// What a queued mail belongs to (its delivery is shown there).
#[derive(Debug, Clone, Copy)]
pub enum MailFor<'a> {
    Invitation(&'a str),
    ProjectInvitation(&'a str),
}

/// How many mails the outbox holds in each state (for `/metrics`).
pub fn counts(conn: &mut AnyConnection) -> QueryResult<Vec<(String, i64)>> {
    mail_outbox::table.group_by(mail_outbox::state).select((mail_outbox::state, diesel::dsl::count_star())).load(conn)
}

pub fn enqueue_for(
    conn: &mut AnyConnection,
    owner: Option<MailFor<'_>>,
    mail: &OutgoingMail,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    let id = new_id();
    diesel::insert_into(mail_outbox::table).values(row(&id, owner, mail, now)).execute(conn)?;
    Ok(())
}

/// The columns of a queued message `id`.
#[allow(clippy::type_complexity)]
fn row<'a>(
    id: &'a str,
    owner: Option<MailFor<'a>>,
    mail: &'a OutgoingMail,
    now: PrimitiveDateTime,
) -> (
    diesel::dsl::Eq<mail_outbox::id, &'a str>,
    diesel::dsl::Eq<mail_outbox::invitation_id, Option<&'a str>>,
    diesel::dsl::Eq<mail_outbox::project_invitation_id, Option<&'a str>>,
    diesel::dsl::Eq<mail_outbox::to_addr, &'a str>,
    diesel::dsl::Eq<mail_outbox::subject, &'a str>,
    diesel::dsl::Eq<mail_outbox::body_text, &'a str>,
    diesel::dsl::Eq<mail_outbox::body_html, &'a str>,
    diesel::dsl::Eq<mail_outbox::state, &'static str>,
    diesel::dsl::Eq<mail_outbox::attempts, i32>,
    diesel::dsl::Eq<mail_outbox::next_attempt_at, PrimitiveDateTime>,
    diesel::dsl::Eq<mail_outbox::created_at, PrimitiveDateTime>,
) {
    let (invitation_id, project_invitation_id) = match owner {
        Some(MailFor::Invitation(id)) => (Some(id), None),
        Some(MailFor::ProjectInvitation(id)) => (None, Some(id)),
        None => (None, None),
    };
    (
        mail_outbox::id.eq(id),
        mail_outbox::invitation_id.eq(invitation_id),
        mail_outbox::project_invitation_id.eq(project_invitation_id),
        mail_outbox::to_addr.eq(mail.to.as_str()),
        mail_outbox::subject.eq(mail.subject.as_str()),
        mail_outbox::body_text.eq(mail.text.as_str()),
        mail_outbox::body_html.eq(mail.html.as_str()),
        mail_outbox::state.eq("queued"),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now),
        mail_outbox::created_at.eq(now),
    )
}

/// Queues the mail of several invitations (id, mail) in one statement.
pub fn enqueue_invitations(
    conn: &mut AnyConnection,
    mail: &[(&str, &OutgoingMail)],
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    let ids: Vec<String> = mail.iter().map(|_| new_id()).collect();
    let values: Vec<_> = mail
        .iter()
        .zip(&ids)
        .map(|((invitation_id, m), id)| row(id, Some(MailFor::Invitation(invitation_id)), m, now))
        .collect();
    crate::db::native!(conn, |c| diesel::insert_into(mail_outbox::table).values(values).execute(c))?;
    Ok(())
}

/// Claims up to `limit` due messages for `lease`: another worker (another
/// instance) skips a message while its lease runs.
pub fn claim_due(
    conn: &mut AnyConnection,
    now: PrimitiveDateTime,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<DueMail>> {
    // One state at a time: each is one range of `mail_outbox_due` read in
    // order and stopped at `limit`. Both states in one query made SQLite
    // read and sort every due message on each claim (a long queue after a
    // large batch of invitations made every claim slower).
    // One write transaction for the batch: one commit and one turn of the
    // writers' queue (db::write_transaction), not one per message.
    crate::db::write_transaction(conn, |conn| claim_due_in(conn, now, lease, limit))
}

fn claim_due_in(
    conn: &mut AnyConnection,
    now: PrimitiveDateTime,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<DueMail>> {
    let mut due: Vec<(PrimitiveDateTime, String)> = Vec::new();
    for state in ["queued", "retrying"] {
        due.extend(
            mail_outbox::table
                .filter(mail_outbox::state.eq(state))
                .filter(mail_outbox::next_attempt_at.le(now))
                .filter(mail_outbox::locked_until.is_null().or(mail_outbox::locked_until.lt(now)))
                .order(mail_outbox::next_attempt_at.asc())
                .select((mail_outbox::next_attempt_at, mail_outbox::id))
                .limit(limit)
                .load::<(PrimitiveDateTime, String)>(conn)?,
        );
    }
    due.sort();
    let due: Vec<String> = due.into_iter().take(limit as usize).map(|(_, id)| id).collect();
    let mut claimed = Vec::new();
    for id in due {
        let free = mail_outbox::locked_until.is_null().or(mail_outbox::locked_until.lt(now));
        let lock = mail_outbox::locked_until.eq(now + to_time(lease));
        let n = kept_update(mail_outbox::table, mail_outbox::id.eq(&id).and(free), lock).execute(conn)?;
        if n == 1 {
            claimed.push(id);
        }
    }
    mail_outbox::table
        .filter(mail_outbox::id.eq_any(claimed))
        .select((
            mail_outbox::id,
            mail_outbox::to_addr,
            mail_outbox::subject,
            mail_outbox::body_text,
            mail_outbox::body_html,
            mail_outbox::attempts,
        ))
        .load(conn)
}

/// What became of one delivery attempt.
pub enum Outcome {
    /// Delivered: the body (which holds the invitation link) is not kept.
    Sent { id: String, at: PrimitiveDateTime },
    /// Failed: retried at `retry_at`, or given up for good with None.
    Failed { id: String, error: String, retry_at: Option<PrimitiveDateTime> },
}

/// Writes the outcomes of several attempts in one transaction.
pub fn record(conn: &mut AnyConnection, outcomes: &[Outcome]) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        for outcome in outcomes {
            match outcome {
                Outcome::Sent { id, at } => mark_sent(conn, id, *at)?,
                Outcome::Failed { id, error, retry_at } => mark_failed(conn, id, error, *retry_at)?,
            }
        }
        Ok(())
    })
}

fn mark_sent(conn: &mut AnyConnection, id: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    let sent = (
        mail_outbox::state.eq("sent"),
        mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        mail_outbox::sent_at.eq(now),
        mail_outbox::locked_until.eq(None::<PrimitiveDateTime>),
        mail_outbox::last_error.eq(None::<String>),
        mail_outbox::body_text.eq(""),
        mail_outbox::body_html.eq(""),
    );
    kept_update(mail_outbox::table, mail_outbox::id.eq(id), sent).execute(conn)?;
    Ok(())
}

fn mark_failed(
    conn: &mut AnyConnection,
    id: &str,
    error: &str,
    retry_at: Option<PrimitiveDateTime>,
) -> QueryResult<()> {
    let state = if retry_at.is_some() { "retrying" } else { "failed" };
    let failed = (
        mail_outbox::state.eq(state),
        mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        mail_outbox::last_error.eq(error),
        mail_outbox::locked_until.eq(None::<PrimitiveDateTime>),
    );
    kept_update(mail_outbox::table, mail_outbox::id.eq(id), failed).execute(conn)?;
    if let Some(at) = retry_at {
        kept_update(mail_outbox::table, mail_outbox::id.eq(id), mail_outbox::next_attempt_at.eq(at)).execute(conn)?;
    }
    Ok(())
}

/// The newest delivery of each of `invitation_ids`.
pub fn deliveries(conn: &mut AnyConnection, invitation_ids: &[String]) -> QueryResult<Vec<Delivery>> {
    let rows = mail_outbox::table
        .filter(mail_outbox::invitation_id.eq_any(invitation_ids))
        .select((
            mail_outbox::invitation_id,
            mail_outbox::state,
            mail_outbox::attempts,
            mail_outbox::last_error,
            mail_outbox::created_at,
        ))
        .order(mail_outbox::created_at.desc())
        .load(conn)?;
    Ok(newest_each(rows))
}

/// The newest delivery of each of the project invitations `ids` (in `invitation_id`).
pub fn project_deliveries(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<Delivery>> {
    let rows = mail_outbox::table
        .filter(mail_outbox::project_invitation_id.eq_any(ids))
        .select((
            mail_outbox::project_invitation_id,
            mail_outbox::state,
            mail_outbox::attempts,
            mail_outbox::last_error,
            mail_outbox::created_at,
        ))
        .order(mail_outbox::created_at.desc())
        .load(conn)?;
    Ok(newest_each(rows))
}

fn newest_each(mut rows: Vec<Delivery>) -> Vec<Delivery> {
    let mut seen = std::collections::HashSet::new();
    rows.retain(|d| seen.insert(d.invitation_id.clone()));
    rows
}
