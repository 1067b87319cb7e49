//! The staff's read-only copy of an organization's enterprise identity
//! settings: its domains with their state and join policy, and its own
//! identity provider (never its secret). Each view is recorded in the
//! organization's activity log, as every staff view is.

use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;

use super::org_views::viewed;
use crate::error::AppError;
use crate::store::domains::{claims, sso};
use crate::web::domains::{item, DomainItem};
use crate::web::extract::StaffOrg;
use crate::web::layout::{render, Layout};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "staff_domains.html")]
struct DomainsPage {
    layout: Layout,
    domains: Vec<DomainItem>,
    /// (issuer, client id, covered domains, on, tested), when set up.
    sso: Option<(String, String, String, bool, bool)>,
}

#[get("/domains")]
pub async fn domains(org: StaffOrg, req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (rows, connection) = viewed(
        &org,
        &req,
        &state,
        |_| "domains".into(),
        |conn, org_id| Ok((claims::list(conn, org_id)?, sso::get(conn, org_id)?)),
    )
    .await?;
    let sso = connection
        .map(|c| (c.issuer.clone(), c.client_id.clone(), c.covered().join(", "), c.enabled, c.tested_at.is_some()));
    render(&DomainsPage {
        layout: org.layout("Staff: domains", "domains"),
        domains: rows.into_iter().map(item).collect(),
        sso,
    })
}
