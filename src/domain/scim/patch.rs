//! PATCH (RFC 7644 section 3.5.2) on a resource's JSON: `add`, `replace`
//! and `remove`, with or without a path, value filters in paths
//! (`emails[type eq "work"].value`, `members[value eq "id"]`) and the
//! forms the big directories send: Okta's capitalised `op`, Entra ID's
//! `replace` without a path carrying a map (with dotted or URN-qualified
//! keys). Here: reading the operations; patch_apply applies them, after a
//! group's member changes are taken out (group_patch).

use serde_json::Value;

use super::filter::{AttrPath, Filter};
use super::{get_ci, ScimError, PATCH_SCHEMA};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Add,
    Replace,
    Remove,
}

/// A parsed path: `attr[filter].sub`, any part but `attr` optional.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// Set when the path is a whole extension (`urn:...:enterprise:2.0:User`).
    pub whole_extension: Option<String>,
}

impl Path {
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        let text = text.trim();
        if is_extension(text) {
            return Ok(Path { attr: AttrPath::parse(text)?, filter: None, whole_extension: Some(text.to_string()) });
        }
        let Some(open) = text.find('[') else {
            return Ok(Path { attr: AttrPath::parse(text)?, filter: None, whole_extension: None });
        };
        let close =
            text.rfind(']').ok_or_else(|| ScimError::invalid_path(format!("“{text}”: a “[” is not closed.")))?;
        let mut attr = AttrPath::parse(&text[..open])?;
        if attr.sub.is_some() {
            return Err(ScimError::invalid_path(format!("“{text}” is not an attribute path.")));
        }
        let filter = Filter::parse(&text[open + 1..close]).map_err(|e| ScimError::invalid_path(e.detail))?;
        let rest = &text[close + 1..];
        if let Some(sub) = rest.strip_prefix('.') {
            attr.sub = Some(AttrPath::parse(sub)?.attr);
        } else if !rest.is_empty() {
            return Err(ScimError::invalid_path(format!("“{text}” is not an attribute path.")));
        }
        Ok(Path { attr, filter: Some(filter), whole_extension: None })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub kind: Kind,
    pub path: Option<Path>,
    pub value: Option<Value>,
}

/// The operations of a PatchOp request body.
pub fn parse(body: &Value) -> Result<Vec<Operation>, ScimError> {
    if let Some(schemas) = get_ci(body, "schemas").and_then(Value::as_array) {
        if !schemas.iter().any(|s| s.as_str() == Some(PATCH_SCHEMA)) {
            return Err(ScimError::invalid_syntax(format!("A PATCH body's schemas must hold {PATCH_SCHEMA}.")));
        }
    }
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("A PATCH body needs an Operations list."))?;
    if ops.is_empty() || ops.len() > 1000 {
        return Err(ScimError::invalid_syntax("Operations must hold between 1 and 1000 operations."));
    }
    ops.iter()
        .map(|op| {
            let kind = match get_ci(op, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("add") => Kind::Add,
                Some("replace") => Kind::Replace,
                Some("remove") => Kind::Remove,
                _ => return Err(ScimError::invalid_syntax("Each operation's op must be add, replace or remove.")),
            };
            let path = match get_ci(op, "path") {
                Some(Value::String(p)) if !p.trim().is_empty() => Some(Path::parse(p)?),
                Some(Value::String(_)) | None | Some(Value::Null) => None,
                Some(_) => return Err(ScimError::invalid_path("path must be a string.")),
            };
            let value = get_ci(op, "value").cloned();
            if kind != Kind::Remove && value.is_none() {
                return Err(ScimError::invalid_value("add and replace need a value."));
            }
            if kind == Kind::Remove && path.is_none() {
                return Err(ScimError::new(400, Some("noTarget"), "remove needs a path."));
            }
            if path.is_none() && !value.as_ref().is_some_and(Value::is_object) {
                return Err(ScimError::invalid_value("Without a path, the value must be an object of attributes."));
            }
            Ok(Operation { kind, path, value })
        })
        .collect()
}

/// Whether `text` names a whole schema extension (`urn:...:User`).
pub(super) fn is_extension(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("urn:") && (lower.ends_with(":user") || lower.ends_with(":group"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_bodies() {
        for b in [
            json!({"Operations": []}),
            json!({"Operations": [{"op": "move", "value": 1}]}),
            json!({"Operations": [{"op": "add", "path": "title"}]}),
            json!({"Operations": [{"op": "remove"}]}),
            json!({"schemas": ["x"], "Operations": [{"op": "add", "value": {}}]}),
            json!({"Operations": [{"op": "add", "path": "a b", "value": 1}]}),
        ] {
            assert!(parse(&b).is_err(), "{b}");
        }
    }
}
