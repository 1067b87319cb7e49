//! `POST /.search` at the organization's SCIM root (RFC 7644 section
//! 3.4.3): one filter over Users and Groups together, Users first.

use actix_web::{web, HttpResponse};

use super::listing::ListQuery;
use super::{groups, json_body, users, Failure, ScimAuth};
use crate::db;
use crate::store::scim::{groups as stored_groups, users as stored_users};

pub async fn everything(auth: ScimAuth, body: web::Bytes) -> Result<HttpResponse, Failure> {
    let q = ListQuery::from_search(&json_body(&body)?)?;
    let (org_id, base, query) = (auth.org.id.clone(), auth.base(), q.clone());
    let (total, items) = db::run_read(&auth.state.pool, move |conn| {
        let mut all: Vec<serde_json::Value> =
            stored_users::all(conn, &org_id)?.iter().map(|r| users::render(&base, r)).collect();
        let group_rows = stored_groups::all(conn, &org_id)?;
        all.extend(groups::render_all(conn, &base, &group_rows, true)?);
        Ok::<_, Failure>(query.window(all))
    })
    .await?;
    Ok(q.response(total, items))
}
