//! An organization's bill of usage: its totals of a month (kept up to date
//! by ingestion, so no page sums raw records), whether it pays for a
//! project, a project's usage by day, and the month's lines for the CSV.
//! The Usage page's own statement is in `usage_page`.

use diesel::prelude::*;
use time::Date;

use crate::db::schema::{projects, usage_monthly, usage_org_monthly, usage_records};
use crate::db::AnyConnection;
use crate::domain::usage::next_month;

/// The month's totals: (space, metric, quantity); space '' is the
/// organization's own projects, a user id a billed member's personal space.
pub fn totals(conn: &mut AnyConnection, org_id: &str, month: Date) -> QueryResult<Vec<(String, String, i64)>> {
    usage_org_monthly::table
        .filter(usage_org_monthly::org_id.eq(org_id))
        .filter(usage_org_monthly::month.eq(month))
        .order((usage_org_monthly::space.asc(), usage_org_monthly::metric.asc()))
        .select((usage_org_monthly::space, usage_org_monthly::metric, usage_org_monthly::quantity))
        .load(conn)
}

/// Whether the organization pays, or ever paid, for some of the project's usage.
pub fn billed_to(conn: &mut AnyConnection, org_id: &str, project_id: &str) -> QueryResult<bool> {
    let found: Option<String> = usage_monthly::table
        .filter(usage_monthly::project_id.eq(project_id))
        .filter(usage_monthly::payer_org_id.eq(org_id))
        .select(usage_monthly::metric)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The project's usage in the month by day and metric, only the days the
/// organization paid for: (day, metric, quantity), in day order.
pub fn by_day(
    conn: &mut AnyConnection,
    org_id: &str,
    project_id: &str,
    month: Date,
) -> QueryResult<Vec<(Date, String, i64)>> {
    let payers = crate::store::billing::usage::payers(conn, project_id)?;
    let rows: Vec<(Date, String, i64)> = usage_records::table
        .filter(usage_records::project_id.eq(project_id))
        .filter(usage_records::day.ge(month))
        .filter(usage_records::day.lt(next_month(month)))
        .order((usage_records::day.asc(), usage_records::metric.asc()))
        .select((usage_records::day, usage_records::metric, usage_records::quantity))
        .load(conn)?;
    let mut out: Vec<(Date, String, i64)> = Vec::new();
    for (day, metric, quantity) in rows.into_iter().filter(|(day, _, _)| payers.of(*day).org_id == org_id) {
        match out.last_mut() {
            Some((d, m, q)) if *d == day && *m == metric => *q += quantity,
            _ => out.push((day, metric, quantity)),
        }
    }
    Ok(out)
}

/// Every line of the month's bill for the CSV: (project name, billed
/// member's id or "", metric, quantity), by project name.
pub fn month_lines(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
) -> QueryResult<Vec<(String, String, String, i64)>> {
    usage_monthly::table
        .inner_join(projects::table)
        .filter(usage_monthly::payer_org_id.eq(org_id))
        .filter(usage_monthly::month.eq(month))
        .order((
            projects::name.asc(),
            projects::id.asc(),
            usage_monthly::via_user_id.asc(),
            usage_monthly::metric.asc(),
        ))
        .select((projects::name, usage_monthly::via_user_id, usage_monthly::metric, usage_monthly::quantity))
        .load(conn)
}
