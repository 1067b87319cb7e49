//! What every change to an organization's data shares, whichever area makes
//! it: who acts (`Actor`, whose `record` writes the change's activity row),
//! the organization's row lock taken first, and the error a membership rule
//! or a missing member gives. Below every area; uses only activity.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::organizations;
use crate::db::AnyConnection;
use crate::domain::member_rules::RuleError;
use crate::store::activity::{self, NewActivity};
use crate::store::new_id;

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("not a member")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Takes the organization's row lock for the rest of the transaction: a
/// no-op UPDATE locks the row on PostgreSQL and takes SQLite's write lock
/// before anything is read, so concurrent changes run one after the other.
/// It sets a column no foreign key points at: "setting" the primary key made
/// SQLite visit every row of every table that refers to the organization
/// (each membership, invitation and activity row) on every change.
pub fn lock_org(conn: &mut AnyConnection, org_id: &str) -> Result<String, MemberError> {
    let same = organizations::member_count.eq(organizations::member_count);
    let n = crate::db::kept_update(organizations::table, organizations::id.eq(org_id), same).execute(conn)?;
    if n == 0 {
        return Err(MemberError::NotFound);
    }
    Ok(organizations::table.find(org_id).select(organizations::owner_id).first(conn)?)
}

/// Who acts, from where: written into the activity row of the change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub ip: String,
    pub now: PrimitiveDateTime,
    /// Set when the change comes through an API key: "API key NAME (created
    /// by PERSON)", shown in the log instead of the person (`user_id` is the
    /// key's creator, on whose behalf it acts).
    pub via: Option<String>,
}

impl Actor {
    /// A person acting for themselves.
    pub fn person(user_id: impl Into<String>, ip: impl Into<String>, now: PrimitiveDateTime) -> Self {
        Actor { user_id: user_id.into(), ip: ip.into(), now, via: None }
    }

    pub fn record(
        &self,
        conn: &mut AnyConnection,
        org_id: &str,
        action: &str,
        target: &str,
        details: &str,
    ) -> QueryResult<()> {
        activity::record(conn, &self.activity(org_id, action, target, details))
    }

    /// The activity row of a change this actor made.
    pub fn activity<'a>(
        &'a self,
        org_id: &'a str,
        action: &'a str,
        target: &'a str,
        details: &'a str,
    ) -> NewActivity<'a> {
        NewActivity {
            id: new_id(),
            org_id: Some(org_id),
            actor_id: Some(&self.user_id),
            action,
            target,
            details,
            ip: &self.ip,
            created_at: self.now,
            via: self.via.as_deref(),
        }
    }
}
