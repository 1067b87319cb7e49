//! Changing the list: making a card the default, removing one (after a
//! confirmation; the default goes only when it is the last).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;

use super::{base, items, list_url, mail, provider, refused, sync_now, MethodItem};
use crate::db;
use crate::domain::payment_method::removal_refused;
use crate::error::AppError;
use crate::store::billing::payment_methods::{self, Change, Customer, Stored};
use crate::web::client::client_ip;
use crate::web::extract::{flash, OrgMember};
use crate::web::layout::{render_with, Layout};
use crate::web::{see_other, AppState};

/// The organization's customer and the kept method `id` (404 when it is not theirs).
async fn owned(state: &AppState, org_id: &str, id: &str) -> Result<(Customer, String, Stored, usize), AppError> {
    let (org, method) = (org_id.to_string(), id.to_string());
    db::run(&state.pool, move |conn| {
        let customer = payment_methods::customer(conn, &org)?.ok_or(AppError::NotFound)?;
        let provider_id = customer.provider_id.clone().ok_or(AppError::NotFound)?;
        let all = payment_methods::list(conn, &org)?;
        let stored = all.iter().find(|s| s.card.id == method).cloned().ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((customer, provider_id, stored, all.len() - 1))
    })
    .await
}

#[post("/billing/payment-methods/{id}/default")]
pub async fn make_default(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let payments = provider(&member, &state)?;
    let org_id = member.org_id().to_string();
    let (_, customer_id, stored, _) = owned(&state, &org_id, &path.1).await?;
    if !stored.is_default {
        if let Err(e) = payments.stripe.set_default(&customer_id, &stored.card.id).await {
            return refused(&member, &state, e).await;
        }
        if let Err(e) = sync_now(&state, payments, &org_id, &customer_id).await {
            return refused(&member, &state, e).await;
        }
        let (actor, ip, now, card) = (member.current.user.id.clone(), client_ip(&req), state.clock.now(), stored.card);
        db::run(&state.pool, move |conn| {
            payment_methods::record(
                conn,
                &Change {
                    org_id: &org_id,
                    actor_id: Some(&actor),
                    ip: &ip,
                    action: "billing.payment_method_default",
                    card: &card,
                    details: "",
                    mail: None,
                    now,
                },
            )
            .map_err(AppError::from)
        })
        .await?;
    }
    flash(&session, "Default payment method changed.");
    Ok(see_other(&list_url(&member)))
}

#[derive(Template)]
#[template(path = "billing_payment_method_remove.html")]
pub struct RemovePage {
    pub layout: Layout,
    pub base: String,
    pub method: MethodItem,
    pub refusal: Option<&'static str>,
}

impl RemovePage {
    /// The confirmation for `stored`, or why it cannot be removed now.
    fn of(member: &OrgMember, state: &AppState, stored: &Stored, others: usize) -> Self {
        RemovePage {
            layout: member.layout("Remove a payment method", "payment-methods"),
            base: base(member),
            refusal: removal_refused(stored.is_default, others),
            method: items(std::slice::from_ref(stored), state.clock.now().date()).remove(0),
        }
    }
}

#[get("/billing/payment-methods/{id}/remove")]
pub async fn confirm_remove(
    member: OrgMember,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    provider(&member, &state)?;
    let (_, _, stored, others) = owned(&state, member.org_id(), &path.1).await?;
    render_with(StatusCode::OK, &RemovePage::of(&member, &state, &stored, others))
}

#[post("/billing/payment-methods/{id}/remove")]
pub async fn remove(
    req: HttpRequest,
    member: OrgMember,
    path: web::Path<(String, String)>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let payments = provider(&member, &state)?;
    let org_id = member.org_id().to_string();
    let (customer, customer_id, stored, others) = owned(&state, &org_id, &path.1).await?;
    let page = RemovePage::of(&member, &state, &stored, others);
    if page.refusal.is_some() {
        return render_with(StatusCode::CONFLICT, &page);
    }
    if let Err(e) = payments.stripe.detach(&stored.card.id).await {
        return refused(&member, &state, e).await;
    }
    if let Err(e) = sync_now(&state, payments, &org_id, &customer_id).await {
        return refused(&member, &state, e).await;
    }
    let card = stored.card;
    let mail = mail(&state, &member, &customer, &card, false);
    let (actor, ip, now) = (member.current.user.id.clone(), client_ip(&req), state.clock.now());
    let key = format!("removed:{}", card.id);
    db::run(&state.pool, move |conn| {
        let action = "billing.payment_method_remove";
        let change =
            Change { org_id: &org_id, actor_id: Some(&actor), ip: &ip, action, card: &card, details: "", mail, now };
        payment_methods::record_once(conn, &key, &change).map_err(AppError::from)
    })
    .await?;
    flash(&session, "Payment method removed.");
    Ok(see_other(&list_url(&member)))
}
