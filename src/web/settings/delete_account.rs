//! Settings -> Delete account: what will happen, a typed confirmation, and a
//! clear refusal while the person is the primary owner of an organization.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::store::accounts::{self, DeleteAccountError};
use crate::web::extract::{flash, CurrentUser};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

pub struct OrgLink {
    pub name: String,
    pub slug: String,
}

#[derive(Template)]
#[template(path = "settings/delete_account.html")]
struct DeletePage {
    layout: Layout,
    email: String,
    /// Organizations the person is the primary owner of: deleting is refused.
    owned: Vec<OrgLink>,
    /// Organizations the person will leave.
    leaving: Vec<OrgLink>,
    typed: String,
    error: Option<String>,
}

async fn page(
    current: &CurrentUser,
    state: &AppState,
    typed: String,
    error: Option<String>,
) -> Result<DeletePage, AppError> {
    let user_id = current.user.id.clone();
    let rows =
        db::run(&state.pool, move |conn| accounts::memberships_of(conn, &user_id).map_err(AppError::from)).await?;
    let (owned, leaving): (Vec<_>, Vec<_>) = rows.into_iter().partition(|m| m.is_owner(&current.user.id));
    let link = |m: accounts::Membership| OrgLink { name: m.name, slug: m.slug };
    Ok(DeletePage {
        layout: super::layout(current, "Delete account", "delete"),
        email: current.user.email.clone(),
        owned: owned.into_iter().map(link).collect(),
        leaving: leaving.into_iter().map(link).collect(),
        typed,
        error,
    })
}

#[get("/settings/delete")]
pub async fn confirm(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_with(StatusCode::OK, &page(&current, &state, String::new(), None).await?)
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm_email: String,
}

impl FormFields for DeleteForm {
    const TYPED: &'static [&'static str] = &["confirm_email"];
}

#[post("/settings/delete")]
pub async fn delete(
    req: HttpRequest,
    current: CurrentUser,
    form: Form<DeleteForm>,
    identity: Option<Identity>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let typed = form.into_inner().confirm_email;
    if !typed.trim().eq_ignore_ascii_case(&current.user.email) {
        let message = format!("Type your email address, {}, exactly to delete your account.", current.user.email);
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&current, &state, typed, Some(message)).await?);
    }
    let (actor, catalog) = (current.actor(&req, &state), state.catalog.clone());
    let result =
        db::run(&state.pool, move |conn| Ok::<_, AppError>(accounts::delete_account(conn, &catalog, &actor))).await?;
    let refusal = match result {
        Ok(()) => {
            tracing::info!(user_id = %current.user.id, "account deleted");
            if let Some(identity) = identity {
                identity.logout();
            }
            session.purge();
            flash(&session, "Your account was deleted.");
            return Ok(see_other("/"));
        }
        Err(DeleteAccountError::OwnsOrganizations(_)) => {
            "You are the primary owner of the organizations listed above. Transfer ownership or delete them first."
                .to_string()
        }
        Err(DeleteAccountError::Rule(org, rule)) => format!("{org}: {rule}"),
        Err(DeleteAccountError::Db(e)) => return Err(e.into()),
    };
    render_with(StatusCode::CONFLICT, &page(&current, &state, typed, Some(refusal)).await?)
}
