//! The time source. Production reads the system clock; tests start it at a
//! fixed moment of their own (so no test depends on the day it runs) and move
//! it forward to expire invitations without sleeping. Time still flows from
//! that moment at the system clock's pace.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use time::{OffsetDateTime, PrimitiveDateTime};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// A clock that reads `start` (UTC) now and runs on from there.
    pub fn starting_at(start: PrimitiveDateTime) -> Self {
        let offset = start.assume_utc() - OffsetDateTime::now_utc();
        Self { offset_secs: Arc::new(AtomicI64::new(offset.whole_seconds())) }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn starts_where_told_and_moves_on() {
        let clock = Clock::starting_at(datetime!(2028-02-28 12:00));
        let start = clock.now();
        assert!(start >= datetime!(2028-02-28 11:59:59) && start <= datetime!(2028-02-28 12:00:01), "{start}");
        clock.clone().advance(Duration::from_secs(24 * 3600));
        assert_eq!(clock.now().date(), time::macros::date!(2028 - 02 - 29));
    }
}
