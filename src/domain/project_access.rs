//! Who may do what on a project, and why: one rule, computed when asked from
//! the facts (never copied into rows that could drift).
//!
//! - A personal project's owner may do everything on it.
//! - A member of the owning organization whose organization role manages
//!   projects always holds that role on its projects (an admin cannot be
//!   locked out of their own organization's projects).
//! - Otherwise a role set on the project for the member wins ("none" too);
//!   then the member's default project role: "same as organization role"
//!   (the default), another role, or none.
//! - Someone who is not a member holds a direct collaborator's role, if any.

use super::roles::{Permission, RoleCatalog};

/// What the database knows about one person and one project.
#[derive(Debug, Clone, Default)]
pub struct AccessFacts<'a> {
    /// The project is in this person's own personal space.
    pub personal_owner: bool,
    /// The person's organization role, when the project's organization has them.
    pub org_role: Option<&'a str>,
    /// Their default project role: None "same as organization role", Some("") none.
    pub default_project_role: Option<&'a str>,
    /// A role set on this project for them (Some("") none), and whether it
    /// is a direct collaborator's (not a member's).
    pub grant: Option<(&'a str, bool)>,
}

/// Why someone has access, as the project page and the Team page say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    PersonalOwner,
    OrgRole(String),
    DefaultProjectRole(String),
    SetOnProject(String),
    DirectCollaborator(String),
}

impl Why {
    /// The catalog role this access amounts to (None: the personal owner, who may do everything).
    pub fn role(&self) -> Option<&str> {
        match self {
            Why::PersonalOwner => None,
            Why::OrgRole(r) | Why::DefaultProjectRole(r) | Why::SetOnProject(r) | Why::DirectCollaborator(r) => Some(r),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Why::PersonalOwner => "owner of this personal space".into(),
            Why::OrgRole(r) => format!("organization role {r}"),
            Why::DefaultProjectRole(r) => format!("default project role {r}"),
            Why::SetOnProject(r) => format!("{r}, set on this project"),
            Why::DirectCollaborator(r) => format!("direct collaborator ({r})"),
        }
    }
}

fn some_role(r: &str) -> Option<String> {
    (!r.is_empty()).then(|| r.to_string())
}

/// The access the facts give, or None.
pub fn access(catalog: &RoleCatalog, f: &AccessFacts<'_>) -> Option<Why> {
    if f.personal_owner {
        return Some(Why::PersonalOwner);
    }
    if let Some(org_role) = f.org_role {
        if catalog.grants(org_role, Permission::ProjectsManage) {
            return Some(Why::OrgRole(org_role.to_string()));
        }
        if let Some((role, false)) = f.grant {
            return some_role(role).map(Why::SetOnProject);
        }
        return match f.default_project_role {
            None => Some(Why::OrgRole(org_role.to_string())),
            Some(r) => some_role(r).map(Why::DefaultProjectRole),
        };
    }
    match f.grant {
        Some((role, true)) => some_role(role).map(Why::DirectCollaborator),
        _ => None,
    }
}

/// The project permissions an access gives. Only projects.* and nothing of
/// the organization: a project role does not reach its members or billing.
pub fn project_permissions(catalog: &RoleCatalog, why: &Why) -> Vec<Permission> {
    const PROJECT: [Permission; 4] =
        [Permission::ProjectsView, Permission::ProjectsDevelop, Permission::ProjectsCreate, Permission::ProjectsManage];
    match why.role() {
        None => PROJECT.to_vec(),
        Some(role) => PROJECT.into_iter().filter(|p| catalog.grants(role, *p)).collect(),
    }
}

/// Access that includes `projects.view`, with its project permissions; None
/// when the facts give none or not enough to see the project (it is then
/// the same 404 as a project that does not exist).
pub fn viewable(catalog: &RoleCatalog, f: &AccessFacts<'_>) -> Option<(Why, Vec<Permission>)> {
    let why = access(catalog, f)?;
    let permissions = project_permissions(catalog, &why);
    permissions.contains(&Permission::ProjectsView).then_some((why, permissions))
}

/// Which of an organization's projects a member's list shows: the same rule
/// as [`access`], said as a filter over roles set on projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Every project (roles that manage projects; a personal space's owner).
    All,
    /// Every project but those set to "none" for the member (their default lets them view).
    AllButNone,
    /// Only those with a role set for the member (their default does not let them view).
    OnlyGranted,
}

pub fn listing(catalog: &RoleCatalog, org_role: &str, default_project_role: Option<&str>) -> Listing {
    if catalog.grants(org_role, Permission::ProjectsManage) {
        return Listing::All;
    }
    let by_default = default_project_role.unwrap_or(org_role);
    if !by_default.is_empty() && catalog.grants(by_default, Permission::ProjectsView) {
        Listing::AllButNone
    } else {
        Listing::OnlyGranted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> RoleCatalog {
        RoleCatalog::builtin()
    }

    #[test]
    fn organization_roles_cascade_unless_the_member_says_otherwise() {
        let c = catalog();
        let member = |default, grant| AccessFacts {
            org_role: Some("Technical user"),
            default_project_role: default,
            grant,
            ..AccessFacts::default()
        };
        assert_eq!(access(&c, &member(None, None)), Some(Why::OrgRole("Technical user".into())));
        assert_eq!(access(&c, &member(Some(""), None)), None, "default: none");
        assert_eq!(access(&c, &member(Some("View-only"), None)), Some(Why::DefaultProjectRole("View-only".into())));
        assert_eq!(
            access(&c, &member(Some(""), Some(("Admin", false)))),
            Some(Why::SetOnProject("Admin".into())),
            "set on the project beats the default"
        );
        assert_eq!(access(&c, &member(None, Some(("", false)))), None, "none on this project");
    }

    #[test]
    fn admins_keep_their_role_and_outsiders_need_a_direct_grant() {
        let c = catalog();
        let admin = AccessFacts {
            org_role: Some("Admin"),
            default_project_role: Some(""),
            grant: Some(("", false)),
            ..AccessFacts::default()
        };
        assert_eq!(access(&c, &admin), Some(Why::OrgRole("Admin".into())));
        assert_eq!(access(&c, &AccessFacts::default()), None);
        let direct = AccessFacts { grant: Some(("View-only", true)), ..AccessFacts::default() };
        assert_eq!(access(&c, &direct), Some(Why::DirectCollaborator("View-only".into())));
        let owner = AccessFacts { personal_owner: true, ..AccessFacts::default() };
        assert_eq!(project_permissions(&c, &access(&c, &owner).unwrap()).len(), 4);
        let view = project_permissions(&c, &Why::DirectCollaborator("View-only".into()));
        assert_eq!(view, vec![Permission::ProjectsView]);
        let billing = AccessFacts { org_role: Some("Billing"), ..AccessFacts::default() };
        assert!(access(&c, &billing).is_some() && viewable(&c, &billing).is_none(), "Billing cannot view projects");
    }

    #[test]
    fn listing_follows_the_rule() {
        let c = catalog();
        assert_eq!(listing(&c, "Admin", Some("")), Listing::All);
        assert_eq!(listing(&c, "Technical user", None), Listing::AllButNone);
        assert_eq!(listing(&c, "Technical user", Some("")), Listing::OnlyGranted);
        assert_eq!(listing(&c, "Billing", None), Listing::OnlyGranted);
        assert_eq!(listing(&c, "Billing", Some("View-only")), Listing::AllButNone);
    }
}
