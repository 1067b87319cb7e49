//! The role a person's groups give. Each Group may be mapped to a role on
//! the Provisioning page; a person in several mapped groups gets the one
//! that grants the most (most permissions; the catalog's order breaks a
//! tie), and one in none falls back to the organization's SCIM default
//! role. Recomputed for exactly the people a change touched, inside its
//! transaction: a result the last-manager rule refuses undoes the change.
//! The primary owner keeps the owner role whatever the groups say.

use diesel::prelude::*;

use super::{rule, Ctx, RULES_ACTOR};
use crate::db::schema::{scim_group_members, scim_groups, scim_users};
use crate::db::AnyConnection;
use crate::domain::member_rules::{self, MemberFacts};
use crate::domain::scim::ScimError;
use crate::domain::RoleCatalog;
use crate::store::changes::lock_org;
use crate::store::members::{find as find_member, managers, write_role};

/// Of `roles`, the one that grants the most.
pub fn strongest(catalog: &RoleCatalog, roles: &[String]) -> Option<String> {
    let mut best: Option<&crate::domain::roles::Role> = None;
    for r in catalog.roles().iter().filter(|r| roles.contains(&r.name)) {
        if best.is_none_or(|b| r.permissions.len() > b.permissions.len()) {
            best = Some(r);
        }
    }
    best.map(|r| r.name.clone())
}

/// The role the person's mapped groups give, if any maps.
pub fn mapped_role(conn: &mut AnyConnection, catalog: &RoleCatalog, scim_user_id: &str) -> QueryResult<Option<String>> {
    let roles: Vec<Option<String>> = scim_group_members::table
        .inner_join(scim_groups::table)
        .filter(scim_group_members::scim_user_id.eq(scim_user_id))
        .filter(scim_groups::role.is_not_null())
        .select(scim_groups::role)
        .load(conn)?;
    Ok(strongest(catalog, &roles.into_iter().flatten().collect::<Vec<_>>()))
}

/// Gives each of these Users the role their groups give now.
pub fn recompute(conn: &mut AnyConnection, ctx: &Ctx<'_>, scim_user_ids: &[String]) -> Result<(), ScimError> {
    let owner = lock_org(conn, ctx.org_id)?;
    for id in scim_user_ids {
        let row: Option<(String, bool)> = scim_users::table
            .filter(scim_users::org_id.eq(ctx.org_id))
            .filter(scim_users::id.eq(id))
            .select((scim_users::user_id, scim_users::active))
            .first(conn)
            .optional()?;
        let Some((user_id, active)) = row else { continue };
        let target = mapped_role(conn, ctx.catalog, id)?.unwrap_or_else(|| ctx.default_role.to_string());
        if !active {
            diesel::update(scim_users::table.find(id)).set(scim_users::suspended_role.eq(&target)).execute(conn)?;
            continue;
        }
        let Some(member) = find_member(conn, ctx.org_id, &user_id)? else { continue };
        if member.user_id == owner || member.role == target {
            continue;
        }
        let facts = MemberFacts { user_id: &member.user_id, role: &member.role, is_owner: false };
        member_rules::check_role_change(
            ctx.catalog,
            RULES_ACTOR,
            &facts,
            &target,
            managers(conn, ctx.org_id, ctx.catalog)?,
        )
        .map_err(rule)?;
        write_role(conn, ctx.org_id, &member, &target, ctx.actor)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_that_grants_most_wins() {
        let c = RoleCatalog::builtin();
        let s = |r: &[&str]| strongest(&c, &r.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["View-only", "Admin"]).as_deref(), Some("Admin"));
        assert_eq!(s(&["Billing", "Technical user"]).as_deref(), Some("Technical user"));
        assert_eq!(s(&["Nope"]), None);
        assert_eq!(s(&[]), None);
    }
}
