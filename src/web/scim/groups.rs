//! /Groups: list, `.search`, create, read, replace (PUT), PATCH and
//! delete. A PATCH's member changes go to the store as changes (a group of
//! thousands is never rewritten to add one person); its other operations
//! are applied to the group's JSON.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::listing::{ListQuery, Source};
use super::{if_match, json_body, resource, Failure, ScimAuth};
use crate::db;
use crate::db::AnyConnection;
use crate::domain::scim::group::{members_of, to_json, GroupAttrs, GroupMeta};
use crate::domain::scim::group_patch::{self, MemberChange};
use crate::domain::scim::ScimError;
use crate::domain::scim::{patch, patch_apply};
use crate::store::scim::groups::{self, GroupRow};
use crate::web::api::rfc3339;

/// `members`: the User ids of the group, or None to leave them out.
pub fn render(base: &str, row: &GroupRow, members: Option<&[String]>) -> Value {
    let location = format!("{base}/Groups/{}", row.id);
    let (created, modified) = (rfc3339(row.created_at), rfc3339(row.updated_at));
    let meta = GroupMeta {
        id: &row.id,
        created: &created,
        last_modified: &modified,
        location: &location,
        version: row.version,
    };
    let members: Option<Vec<(String, String)>> =
        members.map(|m| m.iter().map(|id| (id.clone(), format!("{base}/Users/{id}"))).collect());
    to_json(&row.attrs(), members.as_deref(), &meta)
}

pub fn render_all(
    conn: &mut AnyConnection,
    base: &str,
    rows: &[GroupRow],
    with_members: bool,
) -> Result<Vec<Value>, Failure> {
    if !with_members {
        return Ok(rows.iter().map(|r| render(base, r, None)).collect());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
    for (g, u) in groups::members(conn, &ids)? {
        by_group.entry(g).or_default().push(u);
    }
    Ok(rows.iter().map(|r| render(base, r, Some(by_group.get(&r.id).map_or(&[][..], |v| v)))).collect())
}

pub async fn list(req: HttpRequest, auth: ScimAuth) -> Result<HttpResponse, Failure> {
    run_list(auth, ListQuery::from_query(req.query_string())?).await
}

pub async fn search(auth: ScimAuth, body: web::Bytes) -> Result<HttpResponse, Failure> {
    run_list(auth, ListQuery::from_search(&json_body(&body)?)?).await
}

/// Groups in displayName order, found by their indexed keys.
const GROUPS: Source<GroupRow> = Source {
    ordered_by: "displayname",
    indexed: &groups::INDEXED,
    count: groups::count,
    page: groups::page,
    by_key: groups::by_key,
    all: groups::all,
};

async fn run_list(auth: ScimAuth, q: ListQuery) -> Result<HttpResponse, Failure> {
    let (org_id, base, query) = (auth.org.id.clone(), auth.base(), q.clone());
    let (total, items) = db::run_read(&auth.state.pool, move |conn| {
        let with_members = !query.leaves_out("members");
        // A filter may be about members: they are there to be matched.
        query.read(conn, &org_id, &GROUPS, |conn, rows, for_filter| {
            render_all(conn, &base, rows, with_members || for_filter)
        })
    })
    .await?;
    Ok(q.response(total, items))
}

async fn load(auth: &ScimAuth, id: &str, with_members: bool) -> Result<Value, Failure> {
    let (org_id, id, base) = (auth.org.id.clone(), id.to_string(), auth.base());
    db::run_read(&auth.state.pool, move |conn| {
        let row = groups::get(conn, &org_id, &id)?.ok_or_else(|| Failure(ScimError::not_found("Group")))?;
        Ok(render_all(conn, &base, &[row], with_members)?.remove(0))
    })
    .await
}

pub async fn get(req: HttpRequest, auth: ScimAuth, path: web::Path<(String, String)>) -> Result<HttpResponse, Failure> {
    let q = ListQuery::from_query(req.query_string())?;
    let group = load(&auth, &path.1, !q.leaves_out("members")).await?;
    Ok(resource(StatusCode::OK, &q.project(group)))
}

pub async fn create(auth: ScimAuth, body: web::Bytes) -> Result<HttpResponse, Failure> {
    let body = json_body(&body)?;
    let (attrs, members) = (GroupAttrs::from_json(&body)?, members_of(&body)?);
    let row = auth.change(move |conn, ctx| groups::create(conn, ctx, &attrs, &members)).await?;
    let group = load(&auth, &row.id, true).await?;
    Ok(resource(StatusCode::CREATED, &group))
}

pub async fn replace(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let body = json_body(&body)?;
    let (attrs, members) = (GroupAttrs::from_json(&body)?, members_of(&body)?);
    let (id, wanted) = (path.1.clone(), if_match(&req));
    auth.change(move |conn, ctx| {
        groups::update(conn, ctx, &id, Some(&attrs), &[MemberChange::Replace(members)], wanted.as_deref())
    })
    .await?;
    Ok(resource(StatusCode::OK, &load(&auth, &path.1, true).await?))
}

pub async fn patch(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let (rest, changes) = group_patch::split_members(patch::parse(&json_body(&body)?)?)?;
    let wanted = if_match(&req);
    for _ in 0..3 {
        let group = load(&auth, &path.1, false).await?;
        let attrs = if rest.is_empty() {
            None
        } else {
            let mut json = group.clone();
            patch_apply::apply(&mut json, &rest)?;
            Some(GroupAttrs::from_json(&json)?)
        };
        let version =
            wanted.clone().unwrap_or_else(|| group["meta"]["version"].as_str().unwrap_or_default().to_string());
        let (id, changes) = (path.1.clone(), changes.clone());
        let done = auth
            .change(move |conn, ctx| groups::update(conn, ctx, &id, attrs.as_ref(), &changes, Some(&version)))
            .await;
        match done {
            Err(Failure(e)) if e.status == 412 && wanted.is_none() => continue,
            done => {
                done?;
                return Ok(resource(StatusCode::OK, &load(&auth, &path.1, true).await?));
            }
        }
    }
    Err(Failure(ScimError::new(409, None, "The Group kept changing while this PATCH was applied; send it again.")))
}

pub async fn delete(
    req: HttpRequest,
    auth: ScimAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let (id, wanted) = (path.1.clone(), if_match(&req));
    auth.change(move |conn, ctx| groups::delete(conn, ctx, &id, wanted.as_deref())).await?;
    Ok(HttpResponse::NoContent().finish())
}
