//! Why a call to an identity provider failed: shared by discovery, the
//! token exchange and userinfo, which each report their failures in it.

use super::id_token::IdTokenError;

/// Why a sign-in with a provider did not complete; each gets its own page
/// text, the details go to the log only.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Connection refused, timed out, or a server error: try again later.
    #[error("provider unreachable: {0}")]
    Unreachable(String),
    /// The provider refused our client credentials (`invalid_client`).
    #[error("provider refused the client credentials: {0}")]
    ClientRefused(String),
    #[error("ID token refused: {0}")]
    IdToken(IdTokenError),
    /// Anything else the provider answered that we cannot accept.
    #[error("provider answer refused: {0}")]
    Rejected(String),
}

impl Failure {
    /// An HTTP call to the provider that failed: no connection, one dropped
    /// while the request was under way, a timeout or a server error is
    /// "unreachable" (try again later), anything else "rejected".
    pub fn http(what: &str, e: &reqwest::Error) -> Self {
        let unreachable =
            e.is_connect() || e.is_request() || e.is_timeout() || e.status().is_some_and(|s| s.is_server_error());
        if unreachable {
            Failure::Unreachable(format!("{what}: {e}"))
        } else {
            Failure::Rejected(format!("{what}: {e}"))
        }
    }
}
