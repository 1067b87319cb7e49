//! An organization's own OpenID Connect provider (`org.manage`): its
//! settings (the client secret kept sealed), the test sign-in an admin must
//! pass before it is offered, turning it on and requiring it. What a
//! sign-in through it does is in sso_sign_in.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::schema::{organizations, sso_connections};
use crate::db::AnyConnection;
use crate::domain::sealed::Sealed;
use crate::store::changes::{lock_org, Actor};
use crate::store::new_id;

#[derive(Debug, Clone, Queryable)]
pub struct ConnectionRow {
    pub id: String,
    pub org_id: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Covered verified domains, separated by spaces.
    pub domains: String,
    pub default_role: String,
    pub enabled: bool,
    pub tested_by: Option<String>,
    pub tested_at: Option<PrimitiveDateTime>,
    /// Covered members must sign in through it to open the organization.
    pub required: bool,
}

impl ConnectionRow {
    pub fn covered(&self) -> Vec<String> {
        self.domains.split_whitespace().map(str::to_string).collect()
    }

    /// How its identities are named in `identities.provider`.
    pub fn provider_key(&self) -> String {
        provider_key(&self.id)
    }

    pub fn sealed_secret(&self) -> Sealed {
        Sealed(self.client_secret.clone())
    }
}

pub fn provider_key(connection_id: &str) -> String {
    format!("sso:{connection_id}")
}

macro_rules! columns {
    () => {
        (
            sso_connections::id,
            sso_connections::org_id,
            sso_connections::issuer,
            sso_connections::client_id,
            sso_connections::client_secret,
            sso_connections::domains,
            sso_connections::default_role,
            sso_connections::enabled,
            sso_connections::tested_by,
            sso_connections::tested_at,
            sso_connections::required,
        )
    };
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("no such connection")]
    NotFound,
    #[error("Enter the client secret: it is kept sealed and never shown again.")]
    SecretMissing,
    #[error("Test the sign-in first: it is offered only after an admin signed in through it successfully.")]
    NotTested,
    /// Required SSO is turned on only by the admin whose own test went
    /// through, so nobody can lock every admin out.
    #[error("Run Test sign-in yourself first: only the admin whose own test went through can require single sign-on, so nobody is locked out.")]
    NotTestedByYou,
    #[error("Turn single sign-on on first.")]
    NotEnabled,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub fn get(conn: &mut AnyConnection, org_id: &str) -> QueryResult<Option<ConnectionRow>> {
    sso_connections::table.filter(sso_connections::org_id.eq(org_id)).select(columns!()).first(conn).optional()
}

pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<ConnectionRow>> {
    sso_connections::table.find(id).select(columns!()).first(conn).optional()
}

/// What the page sets; `secret` None keeps the stored one.
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: String,
    pub client_id: String,
    pub secret: Option<Sealed>,
    pub domains: Vec<String>,
    pub default_role: String,
}

/// Saves the settings. A new issuer, client or secret needs a new test
/// sign-in, so the connection stops being offered until then.
pub fn save(conn: &mut AnyConnection, org_id: &str, settings: &Settings, actor: &Actor) -> Result<(), SsoError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| SsoError::NotFound)?;
        let domains = settings.domains.join(" ");
        match get(conn, org_id)? {
            None => {
                let secret = settings.secret.as_ref().ok_or(SsoError::SecretMissing)?;
                diesel::insert_into(sso_connections::table)
                    .values((
                        sso_connections::id.eq(new_id()),
                        sso_connections::org_id.eq(org_id),
                        sso_connections::kind.eq("oidc"),
                        sso_connections::issuer.eq(&settings.issuer),
                        sso_connections::client_id.eq(&settings.client_id),
                        sso_connections::client_secret.eq(&secret.0),
                        sso_connections::domains.eq(&domains),
                        sso_connections::default_role.eq(&settings.default_role),
                        sso_connections::enabled.eq(false),
                        sso_connections::created_at.eq(actor.now),
                        sso_connections::updated_at.eq(actor.now),
                    ))
                    .execute(conn)?;
                actor.record(
                    conn,
                    org_id,
                    "sso.create",
                    &settings.issuer,
                    &format!("client {}", settings.client_id),
                )?;
            }
            Some(row) => {
                let retest =
                    row.issuer != settings.issuer || row.client_id != settings.client_id || settings.secret.is_some();
                let secret = settings.secret.as_ref().map(|s| s.0.clone()).unwrap_or(row.client_secret.clone());
                diesel::update(sso_connections::table.find(&row.id))
                    .set((
                        sso_connections::issuer.eq(&settings.issuer),
                        sso_connections::client_id.eq(&settings.client_id),
                        sso_connections::client_secret.eq(secret),
                        sso_connections::domains.eq(&domains),
                        sso_connections::default_role.eq(&settings.default_role),
                        sso_connections::updated_at.eq(actor.now),
                    ))
                    .execute(conn)?;
                if retest {
                    diesel::update(sso_connections::table.find(&row.id))
                        .set((
                            sso_connections::enabled.eq(false),
                            sso_connections::required.eq(false),
                            sso_connections::tested_at.eq(None::<PrimitiveDateTime>),
                            sso_connections::tested_by.eq(None::<String>),
                        ))
                        .execute(conn)?;
                }
                sync_required(conn, org_id)?;
                let details = if retest { "provider changed: to be tested again" } else { "domains or role changed" };
                actor.record(conn, org_id, "sso.update", &settings.issuer, details)?;
            }
        }
        Ok(())
    })
}

/// An admin's test sign-in went through: the connection may be turned on.
pub fn mark_tested(conn: &mut AnyConnection, id: &str, actor: &Actor, who: &str) -> Result<(), SsoError> {
    crate::db::write_transaction(conn, |conn| {
        let row = find(conn, id)?.ok_or(SsoError::NotFound)?;
        diesel::update(sso_connections::table.find(id))
            .set((sso_connections::tested_at.eq(Some(actor.now)), sso_connections::tested_by.eq(Some(&actor.user_id))))
            .execute(conn)?;
        actor.record(conn, &row.org_id, "sso.test", &row.issuer, &format!("signed in as {who}"))?;
        Ok(())
    })
}

/// Offers the connection at "Sign in with SSO", or stops offering it.
pub fn set_enabled(conn: &mut AnyConnection, org_id: &str, on: bool, actor: &Actor) -> Result<(), SsoError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| SsoError::NotFound)?;
        let row = get(conn, org_id)?.ok_or(SsoError::NotFound)?;
        if on && row.tested_at.is_none() {
            return Err(SsoError::NotTested);
        }
        let required = on && row.required;
        diesel::update(sso_connections::table.find(&row.id))
            .set((sso_connections::enabled.eq(on), sso_connections::required.eq(required)))
            .execute(conn)?;
        sync_required(conn, org_id)?;
        actor.record(conn, org_id, if on { "sso.enable" } else { "sso.disable" }, &row.issuer, "")?;
        Ok(())
    })
}

/// Requires the connection for the covered members, or stops requiring it.
pub fn set_required(conn: &mut AnyConnection, org_id: &str, on: bool, actor: &Actor) -> Result<(), SsoError> {
    crate::db::write_transaction(conn, |conn| {
        lock_org(conn, org_id).map_err(|_| SsoError::NotFound)?;
        let row = get(conn, org_id)?.ok_or(SsoError::NotFound)?;
        if on && !row.enabled {
            return Err(SsoError::NotEnabled);
        }
        if on && (row.tested_at.is_none() || row.tested_by.as_deref() != Some(actor.user_id.as_str())) {
            return Err(SsoError::NotTestedByYou);
        }
        diesel::update(sso_connections::table.find(&row.id)).set(sso_connections::required.eq(on)).execute(conn)?;
        sync_required(conn, org_id)?;
        let action = if on { "sso.require" } else { "sso.unrequire" };
        actor.record(conn, org_id, action, &row.issuer, &row.covered().join(", "))?;
        Ok(())
    })
}

/// Copies "required" onto the organization's row ("<connection id>
/// <domain> ..."), where every page of the organization reads it.
fn sync_required(conn: &mut AnyConnection, org_id: &str) -> QueryResult<()> {
    let spec =
        get(conn, org_id)?.filter(|r| r.enabled && r.required).map(|r| format!("{} {}", r.id, r.covered().join(" ")));
    diesel::update(organizations::table.find(org_id)).set(organizations::sso_required.eq(spec)).execute(conn)?;
    Ok(())
}

/// Whether a member with `email`, signed in with `session_provider`, must
/// sign in through the organization's provider first (`sso_required` as
/// the organization's row keeps it).
pub fn must_use_sso(sso_required: Option<&str>, email: &str, session_provider: &str) -> bool {
    let Some(spec) = sso_required else { return false };
    let mut parts = spec.split_whitespace();
    let Some(connection) = parts.next() else { return false };
    let domain = crate::domain::verified_domain::domain_of(email).unwrap_or_default();
    parts.any(|d| d == domain) && session_provider != provider_key(connection)
}
