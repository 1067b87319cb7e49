//! HTTP side of the development sign-in provider (see auth::dev_provider).
//! Mounted only when no real provider is configured.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::dev_provider::{DevOAuthError, DevProvider, DevUser, TOKEN_LIFETIME_SECS};
use crate::domain::Email;
use crate::error::AppError;
use crate::web::extract::anonymous_layout;
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render, render_with, Layout};
use crate::web::{see_other, AppState};

/// The authorization request, carried through the form in hidden fields.
#[derive(Deserialize, Serialize, Clone, Default)]
pub struct AuthorizeParams {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

#[derive(Template)]
#[template(path = "dev_authorize.html")]
struct AuthorizePage {
    layout: Layout,
    params: AuthorizeParams,
    email: String,
    name: String,
    email_error: Option<String>,
    name_error: Option<String>,
}

fn provider(state: &AppState) -> Result<&DevProvider, AppError> {
    state.dev.as_deref().ok_or(AppError::NotFound)
}

fn check(dev: &DevProvider, p: &AuthorizeParams) -> Result<(), AppError> {
    dev.check_request(&p.response_type, &p.client_id, &p.redirect_uri, &p.code_challenge_method)
        .map_err(|e| AppError::BadRequest(format!("Invalid sign-in request: {e}.")))
}

#[get("/dev-oauth/authorize")]
pub async fn authorize_form(
    req: HttpRequest,
    query: web::Query<AuthorizeParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check(provider(&state)?, &query)?;
    render(&AuthorizePage {
        layout: anonymous_layout(&req, "Development sign-in"),
        params: query.into_inner(),
        email: String::new(),
        name: String::new(),
        email_error: None,
        name_error: None,
    })
}

#[derive(Deserialize)]
pub struct AuthorizeForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

impl FormFields for AuthorizeForm {
    const TYPED: &'static [&'static str] = &["email", "name"];
}

#[post("/dev-oauth/authorize")]
pub async fn authorize_submit(
    req: HttpRequest,
    form: Form<AuthorizeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let dev = provider(&state)?;
    state.limits.sign_in.hit(&crate::web::client::client_ip(&req))?;
    let form = form.into_inner();
    check(dev, &form.params)?;
    let email = Email::parse(&form.email);
    let name = form.name.trim();
    let name_error = if name.is_empty() {
        Some("Enter the name to sign in as.".to_string())
    } else if name.chars().count() > 100 {
        Some("The name can be at most 100 characters.".to_string())
    } else {
        crate::domain::text::check(name, crate::domain::text::Lines::One).err()
    };
    if email.is_err() || name_error.is_some() {
        let page = AuthorizePage {
            layout: anonymous_layout(&req, "Development sign-in"),
            email_error: email.err(),
            name_error,
            email: form.email,
            name: form.name,
            params: form.params,
        };
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let user = DevUser { email: email.map(|e| e.as_str().to_string()).unwrap_or_default(), name: name.to_string() };
    let code = dev.issue_code(user, &form.params.redirect_uri, &form.params.code_challenge);
    let query = serde_urlencoded::to_string([("code", code.as_str()), ("state", form.params.state.as_str())])
        .map_err(AppError::internal)?;
    Ok(see_other(&format!("{}?{query}", form.params.redirect_uri)))
}

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl FormFields for TokenForm {}

fn oauth_error(status: StatusCode, error: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": error }))
}

/// Client credentials from HTTP Basic (what the oauth2 crate sends), or the form.
fn client_credentials(req: &HttpRequest, form: &TokenForm) -> (String, String) {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|s| s.split_once(':')) {
        let decode =
            |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        return (decode(id).unwrap_or_default(), decode(secret).unwrap_or_default());
    }
    (form.client_id.clone().unwrap_or_default(), form.client_secret.clone().unwrap_or_default())
}

#[post("/dev-oauth/token")]
pub async fn token(req: HttpRequest, form: Form<TokenForm>, state: web::Data<AppState>) -> HttpResponse {
    let Some(dev) = state.dev.as_deref() else { return HttpResponse::NotFound().finish() };
    if form.grant_type != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let (client_id, secret) = client_credentials(&req, &form);
    match dev.exchange(&client_id, &secret, &form.code, &form.redirect_uri, &form.code_verifier) {
        Ok(access_token) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECS,
        })),
        Err(DevOAuthError::InvalidClient) => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
        Err(_) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant"),
    }
}

#[get("/dev-oauth/userinfo")]
pub async fn userinfo(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(dev) = state.dev.as_deref() else { return HttpResponse::NotFound().finish() };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::domain::service_token::bearer_credentials);
    match bearer.and_then(|t| dev.userinfo(t)) {
        Some(user) => HttpResponse::Ok().json(json!({
            "sub": user.subject(),
            "email": user.email,
            "email_verified": true,
            "name": user.name,
        })),
        None => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
            .finish(),
    }
}
