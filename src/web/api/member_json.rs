//! A member as the API writes one (`Member`, and a page of them,
//! `MemberList`): shared by the member list, one member's answer and the
//! kept member orders (`member_order`), which write the same bytes.

use serde::Serialize;
use utoipa::ToSchema;

use super::Rfc3339;
use crate::store::members::MemberRow;

/// A member as the API shows one, borrowed from the row it was read as:
/// a page of a hundred is written without copying its strings.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "9b1f2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "name": "Ada Admin",
    "email": "ada@acme.test", "role": "Admin", "joined_at": "2027-01-31T12:00:00Z", "primary_owner": true}))]
pub struct Member<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    /// A role of the portal's role catalog (`GET .../roles`).
    pub role: &'a str,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Rfc3339,
    /// The primary owner cannot be removed or demoted.
    pub primary_owner: bool,
}

pub fn member<'a>(row: &'a MemberRow, owner_id: &str) -> Member<'a> {
    Member {
        user_id: &row.user_id,
        name: &row.name,
        email: &row.email,
        role: &row.role,
        joined_at: Rfc3339(row.joined_at),
        primary_owner: row.user_id == owner_id,
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList<'a> {
    pub items: Vec<Member<'a>>,
    /// The cursor of the next page; null on the last.
    pub next: Option<String>,
}
