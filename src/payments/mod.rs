//! The payment provider (Stripe's API shape): the client for the Payment
//! methods page and the check of its webhooks' signatures. The portal keeps
//! the provider's ids only; card numbers go from the browser to the
//! provider's hosted fields and never reach the portal.

pub mod stripe;
pub mod webhook;
