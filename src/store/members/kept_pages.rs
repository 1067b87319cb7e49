//! The first page of each organization's members (no search), kept in memory
//! under the organization's `members_version` (issue 11: the page query was a
//! third of a Members request), and the later pages last asked for, under the
//! same version (issue 33: on a later page the query was 40% of a request).
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

/// How many later pages are kept, of all organizations together: an admin
/// going back and forth, or several looking at the same pages. A page of
/// 50 members holds about 13 kB.
const LATER_PAGES: usize = 64;

/// Pages kept under (members_version, page size): each organization's first,
/// and later ones by organization and cursor.
pub struct KeptPages {
    first: Kept<MemberPage, (i64, i64)>,
    later: Kept<MemberPage, (i64, i64)>,
}

impl Default for KeptPages {
    fn default() -> Self {
        Self { first: Kept::default(), later: Kept::holding(LATER_PAGES) }
    }
}

/// The organization whose members are listed, at the `members_version`
/// read in the page's own transaction.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub org_id: &'a str,
    pub members_version: i64,
}

/// One page of `org`'s members as [`page::page`] reads it; a page without a
/// search from memory when `org.members_version` (read in the same
/// transaction as what follows) is the one it was kept under.
pub fn page(
    conn: &mut AnyConnection,
    kept: &KeptPages,
    org: Listed<'_>,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
    common: &CommonTrigrams,
) -> QueryResult<Arc<MemberPage>> {
    if crate::store::contains_pattern(search).is_some() {
        return page::page(conn, org.org_id, search, after, limit, common).map(Arc::new);
    }
    let version = (org.members_version, limit);
    let read = || page::page(conn, org.org_id, None, after, limit, common);
    match after {
        None => kept.first.get_or_read(org.org_id, version, read),
        Some(c) => kept.later.get_or_read(&format!("{} {} {}", org.org_id, c.joined_at, c.user_id), version, read),
    }
}
