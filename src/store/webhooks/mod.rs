//! Webhooks in the database: an organization's endpoints (`endpoints`), the
//! events its changes write in their own transactions (`events`, a shared
//! piece every area calls, as it calls `activity`), the JSON each event
//! carries (`payload`), and the queue the worker in `crate::webhooks`
//! delivers from (`deliveries`). Uses only the shared pieces (changes,
//! activity), never another area, so every area may call it.

pub mod deliveries;
pub mod endpoints;
pub mod events;
pub mod payload;

pub use events::record;
