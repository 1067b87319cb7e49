//! Connection tokens of services (Percona's PMM server): created by members
//! with `services.connect`, stored as a hash, used by the service's API calls.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{organizations, service_tokens, users};
use crate::db::AnyConnection;
use crate::store::is_unique_violation;
use crate::store::members::Actor;
use crate::store::new_id;

#[derive(Debug, Clone, Queryable)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub creator_name: Option<String>,
    pub creator_email: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub last_used_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("a service of that name is connected already")]
    NameTaken,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// The organization's connected services, newest first.
pub fn list(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<ServiceRow>> {
    service_tokens::table
        .left_join(users::table)
        .filter(service_tokens::org_id.eq(org_id))
        .select((
            service_tokens::id,
            service_tokens::name,
            users::name.nullable(),
            users::email.nullable(),
            service_tokens::created_at,
            service_tokens::last_used_at,
        ))
        .order((service_tokens::created_at.desc(), service_tokens::id.desc()))
        .load(conn)
}

/// Stores a new token's hash under `name`, with its activity row.
pub fn create(
    conn: &mut AnyConnection,
    org_id: &str,
    name: &str,
    token_hash: &str,
    actor: &Actor,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let inserted = diesel::insert_into(service_tokens::table)
            .values((
                service_tokens::id.eq(new_id()),
                service_tokens::org_id.eq(org_id),
                service_tokens::name.eq(name),
                service_tokens::token_hash.eq(token_hash),
                service_tokens::created_by.eq(&actor.user_id),
                service_tokens::created_at.eq(actor.now),
            ))
            .execute(conn);
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(ServiceError::NameTaken),
            other => other?,
        };
        actor.record(conn, org_id, "service.connect", name, "connection token created")?;
        Ok(())
    })
}

/// Revokes (deletes) the token `id` of the organization; false when there is none.
pub fn revoke(conn: &mut AnyConnection, org_id: &str, id: &str, actor: &Actor) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let name: Option<String> = service_tokens::table
            .filter(service_tokens::id.eq(id))
            .filter(service_tokens::org_id.eq(org_id))
            .select(service_tokens::name)
            .first(conn)
            .optional()?;
        let Some(name) = name else { return Ok(false) };
        diesel::delete(service_tokens::table.find(id)).execute(conn)?;
        actor.record(conn, org_id, "service.revoke", &name, "connection token revoked")?;
        Ok(true)
    })
}

/// What a valid token connects to.
#[derive(Debug, Clone)]
pub struct Connection {
    pub org_id: String,
    pub org_name: String,
    pub org_slug: String,
    pub service_name: String,
}

/// The service whose token hashes to `token_hash`, noting that it was used now.
pub fn authenticate(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<Connection>> {
    let found: Option<(String, String, String, String, String)> = service_tokens::table
        .inner_join(organizations::table)
        .filter(service_tokens::token_hash.eq(token_hash))
        .select((service_tokens::id, service_tokens::name, organizations::id, organizations::name, organizations::slug))
        .first(conn)
        .optional()?;
    let Some((id, service_name, org_id, org_name, org_slug)) = found else { return Ok(None) };
    crate::db::write_transaction(conn, |conn| {
        diesel::update(service_tokens::table.find(&id)).set(service_tokens::last_used_at.eq(now)).execute(conn)
    })?;
    Ok(Some(Connection { org_id, org_name, org_slug, service_name }))
}
