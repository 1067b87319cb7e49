//! The SCIM area: what an organization's directory provisions. Its tokens
//! ([`tokens`]), the Users it made members ([`users`]), its Groups and the
//! roles the Provisioning page maps them to ([`groups`]), and the role a
//! person's mapped groups give ([`roles`]). Every change runs in one
//! transaction that locks the organization first (changes::lock_org) and
//! goes through the members area's writers, so the activity log, webhooks
//! and the last-manager rule are those of the same change made by a person.

pub mod groups;
pub mod roles;
pub mod tokens;
pub mod user_rows;
pub mod users;

use crate::domain::member_rules::RuleError;
use crate::domain::scim::ScimError;
use crate::domain::RoleCatalog;
use crate::store::changes::{Actor, MemberError};

/// Who changes what: the organization, its roles, the directory's token
/// acting (the activity log shows "SCIM (token NAME)") and the role a new
/// member gets.
pub struct Ctx<'a> {
    pub org_id: &'a str,
    pub catalog: &'a RoleCatalog,
    pub actor: &'a Actor,
    pub default_role: &'a str,
}

/// The role a person the directory adds gets: the single sign-on
/// connection's first-sign-in role, else the catalog's default.
pub fn default_role(
    conn: &mut crate::db::AnyConnection,
    catalog: &RoleCatalog,
    org_id: &str,
) -> diesel::QueryResult<String> {
    let chosen = crate::store::domains::sso::get(conn, org_id)?.map(|c| c.default_role);
    Ok(role_for_new(catalog, chosen))
}

/// [`default_role`] from the connection's role, already read.
pub fn role_for_new(catalog: &RoleCatalog, connection_role: Option<String>) -> String {
    connection_role.filter(|r| catalog.get(r).is_some()).unwrap_or_else(|| catalog.default_role().to_string())
}

/// The id the member rules see as acting: nobody's, so a directory may
/// suspend or remove the token's own creator like anyone else.
pub(crate) const RULES_ACTOR: &str = "scim";

impl From<diesel::result::Error> for ScimError {
    fn from(e: diesel::result::Error) -> Self {
        tracing::error!(error = %e, "SCIM storage error");
        ScimError::new(500, None, "The change could not be stored; nothing was changed.")
    }
}

impl From<MemberError> for ScimError {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Rule(r) => rule(r),
            MemberError::NotFound => ScimError::not_found("organization"),
            MemberError::Db(d) => d.into(),
        }
    }
}

/// A member rule refusing a directory's change, said for the directory's admin.
pub fn rule(r: RuleError) -> ScimError {
    let detail = match r {
        RuleError::LastManager => "Refused: this is the last member who can manage members (members.manage) in the organization; \
             give that permission to someone else first."
            .to_string(),
        RuleError::OwnerRemoval | RuleError::OwnerRole => {
            "Refused: this is the organization's primary owner, who cannot be suspended, removed or given another role; \
             the owner can transfer ownership first."
                .to_string()
        }
        other => other.to_string(),
    };
    ScimError::new(400, Some("mutability"), detail)
}
