//! What a sign-in through an organization's own provider does: the
//! connection an address's domain finds (home-realm discovery), the
//! account of the identity, keyed by (connection, subject) and never
//! matched by email alone (except an account the organization's directory
//! made and nobody signed in to yet), linking, and just-in-time membership
//! with the connection's role.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::sso::{get, provider_key, ConnectionRow};
use crate::db::schema::{identities, memberships, org_domains, organizations, scim_users, sso_connections, users};
use crate::db::AnyConnection;
use crate::domain::OrgLimit;
use crate::store::changes::{lock_org, Actor};
use crate::store::members::insert_membership;
use crate::store::new_id;

/// The connection offered for an address at `domain`: an organization's
/// enabled connection covering its verified domain. With the
/// organization's name, for the sign-in page.
pub fn for_domain(conn: &mut AnyConnection, domain: &str) -> QueryResult<Option<(ConnectionRow, String)>> {
    let org: Option<(String, String)> = org_domains::table
        .inner_join(organizations::table)
        .filter(org_domains::domain.eq(domain))
        .filter(org_domains::verified_at.is_not_null())
        .select((organizations::id, organizations::name))
        .first(conn)
        .optional()?;
    let Some((org_id, org_name)) = org else { return Ok(None) };
    let row = get(conn, &org_id)?;
    Ok(row.filter(|r| r.enabled && r.covered().iter().any(|d| d == domain)).map(|r| (r, org_name)))
}

/// Who an identity of the connection belongs to.
pub enum Holder {
    /// The account this identity signed in before (or was linked to).
    Known(String),
    /// No account has this identity, and none has the address: a new one.
    New,
    /// An account has the address but not this identity: it must sign in
    /// once the old way to link them (never merged by email alone).
    NeedsLink(String),
    /// The organization's directory made this account (SCIM) and it never
    /// signed in: the connection of the same organization claims it, found
    /// by `externalId` = subject, or by `userName` or address when the
    /// provider's address is at a covered domain.
    Provisioned(String),
}

pub fn holder(
    conn: &mut AnyConnection,
    connection_id: &str,
    subject: &str,
    email: &str,
    email_verified: bool,
) -> QueryResult<Holder> {
    let known: Option<String> = identities::table
        .filter(identities::provider.eq(provider_key(connection_id)))
        .filter(identities::subject.eq(subject))
        .select(identities::user_id)
        .first(conn)
        .optional()?;
    if let Some(user_id) = known {
        return Ok(Holder::Known(user_id));
    }
    if let Some(user_id) = provisioned(conn, connection_id, subject, email, email_verified)? {
        return Ok(Holder::Provisioned(user_id));
    }
    let by_email: Option<String> =
        users::table.filter(users::email.eq(email)).select(users::id).first(conn).optional()?;
    Ok(by_email.map_or(Holder::New, Holder::NeedsLink))
}

fn provisioned(
    conn: &mut AnyConnection,
    connection_id: &str,
    subject: &str,
    email: &str,
    email_verified: bool,
) -> QueryResult<Option<String>> {
    let Some(org_id) =
        sso_connections::table.find(connection_id).select(sso_connections::org_id).first::<String>(conn).optional()?
    else {
        return Ok(None);
    };
    let key = if email_verified { email.to_lowercase() } else { String::new() };
    let candidates: Vec<String> = scim_users::table
        .filter(scim_users::org_id.eq(&org_id))
        .filter(
            scim_users::external_id
                .eq(subject)
                .or(scim_users::user_name_key.eq(&key).and(scim_users::user_name_key.ne("")))
                .or(scim_users::email_key.eq(&key).and(scim_users::email_key.ne(""))),
        )
        .select(scim_users::user_id)
        .load(conn)?;
    for user_id in candidates {
        let signed_in: i64 = identities::table.filter(identities::user_id.eq(&user_id)).count().get_result(conn)?;
        if signed_in == 0 {
            return Ok(Some(user_id));
        }
    }
    Ok(None)
}

/// Gives a provisioned account ([`Holder::Provisioned`]) the connection's
/// identity: its first sign-in.
pub fn claim_provisioned(
    conn: &mut AnyConnection,
    connection: &ConnectionRow,
    user_id: &str,
    subject: &str,
    email: &str,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(identities::table)
        .values((
            identities::id.eq(new_id()),
            identities::user_id.eq(user_id),
            identities::provider.eq(connection.provider_key()),
            identities::subject.eq(subject),
            identities::email.eq(email),
            identities::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Links the connection's identity to an account that signed in the old
/// way with the same verified address.
pub fn link(
    conn: &mut AnyConnection,
    connection: &ConnectionRow,
    subject: &str,
    email: &str,
    actor: &Actor,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        diesel::insert_into(identities::table)
            .values((
                identities::id.eq(new_id()),
                identities::user_id.eq(&actor.user_id),
                identities::provider.eq(connection.provider_key()),
                identities::subject.eq(subject),
                identities::email.eq(email),
                identities::created_at.eq(actor.now),
            ))
            .execute(conn)?;
        actor.record(conn, &connection.org_id, "sso.link", email, "the account signed in the old way, then linked")?;
        Ok(())
    })
}

/// Just-in-time membership: the first sign-in through the connection makes
/// the person a member with its default role. Returns whether it did.
pub fn join_just_in_time(
    conn: &mut AnyConnection,
    connection: &ConnectionRow,
    email: &str,
    limit: OrgLimit,
    actor: &Actor,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, &connection.org_id).map_err(|_| diesel::result::Error::NotFound)?;
        let member = memberships::table
            .find((&connection.org_id, &actor.user_id))
            .select(memberships::user_id)
            .first::<String>(conn)
            .optional()?;
        if member.is_some() {
            return Ok(false);
        }
        let mine: i64 = memberships::table.filter(memberships::user_id.eq(&actor.user_id)).count().get_result(conn)?;
        if !limit.allows_another(mine) {
            return Ok(false);
        }
        insert_membership(conn, &connection.org_id, &actor.user_id, &connection.default_role, "sso", actor.now)?;
        let details =
            format!("first sign-in through the organization's identity provider, as {}", connection.default_role);
        actor.record(conn, &connection.org_id, "member.join_by_sso", email, &details)?;
        Ok(true)
    })
}
