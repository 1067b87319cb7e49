//! Applying PATCH operations (patch) to a resource's JSON, in order: where
//! each lands (the resource, an extension's object, a multi-valued
//! attribute's elements a value filter picks), how `add` differs from
//! `replace` there, and what `remove` takes away.

use serde_json::{Map, Value};

use super::filter::{AttrPath, Filter};
use super::patch::{is_extension, Kind, Operation, Path};
use super::{get_ci, key_of, ScimError};

const MULTI_VALUED: [&str; 10] = [
    "emails",
    "phonenumbers",
    "addresses",
    "members",
    "groups",
    "photos",
    "ims",
    "entitlements",
    "roles",
    "x509certificates",
];

fn same_item(a: &Value, b: &Value) -> bool {
    match (get_ci(a, "value"), get_ci(b, "value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Applies the operations to `resource`, a JSON object, in order.
pub fn apply(resource: &mut Value, ops: &[Operation]) -> Result<(), ScimError> {
    for op in ops {
        if let Some(urn) = op.path.as_ref().and_then(|p| p.whole_extension.as_deref()) {
            let Some(root) = resource.as_object_mut() else { continue };
            let key = key_of(root, urn);
            match (op.kind, &op.value) {
                (Kind::Remove, _) => {
                    root.remove(&key);
                }
                (_, Some(Value::Object(attrs))) => {
                    let ext = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(have) = ext {
                        for (k, v) in attrs {
                            let k = key_of(have, k);
                            have.insert(k, v.clone());
                        }
                    }
                }
                _ => return Err(ScimError::invalid_value(format!("{urn} takes an object of its attributes."))),
            }
            continue;
        }
        match &op.path {
            None => {
                let Some(Value::Object(map)) = &op.value else { continue };
                for (k, v) in map {
                    // `"urn:...:User": {...}` holds the extension's attributes.
                    if is_extension(k) {
                        if let Value::Object(ext) = v {
                            for (k2, v2) in ext {
                                let path = Path::parse(&format!("{k}:{k2}"))?;
                                apply_at(resource, op.kind, &path, Some(v2))?;
                            }
                            continue;
                        }
                    }
                    apply_at(resource, op.kind, &Path::parse(k)?, Some(v))?;
                }
            }
            Some(path) => apply_at(resource, op.kind, path, op.value.as_ref())?,
        }
    }
    Ok(())
}

fn container<'a>(resource: &'a mut Value, attr: &AttrPath, create: bool) -> Option<&'a mut Map<String, Value>> {
    let root = resource.as_object_mut()?;
    match &attr.schema {
        None => Some(root),
        Some(urn) => {
            let key = key_of(root, urn);
            if !root.contains_key(&key) {
                if !create {
                    return None;
                }
                root.insert(key.clone(), Value::Object(Map::new()));
            }
            root.get_mut(&key)?.as_object_mut()
        }
    }
}

fn apply_at(resource: &mut Value, kind: Kind, path: &Path, value: Option<&Value>) -> Result<(), ScimError> {
    let attr = &path.attr;
    let Some(obj) = container(resource, attr, kind != Kind::Remove) else { return Ok(()) };
    let key = key_of(obj, &attr.raw);
    let multi = MULTI_VALUED.contains(&attr.attr.as_str());
    if let Some(filter) = &path.filter {
        return apply_filtered(obj, &key, kind, filter, attr.sub.as_deref(), value);
    }
    match (&attr.sub, kind) {
        (None, Kind::Remove) => {
            match (obj.get_mut(&key), value) {
                // Entra ID: remove members listed in the value.
                (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                    items.retain(|i| !gone.iter().any(|g| same_item(i, g)))
                }
                _ => {
                    obj.remove(&key);
                }
            }
        }
        (None, _) => {
            let value = value.cloned().unwrap_or(Value::Null);
            let existing = obj.get_mut(&key);
            match (existing, kind) {
                (Some(Value::Array(items)), Kind::Add) => {
                    let new = if let Value::Array(a) = value { a } else { vec![value] };
                    for v in new {
                        if !items.iter().any(|i| same_item(i, &v)) {
                            items.push(v);
                        }
                    }
                }
                (Some(Value::Object(have)), _) if value.is_object() => {
                    for (k, v) in value.as_object().into_iter().flatten() {
                        let k = key_of(have, k);
                        have.insert(k, v.clone());
                    }
                }
                _ => {
                    let v =
                        if multi && !value.is_array() && !value.is_null() { Value::Array(vec![value]) } else { value };
                    obj.insert(key, v);
                }
            }
        }
        (Some(sub), _) => {
            let slot =
                obj.entry(key)
                    .or_insert_with(|| if multi { Value::Array(Vec::new()) } else { Value::Object(Map::new()) });
            let mut targets: Vec<&mut Map<String, Value>> = match slot {
                Value::Array(items) => {
                    if items.is_empty() && kind != Kind::Remove {
                        items.push(Value::Object(Map::new()));
                    }
                    items.iter_mut().filter_map(Value::as_object_mut).collect()
                }
                Value::Object(o) => vec![o],
                other => {
                    *other = Value::Object(Map::new());
                    vec![other.as_object_mut().expect("just made")]
                }
            };
            for t in targets.iter_mut() {
                let k = key_of(t, sub);
                if kind == Kind::Remove {
                    t.remove(&k);
                } else {
                    t.insert(k, value.cloned().unwrap_or(Value::Null));
                }
            }
        }
    }
    Ok(())
}

fn apply_filtered(
    obj: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let items = match obj.get_mut(key) {
        Some(Value::Array(items)) => items,
        _ if kind == Kind::Remove => return Ok(()),
        _ => {
            obj.insert(key.to_string(), Value::Array(Vec::new()));
            obj.get_mut(key).and_then(Value::as_array_mut).expect("just made")
        }
    };
    match (kind, sub) {
        (Kind::Remove, None) => items.retain(|i| !filter.matches(i)),
        (Kind::Remove, Some(sub)) => {
            for i in items.iter_mut().filter(|i| filter.matches(i)) {
                if let Some(o) = i.as_object_mut() {
                    let k = key_of(o, sub);
                    o.remove(&k);
                }
            }
        }
        (_, sub) => {
            let value = value.cloned().unwrap_or(Value::Null);
            let mut hit = false;
            for i in items.iter_mut().filter(|i| filter.matches(i)) {
                hit = true;
                let Some(o) = i.as_object_mut() else { continue };
                match (sub, &value) {
                    (Some(sub), v) => {
                        let k = key_of(o, sub);
                        o.insert(k, v.clone());
                    }
                    (None, Value::Object(m)) => {
                        for (k, v) in m {
                            let k = key_of(o, k);
                            o.insert(k, v.clone());
                        }
                    }
                    (None, _) => {
                        return Err(ScimError::invalid_value(
                            "A filtered path without a sub-attribute takes an object.",
                        ))
                    }
                }
            }
            if !hit {
                // Entra ID adds `emails[type eq "work"].value` to a user with no work address.
                let mut new = Map::new();
                add_equalities(filter, &mut new);
                match (sub, value) {
                    (Some(sub), v) => {
                        new.insert(sub.to_string(), v);
                    }
                    (None, Value::Object(m)) => new.extend(m),
                    _ => {}
                }
                items.push(Value::Object(new));
            }
        }
    }
    Ok(())
}

fn add_equalities(filter: &Filter, into: &mut Map<String, Value>) {
    match filter {
        Filter::Compare(p, super::filter::Op::Eq, v) if p.sub.is_none() => {
            into.insert(p.attr.clone(), v.clone());
        }
        Filter::And(a, b) => {
            add_equalities(a, into);
            add_equalities(b, into);
        }
        _ => {}
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::patch::parse;
    use super::super::PATCH_SCHEMA;
    use super::*;
    use serde_json::json;

    pub(crate) fn patched(mut r: Value, body: Value) -> Value {
        apply(&mut r, &parse(&body).unwrap()).unwrap();
        r
    }

    pub(crate) fn body(ops: Value) -> Value {
        json!({"schemas": [PATCH_SCHEMA], "Operations": ops})
    }

    #[test]
    fn okta_deactivate_with_capitalised_op() {
        let r = patched(json!({"active": true}), body(json!([{"op": "Replace", "value": {"active": false}}])));
        assert_eq!(r["active"], false);
    }

    #[test]
    fn entra_replace_without_path_with_dotted_and_urn_keys() {
        let r = patched(
            json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"}}),
            body(json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "replace", "value": {"name.givenName": "Ada", "displayName": "Ada B",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"}},
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@acme.example"},
            ])),
        );
        assert_eq!(r["active"], "False");
        assert_eq!(r["name"], json!({"givenName": "Ada", "familyName": "B"}));
        assert_eq!(r["displayName"], "Ada B");
        assert_eq!(r["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"]["department"], "R&D");
        assert_eq!(r["emails"], json!([{"type": "work", "value": "ada@acme.example"}]));
        let r = patched(
            r,
            body(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.example"}])),
        );
        assert_eq!(r["emails"], json!([{"type": "work", "value": "b@x.example"}]));
        let r = patched(
            r,
            body(
                json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"}}}]),
            ),
        );
        assert_eq!(r["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"]["employeeNumber"], "7");
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let r = patched(r, body(json!([{"op": "replace", "path": ext, "value": {"department": "Ops"}}])));
        assert_eq!(r["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"]["department"], "Ops");
        let r = patched(r, body(json!([{"op": "remove", "path": ext}])));
        assert!(r.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user").is_none());
    }

    #[test]
    fn removals() {
        let r = json!({"emails": [{"value": "a", "type": "work"}, {"value": "b", "type": "home"}], "title": "x"});
        let r = patched(
            r,
            body(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}, {"op": "remove", "path": "title"}])),
        );
        assert_eq!(r, json!({"emails": [{"value": "a", "type": "work"}]}));
    }
}
