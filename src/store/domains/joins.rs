//! Joining by verified domain. Someone signed in with a verified address at
//! a domain an organization has verified sees it on Getting Started: with
//! the policy *automatic* they join at once with the domain's role, with
//! *suggest* they ask and an admin (`members.invite`) approves or declines
//! on the Members page. Only a verified address counts, checked again in
//! the transaction that acts on it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{join_requests, memberships, org_domains, organizations, users};
use crate::db::AnyConnection;
use crate::domain::verified_domain::{domain_of, JoinPolicy};
use crate::domain::OrgLimit;
use crate::store::changes::{lock_org, Actor};
use crate::store::members::{direct_grants, insert_membership};

/// The membership itself, as an accepted invitation makes it: within the
/// portal's organizations-per-person limit, replacing direct project grants.
/// Who becomes a member: (user id, their verified address, the role).
type Newcomer<'a> = (&'a str, &'a str, &'a str);

fn become_member(
    conn: &mut AnyConnection,
    org_id: &str,
    (user_id, email, role): Newcomer<'_>,
    how: &str,
    limit: OrgLimit,
    actor: &Actor,
) -> Result<(), JoinError> {
    let mine: i64 = memberships::table.filter(memberships::user_id.eq(user_id)).count().get_result(conn)?;
    if !limit.allows_another(mine) {
        return Err(JoinError::LimitReached);
    }
    insert_membership(conn, org_id, user_id, role, how, actor.now)?;
    direct_grants::replace_with_membership(conn, org_id, user_id, email, actor)?;
    Ok(())
}

/// An organization offered to someone by their address's domain.
#[derive(Debug, Clone)]
pub struct Offer {
    pub org_id: String,
    pub org_name: String,
    pub org_slug: String,
    pub domain: String,
    pub policy: JoinPolicy,
    /// They already asked to join (suggest).
    pub asked: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// No verified address at a domain of the organization with that policy.
    #[error("This organization does not offer to let you join by your email address.")]
    NotOffered,
    #[error("You are already a member of this organization.")]
    AlreadyMember,
    #[error("This portal lets each person belong to a limited number of organizations, and that number is reached.")]
    LimitReached,
    #[error("There is no such request to join.")]
    NoRequest,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// The signed-in person's verified address and its domain; None when the
/// address is not verified (an unverified one never counts).
fn verified_domain_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Option<(String, String)>> {
    let (email, verified): (String, bool) =
        users::table.find(user_id).select((users::email, users::email_verified)).first(conn)?;
    Ok(if verified { domain_of(&email).map(|d| (email, d)) } else { None })
}

/// The organizations that offer the signed-in person (`user_id`, whose
/// address and its verification the session already read) to join by
/// their address, not counting those they belong to. One indexed read when
/// nothing is offered; two more, whatever the number of offers, when some are.
pub fn offers(conn: &mut AnyConnection, user_id: &str, email: &str, verified: bool) -> QueryResult<Vec<Offer>> {
    let Some(domain) = domain_of(email).filter(|_| verified) else { return Ok(Vec::new()) };
    let rows: Vec<(String, String, String, String)> = org_domains::table
        .inner_join(organizations::table)
        .filter(org_domains::domain.eq(&domain))
        .filter(org_domains::verified_at.is_not_null())
        .filter(org_domains::join_policy.ne(JoinPolicy::None.stored()))
        .select((organizations::id, organizations::name, organizations::slug, org_domains::join_policy))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let member_of: Vec<String> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::org_id.eq_any(&ids))
        .select(memberships::org_id)
        .load(conn)?;
    let asked: Vec<String> = join_requests::table
        .filter(join_requests::user_id.eq(user_id))
        .filter(join_requests::org_id.eq_any(&ids))
        .select(join_requests::org_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(org_id, ..)| !member_of.contains(org_id))
        .map(|(org_id, org_name, org_slug, policy)| Offer {
            asked: asked.contains(&org_id),
            policy: JoinPolicy::parse(&policy).unwrap_or(JoinPolicy::None),
            domain: domain.clone(),
            org_id,
            org_name,
            org_slug,
        })
        .collect())
}

/// The organization's verified domain matching the person's verified
/// address, with its policy and role; checked inside the transaction.
fn offer_in_tx(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
) -> Result<(String, String, JoinPolicy, String), JoinError> {
    let (email, domain) = verified_domain_of(conn, user_id)?.ok_or(JoinError::NotOffered)?;
    let found: Option<(String, String)> = org_domains::table
        .filter(org_domains::org_id.eq(org_id))
        .filter(org_domains::domain.eq(&domain))
        .filter(org_domains::verified_at.is_not_null())
        .select((org_domains::join_policy, org_domains::join_role))
        .first(conn)
        .optional()?;
    let (policy, role) = found.ok_or(JoinError::NotOffered)?;
    let policy = JoinPolicy::parse(&policy).unwrap_or(JoinPolicy::None);
    if policy == JoinPolicy::None {
        return Err(JoinError::NotOffered);
    }
    if memberships::table
        .find((org_id, user_id))
        .select(memberships::user_id)
        .first::<String>(conn)
        .optional()?
        .is_some()
    {
        return Err(JoinError::AlreadyMember);
    }
    Ok((email, domain, policy, role))
}

/// Joins at once (policy automatic) with the domain's role.
pub fn join(conn: &mut AnyConnection, org_id: &str, limit: OrgLimit, actor: &Actor) -> Result<String, JoinError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| JoinError::NotOffered)?;
        let (email, domain, policy, role) = offer_in_tx(conn, org_id, &actor.user_id)?;
        if policy != JoinPolicy::Automatic {
            return Err(JoinError::NotOffered);
        }
        become_member(conn, org_id, (&actor.user_id, &email, &role), "domain", limit, actor)?;
        diesel::delete(join_requests::table.find((org_id, &actor.user_id))).execute(conn)?;
        let details = format!("joined as {role} with the verified address {email} (domain {domain})");
        actor.record(conn, org_id, "member.join_by_domain", &email, &details)?;
        Ok(role)
    })
}

/// Asks to join (policy suggest); asking twice changes nothing.
pub fn ask(conn: &mut AnyConnection, org_id: &str, actor: &Actor) -> Result<(), JoinError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| JoinError::NotOffered)?;
        let (email, domain, policy, _) = offer_in_tx(conn, org_id, &actor.user_id)?;
        if policy != JoinPolicy::Suggest {
            return Err(JoinError::NotOffered);
        }
        if join_requests::table.find((org_id, &actor.user_id)).count().get_result::<i64>(conn)? > 0 {
            return Ok(());
        }
        diesel::insert_into(join_requests::table)
            .values((
                join_requests::org_id.eq(org_id),
                join_requests::user_id.eq(&actor.user_id),
                join_requests::email.eq(&email),
                join_requests::domain.eq(&domain),
                join_requests::created_at.eq(actor.now),
            ))
            .execute(conn)?;
        actor.record(
            conn,
            org_id,
            "join.request",
            &email,
            &format!("asked to join with the verified address {email} (domain {domain})"),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Queryable)]
pub struct JoinRequestRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub domain: String,
    pub created_at: PrimitiveDateTime,
}

/// The organization's open requests, oldest first.
pub fn requests(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<JoinRequestRow>> {
    join_requests::table
        .inner_join(users::table)
        .filter(join_requests::org_id.eq(org_id))
        .order((join_requests::created_at, join_requests::user_id))
        .select((
            join_requests::user_id,
            users::name,
            join_requests::email,
            join_requests::domain,
            join_requests::created_at,
        ))
        .limit(200)
        .load(conn)
}

/// Makes the person a member with their domain's role (the catalog's
/// default when the domain is gone or its role no longer joinable).
pub fn approve(
    conn: &mut AnyConnection,
    catalog: &crate::domain::RoleCatalog,
    org_id: &str,
    user_id: &str,
    limit: OrgLimit,
    actor: &Actor,
) -> Result<String, JoinError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| JoinError::NoRequest)?;
        let (email, domain): (String, String) = join_requests::table
            .find((org_id, user_id))
            .select((join_requests::email, join_requests::domain))
            .first(conn)
            .optional()?
            .ok_or(JoinError::NoRequest)?;
        diesel::delete(join_requests::table.find((org_id, user_id))).execute(conn)?;
        if memberships::table
            .find((org_id, user_id))
            .select(memberships::user_id)
            .first::<String>(conn)
            .optional()?
            .is_some()
        {
            return Err(JoinError::AlreadyMember);
        }
        let role: Option<String> = org_domains::table
            .filter(org_domains::org_id.eq(org_id))
            .filter(org_domains::domain.eq(&domain))
            .select(org_domains::join_role)
            .first(conn)
            .optional()?;
        let role =
            role.filter(|r| super::joinable_role(catalog, r)).unwrap_or_else(|| catalog.default_role().to_string());
        become_member(conn, org_id, (user_id, &email, &role), "join request", limit, actor)?;
        actor.record(
            conn,
            org_id,
            "join.approve",
            &email,
            &format!("role {role}, asked with the verified address {email}"),
        )?;
        Ok(email)
    })
}

pub fn decline(conn: &mut AnyConnection, org_id: &str, user_id: &str, actor: &Actor) -> Result<String, JoinError> {
    crate::db::write_transaction(conn, |conn| {
        let email: String = join_requests::table
            .find((org_id, user_id))
            .select(join_requests::email)
            .first(conn)
            .optional()?
            .ok_or(JoinError::NoRequest)?;
        diesel::delete(join_requests::table.find((org_id, user_id))).execute(conn)?;
        actor.record(conn, org_id, "join.decline", &email, "")?;
        Ok(email)
    })
}
