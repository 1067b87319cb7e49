//! `attributes` and `excludedAttributes` (RFC 7644 section 3.4.2.5): which
//! attributes of a resource an answer holds. `id` and `schemas` are always
//! returned.

use serde_json::{Map, Value};

use super::filter::AttrPath;
use super::ScimError;

/// The comma-separated paths of a query parameter.
pub fn paths(list: &str) -> Result<Vec<String>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| AttrPath::parse(p).map(|_| p.to_string()))
        .collect()
}

fn top_key(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// (top-level key, sub path) of `path` in `obj`, if present.
fn locate(obj: &Map<String, Value>, path: &str) -> Option<(String, Option<String>)> {
    if let Some(k) = top_key(obj, path) {
        return Some((k, None));
    }
    let p = AttrPath::parse(path).ok()?;
    match &p.schema {
        Some(urn) => Some((top_key(obj, urn)?, Some(p.dotted()))),
        None => Some((top_key(obj, &p.attr)?, p.sub.clone())),
    }
}

fn keep_sub(value: &Value, sub: &str) -> Option<Value> {
    let (first, rest) = match sub.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (sub, None),
    };
    match value {
        Value::Object(o) => {
            let k = top_key(o, first)?;
            let inner = match rest {
                Some(r) => keep_sub(&o[&k], r)?,
                None => o[&k].clone(),
            };
            let mut m = Map::new();
            m.insert(k, inner);
            Some(Value::Object(m))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|i| keep_sub(i, sub)).collect())),
        _ => None,
    }
}

fn merge(into: &mut Value, add: Value) {
    match (into, add) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter_mut().zip(b) {
                merge(x, y);
            }
        }
        (slot, v) => *slot = v,
    }
}

pub fn project(resource: Value, attributes: &[String], excluded: &[String]) -> Value {
    let Value::Object(obj) = resource else { return resource };
    if !attributes.is_empty() {
        let mut out = Map::new();
        for k in ["id", "schemas"] {
            if let Some(v) = obj.get(k) {
                out.insert(k.to_string(), v.clone());
            }
        }
        let mut out = Value::Object(out);
        for path in attributes {
            let Some((key, sub)) = locate(&obj, path) else { continue };
            let picked = match sub {
                None => obj[&key].clone(),
                Some(sub) => match keep_sub(&obj[&key], &sub) {
                    Some(v) => v,
                    None => continue,
                },
            };
            let mut one = Map::new();
            one.insert(key, picked);
            merge(&mut out, Value::Object(one));
        }
        return out;
    }
    let mut obj = obj;
    for path in excluded {
        let Some((key, sub)) = locate(&obj, path) else { continue };
        if key == "id" || key == "schemas" {
            continue;
        }
        match sub {
            None => {
                obj.remove(&key);
            }
            Some(sub) => {
                if let Some(Value::Object(inner)) = obj.get_mut(&key) {
                    if let Some(k) = top_key(inner, &sub) {
                        inner.remove(&k);
                    }
                }
            }
        }
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_and_drops() {
        let r = json!({"schemas": ["s"], "id": "1", "userName": "a", "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"value": "a@x", "type": "work"}], "urn:x:User": {"department": "D", "employeeNumber": "7"}});
        let p = project(r.clone(), &paths("userName,name.givenName,emails.value,urn:x:User:department").unwrap(), &[]);
        assert_eq!(
            p,
            json!({"schemas": ["s"], "id": "1", "userName": "a", "name": {"givenName": "A"}, "emails": [{"value": "a@x"}], "urn:x:User": {"department": "D"}})
        );
        let p = project(r, &[], &paths("name,emails,id,urn:x:User").unwrap());
        assert_eq!(p, json!({"schemas": ["s"], "id": "1", "userName": "a"}));
        assert!(paths("a b").is_err());
    }
}
