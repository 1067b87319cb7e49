//! Adding an existing account to an organization at once (Segments' "Add
//! member", behind ORGPORTAL_DIRECT_ADD): no invitation to accept. The
//! person is told by email; an address with no account is the caller's to
//! invite instead.

use diesel::prelude::*;

use crate::db::schema::{memberships, users};
use crate::db::AnyConnection;
use crate::store::members::{insert_membership, lock_org, Actor, MemberError};
use crate::store::outbox::{self, OutgoingMail};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A member now, by this name.
    Added(String),
    /// No account has the address: invite them.
    NoAccount,
    /// The account has not verified the address: adding it would trust an unproven address.
    Unverified,
    AlreadyMember,
}

/// Makes the verified account of `email` a member with `role`, records
/// who added it (`member.add_direct`), replaces its direct project grants
/// with membership and queues `mail(name)` to it, in one transaction.
pub fn add(
    conn: &mut AnyConnection,
    org_id: &str,
    email: &str,
    role: &str,
    mail: &dyn Fn(&str) -> Option<OutgoingMail>,
    actor: &Actor,
) -> Result<Added, MemberError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id)?;
        let found: Option<(String, String, bool)> = users::table
            .filter(users::email.eq(email))
            .order(users::email_verified.desc())
            .select((users::id, users::name, users::email_verified))
            .first(conn)
            .optional()?;
        let Some((user_id, name, verified)) = found else { return Ok(Added::NoAccount) };
        if !verified {
            return Ok(Added::Unverified);
        }
        if crate::store::members::find(conn, org_id, &user_id)?.is_some() {
            return Ok(Added::AlreadyMember);
        }
        let by: String = users::table.find(&actor.user_id).select(users::email).first(conn)?;
        insert_membership(conn, org_id, &user_id, role, "direct", actor.now)?;
        diesel::update(memberships::table.find((org_id, &user_id))).set(memberships::added_by.eq(&by)).execute(conn)?;
        crate::store::members::direct_grants::replace_with_membership(conn, org_id, &user_id, email, actor)?;
        actor.record(conn, org_id, "member.add_direct", email, &format!("role {role}, added directly by {by}"))?;
        if let Some(m) = mail(&name) {
            outbox::enqueue_for(conn, None, &m, actor.now)?;
        }
        Ok(Added::Added(name))
    })
}
