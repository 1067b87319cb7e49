use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{identities, memberships, users};
use crate::db::AnyConnection;
use crate::store::activity::{self, NewActivity};
use crate::store::new_id;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub created_at: PrimitiveDateTime,
    #[diesel(deserialize_as = crate::db::timestamp::FastTimestamp)]
    pub last_sign_in_at: PrimitiveDateTime,
}

/// What a provider's userinfo endpoint said about the person signing in.
#[derive(Debug, Clone)]
pub struct ProviderProfile {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

/// Finds the user of (provider, subject) or creates one, and refreshes the
/// email and name the provider reports. Never matches on email alone.
/// Writes a `user.sign_in` activity row into every organization the user
/// belongs to (one row without an organization when there is none), in the
/// same transaction.
pub fn sign_in(
    conn: &mut AnyConnection,
    profile: &ProviderProfile,
    ip: &str,
    now: PrimitiveDateTime,
) -> QueryResult<User> {
    crate::db::write_transaction(conn, |conn| {
        let existing: Option<String> = identities::table
            .filter(identities::provider.eq(&profile.provider))
            .filter(identities::subject.eq(&profile.subject))
            .select(identities::user_id)
            .first(conn)
            .optional()?;
        let user_id = match existing {
            Some(id) => {
                diesel::update(users::table.find(&id))
                    .set((
                        users::email.eq(&profile.email),
                        users::email_verified.eq(profile.email_verified),
                        users::name.eq(&profile.name),
                        users::last_sign_in_at.eq(now),
                    ))
                    .execute(conn)?;
                diesel::update(
                    identities::table
                        .filter(identities::provider.eq(&profile.provider))
                        .filter(identities::subject.eq(&profile.subject)),
                )
                .set(identities::email.eq(&profile.email))
                .execute(conn)?;
                id
            }
            None => {
                let id = new_id();
                diesel::insert_into(users::table)
                    .values((
                        users::id.eq(&id),
                        users::email.eq(&profile.email),
                        users::email_verified.eq(profile.email_verified),
                        users::name.eq(&profile.name),
                        users::created_at.eq(now),
                        users::last_sign_in_at.eq(now),
                    ))
                    .execute(conn)?;
                diesel::insert_into(identities::table)
                    .values((
                        identities::id.eq(new_id()),
                        identities::user_id.eq(&id),
                        identities::provider.eq(&profile.provider),
                        identities::subject.eq(&profile.subject),
                        identities::email.eq(&profile.email),
                        identities::created_at.eq(now),
                    ))
                    .execute(conn)?;
                id
            }
        };
        let org_ids: Vec<String> =
            memberships::table.filter(memberships::user_id.eq(&user_id)).select(memberships::org_id).load(conn)?;
        let details = format!("via {}", profile.provider);
        let targets: Vec<Option<&str>> =
            if org_ids.is_empty() { vec![None] } else { org_ids.iter().map(|id| Some(id.as_str())).collect() };
        for org_id in targets {
            activity::record(
                conn,
                &NewActivity {
                    id: new_id(),
                    org_id,
                    actor_id: Some(&user_id),
                    action: "user.sign_in",
                    target: &profile.email,
                    details: &details,
                    ip,
                    created_at: now,
                    via: None,
                },
            )?;
        }
        users::table.find(user_id).select(User::as_select()).first(conn)
    })
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}
