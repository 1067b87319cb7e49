//! One project's usage by day in a month, the days the organization paid
//! for (`billing.view`): opened from the Usage page.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use time::Date;

use super::usage::{cells, metric_columns, Row, UsageQuery};
use crate::db::{self, AnyConnection};
use crate::domain::usage::{month_key, next_month};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::billing::usage_bill;
use crate::store::projects::{self, Project};
use crate::web::extract::OrgMember;
use crate::web::layout::{render, Layout};
use crate::web::{format, AppState};

#[derive(Template)]
#[template(path = "billing_usage_project.html")]
pub struct DayPage {
    pub layout: Layout,
    pub usage_href: String,
    pub staff: bool,
    pub project: String,
    pub elsewhere: bool,
    pub org_name: String,
    pub month_label: String,
    pub previous_href: String,
    pub next_href: Option<String>,
    pub metrics: Vec<String>,
    pub days: Vec<Row>,
    pub total: Vec<String>,
}

/// A project and its usage by day: (day, metric, quantity).
pub type Days = (Project, Vec<(Date, String, i64)>);

/// The project and its days, if the organization owns it or paid for it at
/// some time (404 otherwise: no other organization's project is shown).
pub fn load(conn: &mut AnyConnection, org_id: &str, project_id: &str, month: Date) -> Result<Days, AppError> {
    let project = projects::find_by_id(conn, project_id)?.ok_or(AppError::NotFound)?;
    if project.org_id.as_deref() != Some(org_id) && !usage_bill::billed_to(conn, org_id, project_id)? {
        return Err(AppError::NotFound);
    }
    let days = usage_bill::by_day(conn, org_id, project_id, month)?;
    Ok((project, days))
}

pub fn page(
    layout: Layout,
    org: (&str, &str),
    base: &str,
    staff: bool,
    month: Date,
    today: Date,
    (project, days): Days,
) -> DayPage {
    let (org_id, org_name) = org;
    let metrics = metric_columns(days.iter().map(|(_, m, _)| m));
    let quantity = |day: Option<Date>, metric: &str| {
        let rows = days.iter().filter(|(d, m, _)| m == metric && day.is_none_or(|day| *d == day));
        rows.map(|(_, _, q)| *q).reduce(|a, b| a + b)
    };
    let mut dates: Vec<Date> = days.iter().map(|(d, _, _)| *d).collect();
    dates.dedup();
    let cells = |day: Option<Date>| cells(&metrics, |m| quantity(day, m));
    let href = |m: Date| format!("{base}/usage/projects/{}?month={}", project.id, month_key(m));
    let previous = (month - time::Duration::days(1)).replace_day(1).unwrap_or(month);
    let next = next_month(month);
    DayPage {
        usage_href: format!("{base}/usage?month={}", month_key(month)),
        staff,
        elsewhere: project.org_id.as_deref() != Some(org_id),
        org_name: org_name.to_string(),
        month_label: format::month(month),
        previous_href: href(previous),
        next_href: (next <= today).then(|| href(next)),
        days: dates
            .iter()
            .map(|d| Row { label: format::day(*d), note: String::new(), href: None, cells: cells(Some(*d)) })
            .collect(),
        total: cells(None),
        metrics,
        project: project.name,
        layout,
    }
}

#[get("/billing/usage/projects/{project_id}")]
pub async fn show(
    member: OrgMember,
    path: web::Path<(String, String)>,
    query: web::Query<UsageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingView)?;
    let today = state.clock.now().date();
    let month = query.month(today)?;
    let (org_id, project_id) = (member.org_id().to_string(), path.into_inner().1);
    let read = org_id.clone();
    let loaded = db::run(&state.pool, move |conn| load(conn, &read, &project_id, month)).await?;
    let title = format!("Usage of {}", loaded.0.name);
    let base = format!("/orgs/{}/billing", member.view.org.slug);
    let org = (org_id.as_str(), member.view.org.name.as_str());
    render(&page(member.layout(&title, "billing"), org, &base, false, month, today, loaded))
}
