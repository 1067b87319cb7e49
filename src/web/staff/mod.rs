//! The support staff area: every organization with search and the site-wide
//! activity log, and read-only views of one organization.

pub mod identity_views;
pub mod org_views;
pub mod organizations;
pub mod provision;
pub mod usage_views;
