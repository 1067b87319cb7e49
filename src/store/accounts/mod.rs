//! The accounts area: people and their own account: users, sessions, the
//! security log, and deleting an account.
//!
//! This file: a person's own account as Settings shows it (sign-in
//! identities, the organizations they belong to) and deleting it.

pub mod security_log;
pub mod sessions;
pub mod users;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::users as user_rows;
use crate::db::schema::{identities, memberships, organizations, projects};
use crate::db::AnyConnection;
use crate::domain::member_rules::{self, MemberFacts, RuleError};
use crate::domain::RoleCatalog;
use crate::store::activity;
use crate::store::members::{self, Actor, MemberError};

/// One way the person signs in.
#[derive(Debug, Clone, Queryable)]
pub struct IdentityRow {
    pub provider: String,
    pub email: String,
    pub created_at: PrimitiveDateTime,
}

pub fn identities_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<IdentityRow>> {
    identities::table
        .filter(identities::user_id.eq(user_id))
        .order(identities::created_at.asc())
        .select((identities::provider, identities::email, identities::created_at))
        .load(conn)
}

/// An organization the person belongs to.
#[derive(Debug, Clone, Queryable)]
pub struct Membership {
    pub org_id: String,
    pub name: String,
    pub slug: String,
    pub owner_id: String,
    pub role: String,
    pub joined_at: PrimitiveDateTime,
}

impl Membership {
    pub fn is_owner(&self, user_id: &str) -> bool {
        self.owner_id == user_id
    }
}

pub fn memberships_of(conn: &mut AnyConnection, user_id: &str) -> QueryResult<Vec<Membership>> {
    memberships::table
        .inner_join(organizations::table)
        .filter(memberships::user_id.eq(user_id))
        .order((organizations::name.asc(), organizations::slug.asc()))
        .select((
            organizations::id,
            organizations::name,
            organizations::slug,
            organizations::owner_id,
            memberships::role,
            memberships::created_at,
        ))
        .load(conn)
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteAccountError {
    /// The names of the organizations the person is the primary owner of.
    #[error("primary owner")]
    OwnsOrganizations(Vec<String>),
    /// An organization's rule stops the person leaving it (its name, the rule).
    #[error("{0}: {1}")]
    Rule(String, RuleError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Deletes the account of `actor.user_id`, all or nothing: the person leaves
/// every organization under its rules (`user.delete` in each one's log, or
/// in the site log when there is none), their activity rows keep their name,
/// and the account goes with its identities, sessions and security log.
pub fn delete_account(
    conn: &mut AnyConnection,
    catalog: &RoleCatalog,
    actor: &Actor,
) -> Result<(), DeleteAccountError> {
    crate::db::write_transaction(conn, |conn| {
        let user_id = actor.user_id.as_str();
        let (name, email): (String, String) =
            user_rows::table.find(user_id).select((user_rows::name, user_rows::email)).first(conn)?;
        let mine = memberships_of(conn, user_id)?;
        let owned: Vec<String> = mine.iter().filter(|m| m.is_owner(user_id)).map(|m| m.name.clone()).collect();
        let owns_any: i64 =
            organizations::table.filter(organizations::owner_id.eq(user_id)).count().get_result(conn)?;
        if !owned.is_empty() || owns_any > 0 {
            return Err(DeleteAccountError::OwnsOrganizations(owned));
        }
        for m in &mine {
            match members::lock_org(conn, &m.org_id) {
                Ok(_) => {}
                Err(MemberError::Db(e)) => return Err(e.into()),
                // The organization was deleted meanwhile: nothing to leave there.
                Err(_) => continue,
            }
            let facts = MemberFacts { user_id, role: &m.role, is_owner: false };
            let managers = members::managers(conn, &m.org_id, catalog)?;
            member_rules::check_leave(catalog, &facts, managers)
                .map_err(|rule| DeleteAccountError::Rule(m.name.clone(), rule))?;
            let me = members::MemberRow {
                user_id: user_id.to_string(),
                name: name.clone(),
                email: email.clone(),
                role: m.role.clone(),
                joined_at: m.joined_at,
                added_by: None,
            };
            members::delete_membership(conn, &m.org_id, &me, "account deleted", actor)?;
            actor.record(conn, &m.org_id, "user.delete", &email, "account deleted")?;
        }
        if mine.is_empty() {
            activity::record(
                conn,
                &activity::NewActivity {
                    id: crate::store::new_id(),
                    org_id: None,
                    actor_id: Some(user_id),
                    action: "user.delete",
                    target: &email,
                    details: "account deleted",
                    ip: &actor.ip,
                    created_at: actor.now,
                    via: None,
                },
            )?;
        }
        activity::keep_actor_name(conn, user_id, &name)?;
        let personal: Vec<String> =
            projects::table.filter(projects::owner_user_id.eq(user_id)).select(projects::id).load(conn)?;
        crate::store::billing::usage::keep_on_bills(conn, &personal)?;
        diesel::delete(user_rows::table.find(user_id)).execute(conn)?;
        Ok(())
    })
}
