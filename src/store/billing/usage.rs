//! Usage records the platform reports for a project, and the monthly totals
//! kept up to date as they arrive, attributed to whoever owned the project
//! on the day of use (project_owners).

use std::collections::HashMap;

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::db::schema::{project_owners, usage_monthly, usage_org_monthly, usage_records};
use crate::db::AnyConnection;
use crate::domain::usage::{month_of, UsageRecord};
use crate::domain::usage_payer::{OwnerPeriod, Payer, Payers};
use crate::store::activity::{self, NewActivity};
use crate::store::new_id;

/// Records that `project_id` belongs to the organization or person from `since`.
pub fn record_owner(
    conn: &mut AnyConnection,
    project_id: &str,
    since: PrimitiveDateTime,
    org_id: Option<&str>,
    owner_user_id: Option<&str>,
) -> QueryResult<()> {
    // Two changes at the same instant: the later one is the owner from then.
    diesel::delete(project_owners::table.find((project_id, since))).execute(conn)?;
    diesel::update(
        project_owners::table.filter(project_owners::project_id.eq(project_id)).filter(project_owners::until.is_null()),
    )
    .set(project_owners::until.eq(since))
    .execute(conn)?;
    diesel::insert_into(project_owners::table)
        .values((
            project_owners::project_id.eq(project_id),
            project_owners::since.eq(since),
            project_owners::org_id.eq(org_id),
            project_owners::owner_user_id.eq(owner_user_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// What decides who paid on each day of this project's usage: its
/// ownership history and the billed periods of the people who owned it.
pub(crate) fn payers(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Payers> {
    let owners: Vec<OwnerPeriod> = project_owners::table
        .filter(project_owners::project_id.eq(project_id))
        .select((project_owners::since, project_owners::org_id, project_owners::owner_user_id))
        .load::<(PrimitiveDateTime, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(since, org_id, user_id)| OwnerPeriod { since: since.date(), org_id, user_id })
        .collect();
    let users = Payers::owner_users(&owners);
    let billed =
        if users.is_empty() { Vec::new() } else { crate::store::billing::billed_members::periods(conn, &users)? };
    Ok(Payers::new(owners, billed))
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub new: usize,
    pub repeats: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A record id already stored (or earlier in the request) with other values.
    #[error("record {0} was already reported with other values")]
    Conflict(String),
    /// A monthly total would leave the 64-bit range: nothing is stored.
    #[error("the total of {metric} for {month} would pass the largest number a total holds")]
    TotalTooLarge { month: String, metric: String },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// The project a request reports for: the owner of the day is looked up by
/// its id; the organization that owns it now gets the activity row.
#[derive(Debug, Clone, Copy)]
pub struct ReportedProject<'a> {
    pub id: &'a str,
    pub org_id: Option<&'a str>,
    pub name: &'a str,
}

type Stored = (String, String, i64, Date);

/// Stores the new records of one request and adds them to the monthly
/// totals, in one transaction: a conflict refuses the whole request.
/// One `usage.report` activity row per request that added something.
pub fn ingest(
    conn: &mut AnyConnection,
    project: ReportedProject<'_>,
    records: &[UsageRecord],
    ip: &str,
    now: PrimitiveDateTime,
) -> Result<IngestReport, IngestError> {
    crate::db::write_transaction(conn, |conn| {
        let payers = payers(conn, project.id)?;
        let mut known: HashMap<String, (String, i64, Date)> = HashMap::new();
        for chunk in records.chunks(500) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            let rows: Vec<Stored> = usage_records::table
                .filter(usage_records::project_id.eq(project.id))
                .filter(usage_records::record_id.eq_any(ids))
                .select((usage_records::record_id, usage_records::metric, usage_records::quantity, usage_records::day))
                .load(conn)?;
            known.extend(rows.into_iter().map(|(id, metric, quantity, day)| (id, (metric, quantity, day))));
        }
        let mut report = IngestReport::default();
        let mut totals: HashMap<(Date, &str, Payer), i128> = HashMap::new();
        for r in records {
            if let Some((metric, quantity, day)) = known.get(&r.id) {
                if (metric.as_str(), *quantity, *day) != (r.metric.as_str(), r.quantity, r.day) {
                    return Err(IngestError::Conflict(r.id.clone()));
                }
                report.repeats += 1;
                continue;
            }
            known.insert(r.id.clone(), (r.metric.clone(), r.quantity, r.day));
            diesel::insert_into(usage_records::table)
                .values((
                    usage_records::project_id.eq(project.id),
                    usage_records::record_id.eq(&r.id),
                    usage_records::metric.eq(&r.metric),
                    usage_records::quantity.eq(r.quantity),
                    usage_records::day.eq(r.day),
                    usage_records::received_at.eq(now),
                ))
                .execute(conn)?;
            *totals.entry((month_of(r.day), r.metric.as_str(), payers.of(r.day))).or_default() +=
                i128::from(r.quantity);
            report.new += 1;
        }
        for ((month, metric, payer), quantity) in totals {
            let too_large = || IngestError::TotalTooLarge {
                month: crate::domain::usage::month_key(month),
                metric: metric.to_string(),
            };
            // The sum of one request's records is checked too (up to 10^16).
            let quantity = i64::try_from(quantity).map_err(|_| too_large())?;
            if !add_monthly(conn, project.id, month, metric, payer, quantity)? {
                return Err(too_large());
            }
            if !payer.org_id.is_empty()
                && !add_org_monthly(conn, payer.org_id, month, payer.via_user_id, metric, quantity)?
            {
                return Err(too_large());
            }
        }
        if let (Some(org_id), true) = (project.org_id, report.new > 0) {
            let details = format!("{} new records, {} repeats", report.new, report.repeats);
            activity::record(
                conn,
                &NewActivity {
                    id: new_id(),
                    org_id: Some(org_id),
                    actor_id: None,
                    action: "usage.report",
                    target: project.name,
                    details: &details,
                    ip,
                    created_at: now,
                    via: None,
                },
            )?;
        }
        Ok(report)
    })
}

/// A project's monthly totals: (month, metric, payer organization, quantity), newest month first.
pub fn monthly(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Vec<(Date, String, String, i64)>> {
    usage_monthly::table
        .filter(usage_monthly::project_id.eq(project_id))
        .order((usage_monthly::month.desc(), usage_monthly::metric.asc()))
        .select((usage_monthly::month, usage_monthly::metric, usage_monthly::payer_org_id, usage_monthly::quantity))
        .load(conn)
}

/// The totals a row may hold before `quantity` is added to it, so that the
/// sum stays in the 64-bit range: checked in the UPDATE itself, which stays
/// one atomic increment (no read-then-write that a concurrent request could
/// slip between). Without it SQLite turns the sum into a float and
/// PostgreSQL fails with "bigint out of range".
fn room_for(quantity: i64) -> (i64, i64) {
    if quantity >= 0 {
        (i64::MIN, i64::MAX - quantity)
    } else {
        (i64::MIN - quantity, i64::MAX)
    }
}

/// Adds to a project's total of a month; false when the total would leave
/// the 64-bit range (nothing changed).
fn add_monthly(
    conn: &mut AnyConnection,
    project_id: &str,
    month: Date,
    metric: &str,
    payer: Payer,
    quantity: i64,
) -> QueryResult<bool> {
    let key = (project_id, month, metric, payer.org_id, payer.via_user_id);
    let (low, high) = room_for(quantity);
    let n = diesel::update(usage_monthly::table.find(key))
        .filter(usage_monthly::quantity.between(low, high))
        .set(usage_monthly::quantity.eq(usage_monthly::quantity + quantity))
        .execute(conn)?;
    if n == 0 {
        let exists = diesel::select(diesel::dsl::exists(usage_monthly::table.find(key))).get_result::<bool>(conn)?;
        if exists {
            return Ok(false);
        }
        diesel::insert_into(usage_monthly::table)
            .values((
                usage_monthly::project_id.eq(project_id),
                usage_monthly::month.eq(month),
                usage_monthly::metric.eq(metric),
                usage_monthly::payer_org_id.eq(payer.org_id),
                usage_monthly::via_user_id.eq(payer.via_user_id),
                usage_monthly::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Adds to an organization's total of a month; `space` is '' for its own
/// projects, a billed member's id, or DELETED. False, as `add_monthly`.
fn add_org_monthly(
    conn: &mut AnyConnection,
    org_id: &str,
    month: Date,
    space: &str,
    metric: &str,
    quantity: i64,
) -> QueryResult<bool> {
    let key = (org_id, month, space, metric);
    let (low, high) = room_for(quantity);
    let n = diesel::update(usage_org_monthly::table.find(key))
        .filter(usage_org_monthly::quantity.between(low, high))
        .set(usage_org_monthly::quantity.eq(usage_org_monthly::quantity + quantity))
        .execute(conn)?;
    if n == 0 {
        let exists =
            diesel::select(diesel::dsl::exists(usage_org_monthly::table.find(key))).get_result::<bool>(conn)?;
        if exists {
            return Ok(false);
        }
        diesel::insert_into(usage_org_monthly::table)
            .values((
                usage_org_monthly::org_id.eq(org_id),
                usage_org_monthly::month.eq(month),
                usage_org_monthly::space.eq(space),
                usage_org_monthly::metric.eq(metric),
                usage_org_monthly::quantity.eq(quantity),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// The space of an organization's totals that holds projects deleted since.
pub const DELETED: &str = "-";

/// Before projects are deleted (their records go with them): what they used
/// on organizations' bills stays there, counted under "deleted projects".
pub fn keep_on_bills(conn: &mut AnyConnection, project_ids: &[String]) -> QueryResult<()> {
    for chunk in project_ids.chunks(500) {
        keep_chunk_on_bills(conn, chunk)?;
    }
    Ok(())
}

fn keep_chunk_on_bills(conn: &mut AnyConnection, project_ids: &[String]) -> QueryResult<()> {
    let rows: Vec<(Date, String, String, String, i64)> = usage_monthly::table
        .filter(usage_monthly::project_id.eq_any(project_ids))
        .filter(usage_monthly::payer_org_id.ne(""))
        .select((
            usage_monthly::month,
            usage_monthly::metric,
            usage_monthly::payer_org_id,
            usage_monthly::via_user_id,
            usage_monthly::quantity,
        ))
        .load(conn)?;
    // Out of range only past 9.2 * 10^18 in one month of one organization's
    // deleted projects: the deletion fails whole rather than store a wrong total.
    let out_of_range = || diesel::result::Error::QueryBuilderError("a usage total would leave the 64-bit range".into());
    for (month, metric, org_id, via, quantity) in rows {
        if !add_org_monthly(conn, &org_id, month, &via, &metric, -quantity)?
            || !add_org_monthly(conn, &org_id, month, DELETED, &metric, quantity)?
        {
            return Err(out_of_range());
        }
        // A space left with nothing (a deleted account's) is no line of the bill.
        diesel::delete(usage_org_monthly::table.find((&org_id, month, &via, &metric)))
            .filter(usage_org_monthly::quantity.eq(0))
            .execute(conn)?;
    }
    Ok(())
}
