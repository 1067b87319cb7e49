//! The database lookup behind every signed-in page: the session and its
//! user, their organizations, a membership and staff rights, in one trip;
//! and the `CurrentUser` it makes (or the sign-in page).

use std::sync::Arc;

use actix_identity::Identity;
use actix_session::SessionExt;
use actix_web::{web, FromRequest, HttpRequest};

use super::AppState;
use crate::auth::{csrf, session::SessionToken};
use crate::db;
use crate::domain::RoleCatalog;
use crate::error::AppError;
use crate::store::accounts::sessions::{self, Live};
use crate::store::accounts::users::User;
use crate::store::orgs::{MemberView, OrgSummary};

pub(super) const FLASH_KEY: &str = "flash";

pub struct CurrentUser {
    pub user: User,
    /// The server-side session this request came with.
    pub session_id: String,
    pub orgs: Vec<OrgSummary>,
    /// Support staff: a verified email in ORGPORTAL_STAFF_EMAILS or the staff table.
    pub is_staff: bool,
    /// Staff with staff.provision: they set up organizations for customers.
    pub can_provision: bool,
    pub(super) csrf: String,
    pub(super) flash: Option<String>,
    pub(super) dev_sign_in: bool,
    pub(super) personal_spaces: bool,
    /// The deployment's role catalog (its project noun names links in the header).
    pub(super) catalog: Arc<RoleCatalog>,
}

pub(super) fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::internal(anyhow::anyhow!("no state")))
}

/// What the database says about a signed-in request: its session and user,
/// their organizations and, with a slug, their membership of that one.
pub(super) struct Found {
    session_id: String,
    /// What the session was signed in with (`sso:<connection>` for an
    /// organization's own provider).
    session_provider: String,
    user: User,
    orgs: Vec<OrgSummary>,
    view: Option<MemberView>,
    /// Some(may provision) for support staff.
    staff: Option<bool>,
    /// The session's "last seen" to write after a read-only lookup.
    touch_due: bool,
}

/// The lookup behind every signed-in page, made on a pooled connection.
pub(super) struct Lookup {
    token_hash: String,
    slug: Option<String>,
    idle: std::time::Duration,
    now: time::PrimitiveDateTime,
    staff_emails: Arc<Vec<String>>,
    provisioners: Arc<Vec<String>>,
}

impl Found {
    pub(super) fn view(&self) -> Option<&MemberView> {
        self.view.as_ref()
    }

    pub(super) fn user(&self) -> &User {
        &self.user
    }
}

impl Lookup {
    pub(super) fn new(
        req: &HttpRequest,
        signed_in: Result<SessionToken, AppError>,
        slug: Option<String>,
    ) -> Result<Self, AppError> {
        let token_hash = signed_in?.hash();
        let state = app_state(req)?;
        Ok(Lookup {
            token_hash,
            slug,
            idle: state.session_lifetimes.idle,
            now: state.clock.now(),
            staff_emails: state.staff_emails.clone(),
            provisioners: state.staff_provisioners.clone(),
        })
    }

    /// None when the session is gone (signed out, expired, account deleted).
    /// Reads only: `Found::touch_due` says whether the session's "last seen"
    /// is to be written, which [`signed_in`] does.
    pub(super) fn run_read(self, conn: &mut db::AnyConnection) -> Result<Option<Found>, AppError> {
        let Some(live) = sessions::find_live(conn, &self.token_hash, self.idle, self.now, self.slug.as_deref())? else {
            return Ok(None);
        };
        let Live { session, user, staff_listed, orgs, view } = live;
        let staff = if !user.email_verified {
            None
        } else if self.provisioners.contains(&user.email) {
            Some(true)
        } else {
            staff_listed.or(self.staff_emails.contains(&user.email).then_some(false))
        };
        Ok(Some(Found {
            touch_due: sessions::touch_due(&session, self.now),
            session_id: session.id,
            session_provider: session.provider,
            user,
            orgs,
            view,
            staff,
        }))
    }
}

/// The signed-in user of what `Lookup::run_read` found, or the sign-in page.
pub(super) async fn signed_in(
    req: &HttpRequest,
    found: Option<Found>,
) -> Result<(CurrentUser, Option<MemberView>), AppError> {
    let state = app_state(req)?;
    let Some(Found { session_id, session_provider, user, orgs, view, staff, touch_due, .. }) = found else {
        // Signed out elsewhere, expired, or the account is gone: drop the
        // cookie and start over.
        if let Ok(identity) = Identity::extract(req).await {
            identity.logout();
        }
        return Err(crate::auth::session::login_required(req));
    };
    if touch_due {
        // At most once a minute per session: this request records "last
        // seen" before it answers, so the session's idle limit counts from
        // it. The read above stayed on the worker; the write goes to the
        // blocking pool (it may wait for SQLite's writer). A failure is not
        // the page's: it is logged, and the next request tries again.
        let (id, now) = (session_id.clone(), state.clock.now());
        let touched = db::run(&state.pool, move |conn| sessions::touch(conn, &id, now).map_err(AppError::from)).await;
        if let Err(e) = touched {
            tracing::warn!(error = %e, "could not record the session's last use");
        }
    }
    // An organization that requires its own provider for the member's
    // domain: a session from elsewhere does not open its pages.
    if let Some(v) = &view {
        if crate::store::domains::sso::must_use_sso(v.org.sso_required.as_deref(), &user.email, &session_provider) {
            return Err(AppError::SsoRequired {
                org: v.org.name.clone(),
                email: user.email,
                next: req.path().to_string(),
            });
        }
    }
    let session = req.get_session();
    let flash = crate::auth::session::take(&session, FLASH_KEY);
    let current = CurrentUser {
        user,
        session_id,
        orgs,
        is_staff: staff.is_some(),
        can_provision: staff == Some(true),
        csrf: csrf::token(&session),
        flash,
        dev_sign_in: state.dev.is_some(),
        personal_spaces: state.personal_spaces,
        catalog: state.catalog.clone(),
    };
    Ok((current, view))
}
