//! Billing → Usage (`billing.view`): for a chosen month, what the
//! organization pays for: totals per metric for its projects and for each
//! billed member's personal space, a keyset page of its projects, the
//! projects that moved out and the billed members' personal projects.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use time::Date;

use crate::db::AnyConnection;
use crate::domain::usage::{month_key, month_of, parse_month};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::billing::usage::DELETED;
use crate::store::billing::usage_page::{self, BilledSpan, MonthBill, ProjectLine};
use crate::web::layout::{render, Layout};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{format, AppState};

pub const PROJECTS_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct UsageQuery {
    month: Option<String>,
    after: Option<String>,
}

impl UsageQuery {
    /// The chosen month (the current one when none is); 404 for a malformed one.
    pub fn month(&self, today: Date) -> Result<Date, AppError> {
        match self.month.as_deref().filter(|m| !m.is_empty()) {
            None => Ok(month_of(today)),
            Some(m) => parse_month(m).ok_or(AppError::NotFound),
        }
    }

    pub fn after(&self) -> Option<(String, String)> {
        self.after.as_deref().and_then(format::parse_name_token)
    }
}

/// One row of a table of quantities: a label, where it leads, a cell per metric.
pub struct Row {
    pub label: String,
    pub note: String,
    pub href: Option<String>,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "billing_usage.html")]
pub struct UsagePage {
    pub layout: Layout,
    pub org_name: String,
    /// Where this organization's billing pages are (member's or staff's).
    pub base: String,
    pub staff: bool,
    pub month_label: String,
    pub month_key: String,
    /// (key, label, selected)
    pub months: Vec<(String, String, bool)>,
    pub metrics: Vec<String>,
    pub summary: Vec<Row>,
    pub total: Vec<String>,
    pub projects: Vec<Row>,
    pub pager: Pager,
    pub moved: Vec<Row>,
    pub personal: Vec<Row>,
}

/// What the page reads, in one statement.
pub type Loaded = MonthBill;

pub fn load(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
    after: Option<&(String, String)>,
) -> Result<Loaded, AppError> {
    Ok(usage_page::read(conn, org_id, month, after, PROJECTS_PAGE + 1)?)
}

/// The metrics named in `names`, each once, in order: a table's columns.
pub fn metric_columns<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut metrics: Vec<String> = names.cloned().collect();
    metrics.sort();
    metrics.dedup();
    metrics
}

/// A row's cells, one per metric column ("—" where nothing was used).
pub fn cells(metrics: &[String], quantities: impl Fn(&str) -> Option<i64>) -> Vec<String> {
    metrics.iter().map(|m| quantities(m).map_or_else(|| "—".to_string(), format::count)).collect()
}

/// "since 3 Nov 2026" or "3 Nov 2026 – 10 Nov 2026" for each period.
fn periods_of(billed: &[BilledSpan], user_id: &str) -> String {
    let periods: Vec<String> = billed
        .iter()
        .filter(|b| b.user_id == user_id)
        .map(|b| match b.until {
            None => format!("billed since {}", format::date(b.since)),
            Some(until) => format!("billed {} – {}", format::date(b.since), format::date(until)),
        })
        .collect();
    periods.join("; ")
}

fn member_label(billed: &[BilledSpan], user_id: &str) -> String {
    billed.iter().find(|b| b.user_id == user_id).map_or_else(|| "Deleted account".to_string(), |b| b.name.clone())
}

pub struct Where<'a> {
    pub layout: Layout,
    pub org_name: &'a str,
    pub base: String,
    pub staff: bool,
    pub today: Date,
}

pub fn page(at: Where<'_>, month: Date, past_first: bool, mut loaded: Loaded) -> UsagePage {
    let metrics = metric_columns(loaded.totals.iter().map(|(_, m, _)| m));
    let sum = |space: Option<&str>, metric: &str| -> Option<i64> {
        let rows = loaded.totals.iter().filter(|(s, m, _)| m == metric && space.is_none_or(|sp| sp == s));
        rows.map(|(_, _, q)| *q).reduce(|a, b| a + b)
    };
    let mut summary = vec![Row {
        label: format!("{}'s projects", at.org_name),
        note: String::new(),
        href: None,
        cells: cells(&metrics, |m| sum(Some(""), m)),
    }];
    // Everyone billed in the month (by name), then spaces with usage whose period is gone.
    let billed = loaded.billed.iter().map(|b| b.user_id.as_str());
    let with_usage = loaded.totals.iter().map(|(s, _, _)| s.as_str()).filter(|s| !s.is_empty() && *s != DELETED);
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for user_id in billed.chain(with_usage).filter(|u| seen.insert(u)) {
        summary.push(Row {
            label: format!("{}'s personal space", member_label(&loaded.billed, user_id)),
            note: periods_of(&loaded.billed, user_id),
            href: None,
            cells: cells(&metrics, |m| sum(Some(user_id), m)),
        });
    }
    if loaded.totals.iter().any(|(s, _, _)| s == DELETED) {
        summary.push(Row {
            label: "Deleted projects".into(),
            note: "deleted after their usage was reported".into(),
            href: None,
            cells: cells(&metrics, |m| sum(Some(DELETED), m)),
        });
    }
    let total = cells(&metrics, |m| sum(None, m));
    let key = month_key(month);
    let usage_base = format!("{}/usage", at.base);
    let line = |l: &ProjectLine, note: String| Row {
        label: l.name.clone(),
        note,
        href: Some(format!("{usage_base}/projects/{}?month={key}", l.id)),
        cells: cells(&metrics, |m| l.quantities.get(m).copied()),
    };
    let next_href = cut_to_page(&mut loaded.projects, PROJECTS_PAGE).map(|last| {
        let query = [("month", key.as_str()), ("after", &format::name_token(&last.name, &last.id))];
        format!("{usage_base}?{}", serde_urlencoded::to_string(query).unwrap_or_default())
    });
    let mut months: Vec<Date> = loaded.months.clone();
    months.extend([month_of(at.today), month]);
    months.sort_by(|a, b| b.cmp(a));
    months.dedup();
    UsagePage {
        projects: loaded.projects.iter().map(|l| line(l, String::new())).collect(),
        moved: loaded.moved.iter().map(|l| line(l, String::new())).collect(),
        personal: loaded
            .personal
            .iter()
            .map(|l| line(l, format!("{}'s personal space", member_label(&loaded.billed, &l.via_user_id))))
            .collect(),
        pager: Pager::new(format!("{usage_base}?month={key}"), past_first, next_href, "Next page"),
        months: months.into_iter().map(|m| (month_key(m), format::month(m), m == month)).collect(),
        month_label: format::month(month),
        month_key: key,
        layout: at.layout,
        org_name: at.org_name.to_string(),
        base: at.base,
        staff: at.staff,
        metrics,
        summary,
        total,
    }
}

#[get("/billing/usage")]
pub async fn show(
    org_page: SignedInPage,
    query: web::Query<UsageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.now().date();
    let month = query.month(today)?;
    let after = query.after();
    let past_first = after.is_some();
    let (member, loaded) = org_page
        .load(Permission::BillingView, move |conn, view| load(conn, &view.org.id, month, after.as_ref()))
        .await?;
    let at = Where {
        layout: member.layout("Usage", "billing"),
        org_name: &member.view.org.name,
        base: format!("/orgs/{}/billing", member.view.org.slug),
        staff: false,
        today,
    };
    render(&page(at, month, past_first, loaded))
}
