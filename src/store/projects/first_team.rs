//! A project's first Team page (no search) and its waiting invitations, kept
//! in memory per project (issue 33: they were three statements on every
//! request) under the organization's `members_version`, the project's
//! `team_version` and the page size.
//!
//! Both versions are read in the page's own read transaction: the first
//! with the session, the second with the project. Migration 000017's
//! triggers move `members_version` with every change to the members (their
//! names, roles and default project roles), migration 000029's move
//! `team_version` with the project's grants, direct collaborators and
//! invitations. What changes without a version is applied on each request
//! by the caller: an invitation's expiry and its email's delivery
//! (`invitations::with_deliveries`).

use std::sync::Arc;

use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::store::kept::Kept;
use crate::store::projects::invitations::{self, WaitingProjectInvitation};
use crate::store::projects::team::{self, TeamRow};
use crate::store::projects::Project;

/// The first `limit` people of the team, and the invitations waiting.
pub struct FirstTeam {
    pub rows: Vec<TeamRow>,
    pub invitations: Vec<WaitingProjectInvitation>,
}

/// Kept under (members_version, team_version, limit).
pub type FirstTeams = Kept<FirstTeam, (i64, i64, i64)>;

/// `project`'s first team page and waiting invitations, as of
/// `members_version` (of its organization) and its `team_version`.
pub fn first(
    conn: &mut AnyConnection,
    kept: &FirstTeams,
    project: &Project,
    members_version: i64,
    limit: i64,
) -> QueryResult<Arc<FirstTeam>> {
    kept.get_or_read(&project.id, (members_version, project.team_version, limit), || {
        Ok(FirstTeam {
            rows: team::page(conn, project, None, None, limit)?,
            invitations: invitations::waiting(conn, &project.id)?,
        })
    })
}
