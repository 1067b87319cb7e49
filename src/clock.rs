//! The time source. Production reads the system clock; tests move a shared
//! offset forward to expire invitations without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use time::{OffsetDateTime, PrimitiveDateTime};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// The current UTC time, as stored (no offset).
    pub fn now(&self) -> PrimitiveDateTime {
        let now = OffsetDateTime::now_utc() + time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed));
        PrimitiveDateTime::new(now.date(), now.time())
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs() as i64, Ordering::Relaxed);
    }
}
