//! Invitations: one invitation's row and mail, and the link's accept,
//! decline, resend and revoke. A batch of them (the invite form's, the
//! API's) is written by [`super::invite_batch`]; the list of those waiting
//! for an answer is in [`super::pending_invitations`].

use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{invitations, memberships, organizations, users};
use crate::db::AnyConnection;
use crate::domain::invitation::InvitationState;
use crate::domain::{Email, OrgLimit};
use crate::store::activity;
pub use crate::store::members::pending_invitations::{
    pending_for_emails, pending_for_org, with_deliveries, PendingInvitation,
};
use crate::store::members::{insert_membership, lock_org, Actor, MemberError};
use crate::store::new_id;
use crate::store::outbox::{self, OutgoingMail};
use crate::store::webhooks::payload;

/// One address of the invite form, ready to be written.
pub struct NewInvitation {
    pub email: Email,
    pub role: String,
    pub token_hash: String,
    pub mail: OutgoingMail,
}

/// An invitation as its link's page shows it.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub org_slug: String,
    pub email: String,
    pub role: String,
    pub inviter_name: Option<String>,
    pub state: InvitationState,
    pub expires_at: PrimitiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("no such invitation")]
    NotFound,
    #[error("the invitation is {}", .0.as_str())]
    Final(InvitationState),
    #[error("signed in with another address")]
    WrongAccount,
    #[error("organization limit reached")]
    LimitReached,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<MemberError> for InviteError {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Db(e) => InviteError::Db(e),
            _ => InviteError::NotFound,
        }
    }
}

/// An invitation's configured lifetime as a time span (a week if it cannot be one).
pub fn ttl(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::days(7))
}

fn insert(
    conn: &mut AnyConnection,
    org_id: &str,
    inv: &NewInvitation,
    actor: &Actor,
    lifetime: Duration,
    mail: Option<&OutgoingMail>,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(invitations::table)
        .values(row(&id, org_id, inv, &actor.user_id, (actor.now, actor.now + ttl(lifetime))))
        .execute(conn)?;
    if let Some(mail) = mail {
        outbox::enqueue_for(conn, Some(outbox::MailFor::Invitation(&id)), mail, actor.now)?;
    }
    Ok(id)
}

/// The columns of a new pending invitation `id`, made by `invited_by`,
/// (created, expires).
#[allow(clippy::type_complexity)]
pub(super) fn row<'a>(
    id: &'a str,
    org_id: &'a str,
    inv: &'a NewInvitation,
    invited_by: &'a str,
    (created_at, expires_at): (PrimitiveDateTime, PrimitiveDateTime),
) -> (
    diesel::dsl::Eq<invitations::id, &'a str>,
    diesel::dsl::Eq<invitations::org_id, &'a str>,
    diesel::dsl::Eq<invitations::email, &'a str>,
    diesel::dsl::Eq<invitations::role, &'a str>,
    diesel::dsl::Eq<invitations::token_hash, &'a str>,
    diesel::dsl::Eq<invitations::invited_by, &'a str>,
    diesel::dsl::Eq<invitations::state, &'static str>,
    diesel::dsl::Eq<invitations::created_at, PrimitiveDateTime>,
    diesel::dsl::Eq<invitations::expires_at, PrimitiveDateTime>,
) {
    (
        invitations::id.eq(id),
        invitations::org_id.eq(org_id),
        invitations::email.eq(inv.email.as_str()),
        invitations::role.eq(inv.role.as_str()),
        invitations::token_hash.eq(inv.token_hash.as_str()),
        invitations::invited_by.eq(invited_by),
        invitations::state.eq("pending"),
        invitations::created_at.eq(created_at),
        invitations::expires_at.eq(expires_at),
    )
}

pub fn find_by_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<InvitationView>> {
    let row = invitations::table
        .inner_join(organizations::table)
        .left_join(users::table.on(users::id.nullable().eq(invitations::invited_by)))
        .filter(invitations::token_hash.eq(token_hash))
        .select((
            invitations::id,
            invitations::org_id,
            organizations::name,
            organizations::slug,
            invitations::email,
            invitations::role,
            users::name.nullable(),
            invitations::state,
            invitations::expires_at,
        ))
        .first::<(String, String, String, String, String, String, Option<String>, String, PrimitiveDateTime)>(conn)
        .optional()?;
    Ok(row.map(|(id, org_id, org_name, org_slug, email, role, inviter_name, state, expires_at)| InvitationView {
        id,
        org_id,
        org_name,
        org_slug,
        email,
        role,
        inviter_name,
        state: InvitationState::effective(&state, expires_at, now),
        expires_at,
    }))
}

fn pending_view(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> Result<InvitationView, InviteError> {
    let view = find_by_token(conn, token_hash, now)?.ok_or(InviteError::NotFound)?;
    match view.state {
        InvitationState::Pending => Ok(view),
        other => Err(InviteError::Final(other)),
    }
}

fn respond(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    user_id: Option<&str>,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(invitations::table.find(id))
        .set((invitations::state.eq(state), invitations::responded_at.eq(now), invitations::responded_by.eq(user_id)))
        .execute(conn)?;
    Ok(())
}

/// The signed-in user accepts: they must hold a verified email equal to the
/// invited one. Returns the organization's slug.
pub fn accept(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_email: &str,
    email_verified: bool,
    limit: OrgLimit,
    actor: &Actor,
) -> Result<String, InviteError> {
    crate::db::write_transaction(conn, |conn| {
        let view = pending_view(conn, token_hash, actor.now)?;
        lock_org(conn, &view.org_id)?;
        // Read again under the lock: a concurrent revoke or accept wins once.
        let view = pending_view(conn, token_hash, actor.now)?;
        if !email_verified || !user_email.eq_ignore_ascii_case(&view.email) {
            return Err(InviteError::WrongAccount);
        }
        let already: i64 = memberships::table
            .filter(memberships::org_id.eq(&view.org_id))
            .filter(memberships::user_id.eq(&actor.user_id))
            .count()
            .get_result(conn)?;
        if already == 0 {
            let mine: i64 =
                memberships::table.filter(memberships::user_id.eq(&actor.user_id)).count().get_result(conn)?;
            if !limit.allows_another(mine) {
                return Err(InviteError::LimitReached);
            }
            insert_membership(conn, &view.org_id, &actor.user_id, &view.role, "invitation", actor.now)?;
            crate::store::members::direct_grants::replace_with_membership(
                conn,
                &view.org_id,
                &actor.user_id,
                &view.email,
                actor,
            )?;
        }
        respond(conn, &view.id, "accepted", Some(&actor.user_id), actor.now)?;
        actor.record(conn, &view.org_id, "invitation.accept", &view.email, &format!("role {}", view.role))?;
        Ok(view.org_slug)
    })
}

/// Whoever holds the link may decline it; `user_id` is recorded when signed in.
pub fn decline(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: Option<&str>,
    ip: &str,
    now: PrimitiveDateTime,
) -> Result<InvitationView, InviteError> {
    crate::db::write_transaction(conn, |conn| {
        let view = pending_view(conn, token_hash, now)?;
        respond(conn, &view.id, "declined", user_id, now)?;
        activity::record(
            conn,
            &activity::NewActivity {
                id: new_id(),
                org_id: Some(&view.org_id),
                actor_id: user_id,
                action: "invitation.decline",
                target: &view.email,
                details: "",
                ip,
                created_at: now,
                via: None,
            },
        )?;
        Ok(view)
    })
}

/// The invitation `id` of the organization, if it can still be resent or revoked.
pub fn find_open(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<(String, String)>> {
    invitations::table
        .filter(invitations::org_id.eq(org_id))
        .filter(invitations::id.eq(id))
        .filter(invitations::state.eq_any(["pending", "expired"]))
        .select((invitations::email, invitations::role))
        .first(conn)
        .optional()
}

/// Replaces the invitation with a new one (new token, new lifetime): the old
/// link stops working. With `mail`, the new link is emailed (Resend Email);
/// without, the admin copies it from the page (Copy link).
pub fn reissue(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    new: &NewInvitation,
    send: bool,
    lifetime: Duration,
    actor: &Actor,
) -> Result<(), InviteError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        if find_open(conn, org_id, id)?.is_none() {
            return Err(InviteError::NotFound);
        }
        diesel::update(invitations::table.find(id)).set(invitations::state.eq("replaced")).execute(conn)?;
        let made = insert(conn, org_id, new, actor, lifetime, send.then_some(&new.mail))?;
        let action = if send { "invitation.resend" } else { "invitation.link" };
        actor.record(conn, org_id, action, new.email.as_str(), &format!("role {}", new.role))?;
        // A new invitation (its own id and expiry) in place of `id`.
        crate::store::webhooks::record(conn, org_id, "invitation.created", actor.now, |conn| {
            let invitation = payload::invitation(conn, &made)?;
            payload::about_org(conn, org_id, serde_json::json!({ "invitation": invitation, "replaces": id }))
        })?;
        Ok(())
    })
}

pub fn revoke(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<String, InviteError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let (email, _) = find_open(conn, org_id, id)?.ok_or(InviteError::NotFound)?;
        respond(conn, id, "revoked", Some(&actor.user_id), actor.now)?;
        actor.record(conn, org_id, "invitation.revoke", &email, "")?;
        crate::store::webhooks::record(conn, org_id, "invitation.revoked", actor.now, |conn| {
            let invitation = payload::invitation(conn, id)?;
            payload::about_org(conn, org_id, serde_json::json!({ "invitation": invitation }))
        })?;
        Ok(email)
    })
}
