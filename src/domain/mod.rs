//! Pure rules: validated values, the role catalog and the membership and
//! invitation rules. No HTTP, no SQL.

pub mod api_key;
pub mod billing;
pub mod countries;
pub mod customer_data;
pub mod customer_import;
mod email;
pub mod invitation;
pub mod member_rules;
pub mod money;
mod org_name;
pub mod payment_method;
mod policy;
pub mod project;
pub mod project_access;
pub mod provisioning;
pub mod roles;
pub mod scim;
pub mod sealed;
pub mod secret_token;
pub mod service_token;
mod slug;
pub mod spreadsheet;
pub mod text;
pub mod usage;
pub mod usage_payer;
pub mod user_agent;
pub mod verified_domain;
pub mod webhook;

pub use email::Email;
pub use org_name::OrgName;
pub use policy::OrgLimit;
pub use project::ProjectName;
pub use roles::{CatalogError, Permission, Role, RoleCatalog};
pub use slug::Slug;
