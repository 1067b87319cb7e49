//! Sign-in pages: the provider list, the redirect to the provider, the
//! callback, and sign-out.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use oauth2::CsrfToken;
use serde::Deserialize;

use super::client::client;
use super::client::client_ip;
use super::extract::{anonymous_layout, CurrentUser};
use super::layout::{render_with, Layout};
use super::{see_other, AppState};
use crate::auth::oauth::{self, Failure};
use crate::auth::session::{self, PendingSignIn, SessionToken};
use crate::auth::Provider;
use crate::db;
use crate::domain::secret_token::SecretToken;
use crate::domain::text::printable;
use crate::error::AppError;
use crate::store::accounts::sessions;
use crate::store::accounts::users::{self, ProviderProfile};
use crate::store::customer::import;
use crate::web::input::{Form, FormFields};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    layout: Layout,
    providers: &'a [Provider],
    next_query: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_query(next: &str) -> String {
    if next == "/getting-started" {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default())
    }
}

fn login_page(
    req: &HttpRequest,
    state: &AppState,
    next: &str,
    error: Option<(StatusCode, String)>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let page = LoginPage {
        layout: anonymous_layout(req, "Sign in"),
        providers: state.providers.all(),
        next_query: next_query(next),
        error,
    };
    render_with(status, &page)
}

#[get("/login")]
pub async fn login(
    req: HttpRequest,
    signed_in: Option<CurrentUser>,
    query: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let next = session::safe_next(query.next.as_deref());
    // A live session, not just a cookie: a dead one must be able to sign in again.
    if signed_in.is_some() {
        return Ok(see_other(&next));
    }
    login_page(&req, &state, &next, None)
}

fn callback_url(state: &AppState, provider: &str) -> String {
    state.url(&format!("/auth/{provider}/callback"))
}

#[get("/auth/{provider}/start")]
pub async fn start(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NextQuery>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.sign_in.hit(&client_ip(&req))?;
    let provider = state.providers.get(&path).ok_or(AppError::NotFound)?;
    let next = session::safe_next(query.next.as_deref());
    let at = match provider.resolve(&state.http).await {
        Ok(at) => at,
        Err(failure) => return failed(&req, &state, provider, &next, failure),
    };
    let nonce = at.oidc.as_ref().map(|_| CsrfToken::new_random().secret().clone());
    let begun = oauth::start(provider, &at, &callback_url(&state, provider.key), nonce.as_deref())?;
    let pending = PendingSignIn {
        provider: provider.key.to_string(),
        state: begun.state,
        pkce_verifier: begun.pkce_verifier,
        next,
        nonce,
        connection: None,
        test: false,
    };
    session::store_pending(&session, &pending)?;
    Ok(see_other(&begun.url))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[get("/auth/{provider}/callback")]
pub async fn callback(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.limits.sign_in.hit(&client_ip(&req))?;
    let provider = state.providers.get(&path).ok_or(AppError::NotFound)?;
    let pending = session::take_pending(&session);
    let fail = |msg: &str, next: &str| login_page(&req, &state, next, Some((StatusCode::BAD_REQUEST, msg.to_string())));
    let Some(pending) = pending.filter(|p| p.provider == provider.key) else {
        return fail("That sign-in link has expired or was already used. Please sign in again.", "/getting-started");
    };
    if let Some(error) = &query.error {
        tracing::info!(provider = provider.key, error, "provider refused sign-in");
        return fail("Sign-in was cancelled or refused by the provider.", &pending.next);
    }
    let (Some(code), Some(returned_state)) = (&query.code, &query.state) else {
        return fail("The provider's answer was incomplete. Please sign in again.", &pending.next);
    };
    if *returned_state != pending.state {
        return fail("That sign-in link has expired or was already used. Please sign in again.", &pending.next);
    }
    let info = match identify(&state, provider, &callback_url(&state, provider.key), code, &pending).await {
        Ok(info) => info,
        Err(failure) => return failed(&req, &state, provider, &pending.next, failure),
    };
    // What the provider says is text from outside too (domain::text).
    let profile = ProviderProfile {
        provider: provider.key.to_string(),
        subject: printable(&info.subject),
        email: printable(&info.email).to_lowercase(),
        email_verified: info.email_verified,
        name: printable(&info.name),
    };
    let client = client(&req);
    let ip = client.ip.clone();
    let (catalog, limit, now) = (state.catalog.clone(), state.org_limit, state.clock.now());
    let (lifetimes, provider_key) = (state.session_lifetimes, provider.key);
    let token = SecretToken::generate();
    let token_hash = token.hash.clone();
    let user = db::run(&state.pool, move |conn| {
        let user = users::sign_in(conn, &profile, &ip, now)?;
        sessions::create(conn, &user.id, &token_hash, &client, lifetimes, now, provider_key)?;
        // A verified customer contact joins (or gets) the customer's organization.
        let role_for = |portal_role: &str| {
            let found = catalog.roles().iter().find(|r| r.name.eq_ignore_ascii_case(portal_role.trim()));
            found.map(|r| r.name.clone()).unwrap_or_else(|| catalog.default_role().to_string())
        };
        let linked = import::auto_link(conn, &user, catalog.owner_role(), &role_for, limit, &ip, now)?;
        if !linked.is_empty() {
            tracing::info!(user_id = %user.id, ?linked, "customer accounts linked");
        }
        Ok::<_, AppError>(user)
    })
    .await?;
    session::begin(&req, &session, &token.token)?;
    tracing::info!(user_id = %user.id, provider = provider.key, "signed in");
    Ok(see_other(&pending.next))
}

/// The token exchange, the ID token's checks (OpenID Connect providers) and
/// the userinfo call, which must name the ID token's subject.
pub(crate) async fn identify(
    state: &AppState,
    provider: &Provider,
    redirect: &str,
    code: &str,
    pending: &PendingSignIn,
) -> Result<oauth::UserInfo, Failure> {
    let at = provider.resolve(&state.http).await?;
    let tokens = oauth::exchange(&state.http, provider, &at, redirect, code, &pending.pkce_verifier).await?;
    let subject = match (&at.oidc, &pending.nonce) {
        (Some(oidc), Some(nonce)) => {
            Some(oidc.verify(&state.http, tokens.id_token.as_deref(), &provider.client_id, nonce).await?.sub)
        }
        (Some(_), None) => return Err(Failure::Rejected("the sign-in began without a nonce".into())),
        (None, _) => None,
    };
    let info = oauth::userinfo(&state.http, provider, &at, &tokens.access_token).await.map_err(|e| match e
        .downcast_ref::<reqwest::Error>(
    ) {
        Some(http) => Failure::http("userinfo", http),
        None => Failure::Rejected(format!("userinfo: {e:#}")),
    })?;
    if subject.as_ref().is_some_and(|sub| *sub != info.subject) {
        return Err(Failure::Rejected("the userinfo subject is not the ID token's".into()));
    }
    Ok(info)
}

/// A sign-in that could not complete: a page that says what the person can
/// do, and the details in the log (never on the page).
fn failed(
    req: &HttpRequest,
    state: &AppState,
    provider: &Provider,
    next: &str,
    failure: Failure,
) -> Result<HttpResponse, AppError> {
    tracing::warn!(provider = provider.key, error = %failure, "sign-in failed");
    let (status, message) = match failure {
        Failure::Unreachable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The sign-in provider {} cannot be reached at the moment. Please try again in a few minutes.",
                provider.label
            ),
        ),
        Failure::ClientRefused(_) => (
            StatusCode::BAD_GATEWAY,
            format!(
                "The sign-in provider {} did not accept this portal's client credentials, so nobody can sign in with it. \
                 Please tell the portal's administrator.",
                provider.label
            ),
        ),
        Failure::IdToken(_) | Failure::Rejected(_) => (
            StatusCode::BAD_GATEWAY,
            format!(
                "The answer from {} could not be verified, so you were not signed in. Please try again.",
                provider.label
            ),
        ),
    };
    login_page(req, state, next, Some((status, message)))
}

#[derive(Deserialize)]
pub struct LogoutForm {
    next: Option<String>,
}

impl FormFields for LogoutForm {}

/// Signs out: the server-side session ends (a copy of the cookie is dead
/// too); with `next` (Switch account), goes straight to sign-in again.
#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    token: Option<SessionToken>,
    identity: Option<Identity>,
    session: Session,
    form: Form<LogoutForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = token {
        let (hash, client, now) = (token.hash(), client(&req), state.clock.now());
        db::run(&state.pool, move |conn| sessions::end(conn, &hash, &client, now).map_err(AppError::from)).await?;
    }
    if let Some(identity) = identity {
        identity.logout();
    }
    session.purge();
    Ok(match form.into_inner().next {
        Some(next) => see_other(&format!("/login{}", next_query(&session::safe_next(Some(&next))))),
        None => see_other("/"),
    })
}
