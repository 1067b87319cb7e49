//! Mail: transports (SMTP, or files in the data directory), the email
//! templates, and the outbox worker. Nothing here runs inside a request.

pub mod domain_mail;
pub mod payment_mail;
pub mod relay;
pub mod templates;
pub mod transport;
pub mod webhook_mail;
pub mod worker;

pub use transport::Transport;
