//! The User resource: what a directory sends, read into the attributes
//! orgportal keeps ([`UserAttrs`]), exactly as sent (an attribute removed
//! is answered as absent), and the JSON it answers with. The account's
//! address and name are derived: the primary (or first) of `emails`, else
//! `userName` when it is one; a directory may also send neither, and the
//! person's SSO sign-in then finds the account by `externalId` or
//! `userName`. Entra ID's `"active": "False"` is read as a boolean.

use serde_json::{json, Value};

use super::{get_ci, text_attr, ScimError, ENTERPRISE_SCHEMA, USER_SCHEMA};
use crate::domain::Email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAttrs {
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    /// The `type` and `primary` the directory gave the address ("" / None: none).
    pub email_type: String,
    pub email_primary: Option<bool>,
    /// None: not sent (the person counts as active; the answer leaves it out).
    pub active: Option<bool>,
    pub employee_number: String,
    pub department: String,
}

fn string_at(v: Option<&Value>, name: &str, max: usize) -> Result<String, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => text_attr(name, s, max),
        Some(_) => Err(ScimError::invalid_value(format!("{name} must be a string."))),
    }
}

/// A boolean, or Entra ID's "True"/"False".
pub fn boolean(v: &Value, name: &str) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value(format!("{name} must be true or false."))),
    }
}

impl UserAttrs {
    pub fn from_json(body: &Value) -> Result<Self, ScimError> {
        if !body.is_object() {
            return Err(ScimError::invalid_syntax("A User is a JSON object."));
        }
        let user_name = string_at(get_ci(body, "userName"), "userName", 254)?;
        if user_name.is_empty() {
            return Err(ScimError::invalid_value("userName is required."));
        }
        let external_id = Some(string_at(get_ci(body, "externalId"), "externalId", 254)?).filter(|s| !s.is_empty());
        let name = get_ci(body, "name");
        let given_name = string_at(name.and_then(|n| get_ci(n, "givenName")), "name.givenName", 120)?;
        let family_name = string_at(name.and_then(|n| get_ci(n, "familyName")), "name.familyName", 120)?;
        let display_name = string_at(get_ci(body, "displayName"), "displayName", 200)?;
        let emails: Vec<&Value> = match get_ci(body, "emails") {
            Some(Value::Array(a)) => a.iter().collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(ScimError::invalid_value("emails must be a list.")),
        };
        let primary = emails
            .iter()
            .find(|e| get_ci(e, "primary").is_some_and(|p| boolean(p, "primary").unwrap_or(false)))
            .or(emails.first());
        let (email, email_type, email_primary) = match primary {
            Some(e) => {
                let v = string_at(get_ci(e, "value"), "emails.value", 254)?;
                let address = Email::parse(&v)
                    .map_err(|_| ScimError::invalid_value(format!("emails: “{v}” is not an email address.")))?;
                let kind = string_at(get_ci(e, "type"), "emails.type", 40)?;
                let primary = match get_ci(e, "primary") {
                    None | Some(Value::Null) => None,
                    Some(p) => Some(boolean(p, "emails.primary")?),
                };
                (address.as_str().to_string(), kind, primary)
            }
            None => (String::new(), String::new(), None),
        };
        let active = match get_ci(body, "active") {
            None | Some(Value::Null) => None,
            Some(v) => Some(boolean(v, "active")?),
        };
        let ext = get_ci(body, ENTERPRISE_SCHEMA);
        let employee_number = string_at(ext.and_then(|e| get_ci(e, "employeeNumber")), "employeeNumber", 120)?;
        let department = string_at(ext.and_then(|e| get_ci(e, "department")), "department", 120)?;
        Ok(UserAttrs {
            user_name,
            external_id,
            display_name,
            given_name,
            family_name,
            email,
            email_type,
            email_primary,
            active,
            employee_number,
            department,
        })
    }
}

impl UserAttrs {
    /// Whether the person has access: `active` unless it says false.
    pub fn is_active(&self) -> bool {
        self.active != Some(false)
    }

    /// The account's address: the email sent, else userName when it is one; "" when neither.
    pub fn address(&self) -> String {
        if !self.email.is_empty() {
            return self.email.clone();
        }
        Email::parse(&self.user_name).map(|e| e.as_str().to_string()).unwrap_or_default()
    }

    /// The account's name: displayName, else the given and family names, else userName.
    pub fn shown_name(&self) -> String {
        let full = format!("{} {}", self.given_name, self.family_name).trim().to_string();
        let shown = [&self.display_name, &full, &self.user_name].into_iter().find(|s| !s.is_empty()).cloned();
        shown.unwrap_or_default()
    }
}

/// What the store keeps beside the attributes.
pub struct UserMeta<'a> {
    pub id: &'a str,
    pub created: &'a str,
    pub last_modified: &'a str,
    pub location: &'a str,
    pub version: i32,
}

pub fn to_json(a: &UserAttrs, meta: &UserMeta<'_>) -> Value {
    let mut schemas = vec![USER_SCHEMA];
    let mut user = json!({
        "id": meta.id,
        "userName": a.user_name,
        "meta": {
            "resourceType": "User",
            "created": meta.created,
            "lastModified": meta.last_modified,
            "location": meta.location,
            "version": super::etag(meta.version),
        },
    });
    if let Some(x) = &a.external_id {
        user["externalId"] = json!(x);
    }
    if let Some(active) = a.active {
        user["active"] = json!(active);
    }
    let mut name = serde_json::Map::new();
    for (k, v) in [("givenName", &a.given_name), ("familyName", &a.family_name)] {
        if !v.is_empty() {
            name.insert(k.into(), json!(v));
        }
    }
    if !name.is_empty() {
        user["name"] = Value::Object(name);
    }
    if !a.display_name.is_empty() {
        user["displayName"] = json!(a.display_name);
    }
    if !a.email.is_empty() {
        let mut email = json!({"value": a.email});
        if !a.email_type.is_empty() {
            email["type"] = json!(a.email_type);
        }
        if let Some(p) = a.email_primary {
            email["primary"] = json!(p);
        }
        user["emails"] = json!([email]);
    }
    if !a.employee_number.is_empty() || !a.department.is_empty() {
        schemas.push(ENTERPRISE_SCHEMA);
        let mut ext = serde_json::Map::new();
        if !a.employee_number.is_empty() {
            ext.insert("employeeNumber".into(), json!(a.employee_number));
        }
        if !a.department.is_empty() {
            ext.insert("department".into(), json!(a.department));
        }
        user[ENTERPRISE_SCHEMA] = Value::Object(ext);
    }
    user["schemas"] = json!(schemas);
    user
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_and_entra_bodies() {
        let okta = json!({
            "schemas": [USER_SCHEMA], "userName": "ada@acme.example",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"primary": true, "value": "ada@acme.example", "type": "work"}],
            "displayName": "Ada Lovelace", "locale": "en-US", "externalId": "00u1", "groups": [], "password": "x", "active": true
        });
        let a = UserAttrs::from_json(&okta).unwrap();
        assert_eq!(
            (a.email.as_str(), a.display_name.as_str(), a.active),
            ("ada@acme.example", "Ada Lovelace", Some(true))
        );
        assert_eq!((a.email_type.as_str(), a.email_primary), ("work", Some(true)));
        let entra = json!({
            "UserName": "Bob@Acme.example", "active": "False",
            "name": {"formatted": "Bob B", "familyName": "B", "givenName": "Bob"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "department": "Ops"}
        });
        let b = UserAttrs::from_json(&entra).unwrap();
        assert_eq!((b.email.as_str(), b.active, b.department.as_str()), ("", Some(false), "Ops"));
        assert_eq!((b.shown_name().as_str(), b.address().as_str()), ("Bob B", "bob@acme.example"));

        let out = to_json(&b, &UserMeta { id: "1", created: "c", last_modified: "m", location: "l", version: 2 });
        assert_eq!(out["schemas"][1], ENTERPRISE_SCHEMA);
        assert_eq!(out["meta"]["version"], "W/\"2\"");
        assert_eq!(UserAttrs::from_json(&out).unwrap(), b);
    }

    #[test]
    fn refusals() {
        assert!(UserAttrs::from_json(&json!({"userName": ""})).is_err());
        assert_eq!(UserAttrs::from_json(&json!({"userName": "not-an-address"})).unwrap().address(), "");
        assert!(UserAttrs::from_json(&json!({"userName": "a", "emails": [{"value": "nope"}]})).is_err());
        assert!(UserAttrs::from_json(&json!({"userName": "a@b.example", "active": "maybe"})).is_err());
        assert!(UserAttrs::from_json(&json!({"userName": "a@b.example", "displayName": "x\u{7}"})).is_err());
        assert!(UserAttrs::from_json(&json!({"userName": "x", "emails": [{"value": "x@y.example"}]})).is_ok());
    }
}
