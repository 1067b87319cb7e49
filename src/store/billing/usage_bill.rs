//! What the Usage page reads: an organization's totals of a month (kept up
//! to date by ingestion, so no page sums raw records), a keyset page of its
//! projects with their totals, the projects that left it, the personal
//! projects of the members it bills, and one project's usage by day.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use time::Date;

use crate::db::schema::{project_owners, projects, usage_monthly, usage_org_monthly, usage_records};
use crate::db::AnyConnection;
use crate::domain::usage::next_month;

/// One project's line on the bill: its totals per metric for the month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectLine {
    pub id: String,
    pub name: String,
    /// The billed member whose personal project it is ("" otherwise).
    pub via_user_id: String,
    pub quantities: BTreeMap<String, i64>,
}

/// The months the organization has usage in, the latest first.
pub fn months(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<Date>> {
    usage_org_monthly::table
        .filter(usage_org_monthly::org_id.eq(org_id))
        .select(usage_org_monthly::month)
        .distinct()
        .order(usage_org_monthly::month.desc())
        .load(conn)
}

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

/// Fills in the month's totals the organization paid for these projects.
fn with_quantities(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
    mut lines: Vec<ProjectLine>,
) -> QueryResult<Vec<ProjectLine>> {
    // Most months no project left the organization: no statement for them.
    if lines.is_empty() {
        return Ok(lines);
    }
    let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
    // The payer is checked here, not in SQL: with it there, SQLite prefers
    // the payer index and reads every project's row of the month.
    let rows: Vec<(String, String, String, String, i64)> = usage_monthly::table
        .filter(usage_monthly::project_id.eq_any(ids))
        .filter(usage_monthly::month.eq(month))
        .select((
            usage_monthly::project_id,
            usage_monthly::payer_org_id,
            usage_monthly::via_user_id,
            usage_monthly::metric,
            usage_monthly::quantity,
        ))
        .load(conn)?;
    let at: HashMap<(&str, &str), usize> =
        lines.iter().enumerate().map(|(i, l)| ((l.id.as_str(), l.via_user_id.as_str()), i)).collect();
    let mut found: Vec<(usize, String, i64)> = Vec::with_capacity(rows.len());
    for (project_id, _, via, metric, quantity) in rows.into_iter().filter(|r| r.1 == org_id) {
        if let Some(&i) = at.get(&(project_id.as_str(), via.as_str())) {
            found.push((i, metric, quantity));
        }
    }
    for (i, metric, quantity) in found {
        *lines[i].quantities.entry(metric).or_default() += quantity;
    }
    Ok(lines)
}

/// A page of the organization's projects by name (after the cursor's
/// (name, id)), each with what it used in the month.
pub fn projects_page(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
    after: Option<&(String, String)>,
    limit: i64,
) -> QueryResult<Vec<ProjectLine>> {
    // One statement: the page's projects (a keyset subquery; the first page
    // starts after ("", ""), as no project has an empty name) joined to their
    // rows of the month. The payer is checked here, as in `with_quantities`.
    let (name, id) = after.map_or(("", ""), |(name, id)| (name.as_str(), id.as_str()));
    let keyset = diesel::alias!(projects as page_projects);
    let (page_name, page_id) = (keyset.field(projects::name), keyset.field(projects::id));
    let page = keyset
        .filter(keyset.field(projects::org_id).eq(org_id))
        .filter(page_name.gt(name).or(page_name.eq(name).and(page_id.gt(id))))
        .order((page_name.asc(), page_id.asc()))
        .limit(limit)
        .select(page_id);
    type Row = (String, String, Option<String>, Option<String>, Option<String>, Option<i64>);
    let rows: Vec<Row> = projects::table
        .left_join(
            usage_monthly::table.on(usage_monthly::project_id.eq(projects::id).and(usage_monthly::month.eq(month))),
        )
        .filter(projects::id.eq_any(page))
        .order((projects::name.asc(), projects::id.asc()))
        .select((
            projects::id,
            projects::name,
            usage_monthly::payer_org_id.nullable(),
            usage_monthly::via_user_id.nullable(),
            usage_monthly::metric.nullable(),
            usage_monthly::quantity.nullable(),
        ))
        .load(conn)?;
    let mut lines: Vec<ProjectLine> = Vec::new();
    for (id, name, payer, via, metric, quantity) in rows {
        if lines.last().is_none_or(|l| l.id != id) {
            lines.push(ProjectLine { id, name, ..ProjectLine::default() });
        }
        let line = lines.last_mut().expect("just pushed");
        if let (Some(payer), Some(""), Some(metric), Some(quantity)) = (payer, via.as_deref(), metric, quantity) {
            if payer == org_id {
                *line.quantities.entry(metric).or_default() += quantity;
            }
        }
    }
    Ok(lines)
}

/// Projects the organization owned and paid for in the month that belong
/// to someone else now (moved out by a transfer in that month or later).
pub fn moved_out(conn: &mut AnyConnection, org_id: &str, month: Date) -> QueryResult<Vec<ProjectLine>> {
    let left = project_owners::table
        .filter(project_owners::org_id.eq(org_id))
        .filter(project_owners::until.ge(month.midnight()))
        .select(project_owners::project_id);
    let rows: Vec<(String, String)> = projects::table
        .filter(projects::id.eq_any(left))
        .filter(projects::org_id.is_null().or(projects::org_id.ne(org_id)))
        .order((projects::name.asc(), projects::id.asc()))
        .select((projects::id, projects::name))
        .load(conn)?;
    let lines = rows.into_iter().map(|(id, name)| ProjectLine { id, name, ..ProjectLine::default() }).collect();
    Ok(with_quantities(conn, org_id, month, lines)?.into_iter().filter(|l| !l.quantities.is_empty()).collect())
}

/// Billed members' personal projects the organization paid for in the month.
pub fn billed_projects(conn: &mut AnyConnection, org_id: &str, month: Date) -> QueryResult<Vec<ProjectLine>> {
    let rows: Vec<(String, String, String, String, i64)> = usage_monthly::table
        .inner_join(projects::table)
        .filter(usage_monthly::payer_org_id.eq(org_id))
        .filter(usage_monthly::month.eq(month))
        // `> ""` (not `<> ""`) so that the index range starts past the organization's own rows.
        .filter(usage_monthly::via_user_id.gt(""))
        .order((projects::name.asc(), projects::id.asc()))
        .select((
            projects::id,
            projects::name,
            usage_monthly::via_user_id,
            usage_monthly::metric,
            usage_monthly::quantity,
        ))
        .load(conn)?;
    let mut lines: Vec<ProjectLine> = Vec::new();
    for (id, name, via_user_id, metric, quantity) in rows {
        let line = match lines.iter_mut().position(|l| l.id == id && l.via_user_id == via_user_id) {
            Some(i) => &mut lines[i],
            None => {
                lines.push(ProjectLine { id, name, via_user_id, ..ProjectLine::default() });
                lines.last_mut().expect("just pushed")
            }
        };
        *line.quantities.entry(metric).or_default() += quantity;
    }
    Ok(lines)
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
