//! GET ServiceProviderConfig, ResourceTypes and Schemas: what this service
//! provider supports and the attributes it keeps (domain::scim::discovery).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::{reply, Failure, ScimAuth};
use crate::domain::scim::{discovery as docs, ScimError, LIST_SCHEMA};

fn listed(items: Vec<Value>) -> HttpResponse {
    let body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": items.len(),
        "startIndex": 1,
        "itemsPerPage": items.len(),
        "Resources": items,
    });
    reply(StatusCode::OK, &body)
}

pub async fn service_provider_config(auth: ScimAuth) -> HttpResponse {
    reply(StatusCode::OK, &docs::service_provider_config(&auth.base()))
}

pub async fn resource_types(auth: ScimAuth) -> HttpResponse {
    listed(docs::resource_types(&auth.base()))
}

pub async fn resource_type(auth: ScimAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Failure> {
    let id = &path.1;
    let found = docs::resource_types(&auth.base()).into_iter().find(|t| t["id"] == json!(id));
    found.map(|t| reply(StatusCode::OK, &t)).ok_or_else(|| Failure(ScimError::not_found("ResourceType")))
}

pub async fn schemas(auth: ScimAuth) -> HttpResponse {
    listed(docs::schemas(&auth.base()))
}

pub async fn schema(auth: ScimAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Failure> {
    let id = &path.1;
    let found = docs::schemas(&auth.base()).into_iter().find(|s| s["id"] == json!(id));
    found.map(|s| reply(StatusCode::OK, &s)).ok_or_else(|| Failure(ScimError::not_found("Schema")))
}
