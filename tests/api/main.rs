//! One test binary (fast to link), one module per area.

mod helpers;
mod infra;
mod orgs;
mod security;
mod sign_in;
