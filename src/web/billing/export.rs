//! Every invoice of the organization's customer account as CSV (`billing.view`).

use actix_web::{get, web, HttpResponse};

use crate::db;
use crate::domain::Permission;
use crate::error::AppError;
use crate::store::{customer_data, invoices};
use crate::web::csv_export::{attachment, CsvExport};
use crate::web::extract::OrgMember;
use crate::web::AppState;

#[get("/orgs/{slug}/billing/invoices.csv")]
pub async fn invoices_csv(member: OrgMember, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    member.require(Permission::BillingView)?;
    let org_id = member.org_id().to_string();
    let rows = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let Some(customer) = customer_data::customer_of(conn, &org_id)? else { return Ok(Vec::new()) };
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
