//! A project's connection tokens (`projects.develop`): the platform behind
//! the portal calls the API with one to learn the project and who may do what.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{project_tokens, projects, users};
use crate::db::AnyConnection;
use crate::store::customer::services::{ServiceError, ServiceRow};
use crate::store::is_unique_violation;
use crate::store::members::Actor;
use crate::store::new_id;
use crate::store::projects::Project;

/// The project's tokens, newest first (the same rows as connected services).
pub fn list(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Vec<ServiceRow>> {
    project_tokens::table
        .left_join(users::table)
        .filter(project_tokens::project_id.eq(project_id))
        .select((
            project_tokens::id,
            project_tokens::name,
            users::name.nullable(),
            users::email.nullable(),
            project_tokens::created_at,
            project_tokens::last_used_at,
        ))
        .order((project_tokens::created_at.desc(), project_tokens::id.desc()))
        .load(conn)
}

fn record(conn: &mut AnyConnection, project: &Project, actor: &Actor, action: &str, name: &str) -> QueryResult<()> {
    match &project.org_id {
        Some(org_id) => actor.record(conn, org_id, action, name, &format!("on {}", project.name)),
        None => Ok(()),
    }
}

pub fn create(
    conn: &mut AnyConnection,
    project: &Project,
    name: &str,
    token_hash: &str,
    actor: &Actor,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let inserted = diesel::insert_into(project_tokens::table)
            .values((
                project_tokens::id.eq(new_id()),
                project_tokens::project_id.eq(&project.id),
                project_tokens::name.eq(name),
                project_tokens::token_hash.eq(token_hash),
                project_tokens::created_by.eq(&actor.user_id),
                project_tokens::created_at.eq(actor.now),
            ))
            .execute(conn);
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(ServiceError::NameTaken),
            other => other?,
        };
        record(conn, project, actor, "project.token_create", name)?;
        Ok(())
    })
}

/// Revokes the project's token `id`; false when it has none such.
pub fn revoke(conn: &mut AnyConnection, project: &Project, id: &str, actor: &Actor) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let name: Option<String> = project_tokens::table
            .filter(project_tokens::id.eq(id))
            .filter(project_tokens::project_id.eq(&project.id))
            .select(project_tokens::name)
            .first(conn)
            .optional()?;
        let Some(name) = name else { return Ok(false) };
        diesel::delete(project_tokens::table.find(id)).execute(conn)?;
        record(conn, project, actor, "project.token_revoke", &name)?;
        Ok(true)
    })
}

/// The project whose token hashes to `token_hash` (and the token's name),
/// noting that it was used now.
pub fn authenticate(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<(Project, String)>> {
    let found: Option<(String, String, Project)> = project_tokens::table
        .inner_join(projects::table)
        .filter(project_tokens::token_hash.eq(token_hash))
        .select((project_tokens::id, project_tokens::name, Project::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, name, project)) = found else { return Ok(None) };
    crate::db::write_transaction(conn, |conn| {
        diesel::update(project_tokens::table.find(&id)).set(project_tokens::last_used_at.eq(now)).execute(conn)
    })?;
    Ok(Some((project, name)))
}
