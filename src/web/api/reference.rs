//! `/docs/api`: the management API's reference, rendered on the server from
//! the same OpenAPI document the API serves (no script, nothing from
//! another host): each operation with its permission, parameters, body and
//! answers.

use actix_web::{get, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use crate::error::AppError;
use crate::web::extract::anonymous_layout;
use crate::web::layout::{render, Layout};

pub struct Param {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub description: String,
}

pub struct Answer {
    pub status: String,
    pub description: String,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub params: Vec<Param>,
    /// The request body's schema, as JSON of an example.
    pub body: Option<String>,
    pub answers: Vec<Answer>,
}

pub struct Tag {
    pub name: String,
    pub operations: Vec<Operation>,
}

#[derive(Template)]
#[template(path = "api_reference.html")]
struct ReferencePage {
    layout: Layout,
    /// The document's title and description.
    title: String,
    description: String,
    tags: Vec<Tag>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The schema `$ref` points at, in the document's components.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/")) {
        Some(path) => path.split('/').fold(doc, |at, part| &at[part]),
        None => v,
    }
}

fn operations(doc: &Value) -> Vec<Tag> {
    let mut tags: Vec<Tag> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Tag { name: text(t, "name"), operations: Vec::new() })
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "patch", "put", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: text(p, "name"),
                    place: text(p, "in"),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: text(p, "description"),
                })
                .collect();
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|_| resolve(doc, &op["requestBody"]["content"]["application/json"]["schema"]))
                .and_then(|s| s.get("example"))
                .and_then(|e| serde_json::to_string_pretty(e).ok());
            let answers = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| Answer { status: status.clone(), description: text(resolve(doc, r), "description") })
                .collect();
            let operation = Operation {
                anchor: text(op, "operationId"),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(op, "summary"),
                params,
                body,
                answers,
            };
            let tag = op["tags"][0].as_str().unwrap_or("Other").to_string();
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(operation),
                None => tags.push(Tag { name: tag, operations: vec![operation] }),
            }
        }
    }
    tags
}

#[get("/docs/api")]
pub async fn page(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let doc: Value = serde_json::from_str(super::openapi::document()).map_err(AppError::internal)?;
    render(&ReferencePage {
        layout: anonymous_layout(&req, "Management API"),
        title: text(&doc["info"], "title"),
        description: text(&doc["info"], "description"),
        tags: operations(&doc),
    })
}
