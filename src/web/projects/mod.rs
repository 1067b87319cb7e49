//! Projects of a space (an organization, or the signed-in person's personal
//! space): the list, New Project, the project's page and its settings. The
//! same handlers serve both kinds of space, and a direct collaborator's
//! view of a project shared with them (`/shared/{id}`); only the URL
//! prefix differs.

pub mod api;
pub mod collaborators;
pub mod fields;
pub mod invitation_link;
pub mod list;
pub mod new_any;
pub mod page;
pub mod settings;
pub mod shared;
pub mod team;
pub mod tokens;
pub mod transfer;
pub mod usage_api;

use actix_web::web;

use crate::db;
use crate::domain::project_access::{self, AccessFacts, Why};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::accounts::users::User;
use crate::store::orgs::MemberView;
use crate::store::projects::{self, Owner, Project};
use crate::web::extract::{CurrentUser, OrgMember};
use crate::web::layout::{Layout, PersonalNav};
use crate::web::signed_in_page::SignedInPage;
use crate::web::AppState;

/// Whose projects a request is about.
pub enum Space {
    Org(Box<OrgMember>),
    Personal(CurrentUser),
    /// A project shared with the signed-in person as a direct collaborator,
    /// owned by `owner_name` (an organization, or someone's personal space).
    Shared {
        current: CurrentUser,
        owner_name: String,
    },
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
            Space::Personal(c) | Space::Shared { current: c, .. } => c,
        }
    }

    /// Whose projects are listed and created here (a shared project is found by id instead).
    pub fn owner(&self) -> Owner {
        match self {
            Space::Org(m) => Owner::Org(m.org_id().to_string()),
            Space::Personal(c) | Space::Shared { current: c, .. } => Owner::Personal(c.user.id.clone()),
        }
    }

    /// Where the space's projects live: `/orgs/acme/projects`, `/personal/projects`, `/shared`.
    pub fn base(&self) -> String {
        match self {
            Space::Org(m) => format!("/orgs/{}/projects", m.view.org.slug),
            Space::Personal(_) => "/personal/projects".into(),
            Space::Shared { .. } => "/shared".into(),
        }
    }

    /// A project's address in this space: by URL name, or by id when shared
    /// (the URL name is only unique within its owner).
    pub fn project_href(&self, id: &str, slug: &str) -> String {
        match self {
            Space::Shared { .. } => format!("/shared/{id}"),
            _ => format!("{}/{slug}", self.base()),
        }
    }

    /// "Acme", "Personal", or the owner of a shared project.
    pub fn name(&self) -> &str {
        match self {
            Space::Org(m) => &m.view.org.name,
            Space::Personal(_) => "Personal",
            Space::Shared { owner_name, .. } => owner_name,
        }
    }

    /// May create projects here: anyone in their personal space; projects.create in an organization.
    pub fn can_create(&self) -> bool {
        match self {
            Space::Org(m) => m.can(Permission::ProjectsCreate),
            Space::Personal(_) => true,
            Space::Shared { .. } => false,
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
            Space::Shared { current, .. } => {
                let mut layout = current.layout(title);
                layout.shared = true;
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

    /// The project's address: `/orgs/acme/projects/fleet`, `/shared/{id}`.
    pub fn href(&self) -> String {
        self.space.project_href(&self.project.id, &self.project.slug)
    }

    pub fn is_direct_collaborator(&self) -> bool {
        matches!(self.why, Why::DirectCollaborator(_))
    }
}

/// Finds `key` (a URL name; a shared project's id) in the space and the
/// signed-in person's access to it. A project they may not see is the same
/// 404 as one that does not exist; `/shared/{id}` serves only direct
/// collaborators (everyone else has the project in their own space).
pub async fn load(space: Space, key: String, state: &web::Data<AppState>) -> Result<ProjectIn, AppError> {
    let shared = matches!(space, Space::Shared { .. });
    let (owner, user_id) = (space.owner(), space.current().user.id.clone());
    // An organization's member: their membership was read with the session.
    let membership = match &space {
        Space::Org(m) => Some((m.view.role.clone(), m.view.default_project_role.clone())),
        _ => None,
    };
    let found = db::run_read(&state.pool, move |conn| -> Result<_, AppError> {
        if shared {
            let Some(project) = projects::find_by_id(conn, &key)? else { return Ok(None) };
            let rows = projects::access_rows(conn, project.org_id.as_deref(), &project.id, &user_id)?;
            let owner_name = projects::owner_name(conn, &project)?;
            return Ok(Some((project, rows, owner_name)));
        }
        let Some((project, grant)) = projects::find_with_grant(conn, &owner, &key, &user_id)? else { return Ok(None) };
        Ok(Some((project, projects::AccessRows { membership, grant }, String::new())))
    })
    .await?;
    let (project, rows, owner_name) = found.ok_or(AppError::NotFound)?;
    let (why, permissions) =
        access(&state.catalog, &project, &space.current().user.id, &rows).ok_or(AppError::NotFound)?;
    let space = match space {
        Space::Shared { current, .. } if matches!(why, Why::DirectCollaborator(_)) => {
            Space::Shared { current, owner_name }
        }
        Space::Shared { .. } => return Err(AppError::NotFound),
        other => other,
    };
    Ok(ProjectIn { space, project, why, permissions })
}

/// Why `user_id` may see `project` and what they may do there, by the
/// access rule; None when they may not see it.
fn access(
    catalog: &crate::domain::RoleCatalog,
    project: &Project,
    user_id: &str,
    rows: &projects::AccessRows,
) -> Option<(Why, Vec<Permission>)> {
    let facts = AccessFacts {
        personal_owner: project.owner_user_id.as_deref() == Some(user_id),
        org_role: rows.membership.as_ref().map(|(role, _)| role.as_str()),
        default_project_role: rows.membership.as_ref().and_then(|(_, d)| d.as_deref()),
        grant: rows.grant.as_ref().map(|(role, direct)| (role.as_str(), *direct)),
    };
    project_access::viewable(catalog, &facts)
}

/// An organization's project page in one trip to the database (issue 33):
/// the session and membership (`SignedInPage`), the project `key` with the
/// person's access to it, and the page's own reads, `read`, given the
/// project, the person's permissions on it (only when they may see it),
/// their account and their membership.
pub async fn load_in_org<T, F>(
    org_page: SignedInPage,
    key: String,
    state: &AppState,
    read: F,
) -> Result<(ProjectIn, T), AppError>
where
    F: FnOnce(&mut db::AnyConnection, &Project, &[Permission], &User, &MemberView) -> Result<T, AppError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let catalog = state.catalog.clone();
    let (member, found) = org_page
        .load_member(move |conn, view, user| {
            let owner = Owner::Org(view.org.id.clone());
            let Some((project, grant)) = projects::find_with_grant(conn, &owner, &key, &user.id)? else {
                return Ok(None);
            };
            let membership = Some((view.role.clone(), view.default_project_role.clone()));
            let rows = projects::AccessRows { membership, grant };
            let Some((why, permissions)) = access(&catalog, &project, &user.id, &rows) else { return Ok(None) };
            let page = read(conn, &project, &permissions, user, view)?;
            Ok(Some((project, why, permissions, page)))
        })
        .await?;
    let (project, why, permissions, page) = found.ok_or(AppError::NotFound)?;
    Ok((ProjectIn { space: Space::Org(Box::new(member)), project, why, permissions }, page))
}
