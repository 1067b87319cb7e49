//! A page of the organization `{slug}` in the URL whose own reads share the
//! membership check's trip to the database: one hop to the blocking pool
//! and one pooled connection per request instead of two of each (issue 11:
//! moving a request between threads was the largest share of its time).

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::extract::OrgMember;
use super::lookup::app_state;
use super::lookup::{signed_in, Lookup};
use crate::auth::session::SessionToken;
use crate::db::{self, AnyConnection};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::orgs::MemberView;

pub struct OrgPage {
    req: HttpRequest,
    lookup: Result<Lookup, AppError>,
}

impl FromRequest for OrgPage {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in_as = SessionToken::from_request(req, payload).into_inner();
        let slug = req.match_info().get("slug").unwrap_or_default().to_string();
        let lookup = Lookup::new(req, signed_in_as, Some(slug));
        ready(Ok(OrgPage { req: req.clone(), lookup }))
    }
}

impl OrgPage {
    /// Checks that the user is a member whose role grants `need` and, on the
    /// same connection, reads the page with `read` (only once that holds).
    /// `read` must not write (see `db::run_read`).
    pub async fn load<T, F>(self, need: Permission, read: F) -> Result<(OrgMember, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &MemberView) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let lookup = self.lookup?;
        let state = app_state(&self.req)?;
        let catalog = state.catalog.clone();
        // Reads only, so on SQLite on this thread when a connection is idle.
        let (found, permissions, page) = db::run_read(&state.pool, move |conn| -> Result<_, AppError> {
            let Some(found) = lookup.run_read(conn)? else { return Ok((None, Default::default(), None)) };
            let permissions = found.view().map(|v| catalog.permissions_of(&v.role)).unwrap_or_default();
            let page = match found.view() {
                Some(view) if permissions.contains(&need) => Some(read(conn, view)?),
                _ => None,
            };
            Ok((Some(found), permissions, page))
        })
        .await?;
        let (current, view) = signed_in(&self.req, found).await?;
        let view = view.ok_or(AppError::NotFound)?;
        let member = OrgMember { permissions, current, view };
        member.require(need)?;
        let page = page.ok_or_else(|| AppError::internal(anyhow::anyhow!("page not read for an allowed member")))?;
        Ok((member, page))
    }
}
