//! Projects of a space (an organization, or the signed-in person's personal
//! space): the list, New Project, the project's page and its settings. The
//! same handlers serve both kinds of space; only the URL prefix differs.

pub mod api;
pub mod fields;
pub mod list;
pub mod new_any;
pub mod page;
pub mod settings;
pub mod team;
pub mod tokens;
pub mod transfer;

use actix_web::web;

use crate::db;
use crate::domain::project_access::{self, AccessFacts, Why};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::projects::{self, Owner, Project};
use crate::web::extract::{CurrentUser, OrgMember};
use crate::web::layout::{Layout, PersonalNav};
use crate::web::AppState;

/// Whose projects a request is about.
pub enum Space {
    Org(OrgMember),
    Personal(CurrentUser),
}

impl Space {
    /// The personal space of the signed-in user; 404 when the deployment has none.
    pub fn personal(current: CurrentUser, state: &AppState) -> Result<Self, AppError> {
        if !state.personal_spaces {
            return Err(AppError::NotFound);
        }
        Ok(Space::Personal(current))
    }

    pub fn current(&self) -> &CurrentUser {
        match self {
            Space::Org(m) => &m.current,
            Space::Personal(c) => c,
        }
    }

    pub fn owner(&self) -> Owner {
        match self {
            Space::Org(m) => Owner::Org(m.org_id().to_string()),
            Space::Personal(c) => Owner::Personal(c.user.id.clone()),
        }
    }

    /// Where the space's projects live: `/orgs/acme/projects`, `/personal/projects`.
    pub fn base(&self) -> String {
        match self {
            Space::Org(m) => format!("/orgs/{}/projects", m.view.org.slug),
            Space::Personal(_) => "/personal/projects".into(),
        }
    }

    /// "Acme" or "Personal".
    pub fn name(&self) -> &str {
        match self {
            Space::Org(m) => &m.view.org.name,
            Space::Personal(_) => "Personal",
        }
    }

    /// May create projects here: anyone in their personal space; projects.create in an organization.
    pub fn can_create(&self) -> bool {
        match self {
            Space::Org(m) => m.can(Permission::ProjectsCreate),
            Space::Personal(_) => true,
        }
    }

    pub fn require_create(&self, noun: &str) -> Result<(), AppError> {
        match self {
            Space::Org(m) if !m.can(Permission::ProjectsCreate) => Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow creating a {}. It needs the projects.create permission.",
                m.view.role,
                noun.to_lowercase()
            ))),
            _ => Ok(()),
        }
    }

    pub fn layout(&self, state: &AppState, title: &str) -> Layout {
        match self {
            Space::Org(m) => m.layout(title, "projects"),
            Space::Personal(c) => {
                let mut layout = c.layout(title);
                layout.personal =
                    Some(PersonalNav { section: "projects", projects_label: state.catalog.projects_noun() });
                layout
            }
        }
    }

    pub fn actor(&self, req: &actix_web::HttpRequest, state: &AppState) -> crate::store::members::Actor {
        self.current().actor(req, state)
    }
}

/// A project of the space that the signed-in person may see, with why.
pub struct ProjectIn {
    pub space: Space,
    pub project: Project,
    pub why: Why,
    pub permissions: Vec<Permission>,
}

impl ProjectIn {
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.can(p) {
            return Ok(());
        }
        Err(AppError::Forbidden(format!(
            "Your access here ({}) does not allow this. It needs the {} permission.",
            self.why.describe(),
            p.key()
        )))
    }

    /// The project's address: `/orgs/acme/projects/fleet`.
    pub fn href(&self) -> String {
        format!("{}/{}", self.space.base(), self.project.slug)
    }
}

/// Finds `slug` in the space and the signed-in person's access to it. A
/// project they may not see is the same 404 as one that does not exist.
pub async fn load(space: Space, slug: String, state: &web::Data<AppState>) -> Result<ProjectIn, AppError> {
    let (owner, user_id) = (space.owner(), space.current().user.id.clone());
    let found = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(project) = projects::find(conn, &owner, &slug)? else { return Ok(None) };
        let rows = projects::access_rows(conn, project.org_id.as_deref(), &project.id, &user_id)?;
        Ok(Some((project, rows)))
    })
    .await?;
    let (project, rows) = found.ok_or(AppError::NotFound)?;
    let facts = AccessFacts {
        personal_owner: project.owner_user_id.as_deref() == Some(space.current().user.id.as_str()),
        org_role: rows.membership.as_ref().map(|(role, _)| role.as_str()),
        default_project_role: rows.membership.as_ref().and_then(|(_, d)| d.as_deref()),
        grant: rows.grant.as_ref().map(|(role, direct)| (role.as_str(), *direct)),
    };
    let (why, permissions) = project_access::viewable(&state.catalog, &facts).ok_or(AppError::NotFound)?;
    Ok(ProjectIn { space, project, why, permissions })
}
