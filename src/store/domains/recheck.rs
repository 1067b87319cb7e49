//! The daily re-check of verified domains, as upkeep runs it: which are
//! due, and what a lookup's outcome does (a failing streak starts, ends, or
//! after seven days returns the domain to unverified, with the names and
//! addresses of those who manage the organization to tell).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{join_requests, memberships, org_domains, organizations, users};
use crate::db::AnyConnection;
use crate::domain::verified_domain::{Recheck, RECHECK_EVERY};
use crate::store::activity::{self, NewActivity};
use crate::store::new_id;

/// How the log names the daily check.
pub const CHECKER: &str = "Daily DNS check";

#[derive(Debug, Clone, Queryable)]
pub struct DueCheck {
    pub id: String,
    pub org_id: String,
    pub domain: String,
    pub challenge: String,
    pub failing_since: Option<PrimitiveDateTime>,
}

/// Verified domains not looked up for a day, oldest check first.
pub fn due(conn: &mut AnyConnection, now: PrimitiveDateTime, limit: i64) -> QueryResult<Vec<DueCheck>> {
    org_domains::table
        .filter(org_domains::verified_at.is_not_null())
        .filter(org_domains::checked_at.is_null().or(org_domains::checked_at.le(now - RECHECK_EVERY)))
        .order((org_domains::checked_at, org_domains::id))
        .select((
            org_domains::id,
            org_domains::org_id,
            org_domains::domain,
            org_domains::challenge,
            org_domains::failing_since,
        ))
        .limit(limit)
        .load(conn)
}

/// Whom to tell that a domain lapsed.
#[derive(Debug, Clone)]
pub struct LapseNotice {
    pub org_name: String,
    pub org_slug: String,
    pub domain: String,
    /// (name, email) of the members whose role is one of `managers`.
    pub managers: Vec<(String, String)>,
}

fn log(
    conn: &mut AnyConnection,
    check: &DueCheck,
    action: &str,
    details: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    activity::record(
        conn,
        &NewActivity {
            id: new_id(),
            org_id: Some(&check.org_id),
            actor_id: None,
            action,
            target: &check.domain,
            details,
            ip: "",
            created_at: now,
            via: Some(CHECKER),
        },
    )
}

/// Writes what a re-check found. `outcome` comes from
/// `verified_domain::recheck`; `why` says what the lookup saw when it
/// failed. A lapse returns the notice to mail to the roles in `managers`.
/// Runs inside the caller's write transaction, which queues that mail too.
pub fn record(
    conn: &mut AnyConnection,
    check: &DueCheck,
    outcome: Recheck,
    why: &str,
    managers: &[String],
    now: PrimitiveDateTime,
) -> QueryResult<Option<LapseNotice>> {
    {
        // Still verified by this organization? (It may have been removed
        // while the lookup ran.)
        let current = org_domains::table
            .find(&check.id)
            .filter(org_domains::verified_at.is_not_null())
            .select(org_domains::id)
            .first::<String>(conn)
            .optional()?;
        if current.is_none() {
            return Ok(None);
        }
        let row = org_domains::table.find(&check.id);
        match outcome {
            Recheck::Passed => {
                diesel::update(row)
                    .set((org_domains::checked_at.eq(now), org_domains::failing_since.eq(None::<PrimitiveDateTime>)))
                    .execute(conn)?;
                if check.failing_since.is_some() {
                    log(conn, check, "domain.check_passed", "TXT record found again", now)?;
                }
                Ok(None)
            }
            Recheck::Failing { since } => {
                diesel::update(row)
                    .set((org_domains::checked_at.eq(now), org_domains::failing_since.eq(Some(since))))
                    .execute(conn)?;
                if check.failing_since.is_none() {
                    let details = format!(
                        "{why}; the domain stays verified unless the record is missing at 7 daily checks in a row"
                    );
                    log(conn, check, "domain.check_failed", &details, now)?;
                }
                Ok(None)
            }
            Recheck::Lapsed => {
                diesel::update(row)
                    .set((
                        org_domains::checked_at.eq(now),
                        org_domains::verified_at.eq(None::<PrimitiveDateTime>),
                        org_domains::failing_since.eq(None::<PrimitiveDateTime>),
                    ))
                    .execute(conn)?;
                diesel::delete(
                    join_requests::table
                        .filter(join_requests::org_id.eq(&check.org_id))
                        .filter(join_requests::domain.eq(&check.domain)),
                )
                .execute(conn)?;
                log(conn, check, "domain.unverified", &format!("{why} at 7 daily checks in a row"), now)?;
                let (org_name, org_slug): (String, String) = organizations::table
                    .find(&check.org_id)
                    .select((organizations::name, organizations::slug))
                    .first(conn)?;
                let managers = memberships::table
                    .inner_join(users::table)
                    .filter(memberships::org_id.eq(&check.org_id))
                    .filter(memberships::role.eq_any(managers))
                    .order(users::email)
                    .select((users::name, users::email))
                    .load(conn)?;
                Ok(Some(LapseNotice { org_name, org_slug, domain: check.domain.clone(), managers }))
            }
        }
    }
}
