//! The role catalog: permissions are fixed in code, roles are named
//! permission sets loaded as data (the built-in default, or a TOML file).
//! Code asks for permissions, never for role names.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    OrgView,
    OrgManage,
    OrgDelete,
    MembersInvite,
    MembersManage,
    CustomerView,
    TicketsCreate,
    ServicesConnect,
    ProjectsView,
    ProjectsDevelop,
    ProjectsCreate,
    ProjectsManage,
    BillingView,
    BillingManage,
    ActivityView,
    ApiKeysManage,
    WebhooksManage,
}

impl Permission {
    pub const ALL: [Permission; 17] = [
        Permission::OrgView,
        Permission::OrgManage,
        Permission::OrgDelete,
        Permission::MembersInvite,
        Permission::MembersManage,
        Permission::CustomerView,
        Permission::TicketsCreate,
        Permission::ServicesConnect,
        Permission::ProjectsView,
        Permission::ProjectsDevelop,
        Permission::ProjectsCreate,
        Permission::ProjectsManage,
        Permission::BillingView,
        Permission::BillingManage,
        Permission::ActivityView,
        Permission::ApiKeysManage,
        Permission::WebhooksManage,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Permission::OrgView => "org.view",
            Permission::OrgManage => "org.manage",
            Permission::OrgDelete => "org.delete",
            Permission::MembersInvite => "members.invite",
            Permission::MembersManage => "members.manage",
            Permission::CustomerView => "customer.view",
            Permission::TicketsCreate => "tickets.create",
            Permission::ServicesConnect => "services.connect",
            Permission::ProjectsView => "projects.view",
            Permission::ProjectsDevelop => "projects.develop",
            Permission::ProjectsCreate => "projects.create",
            Permission::ProjectsManage => "projects.manage",
            Permission::BillingView => "billing.view",
            Permission::BillingManage => "billing.manage",
            Permission::ActivityView => "activity.view",
            Permission::ApiKeysManage => "api_keys.manage",
            Permission::WebhooksManage => "webhooks.manage",
        }
    }

    /// What the permission lets a member do, for the Roles page.
    pub fn label(self) -> &'static str {
        match self {
            Permission::OrgView => "View the organization and its members",
            Permission::OrgManage => "Rename the organization, change its URL name",
            Permission::OrgDelete => "Delete the organization",
            Permission::MembersInvite => "Invite members",
            Permission::MembersManage => "Change members' roles, remove members",
            Permission::CustomerView => "View entitlements, contacts and support tickets",
            Permission::TicketsCreate => "Raise support tickets",
            Permission::ServicesConnect => "Connect services",
            Permission::ProjectsView => "View projects",
            Permission::ProjectsDevelop => "Develop in projects",
            Permission::ProjectsCreate => "Create projects",
            Permission::ProjectsManage => "Manage projects and their teams",
            Permission::BillingView => "Open the Billing pages: billing details, subscription, invoices, usage",
            Permission::BillingManage => "Edit the billing details and the members whose personal usage is billed",
            Permission::ActivityView => "View the activity log",
            Permission::ApiKeysManage => "Create and revoke the organization's API keys",
            Permission::WebhooksManage => "Add and change the organization's webhooks, see their deliveries",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub description: String,
    pub permissions: BTreeSet<Permission>,
}

impl Role {
    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }
}

/// The roles of this deployment, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCatalog {
    roles: Vec<Role>,
    owner_role: String,
    default_role: String,
    project_noun: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("the role catalog is not valid TOML: {0}")]
    Syntax(String),
    #[error("the role catalog has no roles")]
    Empty,
    #[error("role `{role}` has an unknown permission `{permission}`")]
    UnknownPermission { role: String, permission: String },
    #[error("role `{0}` is defined twice")]
    DuplicateRole(String),
    #[error("role names cannot be empty")]
    EmptyName,
    #[error("no role can manage members (permission members.manage): nobody could ever change a role")]
    NoManager,
    #[error("owner_role `{0}` is not a role of the catalog")]
    UnknownOwnerRole(String),
    #[error("owner_role `{0}` must hold members.manage and org.delete")]
    WeakOwnerRole(String),
    #[error("default_role `{0}` is not a role of the catalog")]
    UnknownDefaultRole(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    owner_role: Option<String>,
    default_role: Option<String>,
    /// What a project is called: "Product" (Particle), "Dataset" (Segments).
    project_noun: Option<String>,
    roles: Vec<RoleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    name: String,
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
}

pub const BUILTIN_CATALOG: &str = include_str!("../../catalogs/default.toml");

impl RoleCatalog {
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_CATALOG).expect("the built-in catalog is valid")
    }

    /// Parses and validates a catalog. `"*"` in a permission list means all.
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError::Syntax(e.message().to_string()))?;
        if file.roles.is_empty() {
            return Err(CatalogError::Empty);
        }
        let mut roles: Vec<Role> = Vec::new();
        for r in file.roles {
            let name = r.name.trim().to_string();
            if name.is_empty() {
                return Err(CatalogError::EmptyName);
            }
            if roles.iter().any(|x| x.name.eq_ignore_ascii_case(&name)) {
                return Err(CatalogError::DuplicateRole(name));
            }
            let mut permissions = BTreeSet::new();
            for key in &r.permissions {
                if key == "*" {
                    permissions.extend(Permission::ALL);
                    continue;
                }
                let p = Permission::from_key(key)
                    .ok_or_else(|| CatalogError::UnknownPermission { role: name.clone(), permission: key.clone() })?;
                permissions.insert(p);
            }
            roles.push(Role { name, description: r.description.trim().to_string(), permissions });
        }
        if !roles.iter().any(|r| r.has(Permission::MembersManage)) {
            return Err(CatalogError::NoManager);
        }
        let owner_role = match file.owner_role {
            Some(o) => o,
            None => roles.iter().find(|r| r.has(Permission::MembersManage)).map(|r| r.name.clone()).unwrap_or_default(),
        };
        let owner =
            roles.iter().find(|r| r.name == owner_role).ok_or(CatalogError::UnknownOwnerRole(owner_role.clone()))?;
        if !owner.has(Permission::MembersManage) || !owner.has(Permission::OrgDelete) {
            return Err(CatalogError::WeakOwnerRole(owner_role));
        }
        let default_role =
            file.default_role.unwrap_or_else(|| roles.last().map(|r| r.name.clone()).unwrap_or_default());
        if !roles.iter().any(|r| r.name == default_role) {
            return Err(CatalogError::UnknownDefaultRole(default_role));
        }
        let project_noun = file.project_noun.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        Ok(Self { roles, owner_role, default_role, project_noun: project_noun.unwrap_or_else(|| "Project".into()) })
    }

    /// "Project", "Product", "Dataset": every page, button and email uses it.
    pub fn project_noun(&self) -> &str {
        &self.project_noun
    }

    pub fn projects_noun(&self) -> String {
        format!("{}s", self.project_noun)
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn get(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The role of whoever creates an organization (its primary owner).
    pub fn owner_role(&self) -> &str {
        &self.owner_role
    }

    /// The role preselected in the invite form.
    pub fn default_role(&self) -> &str {
        &self.default_role
    }

    /// The permissions of a role name; none for a name the catalog lacks
    /// (a role removed from the catalog grants nothing).
    pub fn permissions_of(&self, role: &str) -> BTreeSet<Permission> {
        self.get(role).map(|r| r.permissions.clone()).unwrap_or_default()
    }

    pub fn grants(&self, role: &str, p: Permission) -> bool {
        self.get(role).is_some_and(|r| r.has(p))
    }

    /// Names of the roles that hold `p` (for queries such as the last-admin rule).
    pub fn roles_with(&self, p: Permission) -> Vec<String> {
        self.roles.iter().filter(|r| r.has(p)).map(|r| r.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog() {
        let c = RoleCatalog::builtin();
        let names: Vec<_> = c.roles().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Admin", "Technical user", "Billing", "View-only"]);
        assert_eq!(c.owner_role(), "Admin");
        assert!(Permission::ALL.iter().all(|p| c.grants("Admin", *p)));
        assert!(c.grants("Technical user", Permission::ServicesConnect));
        assert!(!c.grants("Technical user", Permission::MembersInvite));
        assert!(c.grants("Billing", Permission::BillingManage));
        assert!(!c.grants("Billing", Permission::CustomerView));
        let view_only = c.get("View-only").unwrap();
        assert!(view_only.permissions.iter().all(|p| p.key().ends_with(".view")));
        assert!(c.permissions_of("Ghost").is_empty());
        assert_eq!(c.roles_with(Permission::MembersManage), ["Admin"]);
    }

    #[test]
    fn refuses_bad_catalogs() {
        let one = |perms: &str| format!("[[roles]]\nname = \"A\"\npermissions = [{perms}]\n");
        assert!(matches!(RoleCatalog::from_toml("roles = 3"), Err(CatalogError::Syntax(_))));
        assert_eq!(RoleCatalog::from_toml("roles = []"), Err(CatalogError::Empty));
        assert_eq!(
            RoleCatalog::from_toml(&one("\"org.fly\"")),
            Err(CatalogError::UnknownPermission { role: "A".into(), permission: "org.fly".into() })
        );
        assert_eq!(RoleCatalog::from_toml(&one("\"org.view\"")), Err(CatalogError::NoManager));
        let twice = format!("{}{}", one("\"*\""), one("\"*\"").replace("\"A\"", "\"a\""));
        assert_eq!(RoleCatalog::from_toml(&twice), Err(CatalogError::DuplicateRole("a".into())));
        let weak = format!("owner_role = \"A\"\n{}", one("\"members.manage\""));
        assert_eq!(RoleCatalog::from_toml(&weak), Err(CatalogError::WeakOwnerRole("A".into())));
        let ghost = format!("owner_role = \"Ghost\"\n{}", one("\"*\""));
        assert_eq!(RoleCatalog::from_toml(&ghost), Err(CatalogError::UnknownOwnerRole("Ghost".into())));
    }

    #[test]
    fn example_catalogs_load() {
        let particle = RoleCatalog::from_toml(include_str!("../../catalogs/particle.toml")).unwrap();
        let names: Vec<_> = particle.roles().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Administrator", "Developer", "Support", "View-only"]);
        assert!(particle.grants("Developer", Permission::ProjectsDevelop));
        assert!(!particle.grants("Support", Permission::ProjectsDevelop));
        let packet = RoleCatalog::from_toml(include_str!("../../catalogs/packet.toml")).unwrap();
        let names: Vec<_> = packet.roles().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Admin", "Collaborator", "Billing"]);
        assert!(!packet.grants("Collaborator", Permission::BillingView));
        let segments = RoleCatalog::from_toml(include_str!("../../catalogs/segments.toml")).unwrap();
        let names: Vec<_> = segments.roles().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Administrator", "Member"]);
        assert!(!segments.grants("Member", Permission::ProjectsCreate));
        assert_eq!(segments.owner_role(), "Administrator");
    }
}
