//! Direct project grants that organization access replaces (Particle): when
//! a direct collaborator becomes a member of the organization (invitation,
//! direct add, customer auto-link) or a project moves into an organization
//! its collaborator belongs to, the grant goes and the change is logged.

use diesel::prelude::*;

use crate::db::schema::{project_grants, projects};
use crate::db::AnyConnection;
use crate::store::changes::Actor;

/// Projects of `org_id` on which `user_id` is a direct collaborator.
fn in_org(conn: &mut AnyConnection, org_id: &str, user_id: &str) -> QueryResult<Vec<(String, String)>> {
    project_grants::table
        .inner_join(projects::table)
        .filter(projects::org_id.eq(org_id))
        .filter(project_grants::user_id.eq(user_id))
        .filter(project_grants::direct.eq(true))
        .select((projects::id, projects::name))
        .load(conn)
}

/// Organization access replaces direct grants: called in the transaction
/// that makes `user_id` a member of `org_id` (or moves a project into it).
/// Records `project.direct_replaced` for each; returns how many went.
pub fn replace_with_membership(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    email: &str,
    actor: &Actor,
) -> QueryResult<usize> {
    let grants = in_org(conn, org_id, user_id)?;
    for (project_id, name) in &grants {
        replace_one(conn, org_id, project_id, name, user_id, email, actor)?;
    }
    Ok(grants.len())
}

/// Removes one direct grant that organization access replaces, with its
/// `project.direct_replaced` row in `org_id`'s log.
pub fn replace_one(
    conn: &mut AnyConnection,
    org_id: &str,
    project_id: &str,
    project_name: &str,
    user_id: &str,
    email: &str,
    actor: &Actor,
) -> QueryResult<()> {
    diesel::delete(project_grants::table.find((project_id, user_id))).execute(conn)?;
    let details = format!("on {project_name}: organization access");
    actor.record(conn, org_id, "project.direct_replaced", email, &details)
}
