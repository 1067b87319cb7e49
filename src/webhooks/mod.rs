//! Webhook delivery (issue 30): the worker that sends the queue
//! ([`worker`]) and where a delivery may connect ([`resolve`]). The signing,
//! the URL rules and the retry schedule are in domain/webhook; the queue is
//! store/webhooks. Nothing here runs inside a request.

pub mod resolve;
pub mod worker;
