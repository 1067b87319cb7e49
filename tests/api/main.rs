//! One test binary (fast to link), one module per area.

mod helpers;
mod infra;
mod oidc;
mod orgs;
mod security;
mod sign_in;
