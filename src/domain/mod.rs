//! Pure rules: validated values and policies. No HTTP, no SQL.

mod email;
mod org_name;
mod policy;
mod roles;
mod slug;

pub use email::Email;
pub use org_name::OrgName;
pub use policy::OrgLimit;
pub use roles::ADMIN_ROLE;
pub use slug::Slug;
