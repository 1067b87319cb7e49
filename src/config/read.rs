//! Reading the settings: the raw values of the file and the environment,
//! each checked and turned into its setting, or refused by name.

use std::path::PathBuf;

use serde::Deserialize;
use url::Url;

use super::parse::{pair, parse_base_url, parse_bool};
use super::{
    bad, parse_duration, parse_secrets_key, parse_session_key, payments, OidcSettings, Rate, Secret, SettingError,
    Settings,
};

/// A comma-separated list of email addresses, each checked and lower-cased.
fn email_list(v: &str) -> Result<Vec<String>, String> {
    v.split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|e| crate::domain::Email::parse(e).map(|e| e.as_str().to_string()))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Raw {
    bind: Option<String>,
    base_url: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    session_key: Option<String>,
    secrets_key: Option<String>,
    secrets_key_previous: Option<String>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_client_secret: Option<String>,
    github_client_id: Option<String>,
    github_client_secret: Option<String>,
    google_client_id: Option<String>,
    google_client_secret: Option<String>,
    allow_dev_sign_in: Option<String>,
    organizations_per_user: Option<String>,
    workers: Option<String>,
    roles_file: Option<String>,
    invitation_ttl: Option<String>,
    smtp_url: Option<String>,
    smtp_ca_file: Option<String>,
    mail_from: Option<String>,
    mail_retry_base: Option<String>,
    staff_emails: Option<String>,
    staff_provisioners: Option<String>,
    session_idle: Option<String>,
    session_max: Option<String>,
    rate_sign_in: Option<String>,
    rate_invitation_links: Option<String>,
    rate_invitations_sent: Option<String>,
    rate_token_failures: Option<String>,
    rate_api: Option<String>,
    rate_scim: Option<String>,
    trusted_proxies: Option<String>,
    personal_spaces: Option<String>,
    direct_add: Option<String>,
    webhooks_allow_private: Option<String>,
    dns_resolver: Option<String>,
    sso_allow_private: Option<String>,
    metrics_bind: Option<String>,
    stripe_secret_key: Option<String>,
    stripe_publishable_key: Option<String>,
    stripe_webhook_secret: Option<String>,
    stripe_api_base: Option<String>,
    stripe_js_url: Option<String>,
}

impl Settings {
    pub(super) fn from_raw(raw: Raw) -> Result<Self, SettingError> {
        let mut s = Self::defaults();
        let present = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        if let Some(bind) = present(raw.bind) {
            s.bind = bind;
        }
        if let Some(url) = present(raw.base_url) {
            s.base_url = Some(parse_base_url(&url)?);
        }
        if let Some(dir) = present(raw.data_dir) {
            s.data_dir = PathBuf::from(dir);
        }
        if let Some(url) = present(raw.database_url) {
            crate::db::ConnectionManager::new(&url).map_err(|e| bad("database_url", e.to_string()))?;
            s.database_url = Some(Secret::new(url));
        }
        if let Some(key) = present(raw.secrets_key) {
            s.secrets_key = Some(parse_secrets_key("secrets_key", &key)?);
        }
        if let Some(key) = present(raw.secrets_key_previous) {
            s.secrets_key_previous = Some(parse_secrets_key("secrets_key_previous", &key)?);
        }
        if let Some(key) = present(raw.session_key) {
            s.session_key = Some(parse_session_key(&key)?);
        }
        s.oidc = match (present(raw.oidc_issuer), pair(raw.oidc_client_id, raw.oidc_client_secret, "oidc")?) {
            (Some(issuer), Some(credentials)) => {
                let issuer = Url::parse(&issuer).map_err(|e| bad("oidc_issuer", e.to_string()))?;
                Some(OidcSettings { issuer, credentials })
            }
            (None, None) => None,
            (None, Some(_)) => return Err(bad("oidc_issuer", "required when an OIDC client id is set")),
            (Some(_), None) => return Err(bad("oidc_client_id", "required when an OIDC issuer is set")),
        };
        s.github = pair(raw.github_client_id, raw.github_client_secret, "github")?;
        s.google = pair(raw.google_client_id, raw.google_client_secret, "google")?;
        if let Some(v) = present(raw.allow_dev_sign_in) {
            s.allow_dev_sign_in = parse_bool(&v).ok_or_else(|| bad("allow_dev_sign_in", "expected true or false"))?;
        }
        if let Some(v) = present(raw.organizations_per_user) {
            s.organizations_per_user = v.parse().map_err(|e: String| bad("organizations_per_user", e))?;
        }
        if let Some(v) = present(raw.workers) {
            let n = v.parse::<usize>().ok().filter(|n| *n > 0);
            s.workers = Some(n.ok_or_else(|| bad("workers", "expected a positive number"))?);
        }
        if let Some(v) = present(raw.roles_file) {
            s.roles_file = Some(PathBuf::from(v));
        }
        if let Some(v) = present(raw.invitation_ttl) {
            s.invitation_ttl = parse_duration(&v).map_err(|e| bad("invitation_ttl", e))?;
        }
        if let Some(v) = present(raw.smtp_url) {
            let url = Url::parse(&v).map_err(|e| bad("smtp_url", e.to_string()))?;
            if url.scheme() != "smtp" && url.scheme() != "smtps" {
                return Err(bad("smtp_url", "must start with smtp:// or smtps://"));
            }
            s.smtp_url = Some(Secret::new(v));
        }
        if let Some(v) = present(raw.smtp_ca_file) {
            if s.smtp_url.is_none() {
                return Err(bad("smtp_ca_file", "only used with ORGPORTAL_SMTP_URL"));
            }
            s.smtp_ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = present(raw.mail_from) {
            s.mail_from = v;
        }
        if let Some(v) = present(raw.mail_retry_base) {
            s.mail_retry_base = parse_duration(&v).map_err(|e| bad("mail_retry_base", e))?;
        }
        if let Some(v) = present(raw.staff_emails) {
            s.staff_emails = email_list(&v).map_err(|e| bad("staff_emails", e))?;
        }
        if let Some(v) = present(raw.staff_provisioners) {
            s.staff_provisioners = email_list(&v).map_err(|e| bad("staff_provisioners", e))?;
        }
        if let Some(v) = present(raw.session_idle) {
            s.session_idle = parse_duration(&v).map_err(|e| bad("session_idle", e))?;
        }
        if let Some(v) = present(raw.session_max) {
            s.session_max = parse_duration(&v).map_err(|e| bad("session_max", e))?;
        }
        let limits = &mut s.rate_limits;
        for (name, value, slot) in [
            ("rate_sign_in", raw.rate_sign_in, &mut limits.sign_in),
            ("rate_invitation_links", raw.rate_invitation_links, &mut limits.invitation_links),
            ("rate_invitations_sent", raw.rate_invitations_sent, &mut limits.invitations_sent),
            ("rate_token_failures", raw.rate_token_failures, &mut limits.token_failures),
            ("rate_api", raw.rate_api, &mut limits.api),
            ("rate_scim", raw.rate_scim, &mut limits.scim),
        ] {
            if let Some(v) = present(value) {
                *slot = Rate::parse(&v).map_err(|e| bad(name, e))?;
            }
        }
        s.metrics_bind = present(raw.metrics_bind);
        s.payments = payments::parse(payments::RawPayments {
            secret_key: present(raw.stripe_secret_key),
            publishable_key: present(raw.stripe_publishable_key),
            webhook_secret: present(raw.stripe_webhook_secret),
            api_base: present(raw.stripe_api_base),
            js_url: present(raw.stripe_js_url),
        })?;
        if let Some(v) = present(raw.direct_add) {
            s.direct_add = parse_bool(&v).ok_or_else(|| bad("direct_add", "expected true or false"))?;
        }
        if let Some(v) = present(raw.webhooks_allow_private) {
            s.webhooks_allow_private =
                parse_bool(&v).ok_or_else(|| bad("webhooks_allow_private", "expected true or false"))?;
        }
        if let Some(v) = present(raw.sso_allow_private) {
            s.sso_allow_private = parse_bool(&v).ok_or_else(|| bad("sso_allow_private", "expected true or false"))?;
        }
        if let Some(v) = present(raw.dns_resolver) {
            s.dns_resolver =
                Some(v.parse().map_err(|_| bad("dns_resolver", "expected an address and port, such as 127.0.0.1:53"))?);
        }
        if let Some(v) = present(raw.personal_spaces) {
            s.personal_spaces = parse_bool(&v).ok_or_else(|| bad("personal_spaces", "expected true or false"))?;
        }
        if let Some(v) = present(raw.trusted_proxies) {
            s.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().map_err(|_| bad("trusted_proxies", format!("`{p}` is not an IP address"))))
                .collect::<Result<_, _>>()?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn names_the_bad_setting() {
        let raw = Raw { database_url: Some("mysql://x".into()), ..Raw::default() };
        let err = Settings::from_raw(raw).unwrap_err();
        assert_eq!(err.name, "ORGPORTAL_DATABASE_URL");
        let raw = Raw { organizations_per_user: Some("zero".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_ORGANIZATIONS_PER_USER");
        let raw = Raw { github_client_id: Some("id".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_GITHUB_CLIENT_SECRET");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("7 weeks").is_err());
        let raw = Raw { invitation_ttl: Some("soon".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_INVITATION_TTL");
        let raw = Raw { smtp_url: Some("http://mail".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_SMTP_URL");
    }

    #[test]
    fn a_smtp_ca_file_needs_a_relay_that_uses_tls() {
        let raw = Raw { smtp_ca_file: Some("/etc/ca.pem".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_SMTP_CA_FILE");
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let refusal = |url: &str| {
            let e = crate::mail::transport::Transport::smtp(url, Some(&ca)).err().expect("refused");
            format!("{e:#}")
        };
        assert!(refusal("smtp://relay:25").contains("uses no TLS"));
        assert!(refusal("smtp://relay:587?tls=required").contains("cannot read"));
        std::fs::write(&ca, "not a certificate").unwrap();
        assert!(refusal("smtps://relay:465").contains("holds no PEM certificate"));
    }

    #[test]
    fn rates_and_session_lifetimes() {
        assert_eq!(Rate::parse("100/1h").unwrap(), Rate::new(100, Duration::from_secs(3600)));
        assert!(Rate::parse("0/1m").is_err() && Rate::parse("ten/1m").is_err() && Rate::parse("60").is_err());
        let raw = Raw { rate_invitations_sent: Some("many".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_RATE_INVITATIONS_SENT");
        let raw =
            Raw { session_idle: Some("2h".into()), trusted_proxies: Some("10.0.0.1, ::1".into()), ..Raw::default() };
        let s = Settings::from_raw(raw).unwrap();
        assert_eq!(s.session_idle, Duration::from_secs(7200));
        assert_eq!(s.trusted_proxies.len(), 2);
        let raw = Raw { trusted_proxies: Some("proxy.local".into()), ..Raw::default() };
        assert_eq!(Settings::from_raw(raw).unwrap_err().name, "ORGPORTAL_TRUSTED_PROXIES");
    }

    #[test]
    fn secrets_are_not_printed() {
        let raw = Raw {
            google_client_id: Some("id".into()),
            google_client_secret: Some("hunter2".into()),
            database_url: Some("postgres://u:pw-xyz@h/db".into()),
            smtp_url: Some("smtp://u:smtp-pw@h:587".into()),
            ..Raw::default()
        };
        let s = Settings::from_raw(raw).unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("pw-xyz") && !printed.contains("smtp-pw"));
    }
}
