//! Organization -> Webhooks (`webhooks.manage`): the endpoints ([`list`]:
//! add one, its secret shown once), one endpoint's page ([`endpoint`]:
//! change, turn off and on, rotate the secret, send a test ping, delete)
//! with its deliveries ([`deliveries`]: the last 100, older pages by
//! keyset, Redeliver). Here: the endpoint form both pages share.

pub mod deliveries;
pub mod endpoint;
pub mod list;

use serde::Deserialize;

use crate::domain::webhook::endpoint_url::EndpointUrl;
use crate::domain::webhook::events::{Subscription, EVENT_TYPES};
use crate::domain::webhook::{description, signature::SigningSecret};
use crate::store::webhooks::endpoints::EndpointFields;
use crate::web::input::FormFields;

/// The endpoint form's fields in order: `url`, `description`, `events`
/// ("all" or "chosen"), `event` (one per box ticked), `enabled`.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct EndpointForm(pub Vec<(String, String)>);

impl FormFields for EndpointForm {
    const TYPED: &'static [&'static str] = &["url", "description"];
}

/// What the form shows: typed values, or an endpoint's.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub url: String,
    pub description: String,
    pub all: bool,
    pub chosen: Vec<String>,
    pub enabled: bool,
}

impl Typed {
    pub fn new_endpoint() -> Typed {
        Typed { all: true, enabled: true, ..Typed::default() }
    }

    pub fn from_form(form: &EndpointForm) -> Typed {
        let value = |k: &str| form.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        Typed {
            url: value("url"),
            description: value("description"),
            all: value("events") != "chosen",
            chosen: form.0.iter().filter(|(n, _)| n == "event").map(|(_, v)| v.clone()).collect(),
            enabled: form.0.iter().any(|(n, v)| n == "enabled" && v == "on"),
        }
    }

    pub fn from_stored(url: &str, description: &str, event_types: &str, enabled: bool) -> Typed {
        let (all, chosen) = match Subscription::from_stored(event_types) {
            Subscription::All => (true, Vec::new()),
            Subscription::Chosen(types) => (false, types),
        };
        Typed { url: url.into(), description: description.into(), all, chosen, enabled }
    }
}

/// One event type's box.
pub struct EventChoice {
    pub key: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub fn event_choices(typed: &Typed) -> Vec<EventChoice> {
    EVENT_TYPES
        .iter()
        .map(|(key, label)| EventChoice { key, label, checked: typed.chosen.iter().any(|c| c == key) })
        .collect()
}

/// The messages next to the form's fields.
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<String>,
}

impl FieldErrors {
    pub fn any(&self) -> bool {
        self.url.is_some() || self.description.is_some() || self.events.is_some()
    }
}

/// The form checked: the URL by its rules and then by where its name
/// resolves now (checked again at each delivery), the description, the
/// chosen events.
pub async fn check(typed: &Typed, allow_private: bool, enabled: bool) -> Result<EndpointFields, FieldErrors> {
    let mut errors = FieldErrors::default();
    let url = match EndpointUrl::parse(&typed.url, allow_private) {
        Ok(url) => match crate::webhooks::resolve::allowed_addresses(&url, allow_private).await {
            Ok(_) => Some(url),
            Err(refused) => {
                errors.url = Some(refused.to_string());
                None
            }
        },
        Err(e) => {
            errors.url = Some(e.to_string());
            None
        }
    };
    let description = description::parse(&typed.description).map_err(|e| errors.description = Some(e)).ok();
    let events = if typed.all { Ok(Subscription::All) } else { Subscription::chosen(&typed.chosen) };
    let events = events.map_err(|e| errors.events = Some(e)).ok();
    match (url, description, events) {
        (Some(url), Some(description), Some(events)) if !errors.any() => {
            Ok(EndpointFields { url: url.as_str().to_string(), description, event_types: events.stored(), enabled })
        }
        _ => Err(errors),
    }
}

/// A new signing secret, as it is stored and shown once.
pub fn new_secret() -> String {
    SigningSecret::generate().encoded()
}
