//! `POST /webhooks/stripe`: the payment provider tells the portal about a
//! change made elsewhere (its dashboard, another integration). The
//! signature is checked with the webhook secret and stale events refused;
//! each event id is handled once; handling means reading the customer's
//! methods again, so the page is right whatever the event said, and what
//! appeared or went is logged and mailed as reported by the provider.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::db;
use crate::error::AppError;
use crate::payments::webhook::verify;
use crate::store::billing::payment_methods::{self, Change};
use crate::web::billing::payment_methods::{sync_now, Payments};
use crate::web::AppState;

/// The events that can change an organization's methods.
const HANDLED: &[&str] =
    &["setup_intent.succeeded", "payment_method.attached", "payment_method.detached", "customer.updated"];

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: serde_json::Value,
    #[serde(default)]
    previous_attributes: Option<serde_json::Value>,
}

impl Event {
    /// The provider's customer the event is about.
    fn customer(&self) -> Option<String> {
        let text = |v: &serde_json::Value, key: &str| v.get(key).and_then(|c| c.as_str()).map(str::to_string);
        match self.kind.as_str() {
            "customer.updated" => text(&self.data.object, "id"),
            // A detached method's customer is gone from it; the event keeps the old one.
            _ => text(&self.data.object, "customer")
                .or_else(|| self.data.previous_attributes.as_ref().and_then(|p| text(p, "customer"))),
        }
    }
}

fn answer(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

#[post("/webhooks/stripe")]
pub async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    use actix_web::http::StatusCode;
    let Some(payments) = state.payments.as_deref() else { return Err(AppError::NotFound) };
    let Some(secret) = &payments.webhook_secret else { return Err(AppError::NotFound) };
    let header = req.headers().get("Stripe-Signature").and_then(|v| v.to_str().ok());
    let now = state.clock.now().assume_utc().unix_timestamp();
    if let Err(e) = verify(header, &body, secret.expose(), now) {
        tracing::warn!(error = %e, "provider webhook refused");
        return Ok(answer(StatusCode::BAD_REQUEST, &e.to_string()));
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return Ok(answer(StatusCode::BAD_REQUEST, "not an event"));
    };
    let id = event.id.clone();
    if db::run(&state.pool, move |conn| payment_methods::seen(conn, &id).map_err(AppError::from)).await? {
        return Ok(HttpResponse::Ok().json(json!({ "received": true, "repeat": true })));
    }
    if HANDLED.contains(&event.kind.as_str()) {
        if let Some(customer) = event.customer() {
            if let Err(e) = handle(&state, payments, &customer).await {
                // Not marked handled: the provider sends it again later.
                tracing::warn!(error = %e, event = %event.id, "provider webhook not handled yet");
                return Ok(answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the payment provider could not be asked; send it again",
                ));
            }
        }
    }
    let (id, kind, now) = (event.id, event.kind, state.clock.now());
    db::run(&state.pool, move |conn| payment_methods::mark_seen(conn, &id, &kind, now).map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().json(json!({ "received": true })))
}

/// Reads the customer's methods again; what appeared or went is logged.
async fn handle(state: &AppState, payments: &Payments, customer: &str) -> Result<(), String> {
    let provider_id = customer.to_string();
    let org =
        db::run(&state.pool, move |conn| payment_methods::org_of_customer(conn, &provider_id).map_err(AppError::from))
            .await
            .map_err(|e| e.to_string())?;
    let Some(org_id) = org else { return Ok(()) };
    let (new, gone) = sync_now(state, payments, &org_id, customer).await.map_err(|e| e.to_string())?;
    let id = org_id.clone();
    let contact = db::run(&state.pool, move |conn| payment_methods::customer(conn, &id).map_err(AppError::from))
        .await
        .map_err(|e| e.to_string())?;
    let now = state.clock.now();
    for (card, added) in new.into_iter().map(|c| (c, true)).chain(gone.into_iter().map(|c| (c, false))) {
        let mail =
            contact.as_ref().and_then(|c| crate::web::billing::payment_methods::provider_mail(state, c, &card, added));
        let (action, key) = if added {
            ("billing.payment_method_add", format!("added:{}", card.id))
        } else {
            ("billing.payment_method_remove", format!("removed:{}", card.id))
        };
        let org = org_id.clone();
        db::run(&state.pool, move |conn| {
            let details = "reported by the payment provider";
            let change = Change { org_id: &org, actor_id: None, ip: "", action, card: &card, details, mail, now };
            payment_methods::record_once(conn, &key, &change).map_err(AppError::from)
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}
