//! orgportal: a self-hosted organization portal. The binary in `main.rs` is a
//! thin command line over this library; the tests drive it through
//! [`startup::Application`].

pub mod auth;
pub mod check_config;
pub mod clock;
pub mod config;
pub mod db;
pub mod dns;
pub mod domain;
pub mod error;
pub mod mail;
pub mod payments;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod upkeep;
pub mod web;
pub mod webhooks;
