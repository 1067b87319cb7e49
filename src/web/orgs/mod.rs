//! An organization itself: creating it, its page and settings, leaving and
//! deleting it, and its activity log.

pub mod activity;
pub mod api_keys;
pub mod lifecycle;
pub mod page;
pub mod settings;
