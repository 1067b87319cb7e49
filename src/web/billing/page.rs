//! The Billing page and the billing details form.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::{self, AnyConnection};
use crate::domain::billing::{BillingDetails, FieldErrors};
use crate::domain::countries::{self, COUNTRIES};
use crate::domain::customer_import::Invoice;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::billing;
use crate::store::billing::billed_members::{self, BilledMember};
use crate::store::billing::invoices::{self, InvoiceCursor};
use crate::store::customer::{self, CustomerLink};
use crate::store::kept::Kept;
use crate::web::extract::{flash, OrgMember};
use crate::web::input::{Form, FormFields};
use crate::web::layout::{render_with, Layout};
use crate::web::pager::{cut_to_page, Pager};
use crate::web::signed_in_page::SignedInPage;
use crate::web::{format, see_other, AppState};

pub const INVOICES_PAGE: i64 = 25;

pub struct InvoiceItem {
    pub number: String,
    pub issued: String,
    pub period: String,
    pub amount: String,
    pub status: String,
    pub status_class: &'static str,
    pub due: String,
    pub pdf_url: Option<String>,
}

#[derive(Clone)]
pub struct PricedItem {
    pub product: String,
    pub support_level: String,
    pub term: String,
    pub quantity: i32,
    pub price: String,
}

#[derive(Template)]
#[template(path = "billing.html")]
pub struct BillingPage {
    pub layout: Layout,
    pub slug: String,
    pub customer: Option<String>,
    pub details: Option<BillingDetails>,
    pub country_name: String,
    pub form: BillingDetails,
    pub errors: FieldErrors,
    pub can_manage: bool,
    pub countries: &'static [(&'static str, &'static str)],
    pub priced: Vec<PricedItem>,
    pub invoices: Vec<InvoiceItem>,
    pub pager: Pager,
    /// The staff area's read-only view.
    pub staff: bool,
    /// Where its pages are: /orgs/{slug}/billing or the staff area's.
    pub base: String,
    pub org_name: String,
    pub billed: Vec<BilledItem>,
    pub ended: Vec<BilledItem>,
    /// The billed-member form's address and its error.
    pub billed_email: String,
    pub billed_error: Option<String>,
}

pub struct BilledItem {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub since: String,
    pub until: String,
    pub added_by: String,
    pub ended_by: String,
}

impl From<BilledMember> for BilledItem {
    fn from(b: BilledMember) -> Self {
        BilledItem {
            since: format::date(b.since),
            until: b.until.map(format::date).unwrap_or_default(),
            user_id: b.user_id,
            name: b.name,
            email: b.email,
            added_by: b.added_by,
            ended_by: b.ended_by,
        }
    }
}

impl BillingPage {
    /// The form's text fields: (name, label, value, required).
    pub fn fields(&self) -> Vec<(&'static str, &'static str, &str, bool)> {
        let f = &self.form;
        vec![
            ("contact_name", "Billing contact name", &f.contact_name, true),
            ("contact_email", "Billing contact email", &f.contact_email, true),
            ("legal_name", "Legal name", &f.legal_name, true),
            ("address_line1", "Address", &f.address_line1, true),
            ("address_line2", "Address line 2", &f.address_line2, false),
            ("city", "City", &f.city, true),
            ("postal_code", "Postal code", &f.postal_code, false),
            ("tax_id", "Tax id (VAT number)", &f.tax_id, false),
        ]
    }

    /// The country select's options: (code, name, selected).
    pub fn country_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        self.countries.iter().map(|(code, name)| (*code, *name, *code == self.form.country)).collect()
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "paid" => "badge badge-ok",
        "overdue" => "badge badge-bad",
        "void" => "badge badge-muted",
        _ => "badge badge-warn",
    }
}

pub fn invoice_item(i: Invoice) -> InvoiceItem {
    InvoiceItem {
        issued: format::day(i.issued_on),
        period: format!("{} – {}", format::day(i.period_start), format::day(i.period_end)),
        amount: i.amount.format(),
        status_class: status_class(&i.status),
        due: format::day(i.due_on),
        number: i.number,
        status: i.status,
        pdf_url: i.pdf_url,
    }
}

#[derive(Deserialize, Default)]
pub struct BillingQuery {
    before: Option<String>,
}

impl BillingQuery {
    /// Where the invoice page starts (None: the newest).
    pub fn cursor(&self) -> Option<InvoiceCursor> {
        self.before.as_deref().and_then(decode)
    }
}

fn decode(s: &str) -> Option<InvoiceCursor> {
    format::parse_keyset_token(s).map(|(at, id)| InvoiceCursor { issued_on: at.date(), id })
}

/// What the page reads: details, customer account, priced entitlements, a page of invoices.
#[derive(Clone)]
pub struct Loaded {
    details: Option<BillingDetails>,
    customer: Option<CustomerLink>,
    priced: Vec<PricedItem>,
    invoices: Vec<(String, Invoice)>,
    billed: Vec<BilledMember>,
    ended: Vec<BilledMember>,
}

/// How many ended billing periods the page lists.
const ENDED_SHOWN: i64 = 20;

pub fn load(conn: &mut AnyConnection, org_id: &str, before: Option<&InvoiceCursor>) -> Result<Loaded, AppError> {
    let details = billing::find(conn, org_id)?;
    let customer = customer::customer_of(conn, org_id)?;
    let (priced, invoices) = match &customer {
        None => (Vec::new(), Vec::new()),
        Some(c) => {
            let priced = customer::entitlements(conn, &c.id)?
                .into_iter()
                .filter_map(|e| {
                    let price = e.price.as_ref()?.format();
                    Some(PricedItem {
                        term: format!("{} – {}", format::day(e.starts_on), format::day(e.ends_on)),
                        product: e.product,
                        support_level: e.support_level,
                        quantity: e.quantity,
                        price,
                    })
                })
                .collect();
            (priced, invoices::page(conn, &c.id, before, INVOICES_PAGE + 1)?)
        }
    };
    let billed = billed_members::current(conn, org_id)?;
    let ended = billed_members::ended(conn, org_id, ENDED_SHOWN)?;
    Ok(Loaded { details, customer, priced, invoices, billed, ended })
}

/// Builds the page from what was read; `base` is the page's own address.
pub fn page(
    layout: Layout,
    org: (&str, &str),
    base: &str,
    mut loaded: Loaded,
    past_first: bool,
    staff: bool,
) -> BillingPage {
    let (slug, org_name) = org;
    let next_href = cut_to_page(&mut loaded.invoices, INVOICES_PAGE)
        .map(|(id, last)| format!("{base}?before={}", format::keyset_token(last.issued_on.midnight(), id)));
    let details = loaded.details;
    BillingPage {
        layout,
        slug: slug.to_string(),
        customer: loaded.customer.as_ref().map(crate::web::customer::views::customer_label),
        country_name: details.as_ref().and_then(|d| countries::name(&d.country)).unwrap_or("").to_string(),
        form: details.clone().unwrap_or_default(),
        details,
        errors: FieldErrors::new(),
        can_manage: false,
        countries: COUNTRIES,
        priced: loaded.priced,
        invoices: loaded.invoices.into_iter().map(|(_, i)| invoice_item(i)).collect(),
        pager: Pager::new(base.to_string(), past_first, next_href, "Older"),
        staff,
        base: base.to_string(),
        org_name: org_name.to_string(),
        billed: loaded.billed.into_iter().map(BilledItem::from).collect(),
        ended: loaded.ended.into_iter().map(BilledItem::from).collect(),
        billed_email: String::new(),
        billed_error: None,
    }
}

pub(super) async fn member_page(
    member: &OrgMember,
    state: &AppState,
    query: BillingQuery,
) -> Result<BillingPage, AppError> {
    member.require(Permission::BillingView)?;
    let before = query.cursor();
    let past_first = before.is_some();
    let org_id = member.org_id().to_string();
    let loaded = db::run_read(&state.pool, move |conn| load(conn, &org_id, before.as_ref())).await?;
    Ok(member_view(member, loaded, past_first))
}

/// The page of `loaded` as `member` sees it.
fn member_view(member: &OrgMember, loaded: Loaded, past_first: bool) -> BillingPage {
    let (slug, name) = (&member.view.org.slug, &member.view.org.name);
    let base = format!("/orgs/{slug}/billing");
    let mut page = page(member.layout("Billing", "billing"), (slug, name), &base, loaded, past_first, false);
    page.can_manage = member.can(Permission::BillingManage);
    page
}

/// Organizations' first Billing pages, kept under their billing_version
/// (migration 000030's triggers move it with everything [`load`] reads).
pub type FirstPages = Kept<Loaded>;

#[get("/billing")]
pub async fn show(
    org_page: SignedInPage,
    query: web::Query<BillingQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let before = query.cursor();
    let past_first = before.is_some();
    let kept = state.billing_pages.clone();
    let (member, loaded) = org_page
        .load(Permission::BillingView, move |conn, view| match &before {
            Some(before) => load(conn, &view.org.id, Some(before)),
            None => {
                let first =
                    kept.get_or_read(&view.org.id, view.org.billing_version, || load(conn, &view.org.id, None))?;
                Ok(Loaded::clone(&first))
            }
        })
        .await?;
    render_with(StatusCode::OK, &member_view(&member, loaded, past_first))
}

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    tax_id: String,
}

impl FormFields for DetailsForm {
    const TYPED: &'static [&'static str] = &[
        "contact_name",
        "contact_email",
        "legal_name",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "country",
        "tax_id",
    ];
}

#[post("/billing/details")]
pub async fn save(
    req: HttpRequest,
    member: OrgMember,
    form: Form<DetailsForm>,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingManage)?;
    let f = form.into_inner();
    let mut details = BillingDetails {
        contact_name: f.contact_name,
        contact_email: f.contact_email,
        legal_name: f.legal_name,
        address_line1: f.address_line1,
        address_line2: f.address_line2,
        city: f.city,
        postal_code: f.postal_code,
        country: f.country,
        tax_id: f.tax_id,
    };
    if let Err(errors) = details.check() {
        let mut page = member_page(&member, &state, BillingQuery::default()).await?;
        page.form = details;
        page.errors = errors;
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (org_id, actor) = (member.org_id().to_string(), member.actor(&req, &state));
    let changed =
        db::run(&state.pool, move |conn| billing::save(conn, &org_id, &details, &actor).map_err(AppError::from))
            .await?;
    flash(&session, if changed { "Billing details saved." } else { "Nothing to change." });
    Ok(see_other(&format!("/orgs/{}/billing", member.view.org.slug)))
}
