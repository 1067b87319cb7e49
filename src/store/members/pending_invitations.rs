//! The invitations of an organization still waiting for an answer (expired
//! ones included, so they can be resent), with their emails' delivery: the
//! Members page's list and the management API's.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{invitations, users};
use crate::db::AnyConnection;
use crate::domain::invitation::InvitationState;
use crate::store::outbox::{self, Delivery};

#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub state: InvitationState,
    pub delivery: Option<Delivery>,
}

/// Invitations still waiting for an answer (expired ones included, so they
/// can be resent), newest first, with their latest delivery.
pub fn pending_for_org(
    conn: &mut AnyConnection,
    org_id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingInvitation>> {
    pending(conn, org_id, None, now)
}

/// The organization's invitations waiting for an answer to these addresses
/// (those just sent, say), newest first.
pub fn pending_for_emails(
    conn: &mut AnyConnection,
    org_id: &str,
    emails: &[String],
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingInvitation>> {
    pending(conn, org_id, Some(emails), now)
}

fn pending(
    conn: &mut AnyConnection,
    org_id: &str,
    emails: Option<&[String]>,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingInvitation>> {
    let rows = waiting(conn, org_id, emails)?;
    with_deliveries(conn, &rows, now)
}

/// An invitation waiting for an answer as stored: its state before the
/// clock is applied (`pending` may have run out since).
#[derive(Debug, Clone)]
pub struct WaitingInvitation {
    id: String,
    email: String,
    role: String,
    invited_by: Option<String>,
    created_at: PrimitiveDateTime,
    expires_at: PrimitiveDateTime,
    state: String,
}

impl WaitingInvitation {
    pub fn expires_at(&self) -> PrimitiveDateTime {
        self.expires_at
    }
}

/// The organization's invitations in the pending and expired states (to
/// `emails` when given), newest first: what the Members page keeps
/// (`store::members::waiting`).
pub fn waiting(
    conn: &mut AnyConnection,
    org_id: &str,
    emails: Option<&[String]>,
) -> QueryResult<Vec<WaitingInvitation>> {
    type Row = (String, String, String, Option<String>, PrimitiveDateTime, PrimitiveDateTime, String);
    // Sorted here, not by ORDER BY: the two states are two ranges of the
    // index, and SQLite would build a temporary b-tree on every Members page
    // even when there are none.
    let mut rows: Vec<Row> = crate::db::native!(conn, |c| {
        let mut query = invitations::table
            .left_join(users::table)
            .filter(invitations::org_id.eq(org_id))
            .select((
                invitations::id,
                invitations::email,
                invitations::role,
                users::name.nullable(),
                invitations::created_at,
                invitations::expires_at,
                invitations::state,
            ))
            .into_boxed();
        match emails {
            // By `invitations_org_email`, the state compared below: a state in
            // the query made SQLite read every pending invitation instead.
            Some(emails) => query = query.filter(invitations::email.eq_any(emails)),
            None => query = query.filter(invitations::state.eq("pending").or(invitations::state.eq("expired"))),
        }
        query.load(c)
    })?;
    rows.retain(|r| r.6 == "pending" || r.6 == "expired");
    rows.sort_by(|a, b| b.4.cmp(&a.4).then_with(|| a.0.cmp(&b.0)));
    Ok(rows
        .into_iter()
        .map(|(id, email, role, invited_by, created_at, expires_at, state)| WaitingInvitation {
            id,
            email,
            role,
            invited_by,
            created_at,
            expires_at,
            state,
        })
        .collect())
}

/// `rows` as of `now`, each with its email's latest delivery (read now: the
/// mail worker moves them without touching the invitation).
pub fn with_deliveries(
    conn: &mut AnyConnection,
    rows: &[WaitingInvitation],
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingInvitation>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let deliveries = if ids.is_empty() { Vec::new() } else { outbox::deliveries(conn, &ids)? };
    Ok(rows
        .iter()
        .map(|r| {
            let delivery = deliveries.iter().find(|d| d.invitation_id.as_deref() == Some(r.id.as_str())).cloned();
            PendingInvitation {
                id: r.id.clone(),
                email: r.email.clone(),
                role: r.role.clone(),
                invited_by: r.invited_by.clone(),
                created_at: r.created_at,
                expires_at: r.expires_at,
                state: InvitationState::effective(&r.state, r.expires_at, now),
                delivery,
            }
        })
        .collect())
}
