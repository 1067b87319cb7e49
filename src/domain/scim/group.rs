//! The Group resource: a name, the directory's id for it and its members
//! (User ids); the role it grants is the Provisioning page's business, not
//! the directory's.

use serde_json::{json, Value};

use super::{get_ci, text_attr, ScimError, GROUP_SCHEMA};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAttrs {
    pub display_name: String,
    pub external_id: Option<String>,
}

impl GroupAttrs {
    pub fn from_json(body: &Value) -> Result<Self, ScimError> {
        if !body.is_object() {
            return Err(ScimError::invalid_syntax("A Group is a JSON object."));
        }
        let display_name = match get_ci(body, "displayName") {
            Some(Value::String(s)) => text_attr("displayName", s, 200)?,
            _ => String::new(),
        };
        if display_name.is_empty() {
            return Err(ScimError::invalid_value("displayName is required."));
        }
        let external_id = match get_ci(body, "externalId") {
            Some(Value::String(s)) => Some(text_attr("externalId", s, 254)?).filter(|s| !s.is_empty()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(ScimError::invalid_value("externalId must be a string.")),
        };
        Ok(GroupAttrs { display_name, external_id })
    }
}

/// The member ids a Group body lists.
pub fn members_of(body: &Value) -> Result<Vec<String>, ScimError> {
    match get_ci(body, "members") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                get_ci(i, "value")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| ScimError::invalid_value("Each member needs a value: the id of a User."))
            })
            .collect(),
        Some(_) => Err(ScimError::invalid_value("members must be a list.")),
    }
}

pub struct GroupMeta<'a> {
    pub id: &'a str,
    pub created: &'a str,
    pub last_modified: &'a str,
    pub location: &'a str,
    pub version: i32,
}

/// `members`: (User id, User location); None leaves them out.
pub fn to_json(a: &GroupAttrs, members: Option<&[(String, String)]>, meta: &GroupMeta<'_>) -> Value {
    let mut g = json!({
        "schemas": [GROUP_SCHEMA],
        "id": meta.id,
        "displayName": a.display_name,
        "meta": {
            "resourceType": "Group",
            "created": meta.created,
            "lastModified": meta.last_modified,
            "location": meta.location,
            "version": super::etag(meta.version),
        },
    });
    if let Some(x) = &a.external_id {
        g["externalId"] = json!(x);
    }
    if let Some(members) = members {
        g["members"] = members.iter().map(|(id, loc)| json!({"value": id, "$ref": loc})).collect();
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups() {
        let body = json!({"schemas": [GROUP_SCHEMA], "displayName": "Engineering", "externalId": "g1", "members": [{"value": "u1"}]});
        assert_eq!(GroupAttrs::from_json(&body).unwrap().display_name, "Engineering");
        assert_eq!(members_of(&body).unwrap(), vec!["u1".to_string()]);
        assert!(GroupAttrs::from_json(&json!({"displayName": ""})).is_err());
        assert!(members_of(&json!({"members": [{"display": "x"}]})).is_err());
    }
}
