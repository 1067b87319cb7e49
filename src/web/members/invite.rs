//! The invite form: up to ten addresses, each with a role. Valid rows are
//! invited (each with its email queued in the same transaction); rows that
//! cannot be stay in the form with the reason next to them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::invitation::{check_rows, InvitationToken, MAX_INVITES};
use crate::domain::Permission;
use crate::error::AppError;
use crate::mail::templates::{AddedMail, InvitationMail};
use crate::store::members::direct_add::{self, Added};
use crate::store::members::invitations::NewInvitation;
use crate::store::members::invite_batch::{self, RowOutcome};
use crate::store::projects::collaborators;
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::Form;
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

pub struct FormRow {
    pub email: String,
    pub role: String,
    pub error: Option<String>,
    /// Held back until confirmed: their direct project access will be replaced.
    pub warning: Option<String>,
    /// "Invite anyway" was ticked for this address.
    pub replace: bool,
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    slug: String,
    rows: Vec<FormRow>,
    roles: Vec<String>,
    sent: Vec<String>,
    /// Added directly in this submission (ORGPORTAL_DIRECT_ADD).
    added: Vec<String>,
    /// The policy allows adding existing accounts at once, and whether it was asked for.
    direct_add: bool,
    direct: bool,
    can_add: bool,
    max: usize,
    /// "7 days", from the configured invitation lifetime.
    validity: String,
}

fn page(member: &OrgMember, state: &AppState, rows: Vec<FormRow>, sent: Vec<String>) -> InvitePage {
    InvitePage {
        added: Vec::new(),
        direct_add: state.direct_add,
        direct: false,
        layout: member.layout("Invite members", "members"),
        slug: member.view.org.slug.clone(),
        can_add: rows.len() < MAX_INVITES,
        rows,
        roles: state.catalog.roles().iter().map(|r| r.name.clone()).collect(),
        sent,
        max: MAX_INVITES,
        validity: validity(state.invitation_ttl),
    }
}

pub fn validity(ttl: std::time::Duration) -> String {
    let secs = ttl.as_secs();
    let (n, unit) = if secs >= 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, "day")
    } else if secs >= 3_600 {
        (secs / 3_600, "hour")
    } else {
        (secs.div_ceil(60), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn blank(state: &AppState) -> FormRow {
    FormRow {
        email: String::new(),
        role: state.catalog.default_role().to_string(),
        error: None,
        warning: None,
        replace: false,
    }
}

#[get("/members/invite")]
pub async fn invite_form(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersInvite)?;
    render(&page(&member, &state, vec![blank(&state)], Vec::new()))
}

/// Invitation link for a token.
pub fn link(state: &AppState, token: &str) -> String {
    state.url(&format!("/invitations/{token}"))
}

/// Renders the invitation email for `email` with a fresh token, from
/// `inviter` (a person's name) to join `org_name`.
pub fn prepare(
    state: &AppState,
    org_name: &str,
    inviter: &str,
    email: crate::domain::Email,
    role: &str,
) -> Result<(NewInvitation, String), AppError> {
    let token = InvitationToken::generate();
    let url = link(state, &token.token);
    let lifetime = crate::store::members::invitations::ttl(state.invitation_ttl);
    let expires_on = format::date_time(state.clock.now() + lifetime);
    let mail = InvitationMail {
        to: email.as_str(),
        org_name,
        inviter_name: inviter,
        role,
        link: &url,
        expires_on: &expires_on,
    }
    .render()?;
    Ok((NewInvitation { email, role: role.to_string(), token_hash: token.hash, mail }, url))
}

/// For the valid rows' addresses, how many of the organization's projects
/// their accounts reach as direct collaborators (the invite form warns).
async fn direct_access(
    state: &AppState,
    member: &OrgMember,
    checked: &[(usize, crate::domain::invitation::CheckedRow)],
) -> Result<Vec<(String, i64)>, AppError> {
    let emails: Vec<String> =
        checked.iter().filter_map(|(_, c)| c.as_ref().ok()).map(|(e, _)| e.as_str().to_string()).collect();
    let org_id = member.org_id().to_string();
    db::run(&state.pool, move |conn| collaborators::counts_by_email(conn, &org_id, &emails).map_err(AppError::from))
        .await
}

#[post("/invitations")]
pub async fn submit(
    req: HttpRequest,
    member: OrgMember,
    form: Form<Vec<(String, String)>>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::MembersInvite)?;
    let fields = form.into_inner();
    let wants_direct = fields.iter().any(|(k, v)| k == "direct" && v == "1");
    if wants_direct && !state.direct_add {
        return Err(AppError::Forbidden("Adding members directly is turned off on this portal.".into()));
    }
    let page = |rows, sent| InvitePage { direct: wants_direct, ..page(&member, &state, rows, sent) };
    let emails = fields.iter().filter(|(k, _)| k == "email").map(|(_, v)| v.clone());
    let roles = fields.iter().filter(|(k, _)| k == "role").map(|(_, v)| v.clone());
    let raw: Vec<(String, String)> = emails.zip(roles.chain(std::iter::repeat(String::new()))).collect();
    let confirmed: Vec<String> =
        fields.iter().filter(|(k, _)| k == "replace").map(|(_, v)| v.trim().to_lowercase()).collect();
    let mut rows: Vec<FormRow> = raw
        .iter()
        .map(|(email, role)| FormRow {
            email: email.clone(),
            role: role.clone(),
            error: None,
            warning: None,
            replace: confirmed.contains(&email.trim().to_lowercase()),
        })
        .collect();

    if fields.iter().any(|(k, _)| k == "add_row") {
        if rows.len() < MAX_INVITES {
            rows.push(blank(&state));
        }
        return render(&page(rows, Vec::new()));
    }

    let checked = check_rows(&raw, &state.catalog);
    if checked.is_empty() {
        rows.truncate(1);
        if rows.is_empty() {
            rows.push(blank(&state));
        }
        rows[0].error = Some("Enter at least one email address.".into());
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(rows, Vec::new()));
    }
    // check_rows skips empty rows: its length is the number of filled rows.
    let too_many = checked.len() > MAX_INVITES;
    for (i, c) in &checked {
        if let Err(e) = c {
            rows[*i].error = Some(e.clone());
        }
    }
    if too_many {
        // Nothing is sent: the whole batch is over the limit.
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(rows, Vec::new()));
    }

    let direct = direct_access(&state, &member, &checked).await?;
    let mut batch = Vec::new();
    let mut batch_rows = Vec::new();
    let mut valid = Vec::new();
    for (i, c) in checked {
        let Ok((email, role)) = c else { continue };
        if let Some((_, n)) = direct.iter().find(|(e, _)| e == email.as_str()).filter(|_| !rows[i].replace) {
            let what = if *n == 1 { state.catalog.project_noun().to_string() } else { state.catalog.projects_noun() };
            rows[i].warning = Some(format!(
                "{} has direct access to {n} {}; it will be replaced by the organization's access when they join.",
                email.as_str(),
                what.to_lowercase()
            ));
            continue;
        }
        valid.push((i, email, role));
    }
    if !valid.is_empty() {
        state.limits.invitations_sent.hit_n(member.org_id(), valid.len() as u32)?;
    }
    let mut added: Vec<usize> = Vec::new();
    let mut no_account: Vec<String> = Vec::new();
    for (i, email, role) in valid {
        if wants_direct {
            match add_directly(&req, &state, &member, email.as_str(), &role).await? {
                Added::Added(_) => {
                    added.push(i);
                    continue;
                }
                Added::NoAccount => no_account.push(email.as_str().to_string()),
                Added::Unverified => {
                    rows[i].error = Some(
                        "This account has not verified its address: it cannot be added directly. Untick \
                         \"Add directly\" to send an invitation."
                            .into(),
                    );
                    continue;
                }
                Added::AlreadyMember => {
                    rows[i].error = Some("Already a member of this organization.".into());
                    continue;
                }
            }
        }
        batch.push(prepare(&state, &member.view.org.name, &member.current.user.name, email, &role)?.0);
        batch_rows.push(i);
    }
    let (org_id, actor, ttl) = (member.org_id().to_string(), member.actor(&req, &state), state.invitation_ttl);
    let outcomes = db::run(&state.pool, move |conn| {
        invite_batch::create_batch(conn, &org_id, &batch, ttl, &actor).map_err(AppError::from)
    })
    .await?;
    state.mail_wakeup.notify_one();

    let mut sent = added.clone();
    for (i, outcome) in batch_rows.into_iter().zip(outcomes) {
        match outcome {
            RowOutcome::Invited(_) => sent.push(i),
            RowOutcome::AlreadyMember => rows[i].error = Some("Already a member of this organization.".into()),
            RowOutcome::AlreadyPending => {
                rows[i].error = Some("Already invited; use Resend Email on the Members page.".into())
            }
        }
    }
    let email_of = |i: &usize| rows[*i].email.trim().to_lowercase();
    let added_emails: Vec<String> = added.iter().map(email_of).collect();
    let sent_emails: Vec<String> = sent
        .iter()
        .filter(|i| !added.contains(i))
        .map(email_of)
        .map(|e| if no_account.contains(&e) { format!("{e} (no account yet)") } else { e })
        .collect();
    let remaining: Vec<FormRow> = rows
        .into_iter()
        .enumerate()
        .filter(|(i, r)| !sent.contains(i) && !r.email.trim().is_empty())
        .map(|(_, r)| r)
        .collect();
    if remaining.is_empty() {
        flash(&session, &outcome_message(added_emails.len(), sent_emails.len(), &no_account));
        return Ok(see_other(&format!("/orgs/{}/members", member.view.org.slug)));
    }
    let mut shown = page(remaining, sent_emails);
    shown.added = added_emails;
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &shown)
}

/// "2 added directly. 1 invitation sent (no account yet: ann@example.com)."
fn outcome_message(added: usize, sent: usize, no_account: &[String]) -> String {
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("{added} added directly."));
    }
    if sent > 0 || parts.is_empty() {
        let mut s = format!("{sent} {} sent", if sent == 1 { "invitation" } else { "invitations" });
        if !no_account.is_empty() {
            s.push_str(&format!(" (no account yet: {})", no_account.join(", ")));
        }
        parts.push(format!("{s}."));
    }
    parts.join(" ")
}

/// Adds the existing account of `email` at once, telling them by email.
async fn add_directly(
    req: &HttpRequest,
    state: &AppState,
    member: &OrgMember,
    email: &str,
    role: &str,
) -> Result<Added, AppError> {
    let (org_id, actor) = (member.org_id().to_string(), member.actor(req, state));
    let (email, role) = (email.to_string(), role.to_string());
    let (org_name, by_name) = (member.view.org.name.clone(), member.current.user.name.clone());
    let link = state.url(&format!("/orgs/{}", member.view.org.slug));
    db::run(&state.pool, move |conn| {
        let mail = |name: &str| {
            let m = AddedMail { to: &email, name, by_name: &by_name, org_name: &org_name, role: &role, link: &link };
            m.render().ok()
        };
        direct_add::add(conn, &org_id, &email, &role, &mail, &actor).map_err(AppError::from)
    })
    .await
}
