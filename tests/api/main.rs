//! One test binary (fast to link), one module per area.

mod activity;
mod browser;
mod catalogs;
mod customer_pages;
mod customers;
mod helpers;
mod infra;
mod invitations;
mod mail_sink;
mod members;
mod oidc;
mod org_settings;
mod orgs;
mod permissions;
mod project_permissions;
mod project_team;
mod project_tokens;
mod projects;
mod rate_limits;
mod security;
mod services;
mod sessions;
mod settings;
mod sign_in;
mod staff;
mod upgrade;
