//! Moving a project into an organization (from a personal space or another
//! organization): its ownership history, its old organization's project
//! roles, and the direct grants that membership replaces.

use diesel::prelude::*;

use crate::db::schema::{memberships, project_grants, projects, users};
use crate::db::AnyConnection;
use crate::store::is_unique_violation;
use crate::store::members::Actor;
use crate::store::projects::{org_of, slug_taken, Owner, Project, ProjectError};
use crate::store::webhooks::{self, payload};

/// Moves the project into the organization `to_org_id`. Roles set on it for
/// members of its old organization go (they meant nothing in the new one);
/// direct collaborators keep theirs. `project.transfer` in both logs.
pub fn transfer(
    conn: &mut AnyConnection,
    project: &Project,
    to_org_id: &str,
    actor: &Actor,
) -> Result<(), ProjectError> {
    let result = crate::db::write_transaction(conn, |conn| {
        let to = Owner::Org(to_org_id.to_string());
        if slug_taken(conn, &to, &project.slug)? {
            return Err(ProjectError::SlugTaken);
        }
        diesel::update(projects::table.find(&project.id))
            .set((projects::org_id.eq(Some(to_org_id)), projects::owner_user_id.eq(None::<String>)))
            .execute(conn)?;
        diesel::delete(
            project_grants::table
                .filter(project_grants::project_id.eq(&project.id))
                .filter(project_grants::direct.eq(false)),
        )
        .execute(conn)?;
        replace_direct_of_members(conn, project, to_org_id, actor)?;
        crate::store::billing::usage::record_owner(conn, &project.id, actor.now, Some(to_org_id), None)?;
        let (to_name, _) = org_of(conn, to_org_id)?;
        let from_name = match &project.org_id {
            Some(from) => {
                let (from_name, _) = org_of(conn, from)?;
                actor.record(conn, from, "project.transfer", &project.name, &format!("to {to_name}"))?;
                from_name
            }
            None => "a personal space".to_string(),
        };
        actor.record(conn, to_org_id, "project.transfer", &project.name, &format!("from {from_name}"))?;
        transferred(conn, &project.id, project.org_id.as_deref(), to_org_id, actor.now)?;
        Ok(())
    });
    match result {
        Err(ProjectError::Db(e)) if is_unique_violation(&e) => Err(ProjectError::SlugTaken),
        other => other,
    }
}

/// Direct collaborators who are members of the organization the project
/// moves into: their organization access replaces the grant.
fn replace_direct_of_members(
    conn: &mut AnyConnection,
    project: &Project,
    to_org_id: &str,
    actor: &Actor,
) -> QueryResult<()> {
    let members = memberships::table.filter(memberships::org_id.eq(to_org_id)).select(memberships::user_id);
    let replaced: Vec<(String, String)> = project_grants::table
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(project_grants::project_id.eq(&project.id))
        .filter(project_grants::direct.eq(true))
        .filter(project_grants::user_id.eq_any(members))
        .select((users::id, users::email))
        .load(conn)?;
    for (user_id, email) in replaced {
        crate::store::members::direct_grants::replace_one(
            conn,
            to_org_id,
            &project.id,
            &project.name,
            &user_id,
            &email,
            actor,
        )?;
    }
    Ok(())
}

/// `project.transferred`, to the organization it left and the one it joined.
pub(crate) fn transferred(
    conn: &mut AnyConnection,
    project_id: &str,
    from: Option<&str>,
    to: &str,
    now: time::PrimitiveDateTime,
) -> QueryResult<()> {
    let side = |conn: &mut AnyConnection, id: Option<&str>| -> QueryResult<serde_json::Value> {
        let Some(id) = id else { return Ok(serde_json::Value::Null) };
        let (name, slug) = org_of(conn, id)?;
        Ok(serde_json::json!({ "id": id, "name": name, "slug": slug }))
    };
    for org_id in from.into_iter().chain(std::iter::once(to)) {
        webhooks::record(conn, org_id, "project.transferred", now, |conn| {
            let fields = serde_json::json!({
                "project": payload::project(conn, project_id)?,
                "from": side(conn, from)?,
                "to": side(conn, Some(to))?,
            });
            payload::about_org(conn, org_id, fields)
        })?;
    }
    Ok(())
}
