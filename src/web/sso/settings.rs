//! Organization -> Single sign-on (`org.manage`): the organization's OpenID
//! Connect provider (issuer, client id, client secret kept sealed and never
//! shown again), the verified domains it covers and the role a first
//! sign-in gives; Test sign-in, which must succeed before it is turned on.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{begin, check_issuer, CALLBACK};
use crate::db;
use crate::domain::sealed::SSO_CLIENT_SECRET;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::domains::sso::{self, ConnectionRow, SsoError};
use crate::store::domains::{claims, joinable_role};
use crate::web::domains::joinable_roles;
use crate::web::extract::{flash, OrgMember};
use crate::web::format;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

/// A verified domain's box on the form.
pub struct DomainChoice {
    pub domain: String,
    pub checked: bool,
}

/// What the form shows: typed values, or the stored ones.
#[derive(Default)]
pub struct Typed {
    pub issuer: String,
    pub client_id: String,
    pub domains: Vec<String>,
    pub role: String,
}

#[derive(Default)]
pub struct Errors {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub domains: Option<String>,
}

#[derive(Template)]
#[template(path = "sso.html")]
pub struct SsoPage {
    layout: Layout,
    slug: String,
    redirect_uri: String,
    saved: bool,
    enabled: bool,
    required: bool,
    /// "Tested by ... on ...", or why it is not offered yet.
    status: String,
    tested: bool,
    typed: Typed,
    choices: Vec<DomainChoice>,
    roles: Vec<String>,
    errors: Errors,
}

async fn page(member: &OrgMember, state: &AppState, typed: Option<Typed>) -> Result<SsoPage, AppError> {
    let org_id = member.org_id().to_string();
    let (row, domains, tester) = db::run(&state.pool, move |conn| {
        let row = sso::get(conn, &org_id)?;
        let domains: Vec<String> =
            claims::list(conn, &org_id)?.into_iter().filter(|d| d.verified_at.is_some()).map(|d| d.domain).collect();
        let tester = match row.as_ref().and_then(|r| r.tested_by.clone()) {
            Some(id) => crate::store::accounts::users::find(conn, &id)?.map(|u| u.email),
            None => None,
        };
        Ok::<_, AppError>((row, domains, tester))
    })
    .await?;
    let typed = typed.unwrap_or_else(|| match &row {
        Some(r) => Typed {
            issuer: r.issuer.clone(),
            client_id: r.client_id.clone(),
            domains: r.covered(),
            role: r.default_role.clone(),
        },
        None => Typed { domains: domains.clone(), role: state.catalog.default_role().to_string(), ..Typed::default() },
    });
    let status = match &row {
        None => "Not set up.".to_string(),
        Some(ConnectionRow { tested_at: Some(at), .. }) => {
            format!("Test sign-in succeeded on {} ({}).", format::date_time(*at), tester.unwrap_or_default())
        }
        Some(_) => "Saved. Press Test sign-in: it can be turned on once a test went through.".to_string(),
    };
    Ok(SsoPage {
        layout: member.layout("Single sign-on", "sso"),
        slug: member.view.org.slug.clone(),
        redirect_uri: state.url(CALLBACK),
        saved: row.is_some(),
        enabled: row.as_ref().is_some_and(|r| r.enabled),
        required: row.as_ref().is_some_and(|r| r.required),
        tested: row.as_ref().is_some_and(|r| r.tested_at.is_some()),
        status,
        choices: domains.into_iter().map(|d| DomainChoice { checked: typed.domains.contains(&d), domain: d }).collect(),
        typed,
        roles: joinable_roles(&state.catalog),
        errors: Errors::default(),
    })
}

#[get("/sso")]
pub async fn show(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    render_with(StatusCode::OK, &page(&member, &state, None).await?)
}

/// `issuer`, `client_id`, `client_secret`, `domain` (one per box), `role`.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct SettingsForm(pub Vec<(String, String)>);

impl FormFields for SettingsForm {
    const TYPED: &'static [&'static str] = &["issuer", "client_id", "client_secret"];
}

#[post("/sso")]
pub async fn save(
    req: HttpRequest,
    member: OrgMember,
    form: Form<SettingsForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let fields = form.into_inner().0;
    let value = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let typed = Typed {
        issuer: value("issuer"),
        client_id: value("client_id"),
        domains: fields.iter().filter(|(n, _)| n == "domain").map(|(_, v)| v.clone()).collect(),
        role: value("role"),
    };
    let secret = value("client_secret");
    let mut errors = Errors::default();
    for text in [&typed.issuer, &typed.client_id, &secret] {
        if let Err(e) = crate::domain::text::check(text, crate::domain::text::Lines::One) {
            errors.client_id = Some(e);
        }
    }
    let issuer = match check_issuer(&typed.issuer, state.sso_allow_private).await {
        Ok(url) => Some(url),
        Err(e) => {
            errors.issuer = Some(e);
            None
        }
    };
    if typed.client_id.is_empty() || typed.client_id.len() > 200 {
        errors.client_id = Some("Enter the client id the provider gave this portal (at most 200 characters).".into());
    }
    if secret.len() > 500 {
        errors.client_secret = Some("A client secret is at most 500 characters.".into());
    }
    if !joinable_role(&state.catalog, &typed.role) {
        return Err(AppError::BadRequest("Choose one of the roles offered.".into()));
    }
    let page_now = member.view.org.slug.clone();
    let org_id = member.org_id().to_string();
    let verified: Vec<String> = {
        let org_id = org_id.clone();
        db::run(&state.pool, move |conn| Ok::<_, AppError>(claims::list(conn, &org_id)?))
            .await?
            .into_iter()
            .filter(|d| d.verified_at.is_some())
            .map(|d| d.domain)
            .collect()
    };
    if typed.domains.iter().any(|d| !verified.contains(d)) {
        errors.domains = Some("Only the organization's verified domains can be covered.".into());
    }
    if typed.domains.is_empty() {
        errors.domains = Some("Choose the verified domains whose people sign in through this provider.".into());
    }
    let settings = match issuer {
        Some(issuer)
            if errors.issuer.is_none()
                && errors.client_id.is_none()
                && errors.client_secret.is_none()
                && errors.domains.is_none() =>
        {
            sso::Settings {
                issuer,
                client_id: typed.client_id.clone(),
                secret: (!secret.is_empty()).then(|| state.secrets.seal(SSO_CLIENT_SECRET, &secret)),
                domains: typed.domains.clone(),
                default_role: typed.role.clone(),
            }
        }
        _ => {
            let mut view = page(&member, &state, Some(typed)).await?;
            view.errors = errors;
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let actor = member.actor(&req, &state);
    let saved =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(sso::save(conn, &org_id, &settings, &actor))).await?;
    match saved {
        Ok(()) => {
            flash(&session, "The single sign-on settings were saved.");
            Ok(see_other(&format!("/orgs/{page_now}/sso")))
        }
        Err(SsoError::SecretMissing) => {
            let mut view = page(&member, &state, Some(typed)).await?;
            view.errors.client_secret = Some(SsoError::SecretMissing.to_string());
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(SsoError::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

/// Test sign-in: the admin goes through the provider; the callback records
/// the success (and links the identity to the admin's account when the
/// provider names the same verified address).
#[post("/sso/test")]
pub async fn test(member: OrgMember, session: Session, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let org_id = member.org_id().to_string();
    let row = db::run(&state.pool, move |conn| Ok::<_, AppError>(sso::get(conn, &org_id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let back = format!("/orgs/{}/sso", member.view.org.slug);
    match begin(&state, &session, &row, &member.view.org.name, back.clone(), true).await? {
        Ok(url) => Ok(see_other(&url)),
        Err(why) => {
            flash(&session, &why);
            Ok(see_other(&back))
        }
    }
}

#[derive(Deserialize)]
pub struct SwitchForm {
    on: String,
}

impl FormFields for SwitchForm {}

/// One of the page's on/off switches: `set` changes it in the store, and
/// the answer is said back on the page ((on, off) messages, or why not).
type Setter = fn(&mut crate::db::AnyConnection, &str, bool, &crate::store::changes::Actor) -> Result<(), SsoError>;

async fn toggle(
    req: HttpRequest,
    member: OrgMember,
    on: bool,
    session: Session,
    state: web::Data<AppState>,
    set: Setter,
    said: (&str, &str),
) -> Result<HttpResponse, AppError> {
    member.require(Permission::OrgManage)?;
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let outcome = db::run(&state.pool, move |conn| Ok::<_, AppError>(set(conn, &org_id, on, &actor))).await?;
    let message = match outcome {
        Ok(()) => (if on { said.0 } else { said.1 }).to_string(),
        Err(SsoError::Db(e)) => return Err(e.into()),
        Err(SsoError::NotFound) => return Err(AppError::NotFound),
        Err(why) => why.to_string(),
    };
    flash(&session, &message);
    Ok(see_other(&format!("/orgs/{}/sso", member.view.org.slug)))
}

#[post("/sso/enabled")]
pub async fn switch(
    req: HttpRequest,
    member: OrgMember,
    form: Form<SwitchForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let said = ("Sign in with SSO is on for the covered domains.", "Sign in with SSO is off.");
    toggle(req, member, form.on == "true", session, state, sso::set_enabled, said).await
}

/// Requires the provider for the covered members, or stops requiring it.
#[post("/sso/required")]
pub async fn require(
    req: HttpRequest,
    member: OrgMember,
    form: Form<SwitchForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let said = (
        "Single sign-on is required: covered members open the organization only after signing in through its provider.",
        "Single sign-on is no longer required.",
    );
    toggle(req, member, form.on == "true", session, state, sso::set_required, said).await
}
