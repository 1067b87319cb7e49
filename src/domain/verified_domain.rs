//! Verified domains: the name an organization claims, the TXT record that
//! proves it, the join policy for people with an address there, and when a
//! verified domain that stopped answering goes back to unverified.

use base64::Engine;
use rand::RngCore;
use time::{Duration, PrimitiveDateTime};

/// Where the proof is published: `_orgportal-challenge.<domain>`.
pub const CHALLENGE_LABEL: &str = "_orgportal-challenge";
/// A verified domain is looked up again once a day.
pub const RECHECK_EVERY: Duration = Duration::days(1);
/// A verified domain whose record is missing at this many daily checks in
/// a row returns to unverified.
pub const FAILED_CHECKS: i32 = 7;
/// From the first failed check of a streak to the last: the seventh daily
/// check comes six days after the first.
pub const GRACE: Duration = Duration::days((FAILED_CHECKS - 1) as i64);
/// An organization claims at most this many domains.
pub const MOST: i64 = 50;

/// A domain name as claimed: lower-case ASCII labels of letters, digits and
/// inner hyphens, at least two of them, at most 253 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(input: &str) -> Result<Self, String> {
        super::text::check(input, super::text::Lines::One)?;
        let s = input.trim().trim_end_matches('.').to_ascii_lowercase();
        if s.is_empty() {
            return Err("Enter a domain, such as acme.example.".into());
        }
        if s.contains("://") || s.contains('/') || s.contains('@') {
            return Err("Enter the domain alone, such as acme.example, without https:// or an address.".into());
        }
        if !s.is_ascii() {
            return Err("Enter the domain in its ASCII form (the xn-- spelling of an international name).".into());
        }
        if s.len() > 253 {
            return Err("A domain is at most 253 characters.".into());
        }
        let labels: Vec<&str> = s.split('.').collect();
        if labels.len() < 2 {
            return Err("Enter a full domain with a dot, such as acme.example.".into());
        }
        for label in &labels {
            let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
            if label.is_empty() || label.len() > 63 || !label.chars().all(allowed) {
                return Err("Each part of a domain is 1 to 63 letters, digits or hyphens.".into());
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err("A part of a domain cannot start or end with a hyphen.".into());
            }
        }
        if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
            return Err("Enter a domain name, not an IP address.".into());
        }
        Ok(Self(s))
    }

    /// A name read back from the database, which only ever holds parsed ones.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of the TXT record to publish.
    pub fn challenge_name(&self) -> String {
        format!("{CHALLENGE_LABEL}.{}", self.0)
    }
}

/// The domain of an email address, lower-cased; None when it has no `@`.
pub fn domain_of(email: &str) -> Option<String> {
    let (_, domain) = email.rsplit_once('@')?;
    (!domain.is_empty()).then(|| domain.trim_end_matches('.').to_ascii_lowercase())
}

/// The value to publish, fresh for each claim.
pub fn new_challenge() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("orgportal-verification={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether the TXT strings found at the challenge name hold the value. A
/// record split into several strings (over 255 bytes) is joined first.
pub fn proves(found: &[String], challenge: &str) -> bool {
    found.iter().any(|txt| txt.trim() == challenge)
}

/// What people with a verified address at the domain may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinPolicy {
    /// Nothing: invitations only.
    None,
    /// They see the organization and ask to join; an admin approves.
    Suggest,
    /// They see the organization and join at once with the chosen role.
    Automatic,
}

impl JoinPolicy {
    pub const ALL: [JoinPolicy; 3] = [JoinPolicy::None, JoinPolicy::Suggest, JoinPolicy::Automatic];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.stored() == s)
    }

    pub fn stored(self) -> &'static str {
        match self {
            JoinPolicy::None => "none",
            JoinPolicy::Suggest => "suggest",
            JoinPolicy::Automatic => "automatic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JoinPolicy::None => "Invitations only",
            JoinPolicy::Suggest => "Suggest: people ask to join and an admin approves",
            JoinPolicy::Automatic => "Automatic: people join at once",
        }
    }
}

/// What a re-check of a verified domain leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recheck {
    /// The record is there: any failing streak ends.
    Passed,
    /// Missing, but not yet for `GRACE`: the streak starts or goes on.
    Failing { since: PrimitiveDateTime },
    /// Missing at `FAILED_CHECKS` daily checks in a row: back to
    /// unverified, admins told.
    Lapsed,
}

/// The outcome of a daily re-check, from whether it found the record and
/// when the current failing streak began.
pub fn recheck(found: bool, failing_since: Option<PrimitiveDateTime>, now: PrimitiveDateTime) -> Recheck {
    match (found, failing_since) {
        (true, _) => Recheck::Passed,
        (false, Some(since)) if now - since >= GRACE => Recheck::Lapsed,
        (false, Some(since)) => Recheck::Failing { since },
        (false, None) => Recheck::Failing { since: now },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_domains() {
        assert_eq!(DomainName::parse(" Acme.Example. ").unwrap().as_str(), "acme.example");
        assert_eq!(DomainName::parse("mail.acme-corp.co.uk").unwrap().as_str(), "mail.acme-corp.co.uk");
        for bad in [
            "",
            "acme",
            "https://acme.example",
            "a@acme.example",
            "-acme.example",
            "acme-.example",
            "ac me.example",
            "acme..example",
            "10.0.0.1",
            "äcme.example",
            "ac\u{1}me.example",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad} was accepted");
        }
        assert!(DomainName::parse(&format!("{}.example", "a".repeat(64))).is_err());
        assert_eq!(DomainName::parse("acme.example").unwrap().challenge_name(), "_orgportal-challenge.acme.example");
    }

    #[test]
    fn finds_the_domain_of_an_address() {
        assert_eq!(domain_of("Ann@ACME.example").as_deref(), Some("acme.example"));
        assert_eq!(domain_of("no-at-sign"), None);
        assert_eq!(domain_of("trailing@"), None);
    }

    #[test]
    fn a_challenge_is_proved_by_its_exact_value() {
        let c = new_challenge();
        assert!(c.starts_with("orgportal-verification=") && c.len() > 40);
        assert_ne!(c, new_challenge());
        assert!(proves(&["v=spf1 -all".into(), format!(" {c} ")], &c));
        assert!(!proves(&[format!("{c}x")], &c));
        assert!(!proves(&[], &c));
    }

    #[test]
    fn a_domain_lapses_at_the_seventh_failed_daily_check() {
        let day0 = datetime!(2026-12-01 03:00);
        assert_eq!(recheck(true, Some(day0), day0 + Duration::days(6)), Recheck::Passed);
        assert_eq!(recheck(false, None, day0), Recheck::Failing { since: day0 });
        assert_eq!(recheck(false, Some(day0), day0 + Duration::days(5)), Recheck::Failing { since: day0 });
        // The seventh failed check in a row (six days after the first).
        assert_eq!(recheck(false, Some(day0), day0 + Duration::days(6)), Recheck::Lapsed);
    }

    #[test]
    fn join_policies_round_trip() {
        for p in JoinPolicy::ALL {
            assert_eq!(JoinPolicy::parse(p.stored()), Some(p));
        }
        assert_eq!(JoinPolicy::parse("always"), None);
    }
}
