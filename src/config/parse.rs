//! How each kind of setting is read from its text: durations, booleans, the
//! base URL, the session key, client id and secret pairs.

use std::time::Duration;

use base64::Engine;
use url::Url;

use super::{bad, ClientCredentials, Secret, SettingError};

pub(super) fn pair(
    id: Option<String>,
    secret: Option<String>,
    prefix: &str,
) -> Result<Option<ClientCredentials>, SettingError> {
    let id = id.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let secret = secret.filter(|v| !v.trim().is_empty());
    match (id, secret) {
        (Some(client_id), Some(secret)) => {
            Ok(Some(ClientCredentials { client_id, client_secret: Secret::new(secret.trim()) }))
        }
        (None, None) => Ok(None),
        (Some(_), None) => Err(bad(&format!("{prefix}_client_secret"), "required when the client id is set")),
        (None, Some(_)) => Err(bad(&format!("{prefix}_client_id"), "required when the client secret is set")),
    }
}

/// `7d`, `12h`, `30m`, `45s` or `250ms`.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("expected a duration such as 7d, 12h or 30m, got `{v}`"))?;
    let secs = match unit {
        "d" => n * 86_400,
        "h" => n * 3_600,
        "m" => n * 60,
        "s" | "" => n,
        "ms" => return nonzero(Duration::from_millis(n)),
        _ => return Err(format!("unknown unit `{unit}` in `{v}`: use d, h, m, s or ms")),
    };
    nonzero(Duration::from_secs(secs))
}

fn nonzero(d: Duration) -> Result<Duration, String> {
    if d.is_zero() {
        Err("the duration must be more than zero".into())
    } else {
        Ok(d)
    }
}

pub(super) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

pub(super) fn parse_base_url(v: &str) -> Result<Url, SettingError> {
    let url = Url::parse(v).map_err(|e| bad("base_url", e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("base_url", "must start with http:// or https://"));
    }
    Ok(url)
}

pub fn parse_session_key(v: &str) -> Result<Vec<u8>, SettingError> {
    let key = base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| bad("session_key", "must be base64"))?;
    if key.len() < 64 {
        return Err(bad("session_key", "must decode to at least 64 bytes"));
    }
    Ok(key)
}

/// A secrets key (ORGPORTAL_SECRETS_KEY, ..._PREVIOUS): base64 of 32 bytes.
pub fn parse_secrets_key(name: &str, v: &str) -> Result<Vec<u8>, SettingError> {
    let key = base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| bad(name, "must be base64"))?;
    if key.len() != crate::domain::sealed::KEY_LEN {
        return Err(bad(name, "must decode to 32 bytes (head -c 32 /dev/urandom | base64)"));
    }
    Ok(key)
}
