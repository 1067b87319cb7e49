//! Direct collaborators: people who reach one project through a grant of
//! their own (`project_grants.direct`), not through its organization.
//! Changing or removing a grant and leaving (their replacement by
//! organization access is members::direct_grants).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{project_grants, projects, users};
use crate::db::AnyConnection;
use crate::store::members::{Actor, MemberError};
use crate::store::projects::record;
use crate::store::projects::Project;

/// Adds (or changes) `user_id`'s direct grant on the project.
pub(super) fn grant(
    conn: &mut AnyConnection,
    project_id: &str,
    user_id: &str,
    role: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    let key = (project_id, user_id);
    let exists: i64 = project_grants::table.find(key).count().get_result(conn)?;
    if exists > 0 {
        diesel::update(project_grants::table.find(key))
            .set((project_grants::role.eq(role), project_grants::direct.eq(true)))
            .execute(conn)?;
    } else {
        diesel::insert_into(project_grants::table)
            .values((
                project_grants::project_id.eq(project_id),
                project_grants::user_id.eq(user_id),
                project_grants::role.eq(role),
                project_grants::direct.eq(true),
                project_grants::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The direct collaborator `user_id` of the project: (email, role).
fn find(conn: &mut AnyConnection, project_id: &str, user_id: &str) -> QueryResult<Option<(String, String)>> {
    project_grants::table
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(project_grants::project_id.eq(project_id))
        .filter(project_grants::user_id.eq(user_id))
        .filter(project_grants::direct.eq(true))
        .select((users::email, project_grants::role))
        .first(conn)
        .optional()
}

/// Changes a direct collaborator's role. False when nothing changed.
pub fn set_role(
    conn: &mut AnyConnection,
    project: &Project,
    user_id: &str,
    role: &str,
    actor: &Actor,
) -> Result<bool, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let (email, before) = find(conn, &project.id, user_id)?.ok_or(MemberError::NotFound)?;
        if before == role {
            return Ok(false);
        }
        diesel::update(project_grants::table.find((&project.id, user_id)))
            .set(project_grants::role.eq(role))
            .execute(conn)?;
        record(conn, project, actor, "project.collaborator_role", &email, &format!("{before} → {role}"))?;
        Ok(true)
    })
}

/// Removes a direct collaborator (`project.collaborator_remove`), or the
/// signed-in collaborator themselves (`project.leave`). Returns their email.
pub fn remove(
    conn: &mut AnyConnection,
    project: &Project,
    user_id: &str,
    actor: &Actor,
) -> Result<String, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        let (email, role) = find(conn, &project.id, user_id)?.ok_or(MemberError::NotFound)?;
        diesel::delete(project_grants::table.find((&project.id, user_id))).execute(conn)?;
        let action = if actor.user_id == user_id { "project.leave" } else { "project.collaborator_remove" };
        record(conn, project, actor, action, &email, &format!("was {role}"))?;
        Ok(email)
    })
}

/// For each address, how many of the organization's projects its account
/// holds as a direct collaborator (only addresses with some).
pub fn counts_by_email(conn: &mut AnyConnection, org_id: &str, emails: &[String]) -> QueryResult<Vec<(String, i64)>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = project_grants::table
        .inner_join(projects::table)
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(projects::org_id.eq(org_id))
        .filter(project_grants::direct.eq(true))
        .filter(users::email.eq_any(emails))
        .select(users::email)
        .load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for email in rows {
        match counts.iter_mut().find(|(e, _)| *e == email) {
            Some((_, n)) => *n += 1,
            None => counts.push((email, 1)),
        }
    }
    Ok(counts)
}

/// A project shared with the signed-in person as a direct collaborator.
#[derive(Debug, Clone)]
pub struct SharedProject {
    pub id: String,
    pub name: String,
    pub description: String,
    pub role: String,
    pub org_name: Option<String>,
    pub owner_name: Option<String>,
}

/// Every project `user_id` is a direct collaborator of, by name.
pub fn shared_with(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<SharedProject>> {
    use crate::db::schema::organizations;
    let owners = diesel::alias!(users as owners);
    type Row = (String, String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = project_grants::table
        .inner_join(projects::table)
        .left_join(organizations::table.on(organizations::id.nullable().eq(projects::org_id)))
        .left_join(owners.on(owners.field(users::id).nullable().eq(projects::owner_user_id)))
        .filter(project_grants::user_id.eq(user_id))
        .filter(project_grants::direct.eq(true))
        .order((projects::name.asc(), projects::id.asc()))
        .select((
            projects::id,
            projects::name,
            projects::description,
            project_grants::role,
            organizations::name.nullable(),
            owners.field(users::name).nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, role, org_name, owner_name)| SharedProject {
            id,
            name,
            description,
            role,
            org_name,
            owner_name,
        })
        .collect())
}
