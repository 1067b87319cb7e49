//! The effective settings as `orgportal check-config` prints them: every
//! variable with the value in force (set or default), in the syntax it is
//! written in, secrets hidden.

use std::time::Duration;

use url::Url;

use super::rate::Rate;
use super::{ClientCredentials, Settings};
use crate::domain::OrgLimit;

const HIDDEN: &str = "(set, hidden)";
const NOT_SET: &str = "(not set)";

/// `7d`, `12h`, `30m`, `45s`, `500ms`: the largest unit that divides it.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_millis() != 0 || s == 0 {
        return format!("{}ms", d.as_millis());
    }
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn rate(r: Rate) -> String {
    format!("{}/{}", r.count, duration(r.per))
}

/// A URL with its password replaced (database and SMTP URLs carry one).
fn without_password(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("hidden"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => HIDDEN.to_string(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        NOT_SET.to_string()
    } else {
        items.join(",")
    }
}

fn credentials(c: &Option<ClientCredentials>) -> (String, String) {
    match c {
        Some(c) => (c.client_id.clone(), HIDDEN.to_string()),
        None => (NOT_SET.to_string(), NOT_SET.to_string()),
    }
}

impl Settings {
    /// Each variable's name and its value in force.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let (oidc_id, oidc_secret) = credentials(&self.oidc.as_ref().map(|o| o.credentials.clone()));
        let (github_id, github_secret) = credentials(&self.github);
        let (google_id, google_secret) = credentials(&self.google);
        let or_unset = |v: Option<String>| v.unwrap_or_else(|| NOT_SET.to_string());
        let limits = &self.rate_limits;
        vec![
            ("ORGPORTAL_BIND", self.bind.clone()),
            (
                "ORGPORTAL_BASE_URL",
                match &self.base_url {
                    Some(url) => url.to_string(),
                    None => "(not set: http:// and the bound address)".into(),
                },
            ),
            ("ORGPORTAL_DATA_DIR", self.data_dir.display().to_string()),
            ("ORGPORTAL_DATABASE_URL", without_password(&self.database_url())),
            (
                "ORGPORTAL_SESSION_KEY",
                if self.session_key.is_some() { HIDDEN.into() } else { "(a key file in the data directory)".into() },
            ),
            (
                "ORGPORTAL_SECRETS_KEY",
                if self.secrets_key.is_some() { HIDDEN.into() } else { "(a key file in the data directory)".into() },
            ),
            (
                "ORGPORTAL_SECRETS_KEY_PREVIOUS",
                if self.secrets_key_previous.is_some() { HIDDEN.into() } else { "(not set)".into() },
            ),
            ("ORGPORTAL_OIDC_ISSUER", or_unset(self.oidc.as_ref().map(|o| o.issuer.to_string()))),
            ("ORGPORTAL_OIDC_CLIENT_ID", oidc_id),
            ("ORGPORTAL_OIDC_CLIENT_SECRET", oidc_secret),
            ("ORGPORTAL_GITHUB_CLIENT_ID", github_id),
            ("ORGPORTAL_GITHUB_CLIENT_SECRET", github_secret),
            ("ORGPORTAL_GOOGLE_CLIENT_ID", google_id),
            ("ORGPORTAL_GOOGLE_CLIENT_SECRET", google_secret),
            ("ORGPORTAL_ALLOW_DEV_SIGN_IN", self.allow_dev_sign_in.to_string()),
            (
                "ORGPORTAL_ORGANIZATIONS_PER_USER",
                match self.organizations_per_user {
                    OrgLimit::Unlimited => "unlimited".into(),
                    OrgLimit::AtMost(n) => n.to_string(),
                },
            ),
            ("ORGPORTAL_WORKERS", self.workers.map_or_else(|| "(not set: one per core)".into(), |n| n.to_string())),
            ("ORGPORTAL_ROLES_FILE", or_unset(self.roles_file.as_ref().map(|p| p.display().to_string()))),
            ("ORGPORTAL_INVITATION_TTL", duration(self.invitation_ttl)),
            (
                "ORGPORTAL_SMTP_URL",
                match &self.smtp_url {
                    Some(url) => without_password(url.expose()),
                    None => "(not set: mail is written to the data directory)".into(),
                },
            ),
            ("ORGPORTAL_SMTP_CA_FILE", or_unset(self.smtp_ca_file.as_ref().map(|p| p.display().to_string()))),
            ("ORGPORTAL_MAIL_FROM", self.mail_from.clone()),
            ("ORGPORTAL_MAIL_RETRY_BASE", duration(self.mail_retry_base)),
            ("ORGPORTAL_STAFF_EMAILS", list(&self.staff_emails)),
            ("ORGPORTAL_STAFF_PROVISIONERS", list(&self.staff_provisioners)),
            ("ORGPORTAL_SESSION_IDLE", duration(self.session_idle)),
            ("ORGPORTAL_SESSION_MAX", duration(self.session_max)),
            ("ORGPORTAL_RATE_SIGN_IN", rate(limits.sign_in)),
            ("ORGPORTAL_RATE_INVITATION_LINKS", rate(limits.invitation_links)),
            ("ORGPORTAL_RATE_INVITATIONS_SENT", rate(limits.invitations_sent)),
            ("ORGPORTAL_RATE_TOKEN_FAILURES", rate(limits.token_failures)),
            ("ORGPORTAL_RATE_API", rate(limits.api)),
            ("ORGPORTAL_RATE_SCIM", rate(limits.scim)),
            (
                "ORGPORTAL_TRUSTED_PROXIES",
                list(&self.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>()),
            ),
            ("ORGPORTAL_PERSONAL_SPACES", self.personal_spaces.to_string()),
            ("ORGPORTAL_DIRECT_ADD", self.direct_add.to_string()),
            ("ORGPORTAL_WEBHOOKS_ALLOW_PRIVATE", self.webhooks_allow_private.to_string()),
            ("ORGPORTAL_SSO_ALLOW_PRIVATE", self.sso_allow_private.to_string()),
            (
                "ORGPORTAL_DNS_RESOLVER",
                self.dns_resolver.map(|a| a.to_string()).unwrap_or_else(|| "(not set: the system's resolver)".into()),
            ),
            ("ORGPORTAL_METRICS_BIND", self.metrics_bind.clone().unwrap_or_else(|| "(not set: no /metrics)".into())),
            (
                "ORGPORTAL_STRIPE_SECRET_KEY",
                match &self.payments {
                    Some(_) => HIDDEN.into(),
                    None => "(not set: payment methods are managed by the platform)".into(),
                },
            ),
            ("ORGPORTAL_STRIPE_PUBLISHABLE_KEY", or_unset(self.payments.as_ref().map(|p| p.publishable_key.clone()))),
            (
                "ORGPORTAL_STRIPE_WEBHOOK_SECRET",
                or_unset(self.payments.as_ref().and_then(|p| p.webhook_secret.as_ref()).map(|_| HIDDEN.to_string())),
            ),
            ("ORGPORTAL_STRIPE_API_BASE", or_unset(self.payments.as_ref().map(|p| p.api_base.to_string()))),
            ("ORGPORTAL_STRIPE_JS_URL", or_unset(self.payments.as_ref().map(|p| p.js_url.to_string()))),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_they_are_written() {
        assert_eq!(duration(Duration::from_secs(7 * 86_400)), "7d");
        assert_eq!(duration(Duration::from_secs(90 * 60)), "90m");
        assert_eq!(duration(Duration::from_secs(45)), "45s");
        assert_eq!(duration(Duration::from_millis(1500)), "1500ms");
        for d in ["7d", "12h", "30m", "45s", "250ms"] {
            assert_eq!(duration(super::super::parse_duration(d).unwrap()), d);
        }
    }

    #[test]
    fn secrets_never_show() {
        let mut s = Settings::defaults();
        s.database_url = Some(super::super::Secret::new("postgres://app:s3cret@db:5432/portal"));
        s.smtp_url = Some(super::super::Secret::new("smtp://mailer:pa55@relay:587"));
        s.github = Some(ClientCredentials {
            client_id: "gh-id".into(),
            client_secret: super::super::Secret::new("gh-secret"),
        });
        s.session_key = Some(vec![7; 64]);
        let all: String = s.describe().iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        for secret in ["s3cret", "pa55", "gh-secret"] {
            assert!(!all.contains(secret), "{secret} shown:\n{all}");
        }
        assert!(all.contains("ORGPORTAL_DATABASE_URL=postgres://app:hidden@db:5432/portal"), "{all}");
        assert!(all.contains("ORGPORTAL_GITHUB_CLIENT_ID=gh-id"));
        assert!(all.contains("ORGPORTAL_SESSION_KEY=(set, hidden)"));
    }
}
