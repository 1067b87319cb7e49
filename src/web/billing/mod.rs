//! The organization's Billing pages: billing details (edited with
//! `billing.manage`), the subscription's priced entitlements, the invoices
//! of its customer account, the members whose personal usage it pays, and
//! Usage (what its projects and billed members used, by month and by day),
//! and Payment methods through the payment provider (and its webhooks).

pub mod billed;
pub mod export;
pub mod page;
pub mod payment_methods;
pub mod provider_webhook;
pub mod usage;
pub mod usage_day;

/// What a billed member reads in their personal space and settings.
pub fn billed_note(org_name: &str, since: time::PrimitiveDateTime) -> String {
    format!("Your personal usage is billed to {org_name} since {}.", super::format::long_date(since))
}
