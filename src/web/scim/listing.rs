//! A list request (GET with `filter`, `startIndex`, `count`, `sortBy`,
//! `sortOrder`, `attributes`, `excludedAttributes`, or the same as a POST
//! `.search` body) and the ListResponse it gets. The stores narrow a
//! filter by its indexed equality; what is left is evaluated here.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::{reply, Failure};
use crate::db::AnyConnection;
use crate::domain::scim::filter::{AttrPath, Filter};
use crate::domain::scim::projection::{paths, project};
use crate::domain::scim::{get_ci, ScimError, LIST_SCHEMA, MAX_PAGE};

pub const DEFAULT_COUNT: i64 = 100;

type Rows<R> = diesel::QueryResult<Vec<R>>;

/// Where a resource type's lists come from: the store's reads, by
/// organization, and the attributes its index answers.
pub struct Source<R: 'static> {
    /// The attribute of the store's own order (filter::AttrPath::dotted).
    pub ordered_by: &'static str,
    /// The equalities the store answers from an index (filter::Filter::lookup).
    pub indexed: &'static [&'static str],
    pub count: fn(&mut AnyConnection, &str) -> diesel::QueryResult<i64>,
    /// (offset, limit, descending)
    pub page: fn(&mut AnyConnection, &str, i64, i64, bool) -> Rows<R>,
    /// (key, value)
    pub by_key: fn(&mut AnyConnection, &str, &str, &str) -> Rows<R>,
    pub all: fn(&mut AnyConnection, &str) -> Rows<R>,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start: i64,
    pub count: i64,
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    pub attributes: Vec<String>,
    pub excluded: Vec<String>,
}

fn number(name: &str, v: &str) -> Result<i64, ScimError> {
    v.trim().parse::<i64>().map_err(|_| ScimError::invalid_value(format!("{name} must be a whole number.")))
}

impl ListQuery {
    fn build(
        filter: Option<&str>,
        start: Option<i64>,
        count: Option<i64>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, ScimError> {
        let descending = match sort_order.map(str::to_ascii_lowercase).as_deref() {
            None | Some("ascending") | Some("") => false,
            Some("descending") => true,
            Some(_) => return Err(ScimError::invalid_value("sortOrder must be ascending or descending.")),
        };
        Ok(ListQuery {
            filter: filter.filter(|f| !f.trim().is_empty()).map(Filter::parse).transpose()?,
            start: start.unwrap_or(1).max(1),
            count: count.unwrap_or(DEFAULT_COUNT).clamp(0, MAX_PAGE),
            sort_by: sort_by.filter(|s| !s.is_empty()).map(AttrPath::parse).transpose()?,
            descending,
            attributes: attributes.map(paths).transpose()?.unwrap_or_default(),
            excluded: excluded.map(paths).transpose()?.unwrap_or_default(),
        })
    }

    pub fn from_query(qs: &str) -> Result<Self, ScimError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(qs.as_bytes()).into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        Self::build(
            get("filter"),
            get("startIndex").map(|v| number("startIndex", v)).transpose()?,
            get("count").map(|v| number("count", v)).transpose()?,
            get("sortBy"),
            get("sortOrder"),
            get("attributes"),
            get("excludedAttributes"),
        )
    }

    /// A SearchRequest body (RFC 7644 section 3.4.3).
    pub fn from_search(body: &Value) -> Result<Self, ScimError> {
        let text = |k: &str| get_ci(body, k).and_then(Value::as_str);
        let int = |k: &str| -> Result<Option<i64>, ScimError> {
            match get_ci(body, k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => {
                    v.as_i64().map(Some).ok_or_else(|| ScimError::invalid_value(format!("{k} must be a whole number.")))
                }
            }
        };
        let list = |k: &str| -> Option<String> {
            match get_ci(body, k) {
                Some(Value::Array(a)) => Some(a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            }
        };
        Self::build(
            text("filter"),
            int("startIndex")?,
            int("count")?,
            text("sortBy"),
            text("sortOrder"),
            list("attributes").as_deref(),
            list("excludedAttributes").as_deref(),
        )
    }

    /// (total, the page as JSON). Without a filter, in the store's own
    /// order: its count and its page. Otherwise the rows the filter's
    /// indexed equality finds (or all of them), filtered, sorted and cut
    /// here. `render(conn, rows, for_filter)` makes the JSON; `for_filter`
    /// says a filter will read it, so no attribute may be left out.
    pub fn read<R>(
        &self,
        conn: &mut AnyConnection,
        org_id: &str,
        source: &Source<R>,
        render: impl Fn(&mut AnyConnection, &[R], bool) -> Result<Vec<Value>, Failure>,
    ) -> Result<(i64, Vec<Value>), Failure> {
        let own_order = self.sort_by.as_ref().is_none_or(|p| p.schema.is_none() && p.dotted() == source.ordered_by);
        if self.filter.is_none() && own_order {
            let total = (source.count)(conn, org_id)?;
            let rows = if self.count == 0 {
                Vec::new()
            } else {
                (source.page)(conn, org_id, self.offset(), self.count, self.descending)?
            };
            return Ok((total, render(conn, &rows, false)?));
        }
        let rows = match self.filter.as_ref().and_then(|f| f.lookup(source.indexed)) {
            Some((key, value)) => (source.by_key)(conn, org_id, &key, &value)?,
            None => (source.all)(conn, org_id)?,
        };
        let all = render(conn, &rows, self.filter.is_some())?;
        Ok(self.window(all))
    }

    pub fn offset(&self) -> i64 {
        self.start - 1
    }

    /// Whether the answer leaves out `attr` (a top-level attribute).
    pub fn leaves_out(&self, attr: &str) -> bool {
        let named = |list: &[String]| list.iter().any(|p| p.eq_ignore_ascii_case(attr));
        if !self.attributes.is_empty() {
            return !self.attributes.iter().any(|p| p.to_ascii_lowercase().starts_with(&attr.to_ascii_lowercase()));
        }
        named(&self.excluded)
    }

    pub fn project(&self, v: Value) -> Value {
        project(v, &self.attributes, &self.excluded)
    }

    /// Keeps what the filter matches, sorts, and cuts the page: (total, page).
    pub fn window(&self, mut items: Vec<Value>) -> (i64, Vec<Value>) {
        if let Some(f) = &self.filter {
            items.retain(|i| f.matches(i));
        }
        if let Some(path) = &self.sort_by {
            let key = |v: &Value| -> Option<String> {
                path.values(v).first().map(|x| match x {
                    Value::String(s) => s.to_lowercase(),
                    other => other.to_string(),
                })
            };
            items.sort_by(|a, b| {
                let (ka, kb) = (key(a), key(b));
                // Resources without the attribute come last either way.
                match (ka, kb) {
                    (Some(x), Some(y)) if self.descending => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
            });
        }
        let total = items.len() as i64;
        let page = items.into_iter().skip(self.offset() as usize).take(self.count as usize).collect();
        (total, page)
    }

    pub fn response(&self, total: i64, items: Vec<Value>) -> HttpResponse {
        let items: Vec<Value> = items.into_iter().map(|i| self.project(i)).collect();
        let body = json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": self.start,
            "itemsPerPage": items.len(),
            "Resources": items,
        });
        reply(StatusCode::OK, &body)
    }
}
