//! SCIM 2.0 (RFC 7643, RFC 7644) as far as it needs no database: the
//! filter language, PATCH operations (with the forms Entra ID and Okta
//! send), the User and Group resources as JSON both ways, `attributes`
//! projection, the discovery documents and the error body. Pure.

pub mod discovery;
pub mod filter;
mod filter_parse;
pub mod group;
pub mod group_patch;
pub mod patch;
pub mod patch_apply;
pub mod projection;
pub mod user;

use serde_json::{json, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The most resources one list answer holds (`count` above it is lowered,
/// as RFC 7644 section 3.4.2.4 allows).
pub const MAX_PAGE: i64 = 200;

/// An answer of RFC 7644 section 3.12: the HTTP status, the `scimType`
/// where the RFC names one, and a sentence for the directory's admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type, detail: detail.into() }
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidPath"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, None, format!("No {what} has this id in this organization."))
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        body
    }
}

/// A SCIM token's name: trimmed, 1 to 60 characters, one line.
pub fn token_name(input: &str) -> Result<String, String> {
    crate::domain::text::short_name(input, 60, "Name the token after the directory that uses it, e.g. “Okta”.")
}

/// `W/"<version>"`: the ETag of a resource's version.
pub fn etag(version: i32) -> String {
    format!("W/\"{version}\"")
}

/// Whether an `If-Match` header allows a change of a resource at `version`.
pub fn if_match_allows(header: &str, version: i32) -> bool {
    let want = etag(version);
    header.split(',').map(str::trim).any(|t| t == "*" || t == want || t.trim_start_matches("W/") == &want[2..])
}

/// A single-line text attribute, as stored: control characters refused
/// (the rule of domain::text), at most `max` characters.
pub fn text_attr(name: &str, value: &str, max: usize) -> Result<String, ScimError> {
    crate::domain::text::check(value, crate::domain::text::Lines::One)
        .map_err(|m| ScimError::invalid_value(format!("{name}: {m}")))?;
    let value = value.trim();
    if value.chars().count() > max {
        return Err(ScimError::invalid_value(format!("{name} is longer than {max} characters.")));
    }
    Ok(value.to_string())
}

/// The key of `obj` matching `name` without case, or `name` itself.
pub(crate) fn key_of(obj: &serde_json::Map<String, Value>, name: &str) -> String {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_string())
}

/// The member of `obj` named `name`, ignoring case (attribute names are
/// case-insensitive, RFC 7643 section 2.1).
pub fn get_ci<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    obj.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_weak_strong_and_any() {
        assert!(if_match_allows("W/\"3\"", 3));
        assert!(if_match_allows("\"3\"", 3));
        assert!(if_match_allows("*", 9));
        assert!(if_match_allows("W/\"1\", W/\"3\"", 3));
        assert!(!if_match_allows("W/\"2\"", 3));
    }

    #[test]
    fn errors_carry_status_type_and_detail() {
        let b = ScimError::uniqueness("taken").body();
        assert_eq!(b["status"], "409");
        assert_eq!(b["scimType"], "uniqueness");
        assert!(ScimError::not_found("User").body().get("scimType").is_none());
        assert!(text_attr("userName", "a\u{0}b", 10).is_err());
        assert!(text_attr("userName", &"x".repeat(11), 10).is_err());
    }
}
