//! Sign-in: OAuth providers, the development provider, session helpers, CSRF.

pub mod csrf;
pub mod dev_provider;
pub mod discovery;
pub mod failure;
pub mod id_token;
pub mod key_file;
pub mod oauth;
pub mod providers;
pub mod secrets_key;
pub mod session;
pub mod session_key;

pub use providers::{Provider, Providers};
