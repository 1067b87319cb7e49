//! "Sign in with SSO": an address, then the provider of the organization
//! that verified its domain and turned single sign-on on (home-realm
//! discovery). The callback signs in the account of (connection, subject),
//! or makes one; an address that already has an account is never merged by
//! email alone: that account signs in once the old way, which links them.
//! A first sign-in makes the person a member with the connection's role.
//! The same callback ends an admin's Test sign-in.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::{begin, provider, CALLBACK};
use crate::auth::session;
use crate::db;
use crate::domain::secret_token::SecretToken;
use crate::domain::text::printable;
use crate::domain::verified_domain::domain_of;
use crate::domain::Email;
use crate::error::AppError;
use crate::store::accounts::sessions;
use crate::store::accounts::users::{self, ProviderProfile};
use crate::store::changes::Actor;
use crate::store::domains::sso;
use crate::store::domains::sso_sign_in::{self, Holder};
use crate::web::client::{client, client_ip};
use crate::web::extract::{anonymous_layout, flash, CurrentUser};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::sign_in::identify;
use crate::web::{see_other, AppState};

/// The session key of an identity waiting to be linked.
const LINK_KEY: &str = "sso_link";

#[derive(Serialize, Deserialize)]
struct PendingLink {
    connection: String,
    subject: String,
    email: String,
    org_slug: String,
}

#[derive(Template)]
#[template(path = "login_sso.html")]
struct SsoLoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "login_sso_link.html")]
struct LinkPage {
    layout: Layout,
    email: String,
    org_name: String,
}

#[derive(Deserialize)]
pub struct AskQuery {
    next: Option<String>,
    /// Filled in when an organization that requires its provider sent the person here.
    email: Option<String>,
}

#[get("/login/sso")]
pub async fn ask(req: HttpRequest, query: web::Query<AskQuery>) -> Result<HttpResponse, AppError> {
    let next = session::safe_next(query.next.as_deref());
    let email = query.email.clone().unwrap_or_default();
    let page = SsoLoginPage { layout: anonymous_layout(&req, "Sign in with SSO"), email, error: None, next };
    render_with(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
    next: Option<String>,
}

impl FormFields for EmailForm {
    const TYPED: &'static [&'static str] = &["email"];
}

#[post("/login/sso")]
pub async fn start(
    req: HttpRequest,
    typed: Form<EmailForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.sign_in.hit(&client_ip(&req))?;
    let next = session::safe_next(typed.next.as_deref());
    let refuse = |error: String| {
        let page = SsoLoginPage {
            layout: anonymous_layout(&req, "Sign in with SSO"),
            email: typed.email.clone(),
            error: Some(error),
            next: next.clone(),
        };
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let email = match Email::parse(&typed.email) {
        Ok(e) => e,
        Err(e) => return refuse(e),
    };
    let domain = domain_of(email.as_str()).unwrap_or_default();
    let wanted = domain.clone();
    let found = db::run(&state.pool, move |conn| Ok::<_, AppError>(sso_sign_in::for_domain(conn, &wanted)?)).await?;
    let Some((row, org_name)) = found else {
        return refuse(format!("No organization offers single sign-on for {domain}. Sign in the way you usually do."));
    };
    match begin(&state, &session, &row, &org_name, next.clone(), false).await? {
        Ok(url) => Ok(see_other(&url)),
        Err(why) => refuse(why),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn sign_in_again(req: &HttpRequest, message: &str) -> Result<HttpResponse, AppError> {
    let page = SsoLoginPage {
        layout: anonymous_layout(req, "Sign in with SSO"),
        email: String::new(),
        error: Some(message.to_string()),
        next: "/getting-started".into(),
    };
    render_with(StatusCode::BAD_REQUEST, &page)
}

#[get("/login/sso/callback")]
pub async fn callback(
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
    current: Option<CurrentUser>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.sign_in.hit(&client_ip(&req))?;
    let expired = "That sign-in link has expired or was already used. Please sign in again.";
    let Some(pending) = session::take_pending(&session).filter(|p| p.provider == "sso") else {
        return sign_in_again(&req, expired);
    };
    if query.error.is_some() {
        return sign_in_again(&req, "Sign-in was cancelled or refused by the provider.");
    }
    let (Some(code), Some(returned)) = (&query.code, &query.state) else {
        return sign_in_again(&req, "The provider's answer was incomplete. Please sign in again.");
    };
    if *returned != pending.state {
        return sign_in_again(&req, expired);
    }
    let id = pending.connection.clone().unwrap_or_default();
    let found = db::run(&state.pool, move |conn| {
        let row = sso::find(conn, &id)?;
        let org = match &row {
            Some(r) => crate::store::orgs::find(conn, &r.org_id)?,
            None => None,
        };
        Ok::<_, AppError>(row.zip(org))
    })
    .await?;
    let Some((row, org)) = found else { return sign_in_again(&req, expired) };
    let Some(provider) = provider(&state, &row, &org.name) else {
        return sign_in_again(&req, &format!("{}'s single sign-on cannot be used at the moment.", org.name));
    };
    let info = match identify(&state, &provider, &state.url(CALLBACK), code, &pending).await {
        Ok(info) => info,
        Err(e) => {
            tracing::warn!(error = %e, issuer = %row.issuer, "organization sign-in failed");
            if pending.test {
                flash(&session, &format!("Test sign-in failed: {e}"));
                return Ok(see_other(&pending.next));
            }
            return sign_in_again(
                &req,
                &format!(
                    "The answer from {}'s identity provider could not be verified, so you were not signed in.",
                    org.name
                ),
            );
        }
    };
    // An organization's provider vouches only for addresses at the domains
    // that organization verified: any other address it asserts counts as
    // unverified (it must not open invitations or join offers elsewhere).
    let email = printable(&info.email).to_lowercase();
    let covered = domain_of(&email).is_some_and(|d| row.covered().contains(&d));
    let profile = ProviderProfile {
        provider: row.provider_key(),
        subject: printable(&info.subject),
        email,
        email_verified: info.email_verified && covered,
        name: printable(&info.name),
    };
    if pending.test {
        let Some(admin) = current else { return sign_in_again(&req, expired) };
        return tested(&req, &state, &session, admin, &row, &profile, &pending.next).await;
    }
    let (subject, email, connection_id) = (profile.subject.clone(), profile.email.clone(), row.id.clone());
    let verified = profile.email_verified;
    let holder = db::run(&state.pool, move |conn| {
        Ok::<_, AppError>(sso_sign_in::holder(conn, &connection_id, &subject, &email, verified)?)
    })
    .await?;
    if let (Holder::NeedsLink(_), true) = (&holder, profile.email_verified) {
        let waiting = PendingLink {
            connection: row.id.clone(),
            subject: profile.subject.clone(),
            email: profile.email.clone(),
            org_slug: org.slug.clone(),
        };
        session.insert(LINK_KEY, &waiting).map_err(AppError::internal)?;
        let page =
            LinkPage { layout: anonymous_layout(&req, "Link your account"), email: profile.email, org_name: org.name };
        return render_with(StatusCode::OK, &page);
    }
    let client = client(&req);
    let ip = client.ip.clone();
    let (limit, now, lifetimes, token) =
        (state.org_limit, state.clock.now(), state.session_lifetimes, SecretToken::generate());
    let token_hash = token.hash.clone();
    let provisioned = match &holder {
        Holder::Provisioned(id) => Some(id.clone()),
        _ => None,
    };
    let joined = db::run(&state.pool, move |conn| {
        if let Some(id) = &provisioned {
            sso_sign_in::claim_provisioned(conn, &row, id, &profile.subject, &profile.email, now)?;
        }
        let user = users::sign_in(conn, &profile, &ip, now)?;
        sessions::create(conn, &user.id, &token_hash, &client, lifetimes, now, &row.provider_key())?;
        let actor = Actor::person(user.id.clone(), ip.clone(), now);
        Ok::<_, AppError>(sso_sign_in::join_just_in_time(conn, &row, &user.email, limit, &actor)?)
    })
    .await?;
    session::begin(&req, &session, &token.token)?;
    if joined {
        flash(&session, &format!("Welcome to {}: you joined it through its identity provider.", org.name));
        return Ok(see_other(&format!("/orgs/{}", org.slug)));
    }
    Ok(see_other(&pending.next))
}

/// The end of an admin's Test sign-in: recorded as a success, and the
/// identity linked to the admin when the provider names their verified address.
async fn tested(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    admin: CurrentUser,
    row: &sso::ConnectionRow,
    profile: &ProviderProfile,
    back: &str,
) -> Result<HttpResponse, AppError> {
    let actor = admin.actor(req, state);
    let same = profile.email_verified && admin.user.email_verified && profile.email == admin.user.email;
    let (row, profile2) = (row.clone(), (profile.subject.clone(), profile.email.clone()));
    let linked = db::run(&state.pool, move |conn| {
        sso::mark_tested(conn, &row.id, &actor, &profile2.1)?;
        let holder = sso_sign_in::holder(conn, &row.id, &profile2.0, &profile2.1, true)?;
        let mine = matches!(holder, Holder::NeedsLink(ref id) if *id == actor.user_id);
        if same && mine {
            sso_sign_in::link(conn, &row, &profile2.0, &profile2.1, &actor)?;
        }
        Ok::<_, AppError>(same && mine)
    })
    .await?;
    let mut message = format!("Test sign-in succeeded: the provider identified you as {}.", profile.email);
    if linked {
        message.push_str(" Your account now signs in through it too.");
    }
    flash(session, &message);
    Ok(see_other(back))
}

/// After the old way's sign-in: links the waiting identity when the
/// account holds the same verified address.
#[get("/login/sso/link")]
pub async fn finish_link(
    req: HttpRequest,
    current: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(link) = crate::auth::session::take::<PendingLink>(&session, LINK_KEY) else {
        return Ok(see_other("/getting-started"));
    };
    if !(current.user.email_verified && current.user.email == link.email) {
        flash(&session, &format!("This account's address is not {}: nothing was linked.", link.email));
        return Ok(see_other("/getting-started"));
    }
    let (actor, limit, id) = (current.actor(&req, &state), state.org_limit, link.connection.clone());
    let linked = db::run(&state.pool, move |conn| {
        let Some(row) = sso::find(conn, &id)? else { return Ok::<_, AppError>(false) };
        sso_sign_in::link(conn, &row, &link.subject, &link.email, &actor)?;
        sso_sign_in::join_just_in_time(conn, &row, &link.email, limit, &actor)?;
        Ok(true)
    })
    .await?;
    if linked {
        flash(&session, "Your account is linked: next time, Sign in with SSO.");
    }
    Ok(see_other(&format!("/orgs/{}", link.org_slug)))
}
