//! The landing page and the Getting Started checklist.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;

use super::extract::{anonymous_layout, CurrentUser};
use super::layout::{render, Layout};
use super::{see_other, AppState};
use crate::db;
use crate::domain::verified_domain::JoinPolicy;
use crate::error::AppError;
use crate::store::domains::joins::{self, Offer};
use crate::store::orgs::OrgSummary;

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    layout: Layout,
}

#[get("/")]
pub async fn landing(req: HttpRequest, signed_in: Option<CurrentUser>) -> Result<HttpResponse, AppError> {
    if signed_in.is_some() {
        return Ok(see_other("/getting-started"));
    }
    render(&Landing { layout: anonymous_layout(&req, "Welcome") })
}

#[derive(Template)]
#[template(path = "getting_started.html")]
struct GettingStarted {
    layout: Layout,
    name: String,
    email: String,
    orgs: Vec<OrgSummary>,
    single_org: bool,
    can_add: bool,
    /// Organizations that let the person join by their verified address.
    offers: Vec<Offer>,
}

#[get("/getting-started")]
pub async fn getting_started(current: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let can_add = state.org_limit.allows_another(current.orgs.len() as i64);
    let (user_id, email, verified) = (current.user.id.clone(), current.user.email.clone(), current.user.email_verified);
    let offers =
        db::run_read(&state.pool, move |conn| Ok::<_, AppError>(joins::offers(conn, &user_id, &email, verified)?))
            .await?;
    render(&GettingStarted {
        offers,
        layout: current.layout("Getting Started"),
        name: current.user.name.clone(),
        email: current.user.email.clone(),
        orgs: current.orgs.clone(),
        single_org: state.org_limit.is_single(),
        can_add,
    })
}
