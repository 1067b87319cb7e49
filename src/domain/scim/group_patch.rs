//! A group's PATCH: its member changes taken out of the operations
//! (Entra ID removes members by a filter path or by a list of values, Okta
//! by a filter path), so that a change to a group of thousands touches only
//! the people it names; the rest is applied to the group's JSON (patch).

use serde_json::Value;

use super::filter::Filter;
use super::patch::{Kind, Operation};
use super::ScimError;
use super::{get_ci, key_of};

/// A change to a group's members, taken out of its PATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    Add(Vec<String>),
    Remove(Vec<String>),
    /// `remove` with a filter path: the members it matches (as `{"value": id}`).
    RemoveMatching(Filter),
    RemoveAll,
    Replace(Vec<String>),
}

fn member_ids(value: Option<&Value>) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(ScimError::invalid_value("members takes a list of {\"value\": id}.")),
    };
    items
        .into_iter()
        .map(|i| {
            get_ci(i, "value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ScimError::invalid_value("Each member needs a value: the id of a User."))
        })
        .collect()
}

/// Splits a group's operations into those on its other attributes and the
/// changes to its members, keeping their order among themselves.
pub fn split_members(ops: Vec<Operation>) -> Result<(Vec<Operation>, Vec<MemberChange>), ScimError> {
    let (mut rest, mut members) = (Vec::new(), Vec::new());
    for mut op in ops {
        match &op.path {
            Some(p) if p.attr.schema.is_none() && p.attr.attr == "members" => {
                members.push(match (op.kind, &p.filter) {
                    (Kind::Remove, Some(f)) => MemberChange::RemoveMatching(f.clone()),
                    (_, Some(_)) => {
                        return Err(ScimError::invalid_path("Members are added by listing them, not by a filter."))
                    }
                    (Kind::Remove, None) if op.value.is_some() => MemberChange::Remove(member_ids(op.value.as_ref())?),
                    (Kind::Remove, None) => MemberChange::RemoveAll,
                    (Kind::Add, None) => MemberChange::Add(member_ids(op.value.as_ref())?),
                    (Kind::Replace, None) => MemberChange::Replace(member_ids(op.value.as_ref())?),
                });
            }
            Some(_) => rest.push(op),
            None => {
                if let Some(Value::Object(map)) = &mut op.value {
                    let key = key_of(map, "members");
                    if let Some(v) = map.remove(&key) {
                        let ids = member_ids(Some(&v))?;
                        members.push(if op.kind == Kind::Add {
                            MemberChange::Add(ids)
                        } else {
                            MemberChange::Replace(ids)
                        });
                    }
                    if map.is_empty() {
                        continue;
                    }
                }
                rest.push(op);
            }
        }
    }
    Ok((rest, members))
}

#[cfg(test)]
mod tests {
    use super::super::patch::parse;
    use super::super::patch_apply::tests::body;
    use super::*;
    use serde_json::json;

    #[test]
    fn members_split_off() {
        let ops = parse(&body(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "Remove", "path": "members", "value": [{"value": "u2"}]},
            {"op": "replace", "value": {"displayName": "Eng", "members": [{"value": "u3"}]}},
            {"op": "remove", "path": "members"},
        ])))
        .unwrap();
        let (rest, members) = split_members(ops).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(members[0], MemberChange::Add(vec!["u1".into(), "u2".into()]));
        assert!(
            matches!(&members[1], MemberChange::RemoveMatching(f) if f.lookup(&["value"]) == Some(("value".into(), "u1".into())))
        );
        assert_eq!(members[2], MemberChange::Remove(vec!["u2".into()]));
        assert_eq!(members[3], MemberChange::Replace(vec!["u3".into()]));
        assert_eq!(members[4], MemberChange::RemoveAll);
    }
}
