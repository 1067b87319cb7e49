//! `/api/v1/orgs/{slug}/invitations` (members.invite): the pending
//! invitations, new ones (up to ten per request, each emailed as from the
//! key's creator), Resend and Revoke, through the invite form's and the
//! Members page's store functions, with their rules and words.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::{self, RawBody};
use super::idempotency::{self, Answer};
use super::key_auth::KeyAuth;
use super::paging::{self, Page, Params};
use super::rfc3339;
use crate::db;
use crate::domain::invitation::{check_rows, MAX_INVITES};
use crate::domain::{Email, Permission};
use crate::error::AppError;
use crate::store::members::invitations::{self, PendingInvitation};
use crate::store::members::invite_batch::{self, RowOutcome};
use crate::store::projects::collaborators;
use crate::web::members::invite::prepare;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0c9e7d1a-5b2f-4c3e-9d8a-7f6e5d4c3b2a", "email": "grace@acme.test", "role": "Technical user",
    "state": "pending", "invited_by": "Ada Admin", "created_at": "2027-01-31T12:00:00Z",
    "expires_at": "2027-02-07T12:00:00Z", "delivery": "queued"}))]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: String,
    /// `pending`, or `expired` (it can still be resent).
    pub state: String,
    /// The inviter's name, when their account still exists.
    pub invited_by: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The email's delivery: `queued`, `sent`, `retrying`, `failed`; null when no email was sent.
    pub delivery: Option<String>,
}

fn invitation(p: PendingInvitation) -> Invitation {
    Invitation {
        id: p.id,
        email: p.email,
        role: p.role,
        state: p.state.as_str().to_string(),
        invited_by: p.invited_by,
        created_at: rfc3339(p.created_at),
        expires_at: rfc3339(p.expires_at),
        delivery: p.delivery.map(|d| d.state),
    }
}

async fn pending(auth: &KeyAuth) -> Result<Vec<PendingInvitation>, Problem> {
    let (org_id, now) = (auth.org_id().to_string(), auth.state.clock.now());
    db::run(&auth.state.pool, move |conn| invitations::pending_for_org(conn, &org_id, now).map_err(Problem::from)).await
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<Invitation>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// Lists the invitations waiting for an answer, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/invitations", tag = "Invitations", operation_id = "listInvitations",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Invitations per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, description = "A page of invitations", body = InvitationList),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn list(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::MembersInvite)?;
    let params = Params::of(&req);
    let (limit, after) = (params.limit()? as usize, params.cursor()?);
    // Newest first, ties by id: the order pending_for_org gives.
    let rows: Vec<PendingInvitation> = pending(&auth)
        .await?
        .into_iter()
        .filter(|r| after.as_ref().is_none_or(|(at, id)| r.created_at < *at || (r.created_at == *at && r.id > *id)))
        .take(limit + 1)
        .collect();
    let next = (rows.len() > limit).then(|| paging::cursor(rows[limit - 1].created_at, &rows[limit - 1].id));
    let items = rows.into_iter().take(limit).map(invitation).collect();
    Ok(paging::respond(&req, Page { items, next }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitationRow {
    pub email: String,
    /// A role of the catalog; absent: the catalog's default role.
    pub role: Option<String>,
    /// The address has direct access to some of the organization's projects,
    /// which the organization's access will replace when they join: true
    /// invites anyway (the invite form's "Invite anyway").
    #[serde(default)]
    pub replace_direct_access: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"invitations": [{"email": "grace@acme.test", "role": "Technical user"}, {"email": "alan@acme.test"}]}))]
pub struct NewInvitations {
    /// One to ten addresses.
    pub invitations: Vec<NewInvitationRow>,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedRow {
    /// The row's place in `invitations`.
    pub index: usize,
    pub email: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationsCreated {
    /// The invitations made, each emailed.
    pub invited: Vec<Invitation>,
    /// The rows not invited, with the reason (a current member, a pending invitation, direct access).
    pub refused: Vec<RefusedRow>,
}

/// Checks every row on its own; the first bad one is the 422.
fn checked(req: &NewInvitations, auth: &KeyAuth) -> Result<Vec<(Email, String, bool)>, Problem> {
    let n = req.invitations.len();
    if n == 0 || n > MAX_INVITES {
        return Err(Problem::invalid("invitations", format!("Send 1 to {MAX_INVITES} invitations at a time.")));
    }
    let catalog = &auth.state.catalog;
    let raw: Vec<(String, String)> = req
        .invitations
        .iter()
        .map(|r| (r.email.clone(), r.role.clone().unwrap_or_else(|| catalog.default_role().to_string())))
        .collect();
    if let Some(i) = raw.iter().position(|(e, _)| e.trim().is_empty()) {
        return Err(Problem::invalid(format!("invitations[{i}].email"), "Enter an email address."));
    }
    let mut out = Vec::with_capacity(n);
    for (i, row) in check_rows(&raw, catalog) {
        match row {
            Ok((email, role)) => out.push((email, role, req.invitations[i].replace_direct_access)),
            Err(e) => {
                let field = if catalog.get(&raw[i].1).is_none() { "role" } else { "email" };
                return Err(Problem::invalid(format!("invitations[{i}].{field}"), e));
            }
        }
    }
    Ok(out)
}

/// Invites up to ten people, each with a role.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/invitations", tag = "Invitations", operation_id = "createInvitations",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same body within 24 hours: the first answer, nothing created twice")),
    request_body = NewInvitations,
    responses((status = 201, description = "At least one invitation was made", body = InvitationsCreated),
        (status = 200, description = "No invitation was made: every row was refused", body = InvitationsCreated),
        (status = 400, response = super::responses::BadRequest),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 409, response = super::responses::Conflict),
        (status = 413, response = super::responses::TooLarge),
        (status = 422, response = super::responses::Invalid), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn create(auth: KeyAuth, req: HttpRequest, raw: RawBody) -> Result<HttpResponse, Problem> {
    auth.require(Permission::MembersInvite)?;
    let request: NewInvitations = body::parse(&raw.0)?;
    let rows = checked(&request, &auth)?;
    idempotency::once(&auth, &req, &raw.0, || invite(&auth, rows)).await
}

async fn invite(auth: &KeyAuth, rows: Vec<(Email, String, bool)>) -> Result<Answer, Problem> {
    let state = &auth.state;
    let emails: Vec<String> = rows.iter().map(|(e, _, _)| e.as_str().to_string()).collect();
    let org_id = auth.org_id().to_string();
    let direct =
        db::run(&state.pool, move |conn| collaborators::counts_by_email(conn, &org_id, &emails).map_err(Problem::from))
            .await?;
    let mut refused = Vec::new();
    let mut batch = Vec::new();
    let mut batch_rows = Vec::new();
    for (i, (email, role, replace)) in rows.into_iter().enumerate() {
        if let Some((_, n)) = direct.iter().find(|(e, _)| e == email.as_str()).filter(|_| !replace) {
            let what = if *n == 1 { state.catalog.project_noun().to_string() } else { state.catalog.projects_noun() };
            let reason = format!(
                "{} has direct access to {n} {}; it will be replaced by the organization's access when they join. Send replace_direct_access: true to invite anyway.",
                email.as_str(),
                what.to_lowercase()
            );
            refused.push(RefusedRow { index: i, email: email.as_str().to_string(), reason });
            continue;
        }
        batch_rows.push((i, email.as_str().to_string()));
        batch.push((email, role));
    }
    if !batch.is_empty() {
        state.limits.invitations_sent.hit_n(auth.org_id(), batch.len() as u32).map_err(|l| Problem::too_many(l.0))?;
    }
    let mut prepared = Vec::with_capacity(batch.len());
    for (email, role) in batch {
        prepared.push(prepare(state, &auth.org.name, &auth.key.creator_name, email, &role).map_err(Problem::from)?.0);
    }
    let (org_id, actor, ttl) = (auth.org_id().to_string(), auth.actor(), state.invitation_ttl);
    let outcomes = db::run(&state.pool, move |conn| {
        invite_batch::create_batch(conn, &org_id, &prepared, ttl, &actor).map_err(|e| Problem::from(AppError::from(e)))
    })
    .await?;
    state.mail_wakeup.notify_one();
    let mut invited = Vec::new();
    for ((i, email), outcome) in batch_rows.into_iter().zip(outcomes) {
        let reason = match outcome {
            RowOutcome::Invited(made) => {
                invited.push(invitation(*made));
                continue;
            }
            RowOutcome::AlreadyMember => "Already a member of this organization.",
            RowOutcome::AlreadyPending => "Already invited; use Resend Email on the Members page.",
        };
        refused.push(RefusedRow { index: i, email, reason: reason.into() });
    }
    refused.sort_by_key(|r| r.index);
    let status = if invited.is_empty() { StatusCode::OK } else { StatusCode::CREATED };
    Ok(Answer::new(status, InvitationsCreated { invited, refused }))
}

/// Sends the invitation again with a new link (the old one stops working)
/// and a new lifetime.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/invitations/{id}/resend", tag = "Invitations", operation_id = "resendInvitation",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The invitation's id")),
    responses((status = 200, description = "The new invitation (a new id)", body = Invitation),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn resend(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    auth.require(Permission::MembersInvite)?;
    let (_, id) = path.into_inner();
    let state = &auth.state;
    let (org_id, lookup_id) = (auth.org_id().to_string(), id.clone());
    let (email, role) =
        db::run(&state.pool, move |conn| invitations::find_open(conn, &org_id, &lookup_id).map_err(Problem::from))
            .await?
            .ok_or_else(Problem::not_found)?;
    state.limits.invitations_sent.hit(auth.org_id()).map_err(|l| Problem::too_many(l.0))?;
    let parsed = Email::parse(&email).map_err(Problem::conflict)?;
    let new = prepare(state, &auth.org.name, &auth.key.creator_name, parsed, &role).map_err(Problem::from)?.0;
    let (org_id, actor, ttl) = (auth.org_id().to_string(), auth.actor(), state.invitation_ttl);
    db::run(&state.pool, move |conn| {
        invitations::reissue(conn, &org_id, &id, &new, true, ttl, &actor).map_err(|e| Problem::from(AppError::from(e)))
    })
    .await?;
    state.mail_wakeup.notify_one();
    let (org_id, now) = (auth.org_id().to_string(), state.clock.now());
    let renewed = db::run(&state.pool, move |conn| {
        invitations::pending_for_emails(conn, &org_id, &[email], now).map_err(Problem::from)
    })
    .await?
    .into_iter()
    .next()
    .ok_or_else(Problem::not_found)?;
    Ok(HttpResponse::Ok().json(invitation(renewed)))
}

/// Revokes the invitation: its link stops working.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/invitations/{id}", tag = "Invitations", operation_id = "revokeInvitation",
    params(("slug" = String, Path, description = "The organization's URL name"), ("id" = String, Path, description = "The invitation's id")),
    responses((status = 204, description = "Revoked"),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn revoke(auth: KeyAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Problem> {
    auth.require(Permission::MembersInvite)?;
    let (_, id) = path.into_inner();
    let (org_id, actor) = (auth.org_id().to_string(), auth.actor());
    db::run(&auth.state.pool, move |conn| {
        invitations::revoke(conn, &org_id, &id, &actor).map_err(|e| Problem::from(AppError::from(e)))
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}
