//! Changes to the directory's Users: each maps to an account and, while
//! active, to its membership. Create adopts the verified account of the
//! address (or makes one that its SSO sign-in will claim), replace writes
//! what the directory sent, `active: false` suspends (the membership ends,
//! the role is kept to give back) and delete removes the member. The rows
//! and lookups are in user_rows.

use diesel::prelude::*;
use time::PrimitiveDateTime;

pub use super::user_rows::{all, by_key, count, get, page, suspended, UserRow, INDEXED};
use super::{roles, rule, Ctx, RULES_ACTOR};
use crate::db::schema::{org_domains, scim_users, users};
use crate::db::AnyConnection;
use crate::domain::member_rules::{self, MemberFacts};
use crate::domain::scim::user::UserAttrs;
use crate::domain::scim::{if_match_allows, ScimError};
use crate::domain::verified_domain::domain_of;
use crate::store::changes::lock_org;
use crate::store::members::{delete_membership, find as find_member, insert_membership, managers};
use crate::store::new_id;
use crate::store::outbox::{self, OutgoingMail};

fn taken(conn: &mut AnyConnection, org_id: &str, user_name: &str, except: &str) -> QueryResult<bool> {
    let n: i64 = scim_users::table
        .filter(scim_users::org_id.eq(org_id))
        .filter(scim_users::user_name_key.eq(user_name.to_lowercase()))
        .filter(scim_users::id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn check_version(row: &UserRow, if_match: Option<&str>) -> Result<(), ScimError> {
    match if_match {
        Some(h) if !if_match_allows(h, row.version) => {
            Err(ScimError::new(412, None, "The User changed since that version (If-Match); read it again."))
        }
        _ => Ok(()),
    }
}

/// The mail a new member gets: (their name, address, role) to the mail, if any.
pub type Welcome<'a> = &'a (dyn Fn(&str, &str, &str) -> Option<OutgoingMail> + Send + Sync);

pub fn create(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    attrs: &UserAttrs,
    welcome: Welcome<'_>,
) -> Result<UserRow, ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        if taken(conn, ctx.org_id, &attrs.user_name, "")? {
            return Err(ScimError::uniqueness(format!("A User with userName “{}” already exists.", attrs.user_name)));
        }
        let now = ctx.actor.now;
        let address = attrs.address();
        // The verified account of the address joins when it is already a
        // member or the address is at a domain this organization verified
        // (a directory cannot pull in anyone's account); else a new account,
        // which the person's first SSO sign-in claims (domains::sso_sign_in::holder).
        let existing = if address.is_empty() { None } else { adoptable(conn, ctx.org_id, &address)? };
        let user_id = match existing {
            Some(id) => {
                let provisioned: i64 = scim_users::table
                    .filter(scim_users::org_id.eq(ctx.org_id))
                    .filter(scim_users::user_id.eq(&id))
                    .count()
                    .get_result(conn)?;
                if provisioned > 0 {
                    return Err(ScimError::uniqueness(format!(
                        "The account of {address} is already a User of this directory."
                    )));
                }
                id
            }
            None => {
                let id = new_id();
                diesel::insert_into(users::table)
                    .values((
                        users::id.eq(&id),
                        users::email.eq(&address),
                        users::email_verified.eq(false),
                        users::name.eq(attrs.shown_name()),
                        users::created_at.eq(now),
                        users::last_sign_in_at.eq(now),
                    ))
                    .execute(conn)?;
                id
            }
        };
        let member = find_member(conn, ctx.org_id, &user_id)?;
        let id = new_id();
        diesel::insert_into(scim_users::table)
            .values((
                scim_users::id.eq(&id),
                scim_users::org_id.eq(ctx.org_id),
                scim_users::user_id.eq(&user_id),
                scim_users::user_name.eq(&attrs.user_name),
                scim_users::user_name_key.eq(attrs.user_name.to_lowercase()),
                scim_users::display_name.eq(""),
                scim_users::given_name.eq(""),
                scim_users::family_name.eq(""),
                scim_users::email.eq(""),
                scim_users::email_key.eq(""),
                scim_users::email_type.eq(""),
                scim_users::email_primary.eq(None::<bool>),
                scim_users::employee_number.eq(""),
                scim_users::department.eq(""),
                scim_users::active.eq(member.is_some() || attrs.is_active()),
                scim_users::active_sent.eq(attrs.active.is_some()),
                scim_users::suspended_role.eq(None::<String>),
                scim_users::version.eq(0),
                scim_users::created_at.eq(now),
                scim_users::updated_at.eq(now),
            ))
            .execute(conn)?;
        write_attrs(conn, &id, attrs, now)?;
        let label = if address.is_empty() { attrs.user_name.clone() } else { address.clone() };
        match member {
            Some(m) => ctx.actor.record(
                conn,
                ctx.org_id,
                "member.scim_link",
                &label,
                &format!("already a member, role {}", m.role),
            )?,
            None if attrs.is_active() => {
                insert_membership(conn, ctx.org_id, &user_id, ctx.default_role, "scim", now)?;
                ctx.actor.record(
                    conn,
                    ctx.org_id,
                    "member.scim_create",
                    &label,
                    &format!("role {}", ctx.default_role),
                )?;
                let name: String = users::table.find(&user_id).select(users::name).first(conn)?;
                if let Some(m) = (!address.is_empty()).then(|| welcome(&name, &address, ctx.default_role)).flatten() {
                    outbox::enqueue_for(conn, None, &m, now)?;
                }
            }
            None => {
                diesel::update(scim_users::table.find(&id))
                    .set(scim_users::suspended_role.eq(ctx.default_role))
                    .execute(conn)?;
                ctx.actor.record(conn, ctx.org_id, "member.scim_create", &label, "suspended (active: false)")?;
            }
        }
        let row = get(conn, ctx.org_id, &id)?.ok_or(diesel::result::Error::NotFound)?;
        if !attrs.is_active() && row.active {
            return set_active(conn, ctx, &owner, row, false);
        }
        Ok(row)
    })
}

fn adoptable(conn: &mut AnyConnection, org_id: &str, address: &str) -> QueryResult<Option<String>> {
    let verified: Vec<String> = users::table
        .filter(users::email.eq(address))
        .filter(users::email_verified.eq(true))
        .select(users::id)
        .load(conn)?;
    let ours = match domain_of(address) {
        Some(d) => {
            let n: i64 = org_domains::table
                .filter(org_domains::org_id.eq(org_id))
                .filter(org_domains::domain.eq(d))
                .filter(org_domains::verified_at.is_not_null())
                .count()
                .get_result(conn)?;
            n > 0
        }
        None => false,
    };
    for id in verified {
        if ours || find_member(conn, org_id, &id)?.is_some() {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Writes the attributes and moves the version; the account's name follows,
/// and its address while it has not been proven by a sign-in.
fn write_attrs(conn: &mut AnyConnection, id: &str, a: &UserAttrs, now: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(scim_users::table.find(id))
        .set((
            scim_users::external_id.eq(&a.external_id),
            scim_users::user_name.eq(&a.user_name),
            scim_users::user_name_key.eq(a.user_name.to_lowercase()),
            scim_users::display_name.eq(&a.display_name),
            scim_users::given_name.eq(&a.given_name),
            scim_users::family_name.eq(&a.family_name),
            scim_users::email.eq(&a.email),
            scim_users::email_key.eq(a.email.to_lowercase()),
            scim_users::email_type.eq(&a.email_type),
            scim_users::email_primary.eq(a.email_primary),
            scim_users::active_sent.eq(a.active.is_some()),
            scim_users::employee_number.eq(&a.employee_number),
            scim_users::department.eq(&a.department),
            scim_users::version.eq(scim_users::version + 1),
            scim_users::updated_at.eq(now),
        ))
        .execute(conn)?;
    let user_id: String = scim_users::table.find(id).select(scim_users::user_id).first(conn)?;
    diesel::update(users::table.find(&user_id)).set(users::name.eq(a.shown_name())).execute(conn)?;
    let address = a.address();
    if !address.is_empty() {
        diesel::update(users::table.find(&user_id).filter(users::email_verified.eq(false)))
            .set(users::email.eq(address))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the User's attributes with `attrs` (PUT, or a PATCH applied).
pub fn replace(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    id: &str,
    attrs: &UserAttrs,
    if_match: Option<&str>,
) -> Result<UserRow, ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        let row = get(conn, ctx.org_id, id)?.ok_or_else(|| ScimError::not_found("User"))?;
        check_version(&row, if_match)?;
        if taken(conn, ctx.org_id, &attrs.user_name, id)? {
            return Err(ScimError::uniqueness(format!("A User with userName “{}” already exists.", attrs.user_name)));
        }
        let before = row.attrs();
        if before == *attrs {
            return Ok(row);
        }
        write_attrs(conn, id, attrs, ctx.actor.now)?;
        let row = get(conn, ctx.org_id, id)?.ok_or(diesel::result::Error::NotFound)?;
        if before.is_active() != attrs.is_active() {
            return set_active(conn, ctx, &owner, row, attrs.is_active());
        }
        let changed = changed_names(&before, attrs);
        let who = label(conn, &row)?;
        ctx.actor.record(conn, ctx.org_id, "member.scim_update", &who, &changed)?;
        Ok(row)
    })
}

fn changed_names(a: &UserAttrs, b: &UserAttrs) -> String {
    let pairs = [
        ("userName", a.user_name != b.user_name),
        ("externalId", a.external_id != b.external_id),
        ("displayName", a.display_name != b.display_name),
        ("name", a.given_name != b.given_name || a.family_name != b.family_name),
        ("emails", a.email != b.email || a.email_type != b.email_type || a.email_primary != b.email_primary),
        ("active", a.active != b.active),
        ("enterprise", a.employee_number != b.employee_number || a.department != b.department),
    ];
    let names: Vec<&str> = pairs.iter().filter(|(_, c)| *c).map(|(n, _)| *n).collect();
    format!("changed {}", names.join(", "))
}

fn label(conn: &mut AnyConnection, row: &UserRow) -> QueryResult<String> {
    let email: String = users::table.find(&row.user_id).select(users::email).first(conn)?;
    Ok(if email.is_empty() { row.user_name.clone() } else { email })
}

/// Suspends (`active` false: the membership ends, its role is kept) or
/// restores (the kept role, or what the person's mapped groups give).
fn set_active(
    conn: &mut AnyConnection,
    ctx: &Ctx<'_>,
    owner: &str,
    row: UserRow,
    active: bool,
) -> Result<UserRow, ScimError> {
    let who = label(conn, &row)?;
    if active {
        let role = roles::mapped_role(conn, ctx.catalog, &row.id)?
            .or(row.suspended_role.clone())
            .unwrap_or_else(|| ctx.default_role.to_string());
        let role = if ctx.catalog.get(&role).is_some() { role } else { ctx.default_role.to_string() };
        if find_member(conn, ctx.org_id, &row.user_id)?.is_none() {
            insert_membership(conn, ctx.org_id, &row.user_id, &role, "scim", ctx.actor.now)?;
        }
        diesel::update(scim_users::table.find(&row.id))
            .set((scim_users::active.eq(true), scim_users::suspended_role.eq(None::<String>)))
            .execute(conn)?;
        ctx.actor.record(conn, ctx.org_id, "member.restore", &who, &format!("active: true, role {role}"))?;
    } else {
        let role = match find_member(conn, ctx.org_id, &row.user_id)? {
            Some(m) => {
                let facts = MemberFacts { user_id: &m.user_id, role: &m.role, is_owner: m.user_id == owner };
                member_rules::check_removal(ctx.catalog, RULES_ACTOR, &facts, managers(conn, ctx.org_id, ctx.catalog)?)
                    .map_err(rule)?;
                delete_membership(conn, ctx.org_id, &m, "suspended by the organization's directory", ctx.actor)?;
                m.role
            }
            None => row.suspended_role.clone().unwrap_or_else(|| ctx.default_role.to_string()),
        };
        diesel::update(scim_users::table.find(&row.id))
            .set((scim_users::active.eq(false), scim_users::suspended_role.eq(&role)))
            .execute(conn)?;
        ctx.actor.record(conn, ctx.org_id, "member.suspend", &who, &format!("active: false, role {role} kept"))?;
    }
    Ok(get(conn, ctx.org_id, &row.id)?.ok_or(diesel::result::Error::NotFound)?)
}

/// Deletes the User: the member is removed (the account stays).
pub fn delete(conn: &mut AnyConnection, ctx: &Ctx<'_>, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
    crate::db::write_transaction(conn, |conn| {
        let owner = lock_org(conn, ctx.org_id)?;
        let row = get(conn, ctx.org_id, id)?.ok_or_else(|| ScimError::not_found("User"))?;
        check_version(&row, if_match)?;
        let who = label(conn, &row)?;
        if let Some(m) = find_member(conn, ctx.org_id, &row.user_id)? {
            let facts = MemberFacts { user_id: &m.user_id, role: &m.role, is_owner: m.user_id == owner };
            member_rules::check_removal(ctx.catalog, RULES_ACTOR, &facts, managers(conn, ctx.org_id, ctx.catalog)?)
                .map_err(rule)?;
            delete_membership(conn, ctx.org_id, &m, "removed by the organization's directory", ctx.actor)?;
            ctx.actor.record(conn, ctx.org_id, "member.remove", &who, &format!("role {}", m.role))?;
        } else {
            ctx.actor.record(conn, ctx.org_id, "member.scim_delete", &who, "was suspended")?;
        }
        diesel::delete(scim_users::table.find(id)).execute(conn)?;
        Ok(())
    })
}
