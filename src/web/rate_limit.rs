//! Request limits (governor's GCRA limiters, one state per key, in memory:
//! each instance counts on its own). A limited request gets 429 with
//! `Retry-After`.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::{Rate, RateLimits};
use crate::error::AppError;

/// A request over its limit, and how long until it may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited(pub Duration);

impl From<Limited> for AppError {
    fn from(Limited(retry_after): Limited) -> Self {
        AppError::TooManyRequests { retry_after }
    }
}

/// One kind of limit, by key (a client address, an organization id).
pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<String>,
    /// Keys refused until a time: for limits that count failures, a key over
    /// its limit is refused before the next attempt is even checked.
    refused_until: Mutex<HashMap<String, Instant>>,
}

impl Limiter {
    pub fn new(rate: Rate) -> Self {
        let count = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
        let period = (rate.per / rate.count.max(1)).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period).unwrap_or_else(|| Quota::per_second(count)).allow_burst(count);
        Self { limiter: DefaultKeyedRateLimiter::keyed(quota), refused_until: Mutex::new(HashMap::new()) }
    }

    /// Counts `n` requests for `key`; refuses them when the key has no room.
    pub fn hit_n(&self, key: &str, n: u32) -> Result<(), Limited> {
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.limiter.check_key_n(&key.to_string(), n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(too_many(not_until.wait_time_from(DefaultClock::default().now()))),
            // More at once than the limit allows at all: wait for a whole period.
            Err(_) => Err(too_many(Duration::from_secs(60))),
        }
    }

    pub fn hit(&self, key: &str) -> Result<(), Limited> {
        self.hit_n(key, 1)
    }

    /// For limits that count failures: refuses a key that went over its limit
    /// until its wait is over.
    pub fn check_refused(&self, key: &str) -> Result<(), Limited> {
        let mut refused = self.refused_until.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match refused.get(key) {
            Some(until) if *until > now => Err(too_many(*until - now)),
            Some(_) => {
                refused.remove(key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts a failure for `key`; past the limit the key is refused for the
    /// wait the limiter names.
    pub fn failure(&self, key: &str) -> Result<(), Limited> {
        let result = self.hit(key);
        if let Err(Limited(retry_after)) = &result {
            let mut refused = self.refused_until.lock().unwrap_or_else(|e| e.into_inner());
            if refused.len() > 10_000 {
                let now = Instant::now();
                refused.retain(|_, until| *until > now);
            }
            refused.insert(key.to_string(), Instant::now() + *retry_after);
        }
        result
    }
}

fn too_many(wait: Duration) -> Limited {
    // Rounded up: "try again in 0 seconds" would be a lie.
    Limited(Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)))
}

/// Every limit of the portal.
pub struct Limits {
    pub sign_in: Limiter,
    pub invitation_links: Limiter,
    pub invitations_sent: Limiter,
    pub token_failures: Limiter,
    pub api: Limiter,
    pub scim: Limiter,
}

impl Limits {
    pub fn new(rates: &RateLimits) -> Self {
        Self {
            sign_in: Limiter::new(rates.sign_in),
            invitation_links: Limiter::new(rates.invitation_links),
            invitations_sent: Limiter::new(rates.invitations_sent),
            token_failures: Limiter::new(rates.token_failures),
            api: Limiter::new(rates.api),
            scim: Limiter::new(rates.scim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_names_the_wait() {
        let l = Limiter::new(Rate::new(2, Duration::from_secs(60)));
        assert!(l.hit("a").is_ok() && l.hit("a").is_ok());
        match l.hit("a") {
            Err(Limited(retry_after)) => {
                assert!(retry_after > Duration::from_secs(20) && retry_after <= Duration::from_secs(31))
            }
            other => panic!("{other:?}"),
        }
        assert!(l.hit("b").is_ok(), "another key has its own room");
        assert!(l.hit_n("c", 3).is_err(), "more at once than the limit");
    }

    #[test]
    fn failures_past_the_limit_refuse_the_key_before_checking() {
        let l = Limiter::new(Rate::new(1, Duration::from_secs(60)));
        assert!(l.check_refused("ip").is_ok());
        assert!(l.failure("ip").is_ok());
        assert!(l.check_refused("ip").is_ok());
        assert!(l.failure("ip").is_err());
        assert!(l.check_refused("ip").is_err());
        assert!(l.check_refused("other").is_ok());
    }
}
