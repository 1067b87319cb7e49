//! Organization API keys: their recognisable form, the expiries offered, the
//! permissions a key may hold, and why a key that exists does not work.

use std::collections::BTreeSet;

use time::{Duration, PrimitiveDateTime};

use super::roles::Permission;
use super::secret_token::SecretToken;

/// Every organization API key starts with this.
pub const PREFIX: &str = "opk_";

pub fn generate() -> SecretToken {
    SecretToken::with_prefix(PREFIX)
}

pub const MAX_NAME: usize = 60;

/// A key's name: trimmed, 1 to 60 characters, one line.
pub fn parse_name(input: &str) -> Result<String, String> {
    super::text::short_name(input, MAX_NAME, "Name the key after what uses it, e.g. “Provisioning job”.")
}

/// The expiries a key can be given, in days; `None`: never expires.
pub const EXPIRIES: [Option<i64>; 4] = [Some(30), Some(90), Some(365), None];

/// The form's expiry choice ("30", "90", "365" or "none") as days.
pub fn parse_expiry(input: &str) -> Result<Option<i64>, String> {
    match input.trim() {
        "none" => Ok(None),
        v => v
            .parse::<i64>()
            .ok()
            .filter(|d| EXPIRIES.contains(&Some(*d)))
            .map(Some)
            .ok_or_else(|| "Choose 30, 90 or 365 days, or no expiry.".into()),
    }
}

pub fn expires_at(created_at: PrimitiveDateTime, days: Option<i64>) -> Option<PrimitiveDateTime> {
    days.map(|d| created_at + Duration::days(d))
}

/// The permissions chosen for a key, which must be among `allowed` (the
/// creator's own).
pub fn parse_permissions<'a>(
    chosen: impl IntoIterator<Item = &'a str>,
    allowed: &BTreeSet<Permission>,
) -> Result<BTreeSet<Permission>, String> {
    let mut out = BTreeSet::new();
    for key in chosen {
        let p = Permission::from_key(key).ok_or_else(|| format!("“{key}” is not a permission of this portal."))?;
        if !allowed.contains(&p) {
            return Err(format!("Your role does not hold {}: a key can only hold permissions you have.", p.key()));
        }
        out.insert(p);
    }
    if out.is_empty() {
        return Err("Choose at least one permission for the key.".into());
    }
    Ok(out)
}

/// How the permissions are stored: their keys, separated by spaces.
pub fn join_permissions(perms: &BTreeSet<Permission>) -> String {
    perms.iter().map(|p| p.key()).collect::<Vec<_>>().join(" ")
}

/// The stored permissions; a key no longer known to the code is dropped.
pub fn split_permissions(stored: &str) -> BTreeSet<Permission> {
    stored.split_whitespace().filter_map(Permission::from_key).collect()
}

/// Why a key that exists does not work, as the API's 401 says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inactive {
    Revoked,
    Expired,
    /// Its creator is no longer a member (left, was removed, or left and
    /// came back: the key died with the membership it was made under).
    CreatorLeft,
}

impl Inactive {
    pub fn message(self) -> &'static str {
        match self {
            Inactive::Revoked => "This API key was revoked.",
            Inactive::Expired => "This API key has expired.",
            Inactive::CreatorLeft => "This API key is inactive: its creator left the organization.",
        }
    }

    /// For the keys list.
    pub fn label(self) -> &'static str {
        match self {
            Inactive::Revoked => "revoked",
            Inactive::Expired => "expired",
            Inactive::CreatorLeft => "inactive: its creator left",
        }
    }
}

/// Whether a key works now; `creator_joined` is when its creator's current
/// membership began (None: not a member).
pub fn state(
    revoked: bool,
    expires_at: Option<PrimitiveDateTime>,
    created_at: PrimitiveDateTime,
    creator_joined: Option<PrimitiveDateTime>,
    now: PrimitiveDateTime,
) -> Result<(), Inactive> {
    if revoked {
        return Err(Inactive::Revoked);
    }
    if expires_at.is_some_and(|e| e <= now) {
        return Err(Inactive::Expired);
    }
    match creator_joined {
        Some(joined) if joined <= created_at => Ok(()),
        _ => Err(Inactive::CreatorLeft),
    }
}

/// "API key NAME (created by PERSON)": who the activity log says acted.
pub fn acting_label(name: &str, creator: &str) -> String {
    format!("API key {name} (created by {creator})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn permissions_within_the_creators() {
        let mine: BTreeSet<_> = [Permission::OrgView, Permission::MembersInvite].into();
        assert_eq!(parse_permissions(["org.view"], &mine).unwrap(), [Permission::OrgView].into());
        assert!(parse_permissions(["members.manage"], &mine).unwrap_err().contains("members.manage"));
        assert!(parse_permissions(["nope"], &mine).is_err());
        assert!(parse_permissions([], &mine).is_err());
        let both = parse_permissions(["org.view", "members.invite"], &mine).unwrap();
        assert_eq!(split_permissions(&join_permissions(&both)), both);
    }

    #[test]
    fn expiries_and_states() {
        assert_eq!(parse_expiry("90"), Ok(Some(90)));
        assert_eq!(parse_expiry("none"), Ok(None));
        assert!(parse_expiry("7").is_err() && parse_expiry("").is_err());
        let made = datetime!(2027-01-01 0:00);
        let joined = Some(datetime!(2026-12-01 0:00));
        let exp = expires_at(made, Some(30));
        assert_eq!(state(false, exp, made, joined, datetime!(2027-01-30 23:59)), Ok(()));
        assert_eq!(state(false, exp, made, joined, datetime!(2027-01-31 0:00)), Err(Inactive::Expired));
        assert_eq!(state(true, None, made, joined, made), Err(Inactive::Revoked));
        assert_eq!(state(false, None, made, None, made), Err(Inactive::CreatorLeft));
        // Left and came back after the key was made: the key stays dead.
        assert_eq!(state(false, None, made, Some(datetime!(2027-01-02 0:00)), made), Err(Inactive::CreatorLeft));
        assert!(generate().token.starts_with(PREFIX));
    }
}
