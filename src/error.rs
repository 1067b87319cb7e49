//! One error type for handlers. The user sees a short message and a request
//! id (rendered by web::error_page); the cause goes to the log only.

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// What the request-id middleware knows about the request being served.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub id: String,
    pub dev_sign_in: bool,
}

impl RequestContext {
    pub async fn scope<F: std::future::Future>(self, f: F) -> F::Output {
        REQUEST.scope(self, f).await
    }

    pub fn current() -> Option<RequestContext> {
        REQUEST.try_with(Clone::clone).ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("sign-in required")]
    LoginRequired { next: String },
    /// The organization requires the member to sign in through its own
    /// identity provider, and this session came from elsewhere.
    #[error("{org} requires sign-in through its identity provider")]
    SsoRequired { org: String, email: String, next: String },
    #[error("too many requests")]
    TooManyRequests { retry_after: std::time::Duration },
    /// The database cannot be reached (no connection within the pool's
    /// timeout, or the connection broke): 503, worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(info.message().to_string()),
            other => AppError::internal(other),
        }
    }
}

/// r2d2 fails only when no connection could be had within its timeout.
impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

/// Store errors that reach a handler unhandled: a rule or a missing row is
/// "not found" to the user, a database failure is ours.
impl From<crate::store::members::MemberError> for AppError {
    fn from(e: crate::store::members::MemberError) -> Self {
        match e {
            crate::store::members::MemberError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::members::invitations::InviteError> for AppError {
    fn from(e: crate::store::members::invitations::InviteError) -> Self {
        match e {
            crate::store::members::invitations::InviteError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

/// An endpoint that is not the organization's is a 404 (TooMany is
/// answered next to the form's field before this).
impl From<crate::store::webhooks::endpoints::EndpointError> for AppError {
    fn from(e: crate::store::webhooks::endpoints::EndpointError) -> Self {
        match e {
            crate::store::webhooks::endpoints::EndpointError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::domains::sso::SsoError> for AppError {
    fn from(e: crate::store::domains::sso::SsoError) -> Self {
        match e {
            crate::store::domains::sso::SsoError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::domains::DomainError> for AppError {
    fn from(e: crate::store::domains::DomainError) -> Self {
        match e {
            crate::store::domains::DomainError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

impl From<crate::store::projects::invitations::ProjectInviteError> for AppError {
    fn from(e: crate::store::projects::invitations::ProjectInviteError) -> Self {
        match e {
            crate::store::projects::invitations::ProjectInviteError::Db(e) => e.into(),
            _ => AppError::NotFound,
        }
    }
}

/// "45 seconds", "1 minute", "12 minutes".
pub fn wait_words(d: std::time::Duration) -> String {
    let secs = d.as_secs().max(1);
    match secs {
        1 => "1 second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => {
            let minutes = secs.div_ceil(60);
            format!("{minutes} minutes")
        }
    }
}
