//! SCIM tokens (`org.manage`, on Single sign-on → Provisioning): made with
//! a name and shown once (only a hash is kept), listed with when they were
//! last used, rotated (a new secret, the old one stops at once) and
//! revoked; looked up by the SCIM endpoint with their organization.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{organizations, scim_tokens, users};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
use crate::store::changes::{lock_org, Actor, MemberError};
use crate::store::new_id;
use crate::store::orgs::Org;

#[derive(Debug, Clone, Queryable)]
pub struct TokenRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub created_by: Option<String>,
    pub creator_name: String,
    #[diesel(deserialize_as = FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
}

impl TokenRow {
    /// Who the activity log says acts.
    pub fn acting_label(&self) -> String {
        format!("SCIM (token {})", self.name)
    }

    /// "Last used" is written at most once a minute per token.
    pub fn needs_touch(&self, now: PrimitiveDateTime) -> bool {
        self.last_used_at.is_none_or(|t| now - t >= time::Duration::minutes(1))
    }
}

macro_rules! token_columns {
    () => {
        (
            scim_tokens::id,
            scim_tokens::org_id,
            scim_tokens::name,
            scim_tokens::created_by,
            scim_tokens::creator_name,
            scim_tokens::created_at,
            scim_tokens::last_used_at,
            scim_tokens::revoked_at,
        )
    };
}

/// The organization's tokens, working ones first, newest first.
pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<TokenRow>> {
    let mut rows: Vec<TokenRow> = scim_tokens::table
        .filter(scim_tokens::org_id.eq(org_id))
        .order(scim_tokens::created_at.desc())
        .select(token_columns!())
        .load(conn)?;
    rows.sort_by_key(|r| r.revoked_at.is_some());
    Ok(rows)
}

fn insert(conn: &mut AnyConnection, org_id: &str, name: &str, hash: &str, actor: &Actor) -> QueryResult<String> {
    let creator: String = users::table.find(&actor.user_id).select(users::name).first(conn)?;
    let id = new_id();
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::id.eq(&id),
            scim_tokens::org_id.eq(org_id),
            scim_tokens::name.eq(name),
            scim_tokens::token_hash.eq(hash),
            scim_tokens::created_by.eq(&actor.user_id),
            scim_tokens::creator_name.eq(creator),
            scim_tokens::created_at.eq(actor.now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn create(
    conn: &mut AnyConnection,
    org_id: &str,
    name: &str,
    hash: &str,
    actor: &Actor,
) -> Result<String, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let id = insert(conn, org_id, name, hash, actor)?;
        actor.record(conn, org_id, "scim.token_create", name, "")?;
        Ok(id)
    })
}

fn working(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<String>> {
    scim_tokens::table
        .filter(scim_tokens::org_id.eq(org_id))
        .filter(scim_tokens::id.eq(id))
        .filter(scim_tokens::revoked_at.is_null())
        .select(scim_tokens::name)
        .first(conn)
        .optional()
}

/// Revokes a working token of the organization; its name, or None.
pub fn revoke(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<Option<String>, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let Some(name) = working(conn, org_id, id)? else { return Ok(None) };
        diesel::update(scim_tokens::table.find(id)).set(scim_tokens::revoked_at.eq(actor.now)).execute(conn)?;
        actor.record(conn, org_id, "scim.token_revoke", &name, "")?;
        Ok(Some(name))
    })
}

/// Replaces a working token by a new one of the same name (`hash`); the
/// old one stops at once. The name, or None.
pub fn rotate(
    conn: &mut AnyConnection,
    org_id: &str,
    id: &str,
    hash: &str,
    actor: &Actor,
) -> Result<Option<String>, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let Some(name) = working(conn, org_id, id)? else { return Ok(None) };
        diesel::update(scim_tokens::table.find(id)).set(scim_tokens::revoked_at.eq(actor.now)).execute(conn)?;
        insert(conn, org_id, &name, hash, actor)?;
        actor.record(conn, org_id, "scim.token_rotate", &name, "a new secret; the old one stopped")?;
        Ok(Some(name))
    })
}

/// The working token of `hash` and its organization.
pub fn find(conn: &mut AnyConnection, hash: &str) -> QueryResult<Option<(TokenRow, Org)>> {
    let row: Option<TokenRow> = scim_tokens::table
        .filter(scim_tokens::token_hash.eq(hash))
        .filter(scim_tokens::revoked_at.is_null())
        .select(token_columns!())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let org = organizations::table.find(&row.org_id).select(Org::as_select()).first(conn).optional()?;
    Ok(org.map(|o| (row, o)))
}

pub fn touch(conn: &mut AnyConnection, id: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    diesel::update(scim_tokens::table.find(id)).set(scim_tokens::last_used_at.eq(now)).execute(conn)?;
    Ok(())
}
