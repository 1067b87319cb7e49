//! Direct collaborators from the Team page: invite someone to this project
//! only (`projects.manage`), revoke a pending invitation, remove a
//! collaborator, and a collaborator's own Leave.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::settings::{project_with, space_of};
use super::team::{render, InviteFields, TeamQuery};
use super::{load, ProjectIn};
use crate::db;
use crate::domain::invitation::InvitationToken;
use crate::domain::{Email, Permission};
use crate::error::AppError;
use crate::mail::templates::ProjectInvitationMail;
use crate::store::projects;
use crate::store::projects::collaborators;
use crate::store::projects::invitations::{self, HasAccess, NewProjectInvitation, ProjectInviteError};
use crate::web::extract::flash;
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::{see_other, AppState};

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

impl FormFields for InviteForm {
    const TYPED: &'static [&'static str] = &["email"];
}

/// The link of a project invitation's email.
pub fn link(state: &AppState, token: &str) -> String {
    state.url(&format!("/project-invitations/{token}"))
}

fn prepare(
    state: &AppState,
    p: &ProjectIn,
    owner_name: &str,
    email: Email,
    role: &str,
) -> Result<NewProjectInvitation, AppError> {
    let token = InvitationToken::generate();
    let url = link(state, &token.token);
    let lifetime = crate::store::members::invitations::ttl(state.invitation_ttl);
    let expires_on = format::date_time(state.clock.now() + lifetime);
    let noun = state.catalog.project_noun().to_lowercase();
    let mail = ProjectInvitationMail {
        to: email.as_str(),
        noun: &noun,
        project_name: &p.project.name,
        owner_name,
        inviter_name: &p.space.current().user.name,
        role,
        link: &url,
        expires_on: &expires_on,
    }
    .render()?;
    Ok(NewProjectInvitation { email, role: role.to_string(), token_hash: token.hash, mail })
}

fn has_access_message(why: HasAccess, p: &ProjectIn, noun: &str) -> String {
    match why {
        HasAccess::PersonalOwner => "This is the owner of this personal space; they have every permission on it.".into(),
        HasAccess::Member => format!(
            "Already a member of {}: their access comes from the organization. Set their role on this {noun} in the list below.",
            p.space.name()
        ),
        HasAccess::Collaborator => format!("Already a direct collaborator of this {noun}; change their role in the list below."),
    }
}

/// The rate limit's key: invitations sent count against the organization,
/// or the person inviting into their personal project.
fn sender_key(p: &ProjectIn) -> String {
    match &p.project.org_id {
        Some(org_id) => org_id.clone(),
        None => format!("user:{}", p.space.current().user.id),
    }
}

pub async fn invite(
    req: HttpRequest,
    form: Form<InviteForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsManage).await?;
    let InviteForm { email, role } = form.into_inner();
    let noun = state.catalog.project_noun().to_lowercase();
    let mut fields = InviteFields { email: email.clone(), role: role.clone(), ..InviteFields::default() };
    let parsed = Email::parse(&email);
    if state.catalog.get(&role).is_none() {
        fields.role_error = Some("Choose a role.".into());
    }
    let address = match parsed {
        Ok(address) if fields.role_error.is_none() => address,
        other => {
            fields.email_error = other.err();
            return render(&p, &state, TeamQuery::default(), None, Some(fields)).await;
        }
    };
    let project = p.project.clone();
    let owner_name =
        db::run(&state.pool, move |conn| projects::owner_name(conn, &project).map_err(AppError::from)).await?;
    let new = prepare(&state, &p, &owner_name, address, &role)?;
    state.limits.invitations_sent.hit(&sender_key(&p))?;
    let (project, actor, ttl) = (p.project.clone(), p.space.actor(&req, &state), state.invitation_ttl);
    let result =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(invitations::create(conn, &project, &new, ttl, &actor)))
            .await?;
    match result {
        Ok(()) => {
            state.mail_wakeup.notify_one();
            flash(&session, &format!("Invitation sent to {}.", email.trim().to_lowercase()));
            Ok(see_other(&format!("{}/team", p.href())))
        }
        Err(ProjectInviteError::HasAccess(why)) => {
            fields.email_error = Some(has_access_message(why, &p, &noun));
            render(&p, &state, TeamQuery::default(), None, Some(fields)).await
        }
        Err(ProjectInviteError::AlreadyPending) => {
            fields.email_error =
                Some("Already invited: the invitation is listed below. Revoke it to send a new one.".into());
            render(&p, &state, TeamQuery::default(), None, Some(fields)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_invitation(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsManage).await?;
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    let result =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(invitations::revoke(conn, &project, &id, &actor))).await?;
    match result {
        Ok(email) => {
            flash(&session, &format!("The invitation for {email} was revoked; its link no longer works."));
            Ok(see_other(&format!("{}/team", p.href())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes a direct collaborator (`projects.manage`).
pub async fn remove(req: HttpRequest, session: Session, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let p = project_with(&req, &state, Permission::ProjectsManage).await?;
    let user_id = req.match_info().get("user_id").unwrap_or_default().to_string();
    let own = user_id == p.space.current().user.id;
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    let email = db::run(&state.pool, move |conn| {
        collaborators::remove(conn, &project, &user_id, &actor).map_err(AppError::from)
    })
    .await?;
    let noun = state.catalog.project_noun().to_lowercase();
    flash(&session, &format!("{email} no longer has access to this {noun}."));
    Ok(see_other(&if own { "/shared".to_string() } else { format!("{}/team", p.href()) }))
}

/// A direct collaborator leaves the project.
pub async fn leave(req: HttpRequest, session: Session, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (space, key) = space_of(&req, &state).await?;
    let p = load(space, key, &state).await?;
    let noun = state.catalog.project_noun().to_lowercase();
    if !p.is_direct_collaborator() {
        return Err(AppError::Forbidden(format!(
            "Your access to this {noun} comes from {} ({}), not from a direct invitation, so there is nothing to leave here.",
            p.space.name(),
            p.why.describe()
        )));
    }
    let (project, actor) = (p.project.clone(), p.space.actor(&req, &state));
    let me = actor.user_id.clone();
    db::run(&state.pool, move |conn| collaborators::remove(conn, &project, &me, &actor).map_err(AppError::from))
        .await?;
    flash(&session, &format!("You left the {noun} {}.", p.project.name));
    Ok(see_other("/shared"))
}
