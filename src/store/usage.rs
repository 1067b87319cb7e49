//! Usage records the platform reports for a project, and the monthly totals
//! kept up to date as they arrive, attributed to whoever owned the project
//! on the day of use (project_owners).

use std::collections::HashMap;

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::activity::{self, NewActivity};
use super::new_id;
use super::projects::Project;
use crate::db::schema::{project_owners, usage_monthly, usage_records};
use crate::db::AnyConnection;
use crate::domain::usage::{month_of, UsageRecord};

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

/// The organization that pays for usage on each day: the owner at the end
/// of that day ("" when a person's own space owned it).
struct Owners(Vec<(Date, String)>);

impl Owners {
    fn load(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Self> {
        let rows: Vec<(PrimitiveDateTime, Option<String>)> = project_owners::table
            .filter(project_owners::project_id.eq(project_id))
            .order(project_owners::since.asc())
            .select((project_owners::since, project_owners::org_id))
            .load(conn)?;
        Ok(Owners(rows.into_iter().map(|(since, org)| (since.date(), org.unwrap_or_default())).collect()))
    }

    fn payer(&self, day: Date) -> &str {
        let on_or_before = self.0.iter().rev().find(|(since, _)| *since <= day);
        on_or_before.or(self.0.first()).map_or("", |(_, org)| org.as_str())
    }
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
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

type Stored = (String, String, i64, Date);

/// Stores the new records of one request and adds them to the monthly
/// totals, in one transaction: a conflict refuses the whole request.
/// One `usage.report` activity row per request that added something.
pub fn ingest(
    conn: &mut AnyConnection,
    project: &Project,
    records: &[UsageRecord],
    ip: &str,
    now: PrimitiveDateTime,
) -> Result<IngestReport, IngestError> {
    crate::db::write_transaction(conn, |conn| {
        let owners = Owners::load(conn, &project.id)?;
        let mut known: HashMap<String, (String, i64, Date)> = HashMap::new();
        for chunk in records.chunks(500) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            let rows: Vec<Stored> = usage_records::table
                .filter(usage_records::project_id.eq(&project.id))
                .filter(usage_records::record_id.eq_any(ids))
                .select((usage_records::record_id, usage_records::metric, usage_records::quantity, usage_records::day))
                .load(conn)?;
            known.extend(rows.into_iter().map(|(id, metric, quantity, day)| (id, (metric, quantity, day))));
        }
        let mut report = IngestReport::default();
        let mut totals: HashMap<(Date, &str, &str), i64> = HashMap::new();
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
                    usage_records::project_id.eq(&project.id),
                    usage_records::record_id.eq(&r.id),
                    usage_records::metric.eq(&r.metric),
                    usage_records::quantity.eq(r.quantity),
                    usage_records::day.eq(r.day),
                    usage_records::received_at.eq(now),
                ))
                .execute(conn)?;
            *totals.entry((month_of(r.day), r.metric.as_str(), owners.payer(r.day))).or_default() += r.quantity;
            report.new += 1;
        }
        for ((month, metric, payer), quantity) in totals {
            let key = (project.id.as_str(), month, metric, payer);
            let n = diesel::update(usage_monthly::table.find(key))
                .set(usage_monthly::quantity.eq(usage_monthly::quantity + quantity))
                .execute(conn)?;
            if n == 0 {
                diesel::insert_into(usage_monthly::table)
                    .values((
                        usage_monthly::project_id.eq(&project.id),
                        usage_monthly::month.eq(month),
                        usage_monthly::metric.eq(metric),
                        usage_monthly::payer_org_id.eq(payer),
                        usage_monthly::quantity.eq(quantity),
                    ))
                    .execute(conn)?;
            }
        }
        if let (Some(org_id), true) = (&project.org_id, report.new > 0) {
            let details = format!("{} new records, {} repeats", report.new, report.repeats);
            activity::record(
                conn,
                &NewActivity {
                    id: new_id(),
                    org_id: Some(org_id),
                    actor_id: None,
                    action: "usage.report",
                    target: &project.name,
                    details: &details,
                    ip,
                    created_at: now,
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
