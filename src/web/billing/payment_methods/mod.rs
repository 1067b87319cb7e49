//! Billing → Payment methods: the organization's cards as the payment
//! provider reports them, adding one through the provider's hosted card
//! fields (the card number goes from the browser to the provider, never
//! here), making one the default, removing one. `billing.view` sees the
//! list, `billing.manage` changes it; without provider keys the page says
//! the platform manages payment methods.

//!
//! This file: the list and what the add and change pages share (the
//! provider, its failures, the mail); add.rs adds a card, change.rs makes
//! one the default or removes it.

pub mod add;
pub mod change;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::config::{PaymentSettings, Secret};
use crate::db;
use crate::domain::payment_method::Card;
use crate::domain::Permission;
use crate::error::AppError;
use crate::mail::payment_mail::PaymentMethodMail;
use crate::payments::stripe::{ProviderError, Stripe};
use crate::store::billing::payment_methods::{self, Customer, Stored};
use crate::store::outbox::OutgoingMail;
use crate::web::extract::OrgMember;
use crate::web::layout::{render_with, Layout};
use crate::web::AppState;

/// The provider, when its keys are configured.
pub struct Payments {
    pub stripe: Stripe,
    pub publishable_key: String,
    pub js_url: String,
    /// Origins the add page's Content-Security-Policy allows.
    js_origin: String,
    api_origin: String,
    pub webhook_secret: Option<Secret>,
}

impl Payments {
    pub fn new(http: reqwest::Client, settings: &PaymentSettings) -> Arc<Self> {
        Arc::new(Self {
            stripe: Stripe::new(http, settings),
            publishable_key: settings.publishable_key.clone(),
            js_url: settings.js_url.to_string(),
            js_origin: PaymentSettings::origin(&settings.js_url),
            api_origin: PaymentSettings::origin(&settings.api_base),
            webhook_secret: settings.webhook_secret.clone(),
        })
    }

    /// The add page's policy: the provider's script, its card frame, its API.
    fn content_security_policy(&self) -> String {
        let frames = if self.js_origin == "https://js.stripe.com" {
            format!("{} https://hooks.stripe.com", self.js_origin)
        } else {
            self.js_origin.clone()
        };
        format!(
            "default-src 'self'; script-src 'self' {js}; style-src 'self'; img-src 'self' data:; \
             frame-src {frames}; connect-src 'self' {api} {js}; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'",
            js = self.js_origin,
            api = self.api_origin,
        )
    }
}

pub struct MethodItem {
    pub id: String,
    pub description: String,
    pub expiry: String,
    pub expired: bool,
    pub is_default: bool,
}

fn items(stored: &[Stored], today: time::Date) -> Vec<MethodItem> {
    stored
        .iter()
        .map(|s| MethodItem {
            id: s.card.id.clone(),
            description: s.card.describe(),
            expiry: s.card.expiry(),
            expired: s.card.is_expired(today),
            is_default: s.is_default,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "billing_payment_methods.html")]
pub struct MethodsPage {
    pub layout: Layout,
    pub base: String,
    pub configured: bool,
    pub has_details: bool,
    pub methods: Vec<MethodItem>,
    pub can_manage: bool,
    /// The provider could not be asked: the list is the one last kept.
    pub stale: bool,
    pub error: Option<String>,
    pub staff: bool,
}

impl MethodsPage {
    /// The page as kept: `customer` is None without billing details.
    pub fn kept(
        layout: Layout,
        base: String,
        state: &AppState,
        customer: Option<&Customer>,
        stored: &[Stored],
    ) -> Self {
        MethodsPage {
            layout,
            base,
            configured: state.payments.is_some(),
            has_details: customer.is_some(),
            methods: items(stored, state.clock.now().date()),
            can_manage: false,
            stale: false,
            error: None,
            staff: false,
        }
    }
}

/// An organization's page; with `refresh`, the provider is asked first
/// (the kept list, marked stale, when it does not answer).
async fn methods_page(member: &OrgMember, state: &AppState, refresh: bool) -> Result<MethodsPage, AppError> {
    let org_id = member.org_id().to_string();
    let id = org_id.clone();
    let customer =
        db::run(&state.pool, move |conn| payment_methods::customer(conn, &id).map_err(AppError::from)).await?;
    let mut stale = false;
    if let (true, Some(payments), Some(Customer { provider_id: Some(c), .. })) =
        (refresh, state.payments.as_deref(), &customer)
    {
        if let Err(e) = sync_now(state, payments, &org_id, c).await {
            tracing::warn!(error = %e, "payment methods not refreshed");
            stale = true;
        }
    }
    let stored = db::run(&state.pool, move |conn| payment_methods::list(conn, &org_id).map_err(AppError::from)).await?;
    let layout = member.layout("Payment methods", "payment-methods");
    let mut page = MethodsPage::kept(layout, base(member), state, customer.as_ref(), &stored);
    page.can_manage = member.can(Permission::BillingManage);
    page.stale = stale;
    Ok(page)
}

/// The organization's Billing pages; the templates add `/payment-methods`.
fn base(member: &OrgMember) -> String {
    format!("/orgs/{}/billing", member.view.org.slug)
}

/// Where a change returns to: the list.
fn list_url(member: &OrgMember) -> String {
    format!("{}/payment-methods", base(member))
}

#[get("/billing/payment-methods")]
pub async fn list(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingView)?;
    render_with(StatusCode::OK, &methods_page(&member, &state, true).await?)
}

/// The provider and, for a change, the right to make it.
fn provider<'s>(member: &OrgMember, state: &'s AppState) -> Result<&'s Payments, AppError> {
    member.require(Permission::BillingManage)?;
    state.payments.as_deref().ok_or(AppError::NotFound)
}

/// The page's own answer to a provider that failed: the list with the reason.
async fn refused(member: &OrgMember, state: &AppState, e: ProviderError) -> Result<HttpResponse, AppError> {
    tracing::warn!(error = %e, "payment provider call failed");
    let status = match &e {
        ProviderError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // The provider just failed: the list as kept, without asking it again.
    let mut page = methods_page(member, state, false).await?;
    page.stale = matches!(e, ProviderError::Unreachable(_));
    page.error = Some(e.for_person());
    let mut response = render_with(status, &page)?;
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from_static("30"));
    }
    Ok(response)
}

/// The billing contact's mail about a change; `by` says who made it.
fn method_mail(state: &AppState, customer: &Customer, card: &Card, added: bool, by: String) -> Option<OutgoingMail> {
    let m = PaymentMethodMail {
        to: customer.contact_email.clone(),
        contact_name: customer.contact_name.clone(),
        org_name: customer.org_name.clone(),
        method: card.describe(),
        added,
        by,
        link: state.url(&format!("/orgs/{}/billing/payment-methods", customer.org_slug)),
    };
    m.render().map_err(|e| tracing::error!(error = %e, "payment mail not rendered")).ok()
}

fn mail(state: &AppState, member: &OrgMember, customer: &Customer, card: &Card, added: bool) -> Option<OutgoingMail> {
    let by = format!("{} by {}.", if added { "Added" } else { "Removed" }, member.current.user.name);
    method_mail(state, customer, card, added, by)
}

/// The mail about a change the provider reported (made elsewhere).
pub fn provider_mail(state: &AppState, customer: &Customer, card: &Card, added: bool) -> Option<OutgoingMail> {
    method_mail(state, customer, card, added, "Reported by the payment provider.".into())
}

/// Reads the provider's list into the kept one; what appeared and what went.
pub async fn sync_now(
    state: &AppState,
    payments: &Payments,
    org_id: &str,
    customer: &str,
) -> Result<(Vec<Card>, Vec<Card>), ProviderError> {
    let cards = payments.stripe.cards(customer).await?;
    let default = payments.stripe.default_method(customer).await?;
    let (org_id, now) = (org_id.to_string(), state.clock.now());
    db::run(&state.pool, move |conn| {
        payment_methods::sync(conn, &org_id, &cards, default.as_deref(), now).map_err(AppError::from)
    })
    .await
    .map_err(|e| ProviderError::Refused(format!("keeping the list: {e}")))
}
