//! The members area: who belongs to an organization and how they got there.
//! Memberships and their changes (here), invitations, direct add, the
//! Members page with its search index, and the direct project grants that
//! organization access replaces. Uses billing (a leaver's billed usage ends)
//! and the shared pieces; nothing of projects.
//!
//! This file: every change to a membership. Each runs in one transaction
//! that first locks the organization's row (changes::lock_org), so the
//! last-manager rule holds under concurrent requests.

pub mod direct_add;
pub mod direct_grants;
pub mod invitations;
pub mod invite_batch;
mod json_list;
pub mod kept_pages;
pub mod page;
pub mod pending_invitations;
pub mod search_index;
pub mod whole_order;

use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, organizations, users};
use crate::db::AnyConnection;
use crate::domain::member_rules::{self, MemberFacts};
use crate::domain::{Permission, RoleCatalog};
use crate::store::webhooks::{self, payload};

/// The columns of a `MemberRow`, in its order.
pub(super) const MEMBER_COLUMNS: (
    users::id,
    users::name,
    users::email,
    memberships::role,
    memberships::created_at,
    memberships::added_by,
) = (users::id, users::name, users::email, memberships::role, memberships::created_at, memberships::added_by);

#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub joined_at: PrimitiveDateTime,
    /// Who added them directly (no invitation), when someone did.
    pub added_by: Option<String>,
}

pub use crate::store::changes::{lock_org, Actor, MemberError};

/// How many members the organization has (a counter kept with each change).
pub fn count(conn: &mut AnyConnection, org_id: &str) -> QueryResult<i64> {
    let n: i32 = organizations::table.find(org_id).select(organizations::member_count).first(conn)?;
    Ok(i64::from(n))
}

/// Every membership is written through these two, which keep the
/// organization's member count in the same transaction and tell its
/// webhooks (`member.added` with `how`: invitation, direct, provisioning,
/// created, seeded; `member.removed` with `why`).
pub(crate) fn insert_membership(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    role: &str,
    how: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::org_id.eq(org_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role),
            memberships::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(organizations::table.find(org_id))
        .set(organizations::member_count.eq(organizations::member_count + 1))
        .execute(conn)?;
    webhooks::record(conn, org_id, "member.added", now, |conn| {
        let member = payload::member(conn, org_id, user_id)?;
        payload::about_org(conn, org_id, json!({ "member": member, "how": how }))
    })?;
    Ok(())
}

/// Ends a membership; `why` (left, removed, account deleted) also ends the
/// organization's paying for the person's personal usage, if it did.
pub(crate) fn delete_membership(
    conn: &mut AnyConnection,
    org_id: &str,
    target: &MemberRow,
    why: &str,
    actor: &Actor,
) -> QueryResult<()> {
    crate::store::billing::billed_members::end_on_departure(conn, org_id, &target.user_id, &target.email, why, actor)?;
    // Read while the membership still is.
    webhooks::record(conn, org_id, "member.removed", actor.now, |conn| {
        let member = payload::member(conn, org_id, &target.user_id)?;
        payload::about_org(conn, org_id, json!({ "member": member, "why": why }))
    })?;
    let n = diesel::delete(memberships::table.find((org_id, &target.user_id))).execute(conn)?;
    diesel::update(organizations::table.find(org_id))
        .set(organizations::member_count.eq(organizations::member_count - n as i32))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, org_id: &str, user_id: &str) -> QueryResult<Option<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq(user_id))
        .select(MEMBER_COLUMNS)
        .first(conn)
        .optional()
}

/// The memberships of these accounts in the organization (one statement).
pub(crate) fn find_many(conn: &mut AnyConnection, org_id: &str, user_ids: &[&str]) -> QueryResult<Vec<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::user_id.eq_any(user_ids))
        .select(MEMBER_COLUMNS)
        .load(conn)
}

pub(crate) fn managers(conn: &mut AnyConnection, org_id: &str, catalog: &RoleCatalog) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::org_id.eq(org_id))
        .filter(memberships::role.eq_any(catalog.roles_with(Permission::MembersManage)))
        .count()
        .get_result(conn)
}

fn target_in_tx(conn: &mut AnyConnection, org_id: &str, user_id: &str) -> Result<MemberRow, MemberError> {
    find(conn, org_id, user_id)?.ok_or(MemberError::NotFound)
}

pub fn change_role(
    conn: &mut AnyConnection,
    catalog: &RoleCatalog,
    org_id: &str,
    target_id: &str,
    new_role: &str,
    actor: &Actor,
) -> Result<(), MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, org_id)?;
        let target = target_in_tx(conn, org_id, target_id)?;
        let facts = MemberFacts { user_id: &target.user_id, role: &target.role, is_owner: target.user_id == owner };
        member_rules::check_role_change(catalog, &actor.user_id, &facts, new_role, managers(conn, org_id, catalog)?)?;
        if target.role == new_role {
            return Ok(());
        }
        write_role(conn, org_id, &target, new_role, actor)?;
        Ok(())
    })
}

/// Sets a member's role once the rules allowed it: the row, its activity
/// row (`member.role_change`) and the `member.role_changed` webhook.
pub(crate) fn write_role(
    conn: &mut AnyConnection,
    org_id: &str,
    target: &MemberRow,
    new_role: &str,
    actor: &Actor,
) -> QueryResult<()> {
    diesel::update(memberships::table.find((org_id, &target.user_id)))
        .set(memberships::role.eq(new_role))
        .execute(conn)?;
    actor.record(conn, org_id, "member.role_change", &target.email, &format!("{} → {new_role}", target.role))?;
    webhooks::record(conn, org_id, "member.role_changed", actor.now, |conn| {
        let member = payload::member(conn, org_id, &target.user_id)?;
        payload::about_org(conn, org_id, json!({ "member": member, "previous_role": target.role }))
    })?;
    Ok(())
}

pub fn remove(
    conn: &mut AnyConnection,
    catalog: &RoleCatalog,
    org_id: &str,
    target_id: &str,
    actor: &Actor,
) -> Result<MemberRow, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, org_id)?;
        let target = target_in_tx(conn, org_id, target_id)?;
        let facts = MemberFacts { user_id: &target.user_id, role: &target.role, is_owner: target.user_id == owner };
        member_rules::check_removal(catalog, &actor.user_id, &facts, managers(conn, org_id, catalog)?)?;
        delete_membership(conn, org_id, &target, "removed from the organization", actor)?;
        actor.record(conn, org_id, "member.remove", &target.email, &format!("role {}", target.role))?;
        Ok(target)
    })
}

pub fn leave(conn: &mut AnyConnection, catalog: &RoleCatalog, org_id: &str, actor: &Actor) -> Result<(), MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, org_id)?;
        let me = target_in_tx(conn, org_id, &actor.user_id)?;
        let facts = MemberFacts { user_id: &me.user_id, role: &me.role, is_owner: me.user_id == owner };
        member_rules::check_leave(catalog, &facts, managers(conn, org_id, catalog)?)?;
        delete_membership(conn, org_id, &me, "left the organization", actor)?;
        actor.record(conn, org_id, "member.leave", &me.email, "")?;
        Ok(())
    })
}

pub fn transfer_ownership(
    conn: &mut AnyConnection,
    catalog: &RoleCatalog,
    org_id: &str,
    target_id: &str,
    actor: &Actor,
) -> Result<MemberRow, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, org_id)?;
        let me = target_in_tx(conn, org_id, &actor.user_id)?;
        let target = target_in_tx(conn, org_id, target_id)?;
        let me_facts = MemberFacts { user_id: &me.user_id, role: &me.role, is_owner: me.user_id == owner };
        let target_facts = MemberFacts { user_id: &target.user_id, role: &target.role, is_owner: false };
        member_rules::check_transfer(catalog, &me_facts, &target_facts)?;
        diesel::update(organizations::table.find(org_id)).set(organizations::owner_id.eq(target_id)).execute(conn)?;
        actor.record(conn, org_id, "org.transfer", &target.email, &format!("from {}", me.email))?;
        Ok(target)
    })
}

/// Adds a member directly (seeding: the benchmark, the operator's tools and
/// tests); people normally join by accepting an invitation.
pub fn add(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    role: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| insert_membership(conn, org_id, user_id, role, "seeded", now))
}

/// The member's default project role: None "same as organization role", Some("") none.
pub fn default_project_role(conn: &mut AnyConnection, org_id: &str, user_id: &str) -> QueryResult<Option<String>> {
    Ok(memberships::table
        .find((org_id, user_id))
        .select(memberships::default_project_role)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Sets a member's default project role (None: same as organization role;
/// Some(""): none) and records `member.project_role`. False when unchanged.
pub fn set_default_project_role(
    conn: &mut AnyConnection,
    org_id: &str,
    target_id: &str,
    value: Option<&str>,
    actor: &Actor,
) -> Result<bool, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let target = target_in_tx(conn, org_id, target_id)?;
        let before = default_project_role(conn, org_id, target_id)?;
        if before.as_deref() == value {
            return Ok(false);
        }
        diesel::update(memberships::table.find((org_id, target_id)))
            .set(memberships::default_project_role.eq(value))
            .execute(conn)?;
        let say = |v: Option<&str>| match v {
            None => "same as organization role".to_string(),
            Some("") => "none".to_string(),
            Some(r) => r.to_string(),
        };
        let details = format!("default project role {} → {}", say(before.as_deref()), say(value));
        actor.record(conn, org_id, "member.project_role", &target.email, &details)?;
        Ok(true)
    })
}
