//! The first page of each organization's members (no search), kept in memory
//! under the organization's `members_version` (issue 11: the page query was a
//! third of a Members request).
//!
//! The version is read with the membership check, in the page's read
//! transaction, and migration 000017's triggers move it with every change the
//! page shows, whoever makes it. A page kept under another version is never
//! shown: it is read again. So a removed member or an old role shows on no
//! instance after the change has committed, as without this.

use std::sync::Arc;

use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::store::kept::Kept;
use crate::store::members::page::{self, Cursor, MemberPage};
use crate::store::members::search_index::CommonTrigrams;

/// Kept under (members_version, page size).
pub type FirstPages = Kept<MemberPage, (i64, i64)>;

/// The organization whose members are listed, at the `members_version`
/// read in the page's own transaction.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub org_id: &'a str,
    pub members_version: i64,
}

/// One page of `org`'s members as [`page::page`] reads it; the first
/// page without a search from memory when `org.members_version` (read in the
/// same transaction as what follows) is the one it was kept under.
pub fn page(
    conn: &mut AnyConnection,
    kept: &FirstPages,
    org: Listed<'_>,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
    common: &CommonTrigrams,
) -> QueryResult<Arc<MemberPage>> {
    let first = after.is_none() && crate::store::contains_pattern(search).is_none();
    if !first {
        return page::page(conn, org.org_id, search, after, limit, common).map(Arc::new);
    }
    kept.get_or_read(org.org_id, (org.members_version, limit), || {
        page::page(conn, org.org_id, None, None, limit, common)
    })
}
