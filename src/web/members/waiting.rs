//! The Members page's side lists (the invitations waiting for an answer,
//! the join requests, the people the directory suspended), kept in memory
//! per organization under its `waiting_version` and `members_version`
//! (issue 33: three statements on every Members request, empty on most).
//!
//! Both versions come with the session's statement, in the page's read
//! transaction, and migrations 000017 and 000027 move them with every change
//! these lists show (an inviter's name moves `members_version`), whoever
//! makes it. Lists kept under other versions are read again, so nothing
//! shown is older than the page's own snapshot. What changes without a
//! version is applied on each request: an invitation's expiry (from the
//! clock) and its email's delivery (read fresh when there are invitations).
//! Here, not in store/: it joins three areas' reads (members, domains,
//! scim), and store/scim depends on store/members.

use std::sync::Arc;

use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::store::domains::joins::{self, JoinRequestRow};
use crate::store::kept::Kept;
use crate::store::members::pending_invitations::{self, WaitingInvitation};
use crate::store::orgs::Org;

/// What the side lists held when read.
pub struct Lists {
    pub invitations: Vec<WaitingInvitation>,
    pub requests: Vec<JoinRequestRow>,
    /// (name, email, the role they had)
    pub suspended: Vec<(String, String, Option<String>)>,
}

/// Kept under (waiting_version, members_version).
pub type WaitingLists = Kept<Lists, (i64, i64)>;

/// `org`'s lists as of the versions it was read with: kept ones when they
/// were read at those versions, else read on `conn` and kept.
pub fn of(kept: &WaitingLists, conn: &mut AnyConnection, org: &Org) -> QueryResult<Arc<Lists>> {
    kept.get_or_read(&org.id, (org.waiting_version, org.members_version), || {
        Ok(Lists {
            invitations: pending_invitations::waiting(conn, &org.id, None)?,
            requests: joins::requests(conn, &org.id)?,
            suspended: crate::store::scim::users::suspended(conn, &org.id)?,
        })
    })
}
