//! /Users: list (filter, paging, sorting, attributes), `.search`, create,
//! read, replace (PUT), PATCH (applied to the User's JSON, then stored as
//! a replacement under the version it was read at) and delete.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::listing::{ListQuery, Source};
use super::{if_match, json_body, resource, Failure, ScimAuth};
use crate::db;
use crate::domain::scim::user::{to_json, UserAttrs, UserMeta};
use crate::domain::scim::{etag, patch, patch_apply, ScimError};
use crate::mail::templates::AddedMail;
use crate::store::scim::users::{self, UserRow};
use crate::web::api::rfc3339;

pub fn render(base: &str, row: &UserRow) -> Value {
    let location = format!("{base}/Users/{}", row.id);
    let (created, modified) = (rfc3339(row.created_at), rfc3339(row.updated_at));
    let meta = UserMeta {
        id: &row.id,
        created: &created,
        last_modified: &modified,
        location: &location,
        version: row.version,
    };
    to_json(&row.attrs(), &meta)
}

pub async fn list(req: HttpRequest, auth: ScimAuth) -> Result<HttpResponse, Failure> {
    run_list(auth, ListQuery::from_query(req.query_string())?).await
}

pub async fn search(auth: ScimAuth, body: web::Bytes) -> Result<HttpResponse, Failure> {
    run_list(auth, ListQuery::from_search(&json_body(&body)?)?).await
}

/// Users in userName order, found by their indexed keys.
const USERS: Source<UserRow> = Source {
    ordered_by: "username",
    indexed: &users::INDEXED,
    count: users::count,
    page: users::page,
    by_key: users::by_key,
    all: users::all,
};

async fn run_list(auth: ScimAuth, q: ListQuery) -> Result<HttpResponse, Failure> {
    let (org_id, base, query) = (auth.org.id.clone(), auth.base(), q.clone());
    let (total, items) = db::run_read(&auth.state.pool, move |conn| {
        query.read(conn, &org_id, &USERS, |_, rows, _| Ok(rows.iter().map(|r| render(&base, r)).collect()))
    })
    .await?;
    Ok(q.response(total, items))
}

async fn load(auth: &ScimAuth, id: &str) -> Result<UserRow, Failure> {
    let (org_id, id) = (auth.org.id.clone(), id.to_string());
    let row = db::run_read(&auth.state.pool, move |conn| users::get(conn, &org_id, &id).map_err(Failure::from)).await?;
    row.ok_or_else(|| Failure(ScimError::not_found("User")))
}

pub async fn get(req: HttpRequest, auth: ScimAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Failure> {
    let q = ListQuery::from_query(req.query_string())?;
    let row = load(&auth, &path.1).await?;
    Ok(resource(StatusCode::OK, &q.project(render(&auth.base(), &row))))
}

pub async fn create(auth: ScimAuth, body: web::Bytes) -> Result<HttpResponse, Failure> {
    let attrs = UserAttrs::from_json(&json_body(&body)?)?;
    let (org_name, base) = (auth.org.name.clone(), auth.base());
    let link = auth.state.url(&format!("/orgs/{}", auth.org.slug));
    let by = format!("{org_name}'s directory");
    let row = auth
        .change(move |conn, ctx| {
            let welcome = |name: &str, to: &str, role: &str| {
                let m = AddedMail { to, name, by_name: &by, org_name: &org_name, role, link: &link };
                m.render().ok()
            };
            users::create(conn, ctx, &attrs, &welcome)
        })
        .await?;
    auth.state.mail_wakeup.notify_one();
    Ok(resource(StatusCode::CREATED, &render(&base, &row)))
}

pub async fn replace(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let attrs = UserAttrs::from_json(&json_body(&body)?)?;
    let (id, wanted) = (path.1.clone(), if_match(&req));
    let row = auth.change(move |conn, ctx| users::replace(conn, ctx, &id, &attrs, wanted.as_deref())).await?;
    Ok(resource(StatusCode::OK, &render(&auth.base(), &row)))
}

pub async fn patch(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let ops = patch::parse(&json_body(&body)?)?;
    let wanted = if_match(&req);
    // Applied to the version read; a change in between is read again.
    for _ in 0..3 {
        let row = load(&auth, &path.1).await?;
        let mut json = render(&auth.base(), &row);
        patch_apply::apply(&mut json, &ops)?;
        let attrs = UserAttrs::from_json(&json)?;
        let version = wanted.clone().unwrap_or_else(|| etag(row.version));
        let id = path.1.clone();
        match auth.change(move |conn, ctx| users::replace(conn, ctx, &id, &attrs, Some(&version))).await {
            Err(Failure(e)) if e.status == 412 && wanted.is_none() => continue,
            done => return Ok(resource(StatusCode::OK, &render(&auth.base(), &done?))),
        }
    }
    Err(Failure(ScimError::new(409, None, "The User kept changing while this PATCH was applied; send it again.")))
}

pub async fn delete(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let (id, wanted) = (path.1.clone(), if_match(&req));
    auth.change(move |conn, ctx| users::delete(conn, ctx, &id, wanted.as_deref())).await?;
    Ok(HttpResponse::NoContent().finish())
}
