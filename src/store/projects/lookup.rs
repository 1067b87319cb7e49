//! Finding a project: by URL name in a space, by id, with the signed-in
//! person's grant on it, and what the access rule needs to know about them.

use diesel::prelude::*;

use super::{org_of, Owner, Project};
use crate::db::schema::{memberships, project_grants, projects, users};
use crate::db::AnyConnection;

pub fn find(conn: &mut AnyConnection, owner: &Owner, slug: &str) -> QueryResult<Option<Project>> {
    let query = projects::table.filter(projects::slug.eq(slug)).select(Project::as_select());
    match owner {
        Owner::Org(id) => query.filter(projects::org_id.eq(id)).first(conn).optional(),
        Owner::Personal(id) => query.filter(projects::owner_user_id.eq(id)).first(conn).optional(),
    }
}

/// The project of `slug` in the space and `user_id`'s grant on it, in one
/// statement (the project pages' own read; the membership came with the
/// session).
pub fn find_with_grant(
    conn: &mut AnyConnection,
    owner: &Owner,
    slug: &str,
    user_id: &str,
) -> QueryResult<Option<(Project, Option<Grant>)>> {
    let query = projects::table
        .left_join(
            project_grants::table
                .on(project_grants::project_id.eq(projects::id).and(project_grants::user_id.eq(user_id))),
        )
        .filter(projects::slug.eq(slug))
        .select((Project::as_select(), (project_grants::role, project_grants::direct).nullable()));
    match owner {
        Owner::Org(id) => query.filter(projects::org_id.eq(id)).first(conn).optional(),
        Owner::Personal(id) => query.filter(projects::owner_user_id.eq(id)).first(conn).optional(),
    }
}

pub fn find_by_id(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Project>> {
    projects::table.find(id).select(Project::as_select()).first(conn).optional()
}

/// Who owns the project, as a shared project's page names it: the
/// organization, or "Tess’s personal space".
pub fn owner_name(conn: &mut AnyConnection, project: &Project) -> QueryResult<String> {
    match (&project.org_id, &project.owner_user_id) {
        (Some(org_id), _) => org_of(conn, org_id).map(|(name, _)| name),
        (None, Some(user_id)) => {
            let name: String = users::table.find(user_id).select(users::name).first(conn)?;
            Ok(format!("{name}’s personal space"))
        }
        (None, None) => Ok(String::new()),
    }
}

/// A grant on a project: the role, and whether it was given directly.
pub type Grant = (String, bool);

/// What the access rule needs about `user_id` and a project of `org_id`:
/// their membership (role, default project role) and a grant on the project.
pub struct AccessRows {
    pub membership: Option<(String, Option<String>)>,
    pub grant: Option<Grant>,
}

pub fn access_rows(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    project_id: &str,
    user_id: &str,
) -> QueryResult<AccessRows> {
    let membership = match org_id {
        Some(org_id) => memberships::table
            .find((org_id, user_id))
            .select((memberships::role, memberships::default_project_role))
            .first(conn)
            .optional()?,
        None => None,
    };
    let grant = project_grants::table
        .find((project_id, user_id))
        .select((project_grants::role, project_grants::direct))
        .first(conn)
        .optional()?;
    Ok(AccessRows { membership, grant })
}
