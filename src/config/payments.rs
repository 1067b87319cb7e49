//! The payment provider's settings (ORGPORTAL_STRIPE_*): without a secret
//! key the Payment methods page says the platform manages payment methods.

use url::Url;

use super::{bad, Secret, SettingError};

/// Stripe's own API and script; tests and e2e point these at a stand-in.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";
pub const STRIPE_JS_URL: &str = "https://js.stripe.com/v3/";

#[derive(Debug, Clone)]
pub struct PaymentSettings {
    pub secret_key: Secret,
    /// Given to the browser for the provider's hosted card fields.
    pub publishable_key: String,
    /// Checks the signature of `/webhooks/stripe`; None: webhooks are refused.
    pub webhook_secret: Option<Secret>,
    pub api_base: Url,
    pub js_url: Url,
}

impl PaymentSettings {
    /// The origin (`scheme://host[:port]`) of a URL, for the Content-Security-Policy.
    pub fn origin(url: &Url) -> String {
        url.origin().ascii_serialization()
    }
}

/// The raw values as written; every one trimmed and empty as unset.
pub(super) struct RawPayments {
    pub secret_key: Option<String>,
    pub publishable_key: Option<String>,
    pub webhook_secret: Option<String>,
    pub api_base: Option<String>,
    pub js_url: Option<String>,
}

fn http_url(name: &str, v: &str) -> Result<Url, SettingError> {
    let url = Url::parse(v).map_err(|e| bad(name, e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(name, "must be an http(s) address"));
    }
    Ok(url)
}

pub(super) fn parse(raw: RawPayments) -> Result<Option<PaymentSettings>, SettingError> {
    let (secret_key, publishable_key) = match (raw.secret_key, raw.publishable_key) {
        (Some(s), Some(p)) => (s, p),
        (None, None) => {
            for (name, v) in [
                ("stripe_webhook_secret", &raw.webhook_secret),
                ("stripe_api_base", &raw.api_base),
                ("stripe_js_url", &raw.js_url),
            ] {
                if v.is_some() {
                    return Err(bad(name, "only used with ORGPORTAL_STRIPE_SECRET_KEY"));
                }
            }
            return Ok(None);
        }
        (Some(_), None) => return Err(bad("stripe_publishable_key", "required with ORGPORTAL_STRIPE_SECRET_KEY")),
        (None, Some(_)) => return Err(bad("stripe_secret_key", "required with ORGPORTAL_STRIPE_PUBLISHABLE_KEY")),
    };
    if !secret_key.starts_with("sk_") {
        return Err(bad("stripe_secret_key", "a secret key starts with sk_"));
    }
    if !publishable_key.starts_with("pk_") {
        return Err(bad("stripe_publishable_key", "a publishable key starts with pk_"));
    }
    Ok(Some(PaymentSettings {
        secret_key: Secret::new(secret_key),
        publishable_key,
        webhook_secret: raw.webhook_secret.map(Secret::new),
        api_base: http_url("stripe_api_base", raw.api_base.as_deref().unwrap_or(STRIPE_API_BASE))?,
        js_url: http_url("stripe_js_url", raw.js_url.as_deref().unwrap_or(STRIPE_JS_URL))?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(secret: Option<&str>, publishable: Option<&str>) -> RawPayments {
        RawPayments {
            secret_key: secret.map(Into::into),
            publishable_key: publishable.map(Into::into),
            webhook_secret: None,
            api_base: None,
            js_url: None,
        }
    }

    #[test]
    fn keys_go_together_and_default_to_stripe() {
        assert!(parse(raw(None, None)).unwrap().is_none());
        let p = parse(raw(Some("sk_test_1"), Some("pk_test_1"))).unwrap().unwrap();
        assert_eq!(p.api_base.as_str(), "https://api.stripe.com/");
        assert_eq!(PaymentSettings::origin(&p.js_url), "https://js.stripe.com");
        assert_eq!(parse(raw(Some("sk_test_1"), None)).unwrap_err().name, "ORGPORTAL_STRIPE_PUBLISHABLE_KEY");
        assert_eq!(parse(raw(None, Some("pk_1"))).unwrap_err().name, "ORGPORTAL_STRIPE_SECRET_KEY");
        assert_eq!(parse(raw(Some("pk_1"), Some("pk_1"))).unwrap_err().name, "ORGPORTAL_STRIPE_SECRET_KEY");
        let mut stray = raw(None, None);
        stray.api_base = Some("http://127.0.0.1:9".into());
        assert_eq!(parse(stray).unwrap_err().name, "ORGPORTAL_STRIPE_API_BASE");
        let mut local = raw(Some("sk_test_1"), Some("pk_test_1"));
        local.api_base = Some("ftp://x".into());
        assert_eq!(parse(local).unwrap_err().name, "ORGPORTAL_STRIPE_API_BASE");
    }
}
