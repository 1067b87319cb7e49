//! The directory's Groups and who is in them, and the role the
//! Provisioning page maps a group to (none: stored, grants nothing). A
//! change to a mapped group's members, to its mapping or its deletion
//! recomputes the role of exactly the people it touched (roles).

use std::collections::BTreeSet;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::{roles, Ctx};
use crate::db::schema::{scim_group_members, scim_groups, scim_users};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
use crate::domain::scim::group::GroupAttrs;
use crate::domain::scim::group_patch::MemberChange;
use crate::domain::scim::{if_match_allows, ScimError};
use crate::store::changes::lock_org;
use crate::store::new_id;

#[derive(Debug, Clone, Queryable)]
pub struct GroupRow {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub role: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    #[diesel(deserialize_as = FastTimestamp)]
    pub updated_at: PrimitiveDateTime,
}

impl GroupRow {
    pub fn attrs(&self) -> GroupAttrs {
        GroupAttrs { display_name: self.display_name.clone(), external_id: self.external_id.clone() }
    }
}

macro_rules! columns {
    () => {
        (
            scim_groups::id,
            scim_groups::display_name,
            scim_groups::external_id,
            scim_groups::role,
            scim_groups::version,
            scim_groups::created_at,
            scim_groups::updated_at,
        )
    };
}

/// "1 member", "3 members".
fn people(n: usize) -> String {
    if n == 1 {
        "1 member".to_string()
    } else {
        format!("{n} members")
    }
}

pub const INDEXED: [&str; 3] = ["displayname", "externalid", "id"];

pub fn get(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<GroupRow>> {
    scim_groups::table
        .filter(scim_groups::org_id.eq(org_id))
        .filter(scim_groups::id.eq(id))
        .select(columns!())
        .first(conn)
        .optional()
}

pub fn by_key(conn: &mut AnyConnection, org_id: &str, key: &str, value: &str) -> QueryResult<Vec<GroupRow>> {
    let q = scim_groups::table.filter(scim_groups::org_id.eq(org_id)).select(columns!());
    match key {
        "displayname" => q.filter(scim_groups::display_key.eq(value.to_lowercase())).load(conn),
        "externalid" => q.filter(scim_groups::external_id.eq(value)).load(conn),
        _ => q.filter(scim_groups::id.eq(value)).load(conn),
    }
}

pub fn count(conn: &mut AnyConnection, org_id: &str) -> QueryResult<i64> {
    scim_groups::table.filter(scim_groups::org_id.eq(org_id)).count().get_result(conn)
}

pub fn page(
    conn: &mut AnyConnection,
    org_id: &str,
    offset: i64,
    limit: i64,
    descending: bool,
) -> QueryResult<Vec<GroupRow>> {
    let q = scim_groups::table.filter(scim_groups::org_id.eq(org_id)).select(columns!()).offset(offset).limit(limit);
    if descending {
        q.order(scim_groups::display_key.desc()).load(conn)
    } else {
        q.order(scim_groups::display_key.asc()).load(conn)
    }
}

pub fn all(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<GroupRow>> {
    scim_groups::table
        .filter(scim_groups::org_id.eq(org_id))
        .order(scim_groups::display_key)
        .select(columns!())
        .load(conn)
}

/// (group id, User id) of the members of these groups.
pub fn members(conn: &mut AnyConnection, group_ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    scim_group_members::table
        .filter(scim_group_members::group_id.eq_any(group_ids))
        .order((scim_group_members::group_id, scim_group_members::scim_user_id))
        .select((scim_group_members::group_id, scim_group_members::scim_user_id))
        .load(conn)
}

/// Each group with how many members it has, for the Provisioning page.
pub fn with_sizes(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<(GroupRow, i64)>> {
    let groups = all(conn, org_id)?;
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let pairs: Vec<String> = scim_group_members::table
        .filter(scim_group_members::group_id.eq_any(&ids))
        .select(scim_group_members::group_id)
        .load(conn)?;
    let mut sizes: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for group in pairs {
        *sizes.entry(group).or_default() += 1;
    }
    Ok(groups
        .into_iter()
        .map(|g| {
            let n = sizes.get(&g.id).copied().unwrap_or(0);
            (g, n)
        })
        .collect())
}

fn member_set(conn: &mut AnyConnection, group_id: &str) -> QueryResult<BTreeSet<String>> {
    let ids: Vec<String> = scim_group_members::table
        .filter(scim_group_members::group_id.eq(group_id))
        .select(scim_group_members::scim_user_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Refuses ids that are not Users of the organization.
fn check_users(conn: &mut AnyConnection, org_id: &str, ids: &BTreeSet<String>) -> Result<(), ScimError> {
    if ids.is_empty() {
        return Ok(());
    }
    let list: Vec<&String> = ids.iter().collect();
    let known: Vec<String> = scim_users::table
        .filter(scim_users::org_id.eq(org_id))
        .filter(scim_users::id.eq_any(&list))
        .select(scim_users::id)
        .load(conn)?;
    match ids.iter().find(|i| !known.contains(i)) {
        Some(missing) => {
            Err(ScimError::invalid_value(format!("members: no User of this organization has id “{missing}”.")))
        }
        None => Ok(()),
    }
}

fn name_taken(conn: &mut AnyConnection, org_id: &str, name: &str, except: &str) -> Result<(), ScimError> {
    let n: i64 = scim_groups::table
        .filter(scim_groups::org_id.eq(org_id))
        .filter(scim_groups::display_key.eq(name.to_lowercase()))
        .filter(scim_groups::id.ne(except))
        .count()
        .get_result(conn)?;
    if n > 0 {
        return Err(ScimError::uniqueness(format!("A Group named “{name}” already exists.")));
    }
    Ok(())
}

pub fn create(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    attrs: &GroupAttrs,
    members: &[String],
) -> Result<GroupRow, ScimError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, ctx.org_id)?;
        name_taken(conn, ctx.org_id, &attrs.display_name, "")?;
        let wanted: BTreeSet<String> = members.iter().cloned().collect();
        check_users(conn, ctx.org_id, &wanted)?;
        let id = new_id();
        diesel::insert_into(scim_groups::table)
            .values((
                scim_groups::id.eq(&id),
                scim_groups::org_id.eq(ctx.org_id),
                scim_groups::display_name.eq(&attrs.display_name),
                scim_groups::display_key.eq(attrs.display_name.to_lowercase()),
                scim_groups::external_id.eq(&attrs.external_id),
                scim_groups::version.eq(1),
                scim_groups::created_at.eq(ctx.actor.now),
                scim_groups::updated_at.eq(ctx.actor.now),
            ))
            .execute(conn)?;
        add_members(conn, &id, &wanted)?;
        let details = people(wanted.len());
        ctx.actor.record(conn, ctx.org_id, "scim.group_create", &attrs.display_name, &details)?;
        Ok(get(conn, ctx.org_id, &id)?.ok_or(diesel::result::Error::NotFound)?)
    })
}

fn add_members(conn: &mut AnyConnection, group_id: &str, ids: &BTreeSet<String>) -> QueryResult<()> {
    for u in ids {
        diesel::insert_into(scim_group_members::table)
            .values((scim_group_members::group_id.eq(group_id), scim_group_members::scim_user_id.eq(u)))
            .execute(conn)?;
    }
    Ok(())
}

/// Changes a group: its attributes when given, then its members change by
/// change; the people whose membership moved get their role again when
/// the group is mapped. PUT is `Some(attrs)` and one `Replace`.
pub fn update(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    id: &str,
    attrs: Option<&GroupAttrs>,
    changes: &[MemberChange],
    if_match: Option<&str>,
) -> Result<GroupRow, ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        let row = get(conn, ctx.org_id, id)?.ok_or_else(|| ScimError::not_found("Group"))?;
        if let Some(h) = if_match.filter(|h| !if_match_allows(h, row.version)) {
            return Err(ScimError::new(412, None, format!("The Group changed since {h} (If-Match); read it again.")));
        }
        let before = member_set(conn, id)?;
        let mut now_in = before.clone();
        for change in changes {
            match change {
                MemberChange::Add(ids) => now_in.extend(ids.iter().cloned()),
                MemberChange::Remove(ids) => ids.iter().for_each(|i| {
                    now_in.remove(i);
                }),
                MemberChange::RemoveAll => now_in.clear(),
                MemberChange::Replace(ids) => now_in = ids.iter().cloned().collect(),
                MemberChange::RemoveMatching(f) => {
                    now_in.retain(|i| !f.matches(&serde_json::json!({ "value": i })));
                }
            }
        }
        let added: BTreeSet<String> = now_in.difference(&before).cloned().collect();
        let removed: Vec<String> = before.difference(&now_in).cloned().collect();
        check_users(conn, ctx.org_id, &added)?;
        let renamed = attrs.is_some_and(|a| *a != row.attrs());
        if !renamed && added.is_empty() && removed.is_empty() {
            return Ok(row);
        }
        if let Some(a) = attrs.filter(|_| renamed) {
            name_taken(conn, ctx.org_id, &a.display_name, id)?;
            diesel::update(scim_groups::table.find(id))
                .set((
                    scim_groups::display_name.eq(&a.display_name),
                    scim_groups::display_key.eq(a.display_name.to_lowercase()),
                    scim_groups::external_id.eq(&a.external_id),
                ))
                .execute(conn)?;
        }
        add_members(conn, id, &added)?;
        for chunk in removed.chunks(400) {
            diesel::delete(
                scim_group_members::table
                    .filter(scim_group_members::group_id.eq(id))
                    .filter(scim_group_members::scim_user_id.eq_any(chunk)),
            )
            .execute(conn)?;
        }
        diesel::update(scim_groups::table.find(id))
            .set((scim_groups::version.eq(scim_groups::version + 1), scim_groups::updated_at.eq(ctx.actor.now)))
            .execute(conn)?;
        let name = attrs.map_or(row.display_name.clone(), |a| a.display_name.clone());
        let renamed_too = if renamed { ", renamed" } else { "" };
        let details = format!("{} added, {} removed{renamed_too}", people(added.len()), removed.len());
        ctx.actor.record(conn, ctx.org_id, "scim.group_update", &name, &details)?;
        if row.role.is_some() {
            let touched: Vec<String> = added.into_iter().chain(removed).collect();
            roles::recompute(conn, ctx, &owner, &touched)?;
        }
        Ok(get(conn, ctx.org_id, id)?.ok_or(diesel::result::Error::NotFound)?)
    })
}

pub fn delete(conn: &mut AnyConnection, ctx: &Ctx<'_>, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        let row = get(conn, ctx.org_id, id)?.ok_or_else(|| ScimError::not_found("Group"))?;
        if if_match.is_some_and(|h| !if_match_allows(h, row.version)) {
            return Err(ScimError::new(412, None, "The Group changed since that version (If-Match); read it again."));
        }
        let touched: Vec<String> = member_set(conn, id)?.into_iter().collect();
        diesel::delete(scim_group_members::table.filter(scim_group_members::group_id.eq(id))).execute(conn)?;
        diesel::delete(scim_groups::table.find(id)).execute(conn)?;
        ctx.actor.record(conn, ctx.org_id, "scim.group_delete", &row.display_name, &people(touched.len()))?;
        if row.role.is_some() {
            roles::recompute(conn, ctx, &owner, &touched)?;
        }
        Ok(())
    })
}

/// Maps a group to a role (None: it grants nothing) and gives its members
/// their roles again. Refused as a whole when the last-manager rule would break.
pub fn set_role(conn: &mut AnyConnection, ctx: &Ctx<'_>, id: &str, role: Option<&str>) -> Result<bool, ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        let row = get(conn, ctx.org_id, id)?.ok_or_else(|| ScimError::not_found("Group"))?;
        if row.role.as_deref() == role {
            return Ok(false);
        }
        diesel::update(scim_groups::table.find(id)).set(scim_groups::role.eq(role)).execute(conn)?;
        let details = format!("{} → {}", row.role.as_deref().unwrap_or("no role"), role.unwrap_or("no role"));
        ctx.actor.record(conn, ctx.org_id, "scim.group_role", &row.display_name, &details)?;
        let touched: Vec<String> = member_set(conn, id)?.into_iter().collect();
        roles::recompute(conn, ctx, &owner, &touched)?;
        Ok(true)
    })
}
