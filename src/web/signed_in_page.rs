//! A signed-in page whose own reads share the session lookup's trip to the
//! database: one pooled connection per request and, where reads leave the
//! HTTP worker (PostgreSQL, or SQLite with no idle connection), one hop to
//! the blocking pool instead of two of each (issue 11: moving a request
//! between threads was the largest share of its time; issue 33: one
//! checkout per request). An organization's pages name it by the `{slug}`
//! in the URL; the person's own pages (Settings) have none.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::extract::OrgMember;
use super::lookup::{app_state, signed_in, CurrentUser, Found, Lookup};
use crate::auth::session::SessionToken;
use crate::db::{self, AnyConnection};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::accounts::users::User;
use crate::store::orgs::MemberView;

pub struct SignedInPage {
    req: HttpRequest,
    lookup: Result<Lookup, AppError>,
}

impl FromRequest for SignedInPage {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in_as = SessionToken::from_request(req, payload).into_inner();
        let slug = req.match_info().get("slug").map(str::to_string);
        let lookup = Lookup::new(req, signed_in_as, slug);
        ready(Ok(SignedInPage { req: req.clone(), lookup }))
    }
}

impl SignedInPage {
    /// Checks that the user is a member of the organization whose role
    /// grants `need` and, on the same connection, reads the page with `read`
    /// (only once that holds). `read` must not write (see `db::run_read`).
    pub async fn load<T, F>(self, need: Permission, read: F) -> Result<(OrgMember, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &MemberView) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.load_if(Some(need), move |conn, view, _| read(conn, view)).await
    }

    /// [`SignedInPage::load`] for a page every member may see; `read` is
    /// given the member's account too.
    pub async fn load_member<T, F>(self, read: F) -> Result<(OrgMember, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &MemberView, &User) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.load_if(None, read).await
    }

    /// A page of the person's own: finds them and, on the same connection,
    /// reads the page with `read`, which must not write.
    pub async fn load_own<T, F>(self, read: F) -> Result<(CurrentUser, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &User) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (current, _, page) = self.trip(move |conn, found| read(conn, found.user())).await?;
        Ok((current, page))
    }

    async fn load_if<T, F>(self, need: Option<Permission>, read: F) -> Result<(OrgMember, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &MemberView, &User) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let catalog = self.catalog()?;
        let (current, view, (permissions, page)) = self
            .trip(move |conn, found| {
                let permissions = found.view().map(|v| catalog.permissions_of(&v.role)).unwrap_or_default();
                let allowed = need.is_none_or(|need| permissions.contains(&need));
                let page = match found.view() {
                    Some(view) if allowed => Some(read(conn, view, found.user())?),
                    _ => None,
                };
                Ok((permissions, page))
            })
            .await?;
        let view = view.ok_or(AppError::NotFound)?;
        let member = OrgMember { permissions, current, view };
        if let Some(need) = need {
            member.require(need)?;
        }
        let page = page.ok_or_else(|| AppError::internal(anyhow::anyhow!("page not read for an allowed member")))?;
        Ok((member, page))
    }

    fn catalog(&self) -> Result<std::sync::Arc<crate::domain::RoleCatalog>, AppError> {
        Ok(app_state(&self.req)?.catalog.clone())
    }

    /// The one trip: the session lookup and, when it found the person,
    /// `read` on the same connection (reads only, so on SQLite on this
    /// thread when a connection is idle); then the signed-in checks, which
    /// answer the sign-in page when nothing was found.
    async fn trip<T, F>(self, read: F) -> Result<(CurrentUser, Option<MemberView>, T), AppError>
    where
        F: FnOnce(&mut AnyConnection, &Found) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let lookup = self.lookup?;
        let state = app_state(&self.req)?;
        let (found, page) = db::run_read(&state.pool, move |conn| -> Result<_, AppError> {
            let Some(found) = lookup.run_read(conn)? else { return Ok((None, None)) };
            let page = read(conn, &found)?;
            Ok((Some(found), Some(page)))
        })
        .await?;
        let (current, view) = signed_in(&self.req, found).await?;
        let page = page.ok_or_else(|| AppError::internal(anyhow::anyhow!("page not read for a signed-in person")))?;
        Ok((current, view, page))
    }
}
