//! The first page of each organization's members (no search), kept in memory
//! under the organization's `members_version` (issue 11: the page query was a
//! third of a Members request).
//!
//! The version is read with the membership check, in the page's read
//! transaction, and migration 000017's triggers move it with every change the
//! page shows, whoever makes it. A page kept under another version is never
//! shown: it is read again. So a removed member or an old role shows on no
//! instance after the change has committed, as without this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::store::members::page::{self, Cursor, MemberPage};
use crate::store::members::search_index::CommonTrigrams;

/// How many organizations' first pages are kept (about 10 kB each).
const KEPT: usize = 256;

#[derive(Default)]
pub struct FirstPages {
    pages: Mutex<HashMap<String, Kept>>,
}

struct Kept {
    version: i64,
    limit: i64,
    page: Arc<MemberPage>,
}

impl FirstPages {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Kept>> {
        // A panic elsewhere cannot leave a half-written entry: entries are
        // replaced whole.
        self.pages.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, org: Listed<'_>, limit: i64) -> Option<Arc<MemberPage>> {
        let pages = self.lock();
        let kept = pages.get(org.org_id)?;
        (kept.version == org.members_version && kept.limit == limit).then(|| kept.page.clone())
    }

    fn keep(&self, org: Listed<'_>, limit: i64, page: Arc<MemberPage>) {
        let mut pages = self.lock();
        if pages.len() >= KEPT && !pages.contains_key(org.org_id) {
            if let Some(any) = pages.keys().next().cloned() {
                pages.remove(&any);
            }
        }
        pages.insert(org.org_id.to_string(), Kept { version: org.members_version, limit, page });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

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
    if let Some(page) = kept.get(org, limit) {
        return Ok(page);
    }
    let page = Arc::new(page::page(conn, org.org_id, None, None, limit, common)?);
    kept.keep(org, limit, page.clone());
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(org_id: &str, members_version: i64) -> Listed<'_> {
        Listed { org_id, members_version }
    }

    fn empty() -> Arc<MemberPage> {
        Arc::new(MemberPage { rows: Vec::new(), next: None })
    }

    #[test]
    fn a_page_is_given_only_for_the_version_and_size_it_was_read_at() {
        let kept = FirstPages::default();
        kept.keep(org("a", 3), 50, empty());
        assert!(kept.get(org("a", 3), 50).is_some());
        assert!(kept.get(org("a", 4), 50).is_none(), "a newer version");
        assert!(kept.get(org("a", 2), 50).is_none(), "an older one (a restored database)");
        assert!(kept.get(org("a", 3), 20).is_none(), "another page size");
        assert!(kept.get(org("b", 3), 50).is_none(), "another organization");
        kept.keep(org("a", 4), 50, empty());
        assert!(kept.get(org("a", 3), 50).is_none(), "replaced");
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn no_more_than_kept_organizations_are_held() {
        let kept = FirstPages::default();
        for i in 0..KEPT + 10 {
            kept.keep(org(&format!("org{i}"), 1), 50, empty());
        }
        assert_eq!(kept.len(), KEPT);
        assert!(kept.get(org(&format!("org{}", KEPT + 9), 1), 50).is_some(), "the newest is held");
    }
}
