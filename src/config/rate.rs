//! Request limits as configured: `COUNT/PERIOD` per kind of request.

use std::time::Duration;

use super::parse_duration;

/// `count` requests per `per`, refilled evenly (a burst of `count` at most).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(count: u32, per: Duration) -> Self {
        Self { count, per }
    }

    /// `60/1m`, `100/1h`, `10/30s`.
    pub fn parse(v: &str) -> Result<Self, String> {
        let (count, per) =
            v.split_once('/').ok_or_else(|| format!("expected COUNT/PERIOD such as 60/1m or 100/1h, got `{v}`"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("expected a positive count before the `/` in `{v}`"))?;
        Ok(Self { count, per: parse_duration(per)? })
    }
}

/// The request limits (per instance, kept in memory).
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Sign-in starts, provider callbacks and the development sign-in, per client address.
    pub sign_in: Rate,
    /// Accepting or declining invitation links, per client address.
    pub invitation_links: Rate,
    /// Invitation emails sent (new and resent), per organization.
    pub invitations_sent: Rate,
    /// Failed connection-token checks on the service API, per client address.
    pub token_failures: Rate,
    /// Management API requests, per API key.
    pub api: Rate,
    /// SCIM requests, per SCIM token: a directory's first sync sends one
    /// request per person and group, so it is far above the API's.
    pub scim: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            sign_in: Rate::new(60, Duration::from_secs(60)),
            invitation_links: Rate::new(30, Duration::from_secs(60)),
            invitations_sent: Rate::new(100, Duration::from_secs(3600)),
            token_failures: Rate::new(20, Duration::from_secs(60)),
            api: Rate::new(1200, Duration::from_secs(60)),
            scim: Rate::new(60_000, Duration::from_secs(60)),
        }
    }
}
