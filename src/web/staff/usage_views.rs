//! Support staff's read-only views of an organization's usage (its Usage
//! page and one project's days), each recorded in its activity log.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::org_views::viewed;
use crate::error::AppError;
use crate::store::projects::Project;
use crate::web::billing::usage::{self as usage_page, UsageQuery, Where};
use crate::web::billing::usage_day;
use crate::web::extract::StaffOrg;
use crate::web::layout::render;
use crate::web::AppState;

#[get("/billing/usage")]
pub async fn usage(
    org: StaffOrg,
    req: HttpRequest,
    query: web::Query<UsageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    let month = query.month(today)?;
    let after = query.after();
    let past_first = after.is_some();
    let page_name = format!("usage {}", crate::domain::usage::month_key(month));
    let loaded = viewed(
        &org,
        &req,
        &state,
        move |_| page_name,
        move |conn, org_id| usage_page::load(conn, org_id, month, after.as_ref()),
    )
    .await?;
    let at = Where {
        layout: org.layout("Staff: usage", "billing"),
        org_name: &org.org.name,
        base: format!("/staff/orgs/{}/billing", org.org.slug),
        staff: true,
        today,
    };
    render(&usage_page::page(at, month, past_first, loaded))
}

#[get("/billing/usage/projects/{project_id}")]
pub async fn project_usage(
    org: StaffOrg,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<UsageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    let month = query.month(today)?;
    let project_id = path.into_inner().1;
    let loaded = viewed(
        &org,
        &req,
        &state,
        |(project, _): &(Project, _)| format!("usage of {}", project.name),
        move |conn, org_id| usage_day::load(conn, org_id, &project_id, month),
    )
    .await?;
    let title = format!("Staff: usage of {}", loaded.0.name);
    let base = format!("/staff/orgs/{}/billing", org.org.slug);
    let names = (org.org.id.as_str(), org.org.name.as_str());
    render(&usage_day::page(org.layout(&title, "billing"), names, &base, true, month, today, loaded))
}
