//! The filter language of RFC 7644 section 3.4.2.2: `eq ne co sw ew pr gt
//! ge lt le`, `and`, `or`, `not`, parentheses and value paths
//! (`emails[type eq "work"]`), parsed into a [`Filter`] (filter_parse) and
//! evaluated on a resource's JSON. Attribute names are case-insensitive; string values
//! compare without case except for the case-exact attributes (`id`,
//! `externalId`, `members.value`). [`Filter::lookup`] names the one equality
//! a store can answer from an index before the rest is evaluated.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::ScimError;

/// `[urn:...:]attr[.sub]`, with `attr` and `sub` lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN it was qualified with, lower-cased; None for the core schema.
    pub schema: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
    /// `attr` as written, for naming a new attribute.
    pub raw: String,
}

impl AttrPath {
    pub fn parse(text: &str) -> Result<Self, ScimError> {
        let bad = || ScimError::invalid_path(format!("“{text}” is not an attribute path."));
        let (schema, rest) = match text.rfind(':') {
            Some(i) => (Some(text[..i].to_ascii_lowercase()), &text[i + 1..]),
            None => (None, text),
        };
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a, Some(s)),
            None => (rest, None),
        };
        let ok =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-');
        if !ok(attr) || sub.is_some_and(|s| !ok(s)) {
            return Err(bad());
        }
        // The core schemas' own URNs name top-level attributes.
        let schema = schema.filter(|s| !s.starts_with("urn:ietf:params:scim:schemas:core:2.0:"));
        Ok(AttrPath {
            schema,
            attr: attr.to_ascii_lowercase(),
            sub: sub.map(str::to_ascii_lowercase),
            raw: attr.to_string(),
        })
    }

    /// `attr` or `attr.sub`, lower-cased, without the schema.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(s) => format!("{}.{s}", self.attr),
            None => self.attr.clone(),
        }
    }

    /// The values this path reaches in `resource` (each element of a multi-valued attribute).
    pub fn values<'a>(&self, resource: &'a Value) -> Vec<&'a Value> {
        let base = match &self.schema {
            Some(urn) => match super::get_ci(resource, urn) {
                Some(ext) => ext,
                None => return Vec::new(),
            },
            None => resource,
        };
        let Some(top) = super::get_ci(base, &self.attr) else { return Vec::new() };
        let items: Vec<&Value> = match top {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        match &self.sub {
            Some(sub) => items.into_iter().filter_map(|i| super::get_ci(i, sub)).collect(),
            // A multi-valued complex attribute compares by its "value".
            None => items
                .into_iter()
                .map(|i| if i.is_object() { super::get_ci(i, "value").unwrap_or(i) } else { i })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(AttrPath, Op, Value),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some element of `attr` matches `filter`.
    ValuePath(AttrPath, Box<Filter>),
}

impl Filter {
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(f) => !f.matches(resource),
            Filter::Present(path) => path.values(resource).iter().any(|v| present(v)),
            Filter::Compare(path, op, want) => {
                let found = path.values(resource);
                if *op == Op::Ne {
                    return !found.iter().any(|v| compare(path, Op::Eq, v, want));
                }
                found.iter().any(|v| compare(path, *op, v, want))
            }
            Filter::ValuePath(path, inner) => {
                let elements: Vec<&Value> = match super::get_ci(resource, &path.attr) {
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(v) => vec![v],
                    None => Vec::new(),
                };
                elements.into_iter().any(|e| inner.matches(e))
            }
        }
    }

    /// The `attr eq "value"` (attr as [`AttrPath::dotted`]) that every match
    /// must satisfy: the top level, or either side of a top-level `and`.
    pub fn lookup(&self, indexed: &[&str]) -> Option<(String, String)> {
        match self {
            Filter::Compare(path, Op::Eq, Value::String(s)) if path.schema.is_none() => {
                let name = path.dotted();
                indexed.contains(&name.as_str()).then(|| (name, s.clone()))
            }
            Filter::And(a, b) => a.lookup(indexed).or_else(|| b.lookup(indexed)),
            _ => None,
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn case_exact(path: &AttrPath) -> bool {
    matches!(path.dotted().as_str(), "id" | "externalid" | "value" | "members.value" | "meta.version")
}

fn compare(path: &AttrPath, op: Op, have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::String(h), Value::String(w)) => {
            if matches!(path.dotted().as_str(), "meta.lastmodified" | "meta.created") {
                if let (Ok(h), Ok(w)) = (OffsetDateTime::parse(h, &Rfc3339), OffsetDateTime::parse(w, &Rfc3339)) {
                    return ordered(op, h.cmp(&w));
                }
            }
            let (h, w) = if case_exact(path) { (h.clone(), w.clone()) } else { (h.to_lowercase(), w.to_lowercase()) };
            match op {
                Op::Co => h.contains(&w),
                Op::Sw => h.starts_with(&w),
                Op::Ew => h.ends_with(&w),
                _ => ordered(op, h.cmp(&w)),
            }
        }
        (Value::Bool(h), Value::Bool(w)) => op == Op::Eq && h == w,
        // Entra ID sends booleans as strings in places.
        (Value::Bool(h), Value::String(w)) => op == Op::Eq && w.eq_ignore_ascii_case(&h.to_string()),
        (Value::Number(h), Value::Number(w)) => match (h.as_f64(), w.as_f64()) {
            (Some(h), Some(w)) => h.partial_cmp(&w).is_some_and(|o| ordered(op, o)),
            _ => false,
        },
        (_, Value::Null) => op == Op::Eq && !present(have),
        _ => false,
    }
}

fn ordered(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ada() -> Value {
        json!({
            "id": "u1", "externalId": "AbC", "userName": "Ada@Acme.example", "displayName": "Ada Lovelace",
            "active": true, "emails": [{"value": "ada@acme.example", "type": "work", "primary": true}],
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
            "meta": {"lastModified": "2026-12-04T10:00:00Z"}
        })
    }

    fn m(f: &str) -> bool {
        Filter::parse(f).unwrap().matches(&ada())
    }

    #[test]
    fn operators() {
        assert!(m(r#"userName eq "ada@acme.example""#));
        assert!(m(r#"USERNAME Eq "ADA@ACME.EXAMPLE""#));
        assert!(!m(r#"externalId eq "abc""#), "externalId is case-exact");
        assert!(m(r#"externalId eq "AbC""#));
        assert!(m(r#"userName ne "bob@acme.example""#));
        assert!(m(r#"displayName co "love""#));
        assert!(m(r#"displayName sw "ada""#));
        assert!(m(r#"displayName ew "lace""#));
        assert!(m("emails pr") && !m("title pr"));
        assert!(m(r#"emails.value eq "ada@acme.example""#));
        assert!(m(r#"emails[type eq "work" and value co "acme"]"#));
        assert!(m(r#"meta.lastModified gt "2026-12-04T09:00:00+00:00""#));
        assert!(!m(r#"meta.lastModified lt "2026-12-04T09:59:59Z""#));
        assert!(m(r#"meta.lastModified ge "2026-12-04T10:00:00Z" and meta.lastModified le "2026-12-04T10:00:00Z""#));
        assert!(m("active eq true") && !m("active eq false"));
        assert!(m(r#"name.givenName eq "ada""#));
        assert!(m(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d""#));
        assert!(m(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ada""#));
    }

    #[test]
    fn logic_and_precedence() {
        assert!(m(r#"userName eq "x" or displayName sw "Ada" and active eq true"#));
        assert!(!m(r#"(userName eq "x" or displayName sw "Ada") and active eq false"#));
        assert!(m(r#"not (userName eq "x")"#));
        assert!(!m(r#"not(userName sw "ada")"#));
        assert!(m(r#"userName gt "a" and userName lt "b""#));
    }

    #[test]
    fn errors_and_lookup() {
        for bad in [
            "userName",
            r#"userName xx "a""#,
            r#"(userName eq "a""#,
            r#"userName eq "a"#,
            "userName eq abc",
            r#"userName eq "a" )"#,
        ] {
            let e = Filter::parse(bad).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidFilter"), "{bad}");
        }
        let keys = ["username", "externalid", "emails.value"];
        let f = Filter::parse(r#"active eq true and userName eq "Ada""#).unwrap();
        assert_eq!(f.lookup(&keys), Some(("username".into(), "Ada".into())));
        assert_eq!(Filter::parse(r#"userName eq "a" or active eq true"#).unwrap().lookup(&keys), None);
        assert_eq!(Filter::parse(r#"userName co "a""#).unwrap().lookup(&keys), None);
    }
}
