//! Every member of an organization in the order they joined, with the
//! `members_version` they were read at: what the management API keeps in
//! memory for a large organization (`web::api::member_order`). Read a chunk
//! at a time with the Members page's own keyset query, so the order is the
//! database's and nothing holds all the rows twice.

use diesel::prelude::*;

use crate::db::schema::organizations;
use crate::db::AnyConnection;
use crate::store::members::page::{self, Cursor};
use crate::store::members::search_index::CommonTrigrams;
use crate::store::members::MemberRow;

const CHUNK: i64 = 2_000;

/// Gives `each` every member of `org_id` in join order and returns the
/// version they are all of; `None` when the organization has more than `max`
/// members or changed while they were read (nothing is then worth keeping).
///
/// The version is read before and after the rows, with or without a
/// transaction: each statement sees what had committed when it began, so an
/// unchanged version means no change committed between the two reads, and so
/// none in the rows (every change the list shows moves the version).
pub fn read(
    conn: &mut AnyConnection,
    org_id: &str,
    max: usize,
    mut each: impl FnMut(MemberRow),
) -> QueryResult<Option<i64>> {
    let version = |conn: &mut AnyConnection| -> QueryResult<i64> {
        organizations::table.find(org_id).select(organizations::members_version).first(conn)
    };
    let before = version(conn)?;
    let no_search = CommonTrigrams::default();
    let (mut after, mut count): (Option<Cursor>, usize) = (None, 0);
    loop {
        let chunk = page::page(conn, org_id, None, after.as_ref(), CHUNK, &no_search)?;
        count += chunk.rows.len();
        if count > max {
            return Ok(None);
        }
        chunk.rows.into_iter().for_each(&mut each);
        match chunk.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok((version(conn)? == before).then_some(before))
}
