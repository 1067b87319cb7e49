//! The Billing pages' CSV exports (`billing.view`): every invoice of the
//! organization's customer account, and a month's usage.

use actix_web::{get, web, HttpResponse};

use super::usage::UsageQuery;
use crate::db;
use crate::domain::usage::{month_key, next_month};
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::billing::billed_members;
use crate::store::billing::invoices;
use crate::store::billing::usage::DELETED;
use crate::store::billing::usage_bill;
use crate::store::customer;
use crate::web::csv_export::{attachment, CsvExport};
use crate::web::extract::OrgMember;
use crate::web::AppState;

#[get("/billing/invoices.csv")]
pub async fn invoices_csv(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingView)?;
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(customer) = customer::customer_of(conn, &org_id)? else { return Ok(Vec::new()) };
        let mut all = invoices::all(conn, &customer.id)?;
        all.sort_by(|a, b| (b.issued_on, &b.number).cmp(&(a.issued_on, &a.number)));
        Ok(all)
    })
    .await?;
    let columns = ["number", "issued", "period_start", "period_end", "amount", "currency", "status", "due", "pdf_url"];
    let mut csv = CsvExport::new(&columns)?;
    for i in rows {
        let (issued, start, end, due) =
            (i.issued_on.to_string(), i.period_start.to_string(), i.period_end.to_string(), i.due_on.to_string());
        let amount = i.amount.decimal();
        let pdf = i.pdf_url.unwrap_or_default();
        csv.row(&[&i.number, &issued, &start, &end, &amount, &i.amount.currency, &i.status, &due, &pdf])?;
    }
    Ok(attachment(csv.finish()?, &format!("{}-invoices.csv", member.view.org.slug)))
}

/// The month's usage lines as CSV (`billing.view`): one row per project,
/// space and metric, and the deleted projects' total.
#[get("/billing/usage.csv")]
pub async fn usage_csv(
    member: OrgMember,
    query: web::Query<UsageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingView)?;
    let month = query.month(state.clock.now().date())?;
    let org_id = member.org_id().to_string();
    let (lines, totals, billed) = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let (start, end) = (month.midnight(), next_month(month).midnight());
        Ok((
            usage_bill::month_lines(conn, &org_id, month)?,
            usage_bill::totals(conn, &org_id, month)?,
            billed_members::during(conn, &org_id, start, end)?,
        ))
    })
    .await?;
    let key = month_key(month);
    let org_name = &member.view.org.name;
    let mut csv = CsvExport::new(&["month", "space", "project", "metric", "quantity"])?;
    for (project, via, metric, quantity) in lines {
        let space = match billed.iter().find(|b| b.user_id == via) {
            _ if via.is_empty() => org_name.clone(),
            Some(b) => format!("personal: {} <{}>", b.name, b.email),
            None => "personal: deleted account".to_string(),
        };
        csv.row(&[&key, &space, &project, &metric, &quantity.to_string()])?;
    }
    for (_, metric, quantity) in totals.iter().filter(|(space, _, _)| space == DELETED) {
        csv.row(&[&key, "deleted projects", "", metric, &quantity.to_string()])?;
    }
    Ok(attachment(csv.finish()?, &format!("{}-usage-{key}.csv", member.view.org.slug)))
}
