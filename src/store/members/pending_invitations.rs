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
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let deliveries = if ids.is_empty() { Vec::new() } else { outbox::deliveries(conn, &ids)? };
    Ok(rows
        .into_iter()
        .map(|(id, email, role, invited_by, created_at, expires_at, state)| {
            let delivery = deliveries.iter().find(|d| d.invitation_id.as_deref() == Some(id.as_str())).cloned();
            let state = InvitationState::effective(&state, expires_at, now);
            PendingInvitation { id, email, role, invited_by, created_at, expires_at, state, delivery }
        })
        .collect())
}
