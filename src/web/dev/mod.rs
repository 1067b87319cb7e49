//! What the embedded default mounts for development: the sign-in provider's
//! HTTP side and the mailbox of mail written to disk.

pub mod mailbox;
pub mod oauth;
