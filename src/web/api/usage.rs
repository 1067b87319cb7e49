//! `/api/v1/orgs/{slug}/usage` (billing.view): a month's usage totals per
//! metric, for the organization's projects and for each billed member's
//! personal space, from the monthly totals the Usage page reads.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::key_auth::KeyAuth;
use super::paging::Params;
use crate::db;
use crate::domain::usage::{month_of, parse_month};
use crate::domain::Permission;
use crate::store::billing::usage_bill;
use crate::web::problem::Problem;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"space": "organization", "metric": "device.hours", "quantity": 7200}))]
pub struct UsageTotal {
    /// `organization` for the organization's projects, or the user id of a
    /// billed member for their personal space.
    pub space: String,
    pub metric: String,
    pub quantity: i64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"month": "2027-01", "totals": [{"space": "organization", "metric": "device.hours", "quantity": 7200}]}))]
pub struct MonthUsage {
    /// YYYY-MM.
    pub month: String,
    pub totals: Vec<UsageTotal>,
}

/// A month's usage totals.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/usage", tag = "Usage", operation_id = "getUsage",
    params(("slug" = String, Path, description = "The organization's URL name"),
        ("month" = Option<String>, Query, description = "YYYY-MM (UTC); the current month when absent")),
    responses((status = 200, description = "The month's totals", body = MonthUsage),
        (status = 401, response = super::responses::Unauthorized), (status = 403, response = super::responses::Forbidden),
        (status = 404, response = super::responses::NotFound), (status = 422, response = super::responses::Invalid),
        (status = 429, response = super::responses::TooMany)),
    security(("api_key" = [])))]
pub async fn month(auth: KeyAuth, req: HttpRequest) -> Result<HttpResponse, Problem> {
    auth.require(Permission::BillingView)?;
    let params = Params::of(&req);
    let month = match params.get("month").filter(|m| !m.is_empty()) {
        None => month_of(auth.state.clock.now().date()),
        Some(m) => {
            parse_month(m).ok_or_else(|| Problem::invalid("month", "A month is written YYYY-MM, e.g. 2027-01."))?
        }
    };
    let org_id = auth.org_id().to_string();
    let rows =
        db::run(&auth.state.pool, move |conn| usage_bill::totals(conn, &org_id, month).map_err(Problem::from)).await?;
    let totals = rows
        .into_iter()
        .map(|(space, metric, quantity)| UsageTotal {
            space: if space.is_empty() { "organization".into() } else { space },
            metric,
            quantity,
        })
        .collect();
    let label = format!("{:04}-{:02}", month.year(), u8::from(month.month()));
    Ok(HttpResponse::Ok().json(MonthUsage { month: label, totals }))
}
