//! An organization's claimed domains (`org.manage`): added with a fresh
//! challenge, marked verified once the TXT record was found (by the first
//! organization to prove it, never a second), given a join policy, removed.
//! Each change is in the activity log.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{join_requests, org_domains};
use crate::db::AnyConnection;
use crate::domain::verified_domain::{new_challenge, DomainName, JoinPolicy, MOST};
use crate::store::changes::{lock_org, Actor};
use crate::store::new_id;

#[derive(Debug, Clone, Queryable)]
pub struct DomainRow {
    pub id: String,
    pub domain: String,
    pub challenge: String,
    pub verified_at: Option<PrimitiveDateTime>,
    pub checked_at: Option<PrimitiveDateTime>,
    pub failing_since: Option<PrimitiveDateTime>,
    pub join_policy: String,
    pub join_role: String,
    pub created_at: PrimitiveDateTime,
}

impl DomainRow {
    pub fn name(&self) -> DomainName {
        DomainName::from_stored(self.domain.clone())
    }

    pub fn policy(&self) -> JoinPolicy {
        JoinPolicy::parse(&self.join_policy).unwrap_or(JoinPolicy::None)
    }
}

macro_rules! columns {
    () => {
        (
            org_domains::id,
            org_domains::domain,
            org_domains::challenge,
            org_domains::verified_at,
            org_domains::checked_at,
            org_domains::failing_since,
            org_domains::join_policy,
            org_domains::join_role,
            org_domains::created_at,
        )
    };
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("no such domain")]
    NotFound,
    #[error("An organization can claim at most {MOST} domains; remove one first.")]
    TooMany,
    #[error("{0} is already on this organization's list.")]
    AlreadyListed(String),
    /// Said without naming the organization that holds it.
    #[error("{0} is verified by another organization. A domain belongs to one organization; ask its owners to remove it there first.")]
    TakenElsewhere(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<DomainRow>> {
    org_domains::table
        .filter(org_domains::org_id.eq(org_id))
        .order((org_domains::domain, org_domains::id))
        .select(columns!())
        .load(conn)
}

pub fn get(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<DomainRow>> {
    org_domains::table
        .filter(org_domains::id.eq(id))
        .filter(org_domains::org_id.eq(org_id))
        .select(columns!())
        .first(conn)
        .optional()
}

/// The organization's claim of `domain` (a parsed name), if any.
pub fn find_by_name(conn: &mut AnyConnection, org_id: &str, domain: &str) -> QueryResult<Option<DomainRow>> {
    org_domains::table
        .filter(org_domains::org_id.eq(org_id))
        .filter(org_domains::domain.eq(domain))
        .select(columns!())
        .first(conn)
        .optional()
}

/// Whether another organization holds `domain` verified.
fn verified_elsewhere(conn: &mut AnyConnection, org_id: &str, domain: &str) -> QueryResult<bool> {
    let holder: Option<String> = org_domains::table
        .filter(org_domains::domain.eq(domain))
        .filter(org_domains::verified_at.is_not_null())
        .select(org_domains::org_id)
        .first(conn)
        .optional()?;
    Ok(holder.is_some_and(|h| h != org_id))
}

/// Claims `domain` with a fresh challenge, not yet verified; `join_role`
/// is the role a join policy gives until an admin picks another.
pub fn add(
    conn: &mut AnyConnection,
    org_id: &str,
    domain: &DomainName,
    join_role: &str,
    actor: &Actor,
) -> Result<String, DomainError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| DomainError::NotFound)?;
        let held: Vec<String> =
            org_domains::table.filter(org_domains::org_id.eq(org_id)).select(org_domains::domain).load(conn)?;
        if held.iter().any(|d| d == domain.as_str()) {
            return Err(DomainError::AlreadyListed(domain.as_str().into()));
        }
        if held.len() as i64 >= MOST {
            return Err(DomainError::TooMany);
        }
        if verified_elsewhere(conn, org_id, domain.as_str())? {
            return Err(DomainError::TakenElsewhere(domain.as_str().into()));
        }
        let id = new_id();
        diesel::insert_into(org_domains::table)
            .values((
                org_domains::id.eq(&id),
                org_domains::org_id.eq(org_id),
                org_domains::domain.eq(domain.as_str()),
                org_domains::challenge.eq(new_challenge()),
                org_domains::join_policy.eq(JoinPolicy::None.stored()),
                org_domains::join_role.eq(join_role),
                org_domains::created_by.eq(&actor.user_id),
                org_domains::created_at.eq(actor.now),
            ))
            .execute(conn)?;
        actor.record(
            conn,
            org_id,
            "domain.added",
            domain.as_str(),
            &format!("TXT record {}", domain.challenge_name()),
        )?;
        Ok(id)
    })
}

/// Records a Verify whose lookup found the challenge: the domain is
/// verified, unless another organization proved it first.
pub fn mark_verified(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<(), DomainError> {
    let outcome = crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| DomainError::NotFound)?;
        let row = get(conn, org_id, id)?.ok_or(DomainError::NotFound)?;
        if verified_elsewhere(conn, org_id, &row.domain)? {
            return Err(DomainError::TakenElsewhere(row.domain));
        }
        let first = row.verified_at.is_none();
        diesel::update(org_domains::table.find(id))
            .set((
                org_domains::verified_at.eq(row.verified_at.unwrap_or(actor.now)),
                org_domains::checked_at.eq(actor.now),
                org_domains::failing_since.eq(None::<PrimitiveDateTime>),
            ))
            .execute(conn)?;
        if first {
            actor.record(conn, org_id, "domain.verified", &row.domain, "TXT record found")?;
        }
        Ok(row.domain)
    });
    match outcome {
        // Two organizations proving the same domain at once: the unique
        // index on verified domains lets one commit.
        Err(DomainError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => {
            let domain = get(conn, org_id, id)?.map(|r| r.domain).unwrap_or_default();
            Err(DomainError::TakenElsewhere(domain))
        }
        other => other.map(|_| ()),
    }
}

/// Records a Verify whose lookup did not find the challenge (or failed):
/// only when it was looked at; the log has the person's attempt.
pub fn mark_not_found(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    why: &str,
    actor: &Actor,
) -> Result<(), DomainError> {
    crate::db::write_transaction(conn, |conn| {
        let row = get(conn, org_id, id)?.ok_or(DomainError::NotFound)?;
        diesel::update(org_domains::table.find(id)).set(org_domains::checked_at.eq(actor.now)).execute(conn)?;
        actor.record(conn, org_id, "domain.verify_failed", &row.domain, why)?;
        Ok(())
    })
}

/// Sets what people with a verified address at the domain may do.
pub fn set_policy(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    policy: JoinPolicy,
    role: &str,
    actor: &Actor,
) -> Result<(), DomainError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| DomainError::NotFound)?;
        let row = get(conn, org_id, id)?.ok_or(DomainError::NotFound)?;
        if row.policy() == policy && row.join_role == role {
            return Ok(());
        }
        diesel::update(org_domains::table.find(id))
            .set((org_domains::join_policy.eq(policy.stored()), org_domains::join_role.eq(role)))
            .execute(conn)?;
        let details = match policy {
            JoinPolicy::None => "invitations only".to_string(),
            JoinPolicy::Suggest => format!("suggest: people ask to join, approved as {role}"),
            JoinPolicy::Automatic => format!("automatic: people join as {role}"),
        };
        actor.record(conn, org_id, "domain.join_policy", &row.domain, &details)?;
        if policy != JoinPolicy::Suggest {
            // Requests through this domain are answered by the new policy:
            // automatic lets them join themselves, none withdraws the offer.
            diesel::delete(
                join_requests::table
                    .filter(join_requests::org_id.eq(org_id))
                    .filter(join_requests::domain.eq(&row.domain)),
            )
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Removes the claim; open join requests through it go with it.
pub fn remove(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<(), DomainError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| DomainError::NotFound)?;
        let row = get(conn, org_id, id)?.ok_or(DomainError::NotFound)?;
        diesel::delete(org_domains::table.find(id)).execute(conn)?;
        diesel::delete(
            join_requests::table.filter(join_requests::org_id.eq(org_id)).filter(join_requests::domain.eq(&row.domain)),
        )
        .execute(conn)?;
        actor.record(conn, org_id, "domain.removed", &row.domain, "")?;
        Ok(())
    })
}
