//! The organization's Billing page (`billing.view`): billing details
//! (edited with `billing.manage`), the subscription's priced entitlements
//! and the invoices of its customer account, with their CSV export.

pub mod export;
pub mod page;
