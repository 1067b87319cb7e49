//! A project's team: every member of the owning organization and every
//! direct collaborator, with what the access rule needs about them, and
//! roles set on the project for members.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{memberships, project_grants, users};
use crate::db::AnyConnection;
use crate::domain::project_access::AccessFacts;
use crate::store::members::page::Cursor;
use crate::store::members::{Actor, MemberError};
use crate::store::projects::Project;

/// A member of the project's organization or a direct collaborator, and
/// their project facts.
#[derive(Debug, Clone)]
pub struct TeamRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// None for a direct collaborator.
    pub org_role: Option<String>,
    pub default_project_role: Option<String>,
    /// When they joined the organization, or were added to the project.
    pub joined_at: PrimitiveDateTime,
    /// A role set on this project for them ("" none), if any.
    pub project_role: Option<String>,
}

impl TeamRow {
    /// What the access rule needs about this member and the project.
    pub fn facts(&self) -> AccessFacts<'_> {
        AccessFacts {
            personal_owner: false,
            org_role: self.org_role.as_deref(),
            default_project_role: self.default_project_role.as_deref(),
            grant: self.project_role.as_deref().map(|role| (role, self.org_role.is_none())),
        }
    }
}

impl TeamRow {
    pub fn is_direct(&self) -> bool {
        self.org_role.is_none()
    }
}

/// One page of the team in the order people joined: the organization's
/// members and the direct collaborators, each read by keyset from its own
/// index and merged; `search` matches part of the name or email.
pub fn page(
    conn: &mut AnyConnection,
    project: &Project,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<TeamRow>> {
    let mut rows = members_page(conn, project, search, after, limit)?;
    rows.extend(direct_page(conn, &project.id, search, after, limit)?);
    rows.sort_by(|a, b| (a.joined_at, &a.user_id).cmp(&(b.joined_at, &b.user_id)));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

/// A direct collaborator: id, name, email, added at, role.
type DirectRow = (String, String, String, PrimitiveDateTime, Option<String>);
/// A member: id, name, email, organization role, default project role, joined at, role set on the project.
type MemberRow = (String, String, String, String, Option<String>, PrimitiveDateTime, Option<String>);

fn direct_page(
    conn: &mut AnyConnection,
    project_id: &str,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<TeamRow>> {
    let mut query = project_grants::table
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(project_grants::project_id.eq(project_id))
        .filter(project_grants::direct.eq(true))
        .select((users::id, users::name, users::email, project_grants::created_at, project_grants::role.nullable()))
        .order((project_grants::created_at.asc(), project_grants::user_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(p) = crate::store::contains_pattern(search) {
        query = query.filter(
            crate::store::lower(users::name).like(p.clone()).escape('\\').or(users::email.like(p).escape('\\')),
        );
    }
    if let Some(c) = after {
        query = query.filter(
            project_grants::created_at
                .ge(c.joined_at)
                .and(project_grants::created_at.gt(c.joined_at).or(project_grants::user_id.gt(c.user_id.clone()))),
        );
    }
    let rows: Vec<DirectRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email, joined_at, project_role)| TeamRow {
            user_id,
            name,
            email,
            org_role: None,
            default_project_role: None,
            joined_at,
            project_role,
        })
        .collect())
}

fn members_page(
    conn: &mut AnyConnection,
    project: &Project,
    search: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<TeamRow>> {
    let Some(org_id) = project.org_id.clone() else { return Ok(Vec::new()) };
    let mut query = memberships::table
        .inner_join(users::table)
        .left_join(project_grants::table.on(
            project_grants::user_id.eq(memberships::user_id).and(project_grants::project_id.eq(project.id.clone())),
        ))
        .filter(memberships::org_id.eq(org_id))
        .select((
            users::id,
            users::name,
            users::email,
            memberships::role,
            memberships::default_project_role,
            memberships::created_at,
            project_grants::role.nullable(),
        ))
        .order((memberships::created_at.asc(), memberships::user_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(p) = crate::store::contains_pattern(search) {
        query = query.filter(
            crate::store::lower(users::name).like(p.clone()).escape('\\').or(users::email.like(p).escape('\\')),
        );
    }
    if let Some(c) = after {
        // `joined >= x` first: the index range starts at the cursor (see store::projects::page).
        query = query.filter(
            memberships::created_at
                .ge(c.joined_at)
                .and(memberships::created_at.gt(c.joined_at).or(memberships::user_id.gt(c.user_id.clone()))),
        );
    }
    let rows: Vec<MemberRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email, org_role, default_project_role, joined_at, project_role)| TeamRow {
            user_id,
            name,
            email,
            org_role: Some(org_role),
            default_project_role,
            joined_at,
            project_role,
        })
        .collect())
}

/// Sets (Some) or clears (None: back to the default project role) the role
/// of a member of the project's organization on this project; Some("") is
/// none. Records `project.member_role`. False when nothing changed.
pub fn set_member_role(
    conn: &mut AnyConnection,
    project: &Project,
    target_id: &str,
    role: Option<&str>,
    actor: &Actor,
) -> Result<bool, MemberError> {
    let org_id = project.org_id.clone().ok_or(MemberError::NotFound)?;
    crate::db::write_transaction(conn, |conn| {
        let target = crate::store::members::find(conn, &org_id, target_id)?.ok_or(MemberError::NotFound)?;
        let key = (project.id.as_str(), target_id);
        let before: Option<String> =
            project_grants::table.find(key).select(project_grants::role).first(conn).optional()?;
        if before.as_deref() == role {
            return Ok(false);
        }
        match role {
            None => {
                diesel::delete(project_grants::table.find(key)).execute(conn)?;
            }
            Some(r) if before.is_some() => {
                diesel::update(project_grants::table.find(key)).set(project_grants::role.eq(r)).execute(conn)?;
            }
            Some(r) => {
                diesel::insert_into(project_grants::table)
                    .values((
                        project_grants::project_id.eq(&project.id),
                        project_grants::user_id.eq(target_id),
                        project_grants::role.eq(r),
                        project_grants::direct.eq(false),
                        project_grants::created_at.eq(actor.now),
                    ))
                    .execute(conn)?;
            }
        }
        let say = |v: Option<&str>| match v {
            None => "default".to_string(),
            Some("") => "none".to_string(),
            Some(r) => r.to_string(),
        };
        let details = format!("on {}: {} → {}", project.name, say(before.as_deref()), say(role));
        actor.record(conn, &org_id, "project.member_role", &target.email, &details)?;
        super::team_changed(conn, project, &org_id, "project.member_role", &target.email, &details, actor.now)?;
        Ok(true)
    })
}

/// The project's direct collaborators: (email, name, role).
pub fn direct_collaborators(conn: &mut AnyConnection, project_id: &str) -> QueryResult<Vec<(String, String, String)>> {
    project_grants::table
        .inner_join(users::table.on(users::id.eq(project_grants::user_id)))
        .filter(project_grants::project_id.eq(project_id))
        .filter(project_grants::direct.eq(true))
        .order(users::email.asc())
        .select((users::email, users::name, project_grants::role))
        .load(conn)
}
