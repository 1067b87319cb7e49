//! Organization API keys (`api_keys.manage`): created with a hash of the key
//! and the permissions it holds, listed with their state, revoked, and
//! looked up by the management API with its creator's current membership.
//! The answers kept for `Idempotency-Key` are in [`idempotency`].

pub mod idempotency;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{api_keys, memberships, organizations};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
use crate::domain::api_key::{self, Inactive};
use crate::store::changes::{lock_org, Actor};
use crate::store::new_id;
use crate::store::orgs::Org;

/// A key as listed, with the membership of its creator that makes it work.
#[derive(Debug, Clone, Queryable)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub created_by: String,
    pub creator_name: String,
    #[diesel(deserialize_as = FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
    /// When the creator's current membership began; None: not a member.
    pub creator_joined: Option<PrimitiveDateTime>,
    /// The creator's current role, when a member.
    pub creator_role: Option<String>,
}

impl KeyRow {
    pub fn state(&self, now: PrimitiveDateTime) -> Result<(), Inactive> {
        api_key::state(self.revoked_at.is_some(), self.expires_at, self.created_at, self.creator_joined, now)
    }

    /// Who the activity log says acts with this key.
    pub fn acting_label(&self) -> String {
        api_key::acting_label(&self.name, &self.creator_name)
    }
}

macro_rules! with_creator {
    () => {
        api_keys::table.left_join(
            memberships::table
                .on(memberships::org_id.eq(api_keys::org_id).and(memberships::user_id.eq(api_keys::created_by))),
        )
    };
}

macro_rules! key_columns {
    () => {
        (
            api_keys::id,
            api_keys::name,
            api_keys::permissions,
            api_keys::created_by,
            api_keys::creator_name,
            api_keys::created_at,
            api_keys::expires_at,
            api_keys::last_used_at,
            api_keys::revoked_at,
            memberships::created_at.nullable(),
            memberships::role.nullable(),
        )
    };
}

/// The organization's keys, newest first.
pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<KeyRow>> {
    with_creator!()
        .filter(api_keys::org_id.eq(org_id))
        .select(key_columns!())
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .load(conn)
}

pub struct NewKey<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub permissions: &'a str,
    pub creator_name: &'a str,
    pub expires_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("An active key of this name exists already; choose another name.")]
    NameTaken,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Creates the key (its name unique among the organization's working keys)
/// and records `api_key.create`.
pub fn create(conn: &mut AnyConnection, org_id: &str, new: &NewKey<'_>, actor: &Actor) -> Result<String, KeyError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| KeyError::NotFound)?;
        let now = actor.now;
        let same_name: Vec<KeyRow> = with_creator!()
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::name.eq(new.name))
            .select(key_columns!())
            .load(conn)?;
        let taken = same_name.iter().any(|k| k.state(now).is_ok());
        if taken {
            return Err(KeyError::NameTaken);
        }
        let id = new_id();
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(&id),
                api_keys::org_id.eq(org_id),
                api_keys::name.eq(new.name),
                api_keys::token_hash.eq(new.token_hash),
                api_keys::permissions.eq(new.permissions),
                api_keys::created_by.eq(&actor.user_id),
                api_keys::creator_name.eq(new.creator_name),
                api_keys::created_at.eq(now),
                api_keys::expires_at.eq(new.expires_at),
            ))
            .execute(conn)?;
        actor.record(conn, org_id, "api_key.create", new.name, &new.permissions.replace(' ', ", "))?;
        key_event(conn, org_id, "api_key.created", &id, now)?;
        Ok(id)
    })
}

/// Revokes the organization's key `id` (it stays listed, as revoked).
pub fn revoke(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> Result<String, KeyError> {
    crate::db::write_transaction(conn, |conn| {
        let name: Option<String> = api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::org_id.eq(org_id))
            .filter(api_keys::revoked_at.is_null())
            .select(api_keys::name)
            .first(conn)
            .optional()?;
        let name = name.ok_or(KeyError::NotFound)?;
        diesel::update(api_keys::table.find(id)).set(api_keys::revoked_at.eq(actor.now)).execute(conn)?;
        actor.record(conn, org_id, "api_key.revoke", &name, "")?;
        key_event(conn, org_id, "api_key.revoked", id, actor.now)?;
        Ok(name)
    })
}

/// A key found by its hash, with its organization.
#[derive(Debug, Clone)]
pub struct Found {
    pub key: KeyRow,
    pub org: Org,
}

/// How stale `last_used_at` may get before a request writes it again: one
/// write a minute per key, not one per request.
const LAST_USED_STEP: time::Duration = time::Duration::minutes(1);

/// The key of `token_hash`, whatever its state (the caller says why one that
/// does not work is refused). Only reads: see [`Found::needs_touch`].
pub fn find(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<Found>> {
    let found: Option<(KeyRow, Org)> = with_creator!()
        .inner_join(organizations::table.on(organizations::id.eq(api_keys::org_id)))
        .filter(api_keys::token_hash.eq(token_hash))
        .select((key_columns!(), Org::as_select()))
        .first(conn)
        .optional()?;
    Ok(found.map(|(key, org)| Found { key, org }))
}

impl Found {
    /// A working key whose last use, as kept, is more than a minute old.
    pub fn needs_touch(&self, now: PrimitiveDateTime) -> bool {
        self.key.state(now).is_ok() && self.key.last_used_at.is_none_or(|t| t + LAST_USED_STEP <= now)
    }
}

/// Notes the key's use.
pub fn touch(conn: &mut AnyConnection, id: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let used = api_keys::last_used_at.eq(now);
        crate::db::kept_update(api_keys::table, api_keys::id.eq(id), used).execute(conn).map(|_| ())
    })
}

/// `api_key.created` and `api_key.revoked`: the key as the API keys page
/// lists it (never its secret, which is not kept).
fn key_event(
    conn: &mut AnyConnection,
    org_id: &str,
    event_type: &str,
    id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    use crate::store::webhooks::{self, payload};
    webhooks::record(conn, org_id, event_type, now, |conn| {
        let (name, permissions, created_by, creator_name, created_at, expires_at): (
            String,
            String,
            String,
            String,
            PrimitiveDateTime,
            Option<PrimitiveDateTime>,
        ) = api_keys::table
            .find(id)
            .select((
                api_keys::name,
                api_keys::permissions,
                api_keys::created_by,
                api_keys::creator_name,
                api_keys::created_at,
                api_keys::expires_at,
            ))
            .first(conn)?;
        let key = serde_json::json!({
            "id": id,
            "name": name,
            "permissions": permissions.split_whitespace().collect::<Vec<_>>(),
            "created_by": { "user_id": created_by, "name": creator_name },
            "created_at": payload::time(created_at),
            "expires_at": expires_at.map(payload::time),
        });
        payload::about_org(conn, org_id, serde_json::json!({ "api_key": key }))
    })
    .map(|_| ())
}
