//! Who may change whose membership. Pure: the caller supplies the facts
//! (read inside the transaction that locks the organization).

use super::roles::{Permission, RoleCatalog};

/// A member as the rules see them.
#[derive(Debug, Clone)]
pub struct MemberFacts<'a> {
    pub user_id: &'a str,
    pub role: &'a str,
    pub is_owner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("You cannot change your own role. Ask another member who manages members.")]
    OwnRole,
    #[error("The primary owner's role cannot be changed. The owner can transfer ownership first.")]
    OwnerRole,
    #[error("The primary owner cannot be removed. The owner can transfer ownership first.")]
    OwnerRemoval,
    #[error("You cannot remove yourself here; use Leave organization.")]
    SelfRemoval,
    #[error("The primary owner cannot leave. Transfer ownership to another Admin first.")]
    OwnerLeaving,
    #[error("At least one member must be able to manage members; this is the last one.")]
    LastManager,
    #[error("“{0}” is not a role of this portal.")]
    UnknownRole(String),
    #[error("Only the primary owner can transfer ownership.")]
    NotOwner,
    #[error("Ownership can only go to another member with the {0} role.")]
    TransferTarget(String),
}

fn manages(catalog: &RoleCatalog, role: &str) -> bool {
    catalog.grants(role, Permission::MembersManage)
}

/// `managers`: how many members of the organization hold members.manage.
pub fn check_role_change(
    catalog: &RoleCatalog,
    actor_id: &str,
    target: &MemberFacts<'_>,
    new_role: &str,
    managers: i64,
) -> Result<(), RuleError> {
    if catalog.get(new_role).is_none() {
        return Err(RuleError::UnknownRole(new_role.to_string()));
    }
    if target.user_id == actor_id {
        return Err(RuleError::OwnRole);
    }
    if target.is_owner && new_role != target.role {
        return Err(RuleError::OwnerRole);
    }
    if manages(catalog, target.role) && !manages(catalog, new_role) && managers <= 1 {
        return Err(RuleError::LastManager);
    }
    Ok(())
}

pub fn check_removal(
    catalog: &RoleCatalog,
    actor_id: &str,
    target: &MemberFacts<'_>,
    managers: i64,
) -> Result<(), RuleError> {
    if target.user_id == actor_id {
        return Err(RuleError::SelfRemoval);
    }
    if target.is_owner {
        return Err(RuleError::OwnerRemoval);
    }
    if manages(catalog, target.role) && managers <= 1 {
        return Err(RuleError::LastManager);
    }
    Ok(())
}

pub fn check_leave(catalog: &RoleCatalog, me: &MemberFacts<'_>, managers: i64) -> Result<(), RuleError> {
    if me.is_owner {
        return Err(RuleError::OwnerLeaving);
    }
    if manages(catalog, me.role) && managers <= 1 {
        return Err(RuleError::LastManager);
    }
    Ok(())
}

pub fn check_transfer(
    catalog: &RoleCatalog,
    actor: &MemberFacts<'_>,
    target: &MemberFacts<'_>,
) -> Result<(), RuleError> {
    if !actor.is_owner {
        return Err(RuleError::NotOwner);
    }
    if target.user_id == actor.user_id || target.role != catalog.owner_role() {
        return Err(RuleError::TransferTarget(catalog.owner_role().to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m<'a>(id: &'a str, role: &'a str, owner: bool) -> MemberFacts<'a> {
        MemberFacts { user_id: id, role, is_owner: owner }
    }

    #[test]
    fn role_changes() {
        let c = RoleCatalog::builtin();
        let bob = m("bob", "Admin", false);
        assert_eq!(check_role_change(&c, "bob", &bob, "Billing", 2), Err(RuleError::OwnRole));
        assert_eq!(check_role_change(&c, "ann", &m("own", "Admin", true), "Billing", 3), Err(RuleError::OwnerRole));
        assert_eq!(check_role_change(&c, "ann", &bob, "Billing", 1), Err(RuleError::LastManager));
        assert_eq!(check_role_change(&c, "ann", &bob, "Billing", 2), Ok(()));
        assert_eq!(check_role_change(&c, "ann", &bob, "Root", 2), Err(RuleError::UnknownRole("Root".into())));
        assert_eq!(check_role_change(&c, "ann", &m("t", "Technical user", false), "Admin", 1), Ok(()));
    }

    #[test]
    fn removal_leave_transfer() {
        let c = RoleCatalog::builtin();
        assert_eq!(check_removal(&c, "a", &m("a", "Admin", false), 2), Err(RuleError::SelfRemoval));
        assert_eq!(check_removal(&c, "a", &m("o", "Admin", true), 2), Err(RuleError::OwnerRemoval));
        assert_eq!(check_removal(&c, "a", &m("b", "Admin", false), 1), Err(RuleError::LastManager));
        assert_eq!(check_removal(&c, "a", &m("b", "Billing", false), 1), Ok(()));
        assert_eq!(check_leave(&c, &m("o", "Admin", true), 3), Err(RuleError::OwnerLeaving));
        assert_eq!(check_leave(&c, &m("b", "Admin", false), 1), Err(RuleError::LastManager));
        assert_eq!(check_leave(&c, &m("b", "View-only", false), 1), Ok(()));
        let owner = m("o", "Admin", true);
        assert_eq!(check_transfer(&c, &owner, &m("b", "Admin", false)), Ok(()));
        assert!(check_transfer(&c, &owner, &m("b", "Billing", false)).is_err());
        assert_eq!(check_transfer(&c, &m("b", "Admin", false), &owner), Err(RuleError::NotOwner));
    }
}
