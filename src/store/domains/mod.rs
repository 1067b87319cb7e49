//! The domains area: the domains an organization claims and proves by DNS
//! (`claims`), the daily re-check that returns a lapsed one to unverified
//! (`recheck`), and what a verified domain lets people with an address
//! there do: join at once or ask to (`joins`). Uses members (a join is a
//! membership) and the shared pieces; the DNS lookups themselves happen
//! outside the store, which only records what they found.

pub mod claims;
pub mod joins;
pub mod recheck;
pub mod sso;
pub mod sso_sign_in;

pub use claims::{DomainError, DomainRow};

/// Whether a role may be given by a join policy: never one that manages
/// members or may delete the organization, so a domain's policy cannot hand
/// anyone with an address there the keys to the organization.
pub fn joinable_role(catalog: &crate::domain::RoleCatalog, role: &str) -> bool {
    use crate::domain::Permission;
    catalog.get(role).is_some_and(|r| !r.has(Permission::MembersManage) && !r.has(Permission::OrgDelete))
}
