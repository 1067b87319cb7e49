//! Webhooks (issue 30), the parts that are rules and arithmetic: how a
//! delivery is signed ([`signature`], the Standard Webhooks format), which
//! URLs and addresses a delivery may not go to ([`endpoint_url`],
//! [`address`]), the event types ([`events`]) and when a failed delivery is
//! tried again ([`retry`]). Storage, the delivery worker and the pages build
//! on these.

pub mod address;
pub mod description;
pub mod endpoint_url;
pub mod events;
pub mod retry;
pub mod signature;
