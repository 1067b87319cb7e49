//! The directory's Users as stored, and the lookups a directory's sync
//! asks most: by the indexed keys (`userName`, `externalId`, `emails.value`,
//! `id`), one index probe at any size; a page in userName order; all of them
//! for a filter no index answers; the suspended, for the Members page.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{scim_users, users};
use crate::db::timestamp::FastTimestamp;
use crate::db::AnyConnection;
use crate::domain::scim::user::UserAttrs;

#[derive(Debug, Clone, Queryable)]
pub struct UserRow {
    pub id: String,
    pub user_id: String,
    pub external_id: Option<String>,
    pub user_name: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub email_type: String,
    pub email_primary: Option<bool>,
    pub employee_number: String,
    pub department: String,
    pub active: bool,
    pub active_sent: bool,
    pub suspended_role: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    #[diesel(deserialize_as = FastTimestamp)]
    pub updated_at: PrimitiveDateTime,
}

impl UserRow {
    pub fn attrs(&self) -> UserAttrs {
        UserAttrs {
            user_name: self.user_name.clone(),
            external_id: self.external_id.clone(),
            display_name: self.display_name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            email: self.email.clone(),
            email_type: self.email_type.clone(),
            email_primary: self.email_primary,
            active: self.active_sent.then_some(self.active),
            employee_number: self.employee_number.clone(),
            department: self.department.clone(),
        }
    }
}

macro_rules! columns {
    () => {
        (
            scim_users::id,
            scim_users::user_id,
            scim_users::external_id,
            scim_users::user_name,
            scim_users::display_name,
            scim_users::given_name,
            scim_users::family_name,
            scim_users::email,
            scim_users::email_type,
            scim_users::email_primary,
            scim_users::employee_number,
            scim_users::department,
            scim_users::active,
            scim_users::active_sent,
            scim_users::suspended_role,
            scim_users::version,
            scim_users::created_at,
            scim_users::updated_at,
        )
    };
}

/// The keys a filter's equality can be answered by (filter::AttrPath::dotted).
pub const INDEXED: [&str; 4] = ["username", "externalid", "emails.value", "id"];

pub fn get(conn: &mut AnyConnection, org_id: &str, id: &str) -> QueryResult<Option<UserRow>> {
    scim_users::table
        .filter(scim_users::org_id.eq(org_id))
        .filter(scim_users::id.eq(id))
        .select(columns!())
        .first(conn)
        .optional()
}

/// The Users whose `key` (one of [`INDEXED`]) equals `value`.
pub fn by_key(conn: &mut AnyConnection, org_id: &str, key: &str, value: &str) -> QueryResult<Vec<UserRow>> {
    let q = scim_users::table.filter(scim_users::org_id.eq(org_id)).select(columns!());
    match key {
        "username" => q.filter(scim_users::user_name_key.eq(value.to_lowercase())).load(conn),
        "externalid" => q.filter(scim_users::external_id.eq(value)).load(conn),
        "emails.value" => q.filter(scim_users::email_key.eq(value.to_lowercase())).load(conn),
        _ => q.filter(scim_users::id.eq(value)).load(conn),
    }
}

pub fn count(conn: &mut AnyConnection, org_id: &str) -> QueryResult<i64> {
    scim_users::table.filter(scim_users::org_id.eq(org_id)).count().get_result(conn)
}

/// A page in userName order (the unique index's).
pub fn page(
    conn: &mut AnyConnection,
    org_id: &str,
    offset: i64,
    limit: i64,
    descending: bool,
) -> QueryResult<Vec<UserRow>> {
    let q = scim_users::table.filter(scim_users::org_id.eq(org_id)).select(columns!()).offset(offset).limit(limit);
    if descending {
        q.order(scim_users::user_name_key.desc()).load(conn)
    } else {
        q.order(scim_users::user_name_key.asc()).load(conn)
    }
}

/// Every User of the organization (a filter no index answers).
pub fn all(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<UserRow>> {
    scim_users::table
        .filter(scim_users::org_id.eq(org_id))
        .order(scim_users::user_name_key)
        .select(columns!())
        .load(conn)
}

/// The suspended people of the organization, for the Members page.
pub fn suspended(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Vec<(String, String, Option<String>)>> {
    scim_users::table
        .inner_join(users::table)
        .filter(scim_users::org_id.eq(org_id))
        .filter(scim_users::active.eq(false))
        .order(scim_users::user_name_key)
        .select((users::name, users::email, scim_users::suspended_role))
        .limit(500)
        .load(conn)
}
