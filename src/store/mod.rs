//! Synchronous diesel functions, one file per table family. Each takes
//! `&mut AnyConnection`; none sees a request.

pub mod accounts;
pub mod activity;
pub mod billed_members;
pub mod billing;
pub mod collaborators;
pub mod customer_data;
pub mod customers;
pub mod direct_add;
pub mod first_pages;
pub mod invitations;
pub mod invoices;
mod json_list;
pub mod member_page;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod project_invitations;
pub mod project_team;
pub mod project_tokens;
pub mod projects;
pub mod provisioning;
pub mod search_index;
pub mod security_log;
pub mod services;
pub mod sessions;
pub mod staff;
pub mod usage;
pub mod usage_bill;
pub mod users;

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// True when `e` is a unique-constraint violation on either backend.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A search as it is matched: trimmed and lower-cased; None when empty.
pub fn search_term(term: Option<&str>) -> Option<String> {
    term.map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase)
}

/// A LIKE pattern matching `term` anywhere (lower-cased, wildcards escaped
/// with `\`); None for an empty search.
pub fn contains_pattern(term: Option<&str>) -> Option<String> {
    search_term(term).as_deref().map(like_anywhere)
}

/// A LIKE pattern matching the (already lower-cased) term anywhere.
fn like_anywhere(term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
