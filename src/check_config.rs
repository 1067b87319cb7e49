//! `orgportal check-config`: the settings in force (secrets hidden) and the
//! checks start-up would make, without starting, migrating or writing.

use std::net::SocketAddr;

use crate::config::Settings;
use crate::db::{self, ConnectionManager};

/// One check: what was checked, and what was found (Err: a problem).
pub struct Check {
    pub what: &'static str,
    pub found: Result<String, String>,
}

/// The checks, each independent of the others' results.
pub fn run(settings: &Settings) -> Vec<Check> {
    vec![
        Check { what: "roles", found: roles(settings) },
        Check { what: "mail", found: mail(settings) },
        Check { what: "sign-in", found: sign_in(settings) },
        Check { what: "database", found: database(settings) },
        Check { what: "payments", found: Ok(payments(settings)) },
    ]
}

/// Which payment-methods mode is on; the keys were checked when read.
fn payments(settings: &Settings) -> String {
    match &settings.payments {
        None => "managed by the platform (no ORGPORTAL_STRIPE_SECRET_KEY)".into(),
        Some(p) => {
            let mode = if p.secret_key.expose().starts_with("sk_live_") { "live" } else { "test" };
            let webhooks =
                if p.webhook_secret.is_some() { "webhooks checked" } else { "no webhook secret: webhooks refused" };
            format!("Stripe ({mode} keys) at {}, {webhooks}", p.api_base)
        }
    }
}

fn roles(settings: &Settings) -> Result<String, String> {
    let catalog = crate::startup::load_catalog(settings).map_err(|e| format!("{e:#}"))?;
    let source = match &settings.roles_file {
        Some(path) => path.display().to_string(),
        None => "built in".into(),
    };
    Ok(format!("{} roles ({source})", catalog.roles().len()))
}

fn mail(settings: &Settings) -> Result<String, String> {
    settings
        .mail_from
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| format!("ORGPORTAL_MAIL_FROM: not a mail address: {e}"))?;
    match &settings.smtp_url {
        Some(url) => {
            crate::mail::transport::Transport::smtp(url.expose(), settings.smtp_ca_file.as_deref())
                .map_err(|e| format!("{e:#}"))?;
            Ok("SMTP (not contacted)".into())
        }
        None => Ok(format!("written to {}", settings.data_dir.join("mail").display())),
    }
}

fn sign_in(settings: &Settings) -> Result<String, String> {
    if !settings.uses_dev_sign_in() {
        return Ok("OAuth / OpenID Connect providers".into());
    }
    let public = settings.bind.parse::<SocketAddr>().map(|a| !a.ip().is_loopback()).unwrap_or(true);
    if public && !settings.allow_dev_sign_in {
        return Err(format!(
            "ORGPORTAL_BIND: {} is not a loopback address, and the development sign-in (on because no \
             provider is configured) lets anyone sign in as anyone; configure a provider or set \
             ORGPORTAL_ALLOW_DEV_SIGN_IN=true",
            settings.bind
        ));
    }
    Ok("development sign-in (anyone can sign in as anyone)".into())
}

fn database(settings: &Settings) -> Result<String, String> {
    let url = settings.database_url();
    let manager = ConnectionManager::new(&url).map_err(|e| format!("ORGPORTAL_DATABASE_URL: {e}"))?;
    if let Some(path) = manager.sqlite_path() {
        return Ok(match path.exists() {
            true => format!("SQLite, {}", path.display()),
            false => format!("SQLite, {} (created at start-up)", path.display()),
        });
    }
    let mut conn = db::connect_one(&url).map_err(|e| format!("ORGPORTAL_DATABASE_URL: {e}"))?;
    if !db::ping(&mut conn) {
        return Err("ORGPORTAL_DATABASE_URL: the database does not answer".into());
    }
    Ok("PostgreSQL, reachable".into())
}
