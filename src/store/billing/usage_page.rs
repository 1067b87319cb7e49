//! What the Usage page reads for a month, in one statement (issue 33: it
//! was six, each a trip to PostgreSQL): the months the organization has
//! usage in, the month's totals, a keyset page of its projects with their
//! totals, the projects that moved out, the billed members' personal
//! projects and the members billed in the month.
//!
//! Each part is one member of a UNION ALL whose rows share one shape, told
//! apart by their first column ([`Part`]); columns a part has no use for are
//! NULL, cast to the column's type. The rows are sorted by part, name and
//! id (names as the database compares them, as everywhere else), so each
//! part's rows arrive in the order shown.

use std::collections::BTreeMap;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::positional_order_dsl::PositionalOrderDsl;
use diesel::sql_types::{BigInt, Bool, Date as SqlDate, Integer, Nullable, Text, Timestamp};
use time::{Date, PrimitiveDateTime};

use crate::db::schema::{billed_members, project_owners, projects, usage_monthly, usage_org_monthly, users};
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

/// A member billed in the month: whose personal space a line is, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledSpan {
    pub user_id: String,
    pub name: String,
    pub since: PrimitiveDateTime,
    pub until: Option<PrimitiveDateTime>,
}

/// Everything the Usage page shows for a month.
#[derive(Debug, Default)]
pub struct MonthBill {
    /// The months with usage, the latest first.
    pub months: Vec<Date>,
    /// (space, metric, quantity): space '' is the organization's own
    /// projects, a user id a billed member's personal space.
    pub totals: Vec<(String, String, i64)>,
    /// The page of projects, one more than asked when there is a next page.
    pub projects: Vec<ProjectLine>,
    /// Projects paid for in the month that belong to someone else now (first page only).
    pub moved: Vec<ProjectLine>,
    /// Billed members' personal projects paid for in the month (first page only).
    pub personal: Vec<ProjectLine>,
    /// By name, then by period.
    pub billed: Vec<BilledSpan>,
}

/// Which part of the statement a row belongs to (the first column).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i32)]
enum Part {
    Month = 0,
    Total = 1,
    Project = 2,
    Moved = 3,
    Personal = 4,
    Billed = 5,
}

impl Part {
    fn of(n: i32) -> Option<Part> {
        [Part::Month, Part::Total, Part::Project, Part::Moved, Part::Personal, Part::Billed]
            .into_iter()
            .find(|p| *p as i32 == n)
    }
}

/// A constant column of the statement, its SQL fixed by its type. diesel's
/// `sql` literal would be shorter, but a statement holding one is never
/// cached: it was prepared again on every request (2.4x the CPU time of
/// the six statements it replaced).
macro_rules! constant {
    ($name:ident, $sql_type:ty, $text:literal) => {
        #[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
        struct $name;
        impl Expression for $name {
            type SqlType = $sql_type;
        }
        impl<DB: Backend> QueryFragment<DB> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                out.push_sql($text);
                Ok(())
            }
        }
        impl<QS> AppearsOnTable<QS> for $name {}
        impl<QS> SelectableExpression<QS> for $name {}
    };
}

// The parts' numbers (as in `Part`) and the typed NULLs that fill the
// columns a part has no use for (PostgreSQL would read a bare NULL in the
// DISTINCT part as text).
constant!(Part0, Integer, "0");
constant!(Part1, Integer, "1");
constant!(Part2, Integer, "2");
constant!(Part3, Integer, "3");
constant!(Part4, Integer, "4");
constant!(Part5, Integer, "5");
constant!(Empty, Text, "''");
constant!(NoText, Nullable<Text>, "CAST(NULL AS TEXT)");
constant!(NoCount, Nullable<BigInt>, "CAST(NULL AS BIGINT)");
constant!(NoDate, Nullable<SqlDate>, "CAST(NULL AS DATE)");
constant!(NoTime, Nullable<Timestamp>, "CAST(NULL AS TIMESTAMP)");
// Each has its SQL in its type, so the statement's prepared copy is found again.
const _: () = assert!(<(Part0, Empty, NoText, NoCount, NoDate, NoTime) as QueryId>::HAS_STATIC_QUERY_ID);

/// (part, id, name, via, metric, quantity, payer, month, since, until)
type Row = (
    i32,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<Date>,
    Option<PrimitiveDateTime>,
    Option<PrimitiveDateTime>,
);

/// The month's bill: `after` is the projects page's cursor (name, id),
/// `limit` how many projects to read.
pub fn read(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
    after: Option<&(String, String)>,
    limit: i64,
) -> QueryResult<MonthBill> {
    let first = after.is_none();
    // The first page starts after ("", ""): no project has an empty name.
    let (after_name, after_id) = after.map_or(("", ""), |(name, id)| (name.as_str(), id.as_str()));
    let (start, end) = (month.midnight(), next_month(month).midnight());
    let months = usage_org_monthly::table
        .filter(usage_org_monthly::org_id.eq(org_id))
        .select((
            Part0,
            Empty,
            Empty,
            NoText,
            NoText,
            NoCount,
            NoText,
            usage_org_monthly::month.nullable(),
            NoTime,
            NoTime,
        ))
        .distinct();
    let totals = usage_org_monthly::table
        .filter(usage_org_monthly::org_id.eq(org_id))
        .filter(usage_org_monthly::month.eq(month))
        .select((
            Part1,
            Empty,
            Empty,
            usage_org_monthly::space.nullable(),
            usage_org_monthly::metric.nullable(),
            usage_org_monthly::quantity.nullable(),
            NoText,
            NoDate,
            NoTime,
            NoTime,
        ));
    // The page's projects: a keyset subquery on an alias of projects,
    // joined to their rows of the month. Payers are checked in `lines_of`:
    // with the payer in SQL, SQLite prefers the payer index and reads
    // every project's row of the month.
    let keyset = diesel::alias!(projects as page_projects);
    let (page_name, page_id) = (keyset.field(projects::name), keyset.field(projects::id));
    let page = keyset
        .filter(keyset.field(projects::org_id).eq(org_id))
        .filter(page_name.gt(after_name).or(page_name.eq(after_name).and(page_id.gt(after_id))))
        .order((page_name.asc(), page_id.asc()))
        .limit(limit)
        .select(page_id);
    let of_month = || usage_monthly::project_id.eq(projects::id).and(usage_monthly::month.eq(month));
    macro_rules! project_columns {
        ($part:expr) => {
            (
                $part,
                projects::id,
                projects::name,
                usage_monthly::via_user_id.nullable(),
                usage_monthly::metric.nullable(),
                usage_monthly::quantity.nullable(),
                usage_monthly::payer_org_id.nullable(),
                NoDate,
                NoTime,
                NoTime,
            )
        };
    }
    let projects_page = projects::table
        .left_join(usage_monthly::table.on(of_month()))
        .filter(projects::id.eq_any(page))
        .select(project_columns!(Part2));
    // Owned by the organization in the month or later, and not now.
    let left = project_owners::table
        .filter(project_owners::org_id.eq(org_id))
        .filter(project_owners::until.ge(start))
        .select(project_owners::project_id);
    let moved = projects::table
        .left_join(usage_monthly::table.on(of_month()))
        .filter(first.into_sql::<Bool>())
        .filter(projects::id.eq_any(left))
        .filter(projects::org_id.is_null().or(projects::org_id.ne(org_id)))
        .select(project_columns!(Part3));
    let personal = usage_monthly::table
        .inner_join(projects::table)
        .filter(first.into_sql::<Bool>())
        .filter(usage_monthly::payer_org_id.eq(org_id))
        .filter(usage_monthly::month.eq(month))
        // `> ""` (not `<> ""`) so that the index range starts past the organization's own rows.
        .filter(usage_monthly::via_user_id.gt(""))
        .select(project_columns!(Part4));
    let billed = billed_members::table
        .inner_join(users::table)
        .filter(billed_members::org_id.eq(org_id))
        .filter(billed_members::since.lt(end))
        .filter(billed_members::until.is_null().or(billed_members::until.ge(start)))
        .select((
            Part5,
            users::id,
            users::name,
            NoText,
            NoText,
            NoCount,
            NoText,
            NoDate,
            billed_members::since.nullable(),
            billed_members::until,
        ));
    // part, name, id, via, metric, since
    let query =
        months.union_all(totals).union_all(projects_page).union_all(moved).union_all(personal).union_all(billed);
    let rows: Vec<Row> = match conn {
        // SQLite compares text byte by byte, as Rust does, and sorting here
        // costs less than its sorting each part before merging them (a
        // quarter of the page's time with 50 projects).
        AnyConnection::Sqlite(c) => {
            let mut rows: Vec<Row> = query.load(c)?;
            rows.sort_unstable_by(|a, b| (a.0, &a.2, &a.1, &a.3, &a.4, a.8).cmp(&(b.0, &b.2, &b.1, &b.3, &b.4, b.8)));
            rows
        }
        // PostgreSQL sorts names by the database's collation, as its other pages do.
        AnyConnection::Postgresql(c) => query.positional_order_by((1, 3, 2, 4, 5, 9)).load(c)?,
    };
    Ok(bill_of(org_id, rows))
}

/// Sorts the statement's rows into their parts.
fn bill_of(org_id: &str, rows: Vec<Row>) -> MonthBill {
    let mut bill = MonthBill::default();
    for (n, id, name, via, metric, quantity, payer, month, since, until) in rows {
        match Part::of(n) {
            Some(Part::Month) => bill.months.extend(month),
            Some(Part::Total) => {
                if let (Some(space), Some(metric), Some(quantity)) = (via, metric, quantity) {
                    bill.totals.push((space, metric, quantity));
                }
            }
            Some(part @ (Part::Project | Part::Moved | Part::Personal)) => {
                let lines = match part {
                    Part::Project => &mut bill.projects,
                    Part::Moved => &mut bill.moved,
                    _ => &mut bill.personal,
                };
                // The organization's own projects show only its own usage; a
                // personal project, the usage it paid for through that member.
                let via = via.unwrap_or_default();
                let line_via = if part == Part::Personal { via.clone() } else { String::new() };
                let counted = payer.as_deref() == Some(org_id) && via == line_via;
                let line = match lines.last_mut() {
                    Some(line) if line.id == id && line.via_user_id == line_via => line,
                    _ => {
                        lines.push(ProjectLine { id, name, via_user_id: line_via, quantities: BTreeMap::new() });
                        lines.last_mut().expect("just pushed")
                    }
                };
                if let (true, Some(metric), Some(quantity)) = (counted, metric, quantity) {
                    *line.quantities.entry(metric).or_default() += quantity;
                }
            }
            Some(Part::Billed) => {
                if let Some(since) = since {
                    bill.billed.push(BilledSpan { user_id: id, name, since, until });
                }
            }
            None => {}
        }
    }
    bill.months.sort_by(|a, b| b.cmp(a));
    // A project that moved out is listed only if the organization paid for some of its month.
    bill.moved.retain(|l| !l.quantities.is_empty());
    bill
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sqlite::Sqlite;

    #[test]
    fn each_part_s_constant_is_its_number() {
        let sql = |c: &dyn QueryFragment<Sqlite>| diesel::debug_query::<Sqlite, _>(&c).to_string();
        let numbers = [sql(&Part0), sql(&Part1), sql(&Part2), sql(&Part3), sql(&Part4), sql(&Part5)];
        let parts = [Part::Month, Part::Total, Part::Project, Part::Moved, Part::Personal, Part::Billed];
        for (text, part) in numbers.iter().zip(parts) {
            assert_eq!(text.split(" --").next(), Some((part as i32).to_string().as_str()));
            assert_eq!(Part::of(part as i32), Some(part));
        }
    }
}
