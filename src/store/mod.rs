//! Synchronous diesel functions, one folder per area mirroring web/; each
//! takes `&mut AnyConnection` and none sees a request. Areas use the shared
//! pieces (activity, outbox, changes, webhooks' events) and, one way only, each other: billing
//! nothing; members billing; orgs and accounts members; customer accounts,
//! members and orgs; projects members, billing and customer (the token rows
//! it shares with services); staff all of them. tools/import-circles.py
//! checks it.

pub mod accounts;
pub mod activity;
pub mod api_keys;
pub mod billing;
pub mod changes;
pub mod customer;
pub mod domains;
pub mod kept;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod projects;
pub mod scim;
pub mod staff;
pub mod webhooks;

/// A new row's id: a UUID in time order (version 7), so that each insert
/// lands at the end of its table's id index, beside the last one, not on a
/// random page of it. With random ids each invitation, its mail and its
/// activity row wrote three more index pages to the log. Ids are never
/// secrets (links and keys carry tokens of their own); a version 7 id tells
/// when its row was made, to the millisecond.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
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
