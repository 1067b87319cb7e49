//! The staff area's lists: every organization with search, and the site-wide
//! activity log.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::store::staff::{self, OrgListRow};
use crate::web::extract::StaffUser;
use crate::web::format;
use crate::web::layout::{render, Layout};
use crate::web::orgs::activity::{export_log, render_log, ActivityQuery, Log};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::AppState;

const ORGS_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct OrgsQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

pub struct OrgItem {
    pub name: String,
    pub slug: String,
    pub members: i32,
    pub created: String,
    pub customer: String,
}

#[derive(Template)]
#[template(path = "staff_orgs.html")]
struct OrgsPage {
    layout: Layout,
    /// staff.provision: the New organization button.
    can_provision: bool,
    q: String,
    orgs: Vec<OrgItem>,
    pager: Pager,
}

#[get("/staff")]
pub async fn organizations(
    staff: StaffUser,
    query: web::Query<OrgsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let OrgsQuery { q, after } = query.into_inner();
    let (search, after_slug) = (q.clone(), after.clone());
    let mut rows: Vec<OrgListRow> = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        Ok(staff::organizations(conn, Some(&search), after_slug.as_deref(), ORGS_PAGE + 1)?)
    })
    .await?;
    let listed = |after: Option<&str>| {
        let mut pairs = vec![("q", q.as_str())];
        pairs.extend(after.map(|a| ("after", a)));
        format!("/staff?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let next_href = cut_to_page(&mut rows, ORGS_PAGE).map(|last| listed(Some(&last.slug)));
    let pager = Pager::new(listed(None), after.is_some(), next_href, "Next");
    let orgs = rows
        .into_iter()
        .map(|r| OrgItem {
            name: r.name,
            slug: r.slug,
            members: r.member_count,
            created: format::date(r.created_at),
            customer: r.customer.unwrap_or_default(),
        })
        .collect();
    let mut layout = staff.current.layout("Staff: organizations");
    layout.wide = true;
    render(&OrgsPage { layout, can_provision: staff.current.can_provision, q, orgs, pager })
}

const SITE_LOG: &str = "Changes that belong to no organization, newest first: deleted organizations, \
customer imports, support staff added or removed, sign-ins of people without an organization. Times are UTC.";

#[get("/staff/activity")]
pub async fn site_activity(
    staff: StaffUser,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let log = Log { org_id: None, base: "/staff/activity".into(), heading: "Site activity", intro: SITE_LOG };
    let mut layout = staff.current.layout("Staff: site activity");
    layout.wide = true;
    render_log(layout, log, query.into_inner(), &state).await
}

#[get("/staff/activity.csv")]
pub async fn site_activity_export(
    _staff: StaffUser,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export_log(None, "activity-site.csv".into(), &query, &state).await
}
