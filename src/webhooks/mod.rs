//! Webhook delivery (issue 30): where a delivery may connect. The signing,
//! the URL rules and the retry schedule are in domain/webhook; the outbox
//! worker that sends deliveries will live here beside [`resolve`], as the
//! mail worker lives in mail/. Nothing here runs inside a request.

pub mod resolve;
