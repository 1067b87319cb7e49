//! An organization's customer data (entitlements, tickets, contacts), raising
//! tickets, connected services and the API those services call.

pub mod pages;
pub mod service_api;
pub mod services;
pub mod ticket_form;
pub mod views;
