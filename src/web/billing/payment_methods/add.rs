//! Adding a card: a setup intent for the organization's customer (created
//! on first use), the provider's card fields, then the portal's check that
//! the provider confirmed it for this customer.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{base, list_url, mail, provider, refused, sync_now};
use crate::db;
use crate::error::AppError;
use crate::payments::stripe::ProviderError;
use crate::store::billing::payment_methods::{self, Change};
use crate::web::client::client_ip;
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

#[derive(Template)]
#[template(path = "billing_payment_method_add.html")]
pub struct AddPage {
    pub layout: Layout,
    pub base: String,
    pub js_url: String,
    pub publishable_key: String,
    pub client_secret: String,
    pub setup_intent: String,
}

/// Add a payment method: the customer is created on first use, then a setup
/// intent; the page mounts the provider's card fields for it.
#[post("/billing/payment-methods/new")]
pub async fn add(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let payments = provider(&member, &state)?;
    let org_id = member.org_id().to_string();
    let id = org_id.clone();
    let Some(customer) =
        db::run(&state.pool, move |conn| payment_methods::customer(conn, &id).map_err(AppError::from)).await?
    else {
        return Err(AppError::BadRequest(
            "Add the billing details first: the payment provider needs the billing contact.".into(),
        ));
    };
    let customer_id = match customer.provider_id {
        Some(id) => id,
        None => {
            let created = payments.stripe.create_customer(&customer.contact_email, &customer.legal_name, &org_id).await;
            let id = match created {
                Ok(id) => id,
                Err(e) => return refused(&member, &state, e).await,
            };
            let (org, keep) = (org_id.clone(), id.clone());
            db::run(&state.pool, move |conn| payment_methods::set_customer(conn, &org, &keep).map_err(AppError::from))
                .await?;
            id
        }
    };
    let intent = match payments.stripe.create_setup_intent(&customer_id).await {
        Ok(intent) => intent,
        Err(e) => return refused(&member, &state, e).await,
    };
    let page = AddPage {
        layout: member.layout("Add a payment method", "payment-methods"),
        base: base(&member),
        js_url: payments.js_url.clone(),
        publishable_key: payments.publishable_key.clone(),
        client_secret: intent.client_secret,
        setup_intent: intent.id,
    };
    let mut response = render_with(StatusCode::OK, &page)?;
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_str(&payments.content_security_policy())
            .map_err(AppError::internal)?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    setup_intent: String,
}

impl FormFields for ConfirmForm {}

/// The browser's answer after the provider's fields confirmed the setup
/// intent: the portal checks with the provider that it succeeded for this
/// organization's customer before it lists the card.
#[post("/billing/payment-methods/confirm")]
pub async fn confirm(
    req: HttpRequest,
    member: OrgMember,
    form: Form<ConfirmForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let payments = provider(&member, &state)?;
    let org_id = member.org_id().to_string();
    let id = org_id.clone();
    let customer = db::run(&state.pool, move |conn| payment_methods::customer(conn, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    let customer_id = customer.provider_id.clone().ok_or(AppError::NotFound)?;
    let intent = match payments.stripe.setup_intent(form.setup_intent.trim()).await {
        Ok(intent) => intent,
        Err(ProviderError::Refused(_)) => return Err(AppError::NotFound),
        Err(e) => return refused(&member, &state, e).await,
    };
    if intent.customer.as_deref() != Some(customer_id.as_str()) {
        return Err(AppError::NotFound);
    }
    let Some(method) = intent.payment_method.filter(|_| intent.status == "succeeded") else {
        return Err(AppError::BadRequest(
            "The card was not confirmed with the payment provider. Try adding it again.".into(),
        ));
    };
    let card = match payments.stripe.method(&method).await {
        Ok(Some(m)) => {
            if m.customer.as_deref() != Some(customer_id.as_str()) {
                if let Err(e) = payments.stripe.attach(&method, &customer_id).await {
                    return refused(&member, &state, e).await;
                }
            }
            m.card
        }
        Ok(None) => return Err(AppError::BadRequest("Only cards can be added here.".into())),
        Err(e) => return refused(&member, &state, e).await,
    };
    // The first card pays: with no default yet, the new one becomes it.
    match payments.stripe.default_method(&customer_id).await {
        Ok(None) => {
            if let Err(e) = payments.stripe.set_default(&customer_id, &card.id).await {
                return refused(&member, &state, e).await;
            }
        }
        Ok(Some(_)) => {}
        Err(e) => return refused(&member, &state, e).await,
    }
    if let Err(e) = sync_now(&state, payments, &org_id, &customer_id).await {
        return refused(&member, &state, e).await;
    }
    // Recorded once: a reload of the confirmation, or the provider's webhook
    // about the same card arriving first, adds nothing more.
    let mail = mail(&state, &member, &customer, &card, true);
    let (actor, ip, now) = (member.current.user.id.clone(), client_ip(&req), state.clock.now());
    let key = format!("added:{}", card.id);
    db::run(&state.pool, move |conn| {
        let action = "billing.payment_method_add";
        let change =
            Change { org_id: &org_id, actor_id: Some(&actor), ip: &ip, action, card: &card, details: "", mail, now };
        payment_methods::record_once(conn, &key, &change).map_err(AppError::from)
    })
    .await?;
    flash(&session, "Payment method added.");
    Ok(see_other(&list_url(&member)))
}
