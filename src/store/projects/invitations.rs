//! Invitations to one project (Particle's product team): someone who is not
//! a member of its organization, or anyone for a personal project, becomes
//! a direct collaborator with a catalog role. Same machinery as the
//! organization's invitations: hashed token, expiry, mail in the outbox in
//! the same transaction, email-bound accept.

use std::time::Duration;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, project_grants, project_invitations, projects, users};
use crate::db::AnyConnection;
use crate::domain::invitation::InvitationState;
use crate::domain::Email;
use crate::store::members::invitations::ttl;
use crate::store::members::Actor;
use crate::store::new_id;
use crate::store::outbox::{self, Delivery, MailFor, OutgoingMail};
use crate::store::projects::collaborators;
use crate::store::projects::record;
use crate::store::projects::Project;

/// Why an address cannot be invited to the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HasAccess {
    PersonalOwner,
    Member,
    Collaborator,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectInviteError {
    #[error("already has access")]
    HasAccess(HasAccess),
    #[error("already invited")]
    AlreadyPending,
    #[error("no such invitation")]
    NotFound,
    #[error("the invitation is {}", .0.as_str())]
    Final(InvitationState),
    #[error("signed in with another address")]
    WrongAccount,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub struct NewProjectInvitation {
    pub email: Email,
    pub role: String,
    pub token_hash: String,
    pub mail: OutgoingMail,
}

#[derive(Debug, Clone)]
pub struct PendingProjectInvitation {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub expires_at: PrimitiveDateTime,
    pub state: InvitationState,
    pub delivery: Option<Delivery>,
}

/// A project invitation as its link's page shows it.
#[derive(Debug, Clone)]
pub struct ProjectInvitationView {
    pub id: String,
    pub project_id: String,
    pub project_name: String,
    pub org_id: Option<String>,
    /// The organization's name, or the personal space owner's.
    pub owner_name: String,
    pub email: String,
    pub role: String,
    pub inviter_name: Option<String>,
    pub state: InvitationState,
    pub expires_at: PrimitiveDateTime,
}

fn expire_stale(conn: &mut AnyConnection, project_id: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        project_invitations::table
            .filter(project_invitations::project_id.eq(project_id))
            .filter(project_invitations::state.eq("pending"))
            .filter(project_invitations::expires_at.le(now)),
    )
    .set(project_invitations::state.eq("expired"))
    .execute(conn)
}

/// Whether the account `user_id` already reaches the project without an invitation.
fn access_of(conn: &mut AnyConnection, project: &Project, user_id: &str) -> QueryResult<Option<HasAccess>> {
    if project.owner_user_id.as_deref() == Some(user_id) {
        return Ok(Some(HasAccess::PersonalOwner));
    }
    if let Some(org_id) = &project.org_id {
        let member: i64 = memberships::table.find((org_id, user_id)).count().get_result(conn)?;
        if member > 0 {
            return Ok(Some(HasAccess::Member));
        }
    }
    let direct: i64 = project_grants::table
        .find((&project.id, user_id))
        .filter(project_grants::direct.eq(true))
        .count()
        .get_result(conn)?;
    Ok((direct > 0).then_some(HasAccess::Collaborator))
}

/// Invites `new.email` to the project, with the mail queued in the same transaction.
pub fn create(
    conn: &mut AnyConnection,
    project: &Project,
    new: &NewProjectInvitation,
    lifetime: Duration,
    actor: &Actor,
) -> Result<(), ProjectInviteError> {
    crate::db::write_transaction(conn, |conn| {
        expire_stale(conn, &project.id, actor.now)?;
        let email = new.email.as_str();
        let accounts: Vec<String> = users::table.filter(users::email.eq(email)).select(users::id).load(conn)?;
        for user_id in accounts {
            if let Some(why) = access_of(conn, project, &user_id)? {
                return Err(ProjectInviteError::HasAccess(why));
            }
        }
        let pending: i64 = project_invitations::table
            .filter(project_invitations::project_id.eq(&project.id))
            .filter(project_invitations::email.eq(email))
            .filter(project_invitations::state.eq("pending"))
            .count()
            .get_result(conn)?;
        if pending > 0 {
            return Err(ProjectInviteError::AlreadyPending);
        }
        let id = new_id();
        diesel::insert_into(project_invitations::table)
            .values((
                project_invitations::id.eq(&id),
                project_invitations::project_id.eq(&project.id),
                project_invitations::email.eq(email),
                project_invitations::role.eq(&new.role),
                project_invitations::token_hash.eq(&new.token_hash),
                project_invitations::invited_by.eq(&actor.user_id),
                project_invitations::state.eq("pending"),
                project_invitations::created_at.eq(actor.now),
                project_invitations::expires_at.eq(actor.now + ttl(lifetime)),
            ))
            .execute(conn)?;
        outbox::enqueue_for(conn, Some(MailFor::ProjectInvitation(&id)), &new.mail, actor.now)?;
        record(conn, project, actor, "project.invite", email, &format!("role {}", new.role))?;
        Ok(())
    })
}

/// A project invitation waiting for an answer as stored: [`with_deliveries`]
/// adds its email's delivery and its state against the clock.
#[derive(Debug, Clone)]
pub struct WaitingProjectInvitation {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub expires_at: PrimitiveDateTime,
    pub state: String,
}

/// Invitations of the project still waiting for an answer (expired ones too), newest first.
pub fn pending(
    conn: &mut AnyConnection,
    project_id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingProjectInvitation>> {
    let rows = waiting(conn, project_id)?;
    with_deliveries(conn, &rows, now)
}

/// The rows of [`pending`], as stored.
pub fn waiting(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Vec<WaitingProjectInvitation>> {
    type Row = (String, String, String, Option<String>, PrimitiveDateTime, String);
    let rows: Vec<Row> = project_invitations::table
        .left_join(users::table.on(users::id.nullable().eq(project_invitations::invited_by)))
        .filter(project_invitations::project_id.eq(project_id))
        // Two equalities rather than IN: diesel caches the prepared statement only then.
        .filter(project_invitations::state.eq("pending").or(project_invitations::state.eq("expired")))
        .order(project_invitations::created_at.desc())
        .select((
            project_invitations::id,
            project_invitations::email,
            project_invitations::role,
            users::name.nullable(),
            project_invitations::expires_at,
            project_invitations::state,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, email, role, invited_by, expires_at, state)| WaitingProjectInvitation {
            id,
            email,
            role,
            invited_by,
            expires_at,
            state,
        })
        .collect())
}

/// `rows` with their emails' deliveries (read now: they change without
/// moving any version) and their states at `now`.
pub fn with_deliveries(
    conn: &mut AnyConnection,
    rows: &[WaitingProjectInvitation],
    now: PrimitiveDateTime,
) -> QueryResult<Vec<PendingProjectInvitation>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let deliveries = if ids.is_empty() { Vec::new() } else { outbox::project_deliveries(conn, &ids)? };
    Ok(rows
        .iter()
        .map(|r| PendingProjectInvitation {
            id: r.id.clone(),
            email: r.email.clone(),
            role: r.role.clone(),
            invited_by: r.invited_by.clone(),
            expires_at: r.expires_at,
            state: InvitationState::effective(&r.state, r.expires_at, now),
            delivery: deliveries.iter().find(|d| d.invitation_id.as_deref() == Some(r.id.as_str())).cloned(),
        })
        .collect())
}

pub fn find_by_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<ProjectInvitationView>> {
    type Row = (String, String, String, Option<String>, Option<String>, String, String, String, PrimitiveDateTime);
    let row: Option<Row> = project_invitations::table
        .inner_join(projects::table)
        .filter(project_invitations::token_hash.eq(token_hash))
        .select((
            project_invitations::id,
            projects::id,
            projects::name,
            projects::org_id,
            project_invitations::invited_by,
            project_invitations::email,
            project_invitations::role,
            project_invitations::state,
            project_invitations::expires_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, project_id, project_name, org_id, invited_by, email, role, state, expires_at)) = row else {
        return Ok(None);
    };
    let project: Project = projects::table.find(&project_id).select(Project::as_select()).first(conn)?;
    let owner_name = crate::store::projects::owner_name(conn, &project)?;
    let inviter_name = match invited_by {
        Some(uid) => users::table.find(uid).select(users::name).first(conn).optional()?,
        None => None,
    };
    Ok(Some(ProjectInvitationView {
        id,
        project_id,
        project_name,
        org_id,
        owner_name,
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
) -> Result<ProjectInvitationView, ProjectInviteError> {
    let view = find_by_token(conn, token_hash, now)?.ok_or(ProjectInviteError::NotFound)?;
    match view.state {
        InvitationState::Pending => Ok(view),
        other => Err(ProjectInviteError::Final(other)),
    }
}

fn respond(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    user_id: Option<&str>,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(project_invitations::table.find(id))
        .set((
            project_invitations::state.eq(state),
            project_invitations::responded_at.eq(now),
            project_invitations::responded_by.eq(user_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// What accepting did.
pub struct Accepted {
    pub project: Project,
    /// The slug of the project's organization, if it has one.
    pub org_slug: Option<String>,
    /// They reached the project already (joined its organization meanwhile,
    /// or own it): nothing was granted.
    pub already: Option<HasAccess>,
}

/// The signed-in user accepts with a verified email equal to the invited
/// one and becomes a direct collaborator; someone who reaches the project
/// already keeps that access.
pub fn accept(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_email: &str,
    email_verified: bool,
    actor: &Actor,
) -> Result<Accepted, ProjectInviteError> {
    crate::db::write_transaction(conn, |conn| {
        let view = pending_view(conn, token_hash, actor.now)?;
        if !email_verified || !user_email.eq_ignore_ascii_case(&view.email) {
            return Err(ProjectInviteError::WrongAccount);
        }
        let project: Project = projects::table.find(&view.project_id).select(Project::as_select()).first(conn)?;
        let already = access_of(conn, &project, &actor.user_id)?;
        if already.is_none() {
            collaborators::grant(conn, &project.id, &actor.user_id, &view.role, actor.now)?;
        }
        respond(conn, &view.id, "accepted", Some(&actor.user_id), actor.now)?;
        record(conn, &project, actor, "project.invite_accept", &view.email, &format!("role {}", view.role))?;
        let org_slug = match &project.org_id {
            Some(org_id) => Some(crate::store::projects::org_of(conn, org_id)?.1),
            None => None,
        };
        Ok(Accepted { project, org_slug, already })
    })
}

/// Whoever holds the link may decline it.
pub fn decline(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: Option<&str>,
    ip: &str,
    now: PrimitiveDateTime,
) -> Result<ProjectInvitationView, ProjectInviteError> {
    crate::db::write_transaction(conn, |conn| {
        let view = pending_view(conn, token_hash, now)?;
        respond(conn, &view.id, "declined", user_id, now)?;
        if let Some(org_id) = &view.org_id {
            let details = format!("on {}", view.project_name);
            crate::store::activity::record(
                conn,
                &crate::store::activity::NewActivity {
                    id: new_id(),
                    org_id: Some(org_id),
                    actor_id: user_id,
                    action: "project.invite_decline",
                    target: &view.email,
                    details: &details,
                    ip,
                    created_at: now,
                    via: None,
                },
            )?;
        }
        Ok(view)
    })
}

/// Revokes a pending (or expired) invitation of the project; returns its address.
pub fn revoke(
    conn: &mut AnyConnection,
    project: &Project,
    id: &str,
    actor: &Actor,
) -> Result<String, ProjectInviteError> {
    crate::db::write_transaction(conn, |conn| {
        let email: String = project_invitations::table
            .filter(project_invitations::project_id.eq(&project.id))
            .filter(project_invitations::id.eq(id))
            .filter(project_invitations::state.eq_any(["pending", "expired"]))
            .select(project_invitations::email)
            .first(conn)
            .optional()?
            .ok_or(ProjectInviteError::NotFound)?;
        respond(conn, id, "revoked", Some(&actor.user_id), actor.now)?;
        record(conn, project, actor, "project.invite_revoke", &email, "")?;
        Ok(email)
    })
}
