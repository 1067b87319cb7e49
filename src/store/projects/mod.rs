//! The projects area: projects of organizations and personal spaces, their
//! teams, direct collaborators and their invitations, and project tokens.
//! Uses members (roles, the member list), billing (who pays for usage) and
//! customer (the token rows project tokens share with services).
//!
//! This file: projects themselves (create, find, list, rename, delete) and
//! what the access rule (domain::project_access) needs to know about one.

pub mod collaborators;
pub mod first_team;
pub mod invitations;
mod lookup;
pub mod team;
pub mod tokens;
pub mod transfer;

pub use lookup::{access_rows, find, find_by_id, find_with_grant, owner_name, AccessRows, Grant};

use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::db::schema::{organizations, project_grants, projects};
use crate::db::AnyConnection;
use crate::domain::project_access::Listing;
use crate::domain::{ProjectName, Slug};
use crate::store::is_unique_violation;
use crate::store::members::Actor;
use crate::store::new_id;
use crate::store::webhooks::{self, payload};

/// Who owns a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Org(String),
    Personal(String),
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: String,
    pub org_id: Option<String>,
    pub owner_user_id: Option<String>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub created_by: Option<String>,
    pub created_at: PrimitiveDateTime,
    /// Moves with every change to the project's Team page that the
    /// organization's members_version does not cover (migration 000029).
    pub team_version: i64,
}

impl<'a> From<&'a Project> for crate::store::billing::usage::ReportedProject<'a> {
    fn from(p: &'a Project) -> Self {
        Self { id: &p.id, org_id: p.org_id.as_deref(), name: &p.name }
    }
}

/// Writes a change to a project into its organization's activity log ("on
/// NAME: details"); a personal project's changes have no organization log.
pub(crate) fn record(
    conn: &mut AnyConnection,
    project: &Project,
    actor: &Actor,
    action: &str,
    target: &str,
    details: &str,
) -> QueryResult<()> {
    let Some(org_id) = &project.org_id else { return Ok(()) };
    actor.record(conn, org_id, action, target, &format!("on {}: {details}", project.name))?;
    let team = matches!(
        action,
        "project.collaborator_role" | "project.collaborator_remove" | "project.leave" | "project.invite_accept"
    );
    if team {
        team_changed(conn, project, org_id, action, target, details, actor.now)?;
    }
    Ok(())
}

/// `project.team_changed`: who (`person`, an address), what (`change`, the
/// activity log's action) and how (`details`, as the log says it).
pub(crate) fn team_changed(
    conn: &mut AnyConnection,
    project: &Project,
    org_id: &str,
    change: &str,
    person: &str,
    details: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    webhooks::record(conn, org_id, "project.team_changed", now, |conn| {
        let project = payload::project(conn, &project.id)?;
        let fields = json!({ "project": project, "change": change, "email": person, "details": details });
        payload::about_org(conn, org_id, fields)
    })
    .map(|_| ())
}

/// `project.created`, `project.updated` and `project.deleted` (read before
/// the row goes): the project as the API shows it.
fn project_event(
    conn: &mut AnyConnection,
    org_id: &str,
    event_type: &str,
    id: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    webhooks::record(conn, org_id, event_type, now, |conn| {
        let project = payload::project(conn, id)?;
        payload::about_org(conn, org_id, json!({ "project": project }))
    })
    .map(|_| ())
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("URL name taken")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub(super) fn slug_taken(conn: &mut AnyConnection, owner: &Owner, slug: &str) -> QueryResult<bool> {
    Ok(find(conn, owner, slug)?.is_some())
}

/// A free URL name: `slug` when typed (`explicit`), else the first of
/// `slug`, `slug-2`, `slug-3`... that the owner does not use.
fn free_slug(conn: &mut AnyConnection, owner: &Owner, slug: &Slug, explicit: bool) -> Result<Slug, ProjectError> {
    if !slug_taken(conn, owner, slug.as_str())? {
        return Ok(slug.clone());
    }
    if explicit {
        return Err(ProjectError::SlugTaken);
    }
    for n in 2..=50 {
        let candidate = slug.with_suffix(n);
        if !slug_taken(conn, owner, candidate.as_str())? {
            return Ok(candidate);
        }
    }
    Ok(slug.with_suffix(u32::from_str_radix(&new_id()[..6], 16).unwrap_or(1000)))
}

/// What the New Project form asks for.
pub struct NewProject<'a> {
    pub owner: Owner,
    pub name: &'a ProjectName,
    pub slug: &'a Slug,
    /// Typed by the user (must be free) rather than derived from the name.
    pub explicit_slug: bool,
    pub description: &'a str,
}

/// Creates the project; an organization's gets `project.create` in its log.
pub fn create(conn: &mut AnyConnection, new: &NewProject<'_>, actor: &Actor) -> Result<Project, ProjectError> {
    let result = crate::db::write_transaction(conn, |conn| {
        let slug = free_slug(conn, &new.owner, new.slug, new.explicit_slug)?;
        let (org_id, owner_user_id) = match &new.owner {
            Owner::Org(id) => (Some(id.clone()), None),
            Owner::Personal(id) => (None, Some(id.clone())),
        };
        let project = Project {
            id: new_id(),
            org_id,
            owner_user_id,
            name: new.name.as_str().to_string(),
            slug: slug.as_str().to_string(),
            description: new.description.to_string(),
            created_by: Some(actor.user_id.clone()),
            created_at: crate::db::timestamp::as_stored(actor.now),
            team_version: 0,
        };
        diesel::insert_into(projects::table)
            .values((
                projects::id.eq(&project.id),
                projects::org_id.eq(&project.org_id),
                projects::owner_user_id.eq(&project.owner_user_id),
                projects::name.eq(&project.name),
                projects::slug.eq(&project.slug),
                projects::description.eq(&project.description),
                projects::created_by.eq(&project.created_by),
                projects::created_at.eq(project.created_at),
            ))
            .execute(conn)?;
        let (org, person) = (project.org_id.as_deref(), project.owner_user_id.as_deref());
        crate::store::billing::usage::record_owner(conn, &project.id, project.created_at, org, person)?;
        if let Some(org_id) = &project.org_id {
            actor.record(conn, org_id, "project.create", &project.name, &format!("URL name {}", project.slug))?;
            project_event(conn, org_id, "project.created", &project.id, actor.now)?;
        }
        Ok(project)
    });
    match result {
        Err(ProjectError::Db(e)) if is_unique_violation(&e) => Err(ProjectError::SlugTaken),
        other => other,
    }
}

/// Where the next page starts: after this (name, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCursor {
    pub name: String,
    pub id: String,
}

/// One page of the owner's projects in name order, `search` matching part of
/// the name (ignoring case); `limit` rows after `after` (keyset).
pub fn page(
    conn: &mut AnyConnection,
    owner: &Owner,
    viewer_id: &str,
    visible: Listing,
    search: Option<&str>,
    after: Option<&ProjectCursor>,
    limit: i64,
) -> QueryResult<Vec<Project>> {
    let mut query = projects::table
        .left_join(
            project_grants::table
                .on(project_grants::project_id.eq(projects::id).and(project_grants::user_id.eq(viewer_id.to_string()))),
        )
        .select(Project::as_select())
        .order((projects::name.asc(), projects::id.asc()))
        .limit(limit)
        .into_boxed();
    query = match owner {
        Owner::Org(id) => query.filter(projects::org_id.eq(id.clone())),
        Owner::Personal(id) => query.filter(projects::owner_user_id.eq(id.clone())),
    };
    query = match visible {
        Listing::All => query,
        Listing::AllButNone => query.filter(project_grants::role.is_null().or(project_grants::role.ne(""))),
        Listing::OnlyGranted => query.filter(project_grants::role.is_not_null().and(project_grants::role.ne(""))),
    };
    if let Some(pattern) = crate::store::contains_pattern(search) {
        query = query.filter(crate::store::lower(projects::name).like(pattern).escape('\\'));
    }
    if let Some(c) = after {
        // `name >= x` first, so the index range starts at the cursor instead of
        // the first row (an OR alone made deep pages scan from the start).
        query = query.filter(
            projects::name.ge(c.name.clone()).and(projects::name.gt(c.name.clone()).or(projects::id.gt(c.id.clone()))),
        );
    }
    query.load(conn)
}

/// Renames the project and/or changes its URL name; `project.rename` in the
/// organization's log with what changed. False when nothing changed.
pub fn rename(
    conn: &mut AnyConnection,
    project: &Project,
    name: &ProjectName,
    slug: &Slug,
    description: &str,
    actor: &Actor,
) -> Result<bool, ProjectError> {
    let owner = owner_of(project);
    let result = crate::db::write_transaction(conn, |conn| {
        let mut changes = Vec::new();
        if name.as_str() != project.name {
            changes.push(format!("name “{}” → “{}”", project.name, name.as_str()));
        }
        if slug.as_str() != project.slug {
            if slug_taken(conn, &owner, slug.as_str())? {
                return Err(ProjectError::SlugTaken);
            }
            changes.push(format!("URL name {} → {}", project.slug, slug.as_str()));
        }
        if description != project.description {
            changes.push("description".to_string());
        }
        if changes.is_empty() {
            return Ok(false);
        }
        diesel::update(projects::table.find(&project.id))
            .set((
                projects::name.eq(name.as_str()),
                projects::slug.eq(slug.as_str()),
                projects::description.eq(description),
            ))
            .execute(conn)?;
        if let Some(org_id) = &project.org_id {
            actor.record(conn, org_id, "project.update", name.as_str(), &changes.join("; "))?;
            project_event(conn, org_id, "project.updated", &project.id, actor.now)?;
        }
        Ok(true)
    });
    match result {
        Err(ProjectError::Db(e)) if is_unique_violation(&e) => Err(ProjectError::SlugTaken),
        other => other,
    }
}

/// Deletes the project with its grants; `project.delete` in the organization's log.
pub fn delete(conn: &mut AnyConnection, project: &Project, actor: &Actor) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        crate::store::billing::usage::keep_on_bills(conn, std::slice::from_ref(&project.id))?;
        if let Some(org_id) = &project.org_id {
            project_event(conn, org_id, "project.deleted", &project.id, actor.now)?;
        }
        diesel::delete(projects::table.find(&project.id)).execute(conn)?;
        if let Some(org_id) = &project.org_id {
            actor.record(conn, org_id, "project.delete", &project.name, &format!("URL name {}", project.slug))?;
        }
        Ok(())
    })
}

pub fn owner_of(project: &Project) -> Owner {
    match (&project.org_id, &project.owner_user_id) {
        (Some(org), _) => Owner::Org(org.clone()),
        (None, Some(user)) => Owner::Personal(user.clone()),
        (None, None) => Owner::Personal(String::new()),
    }
}

/// The organization's name and slug, for a project page's header.
pub fn org_of(conn: &mut AnyConnection, org_id: &str) -> QueryResult<(String, String)> {
    organizations::table.find(org_id).select((organizations::name, organizations::slug)).first(conn)
}

/// How many direct collaborators the project has (they keep access through a transfer).
pub fn direct_count(conn: &mut AnyConnection, project_id: &str) -> QueryResult<i64> {
    project_grants::table
        .filter(project_grants::project_id.eq(project_id))
        .filter(project_grants::direct.eq(true))
        .count()
        .get_result(conn)
}
