//! Synchronous diesel functions, one file per table family. Each takes
//! `&mut AnyConnection`; none sees a request.

pub mod activity;
pub mod customers;
pub mod invitations;
pub mod members;
pub mod orgs;
pub mod outbox;
pub mod users;

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// True when `e` is a unique-constraint violation on either backend.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
