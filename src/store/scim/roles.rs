//! The role a person's groups give. Each Group may be mapped to a role on
//! the Provisioning page; a person in several mapped groups gets the one
//! that grants the most (most permissions; the catalog's order breaks a
//! tie), and one in none falls back to the organization's SCIM default
//! role. Recomputed for exactly the people a change touched, inside its
//! transaction, a few statements for all of them (plus each role change's
//! own row, activity and webhook): a result the last-manager rule refuses
//! undoes the change. The primary owner keeps the owner role whatever the
//! groups say.

use std::collections::HashMap;

use diesel::prelude::*;

use super::{rule, Ctx, RULES_ACTOR};
use crate::db::schema::{scim_group_members, scim_groups, scim_users};
use crate::db::AnyConnection;
use crate::domain::member_rules::{self, MemberFacts};
use crate::domain::scim::ScimError;
use crate::domain::{Permission, RoleCatalog};
use crate::store::members::{find_many, managers, write_role};

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

/// (User id, role) of every mapped group these Users are in.
fn mapped_roles(conn: &mut AnyConnection, scim_user_ids: &[&str]) -> QueryResult<Vec<(String, Option<String>)>> {
    scim_group_members::table
        .inner_join(scim_groups::table)
        .filter(scim_group_members::scim_user_id.eq_any(scim_user_ids))
        .filter(scim_groups::role.is_not_null())
        .select((scim_group_members::scim_user_id, scim_groups::role))
        .load(conn)
}

/// The role the person's mapped groups give, if any maps.
pub fn mapped_role(conn: &mut AnyConnection, catalog: &RoleCatalog, scim_user_id: &str) -> QueryResult<Option<String>> {
    let roles = mapped_roles(conn, &[scim_user_id])?.into_iter().filter_map(|(_, r)| r).collect::<Vec<_>>();
    Ok(strongest(catalog, &roles))
}

/// Gives each of these Users the role their groups give now. `owner`: the
/// organization's primary owner, as the caller's lock_org returned it.
pub fn recompute(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    owner: &str,
    scim_user_ids: &[String],
) -> Result<(), ScimError> {
    let mut managing: Option<i64> = None;
    for chunk in scim_user_ids.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let people: Vec<(String, String, bool)> = scim_users::table
            .filter(scim_users::org_id.eq(ctx.org_id))
            .filter(scim_users::id.eq_any(&ids))
            .select((scim_users::id, scim_users::user_id, scim_users::active))
            .load(conn)?;
        let mut groups_give: HashMap<String, Vec<String>> = HashMap::new();
        for (id, role) in mapped_roles(conn, &ids)? {
            groups_give.entry(id).or_default().extend(role);
        }
        let target = |id: &str| {
            let given = groups_give.get(id).map(Vec::as_slice).unwrap_or_default();
            strongest(ctx.catalog, given).unwrap_or_else(|| ctx.default_role.to_string())
        };
        // The suspended keep the role to come back with, one statement per role.
        let mut kept: HashMap<String, Vec<&str>> = HashMap::new();
        for (id, _, _) in people.iter().filter(|(_, _, active)| !active) {
            kept.entry(target(id)).or_default().push(id);
        }
        for (role, who) in kept {
            diesel::update(scim_users::table.filter(scim_users::id.eq_any(who)))
                .set(scim_users::suspended_role.eq(role))
                .execute(conn)?;
        }
        let accounts: HashMap<&str, &str> =
            people.iter().filter(|(_, _, active)| *active).map(|(id, user, _)| (user.as_str(), id.as_str())).collect();
        let account_ids: Vec<&str> = accounts.keys().copied().collect();
        for member in find_many(conn, ctx.org_id, &account_ids)? {
            let wanted = target(accounts[member.user_id.as_str()]);
            if member.user_id == owner || member.role == wanted {
                continue;
            }
            let n = match managing {
                Some(n) => n,
                None => managers(conn, ctx.org_id, ctx.catalog)?,
            };
            let facts = MemberFacts { user_id: &member.user_id, role: &member.role, is_owner: false };
            member_rules::check_role_change(ctx.catalog, RULES_ACTOR, &facts, &wanted, n).map_err(rule)?;
            let manages = |r: &str| i64::from(ctx.catalog.grants(r, Permission::MembersManage));
            managing = Some(n - manages(&member.role) + manages(&wanted));
            write_role(conn, ctx.org_id, &member, &wanted, ctx.actor)?;
        }
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
