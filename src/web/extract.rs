//! Extractors that give handlers the signed-in user, and the user's
//! membership of the organization named in the URL.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::layout::{Layout, OrgLink, OrgNav, UserMenu};
pub use super::lookup::CurrentUser;
use super::lookup::{app_state, signed_in, Lookup, FLASH_KEY};
use super::AppState;
use crate::auth::{csrf, session::SessionToken};
use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::members::Actor;
use crate::store::orgs::{self, MemberView};

/// Shows `message` on the next page the user sees.
pub fn flash(session: &Session, message: &str) {
    let _ = session.insert(FLASH_KEY, message);
}

impl CurrentUser {
    /// The signed-in user as the actor of a change made by this request.
    pub fn actor(&self, req: &HttpRequest, state: &AppState) -> Actor {
        Actor::person(self.user.id.clone(), super::client::client_ip(req), state.clock.now())
    }

    pub fn layout(&self, title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user: Some(UserMenu { name: self.user.name.clone(), email: self.user.email.clone() }),
            orgs: self.orgs.iter().map(|o| OrgLink { name: o.name.clone(), slug: o.slug.clone() }).collect(),
            org: None,
            staff_org: None,
            personal: None,
            shared: false,
            personal_spaces: self.personal_spaces,
            new_project_label: Some(format!("New {}", self.catalog.project_noun().to_lowercase())),
            settings_section: None,
            show_staff: self.is_staff,
            wide: false,
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
            dev_sign_in: self.dev_sign_in,
            show_sign_in: false,
        }
    }
}

/// A layout for pages seen before sign-in.
pub fn anonymous_layout(req: &HttpRequest, title: &str) -> Layout {
    let mut layout = Layout::bare(title);
    let session = req.get_session();
    layout.csrf = csrf::token(&session);
    layout.flash = crate::auth::session::take(&session, FLASH_KEY);
    layout.show_sign_in = true;
    layout.dev_sign_in = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.dev.is_some());
    layout
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// Checks the session and loads its user, their organizations and, with
/// `slug`, their membership of that organization, in one statement. A read:
/// on SQLite it runs on this worker when a connection is idle (a hop to the
/// blocking pool and back cost more than the statement, issue 33); the
/// session's "last seen", when due, is written on the blocking pool.
async fn load(
    req: &HttpRequest,
    signed_in_as: Result<SessionToken, AppError>,
    slug: Option<String>,
) -> Result<(CurrentUser, Option<MemberView>), AppError> {
    let lookup = Lookup::new(req, signed_in_as, slug)?;
    let found = db::run_read(&app_state(req)?.pool, move |conn| lookup.run_read(conn)).await?;
    signed_in(req, found).await
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SessionToken::from_request(req, payload).into_inner();
        let req = req.clone();
        Box::pin(async move { Ok(load(&req, signed_in, None).await?.0) })
    }
}

/// The signed-in user's membership of the organization `{slug}` in the URL.
/// A non-member gets the same 404 as for an organization that does not exist.
pub struct OrgMember {
    pub current: CurrentUser,
    pub view: MemberView,
    pub permissions: BTreeSet<Permission>,
}

impl OrgMember {
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Refuses the request unless the member's role grants `p`.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow this. It needs the {} permission.",
                self.view.role,
                p.key()
            )))
        }
    }

    pub fn user_id(&self) -> &str {
        &self.current.user.id
    }

    /// The member as the actor of a change made by this request.
    pub fn actor(&self, req: &HttpRequest, state: &AppState) -> Actor {
        self.current.actor(req, state)
    }

    pub fn org_id(&self) -> &str {
        &self.view.org.id
    }

    pub fn is_owner(&self) -> bool {
        self.view.org.owner_id == self.current.user.id
    }

    pub fn layout(&self, title: &str, section: &'static str) -> Layout {
        let mut layout = self.current.layout(title);
        layout.org = Some(OrgNav {
            name: self.view.org.name.clone(),
            slug: self.view.org.slug.clone(),
            section,
            show_activity: self.can(Permission::ActivityView),
            show_customer: self.can(Permission::CustomerView),
            show_services: self.can(Permission::ServicesConnect),
            show_billing: self.can(Permission::BillingView),
            show_api_keys: self.can(Permission::ApiKeysManage),
            show_webhooks: self.can(Permission::WebhooksManage),
            show_domains: self.can(Permission::OrgManage),
            projects_label: self.current.catalog.projects_noun(),
        });
        layout
    }
}

impl FromRequest for OrgMember {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SessionToken::from_request(req, payload).into_inner();
        let req = req.clone();
        Box::pin(async move {
            let slug = req.match_info().get("slug").unwrap_or_default().to_string();
            OrgMember::load(&req, signed_in, slug).await
        })
    }
}

impl OrgMember {
    /// The signed-in user's membership of the organization `slug` named in a
    /// form rather than the URL (the owner select of New Project).
    pub async fn of(req: &HttpRequest, slug: String) -> Result<Self, AppError> {
        let signed_in = SessionToken::extract(req).await;
        Self::load(req, signed_in, slug).await
    }

    async fn load(
        req: &HttpRequest,
        signed_in: Result<SessionToken, AppError>,
        slug: String,
    ) -> Result<Self, AppError> {
        let (current, view) = load(req, signed_in, Some(slug)).await?;
        let view = view.ok_or(AppError::NotFound)?;
        let state = app_state(req)?;
        let permissions = state.catalog.permissions_of(&view.role);
        Ok(OrgMember { current, view, permissions })
    }
}

/// A signed-in support staff member; anyone else gets 403.
pub struct StaffUser {
    pub current: CurrentUser,
}

impl FromRequest for StaffUser {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let current = current.await?;
            if !current.is_staff {
                return Err(AppError::Forbidden("The staff area is for support staff only.".into()));
            }
            Ok(StaffUser { current })
        })
    }
}

/// A support staff member looking at the organization `{slug}` in the URL
/// (read-only; they need not be a member).
pub struct StaffOrg {
    pub staff: StaffUser,
    pub org: orgs::Org,
}

impl StaffOrg {
    pub fn layout(&self, title: &str, section: &'static str) -> Layout {
        let mut layout = self.staff.current.layout(title);
        layout.staff_org =
            Some(super::layout::StaffNav { name: self.org.name.clone(), slug: self.org.slug.clone(), section });
        layout
    }
}

impl FromRequest for StaffOrg {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = StaffUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let staff = staff.await?;
            let slug = req.match_info().get("slug").unwrap_or_default().to_string();
            let state = app_state(&req)?;
            let org =
                db::run_read(&state.pool, move |conn| -> Result<_, AppError> { Ok(orgs::find_by_slug(conn, &slug)?) })
                    .await?;
            Ok(StaffOrg { staff, org: org.ok_or(AppError::NotFound)? })
        })
    }
}
