//! Settings -> Profile: the account as the sign-in provider describes it.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::store::accounts;
use crate::web::extract::CurrentUser;
use crate::web::layout::{render, Layout};
use crate::web::{format, AppState};

pub struct IdentityItem {
    pub provider: String,
    pub email: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "settings/profile.html")]
struct ProfilePage {
    layout: Layout,
    name: String,
    email: String,
    email_verified: bool,
    created_on: String,
    last_sign_in: String,
    identities: Vec<IdentityItem>,
}

/// What a provider key is called on the page.
pub fn provider_label(key: &str) -> String {
    match key {
        "dev" => "Development sign-in".into(),
        "oidc" => "OpenID Connect".into(),
        "github" => "GitHub".into(),
        "google" => "Google".into(),
        other => other.to_string(),
    }
}

#[get("/settings")]
pub async fn profile(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user_id = current.user.id.clone();
    let rows =
        db::run(&state.pool, move |conn| accounts::identities_of(conn, &user_id).map_err(AppError::from)).await?;
    let user = &current.user;
    render(&ProfilePage {
        layout: super::layout(&current, "Profile", "profile"),
        name: user.name.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified,
        created_on: format::long_date(user.created_at),
        last_sign_in: format::date_time(user.last_sign_in_at),
        identities: rows
            .into_iter()
            .map(|r| IdentityItem {
                provider: provider_label(&r.provider),
                email: r.email,
                since: format::date(r.created_at),
            })
            .collect(),
    })
}
