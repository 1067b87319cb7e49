//! The staff area: support staff, their view of every organization, and
//! setting up organizations for customers (provisioning).
//!
//! This file: who support staff are (the `staff` table; the setting
//! ORGPORTAL_STAFF_EMAILS adds more), the list of every organization they
//! see, and the record of each of their views of an organization's data.

pub mod provisioning;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{customers, organizations, staff};
use crate::db::AnyConnection;
use crate::store::activity::record_operator;
use crate::store::lower;
use crate::store::members::Actor;

pub fn is_listed(conn: &mut AnyConnection, email: &str) -> QueryResult<bool> {
    Ok(rights(conn, email)?.is_some())
}

/// Some(may provision) when `email` is in the staff table.
pub fn rights(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<bool>> {
    staff::table.find(email).select(staff::can_provision).first(conn).optional()
}

/// Adds `email` (with staff.provision when `provision`); false when it was
/// listed already with those rights.
pub fn add(conn: &mut AnyConnection, email: &str, provision: bool, now: PrimitiveDateTime) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let details = if provision { "command line, with staff.provision" } else { "command line" };
        match rights(conn, email)? {
            Some(had) if had == provision => return Ok(false),
            Some(_) => {
                diesel::update(staff::table.find(email)).set(staff::can_provision.eq(provision)).execute(conn)?;
            }
            None => {
                diesel::insert_into(staff::table)
                    .values((staff::email.eq(email), staff::added_at.eq(now), staff::can_provision.eq(provision)))
                    .execute(conn)?;
            }
        }
        record_operator(conn, None, "staff.add", email, details, now)?;
        Ok(true)
    })
}

/// Removes `email`; false when it was not listed.
pub fn remove(conn: &mut AnyConnection, email: &str, now: PrimitiveDateTime) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let n = diesel::delete(staff::table.filter(staff::email.eq(email))).execute(conn)?;
        if n > 0 {
            record_operator(conn, None, "staff.remove", email, "command line", now)?;
        }
        Ok(n > 0)
    })
}

/// (email, added, may provision), by email.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<(String, PrimitiveDateTime, bool)>> {
    staff::table.select((staff::email, staff::added_at, staff::can_provision)).order(staff::email.asc()).load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct OrgListRow {
    pub name: String,
    pub slug: String,
    pub member_count: i32,
    pub created_at: PrimitiveDateTime,
    pub customer: Option<String>,
}

/// Organizations in slug order, `limit` after the slug `after`; `search`
/// matches a part of the name, the slug or the linked customer's external id.
pub fn organizations(
    conn: &mut AnyConnection,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrgListRow>> {
    let mut query = organizations::table
        .left_join(customers::table.on(customers::org_id.eq(organizations::id.nullable())))
        .select((
            organizations::name,
            organizations::slug,
            organizations::member_count,
            organizations::created_at,
            customers::external_id.nullable(),
        ))
        .order(organizations::slug.asc())
        .limit(limit)
        .into_boxed();
    if let Some(pattern) = crate::store::contains_pattern(search) {
        query = query.filter(
            lower(organizations::name)
                .like(pattern.clone())
                .escape('\\')
                .or(organizations::slug.like(pattern.clone()).escape('\\'))
                .or(lower(customers::external_id).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(organizations::slug.gt(after.to_string()));
    }
    query.load(conn)
}

/// Writes a staff member's view of `page` into the organization's activity log.
pub fn record_view(conn: &mut AnyConnection, org_id: &str, page: &str, actor: &Actor) -> QueryResult<()> {
    actor.record(conn, org_id, "staff.view", page, "support staff, read-only")
}
