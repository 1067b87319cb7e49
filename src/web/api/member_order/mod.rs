//! A large organization's members in join order, kept in memory under the
//! `members_version` and primary owner they were read for: each member's
//! id, name and email (as JSON strings), role and join time. A page of the
//! list, first or after any cursor, is then a binary search and a hundred
//! objects written from those pieces.
//!
//! Why: a page of 100 read from SQLite after the 90,000th member spent a
//! third of its time finding each member's account by id, and a third
//! more writing the JSON; it served 0.7x the HTML Members page (issue 29,
//! docs/benchmarks.md).
//!
//! When: a list without a search, of an organization with more members than
//! its page, whose order is not kept at the version and owner the request
//! read is answered from the database as before, and has the order built in
//! the background: one build per organization at a time, and not again
//! within [`REBUILD_AFTER`] of the last one (an organization that changes
//! all the time is read from the database). A kept order is used only at
//! the version the request read in its own transaction, which every change
//! to a membership moves, so a change shows at once, as without it.
//!
//! Bounded: [`KEPT_BYTES`] in all; an organization larger than that alone
//! is always read from the database.

mod order;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use order::Order;

use crate::store::members::whole_order;
use crate::web::AppState;

/// The memory all kept orders may hold (about 100 bytes a member).
pub const KEPT_BYTES: usize = 48 << 20;
/// The least time between two builds of one organization's order.
pub const REBUILD_AFTER: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct MemberOrders {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    kept: HashMap<String, Arc<Order>>,
    bytes: usize,
    /// When each organization's last build started.
    started: HashMap<String, Instant>,
    building: std::collections::HashSet<String>,
}

impl MemberOrders {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Entries are replaced whole: a panic elsewhere leaves none half-written.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The organization's order, if kept at this version and owner.
    pub fn get(&self, org_id: &str, version: i64, owner_id: &str) -> Option<Arc<Order>> {
        let inner = self.lock();
        let order = inner.kept.get(org_id)?;
        (order.version == version && order.owner_id == owner_id).then(|| order.clone())
    }

    /// How many orders are kept, and the bytes they hold.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.kept.len(), inner.bytes)
    }

    /// Whether a build of the organization's order may start now (and if
    /// so, it is counted as started).
    fn begin(&self, org_id: &str, now: Instant) -> bool {
        let mut inner = self.lock();
        let recent = inner.started.get(org_id).is_some_and(|t| now.duration_since(*t) < REBUILD_AFTER);
        if recent || inner.building.contains(org_id) {
            return false;
        }
        inner.building.insert(org_id.to_string());
        inner.started.insert(org_id.to_string(), now);
        true
    }

    /// Ends a build: keeps its order, making room by dropping others.
    fn end(&self, org_id: &str, built: Option<Order>) {
        let mut inner = self.lock();
        inner.building.remove(org_id);
        if let Some(old) = inner.kept.remove(org_id) {
            inner.bytes -= old.bytes();
        }
        let Some(order) = built.filter(|o| o.bytes() <= KEPT_BYTES) else { return };
        while inner.bytes + order.bytes() > KEPT_BYTES {
            let Some(any) = inner.kept.keys().next().cloned() else { break };
            if let Some(dropped) = inner.kept.remove(&any) {
                inner.bytes -= dropped.bytes();
            }
        }
        inner.bytes += order.bytes();
        inner.kept.insert(org_id.to_string(), Arc::new(order));
    }
}

/// Builds the organization's order in the background, unless one is being
/// built or was built within [`REBUILD_AFTER`].
pub fn build_later(state: &AppState, org_id: &str, owner_id: &str) {
    let orders = state.member_orders.clone();
    if !orders.begin(org_id, Instant::now()) {
        return;
    }
    let (pool, org_id, owner_id) = (state.pool.clone(), org_id.to_string(), owner_id.to_string());
    actix_web::rt::spawn(async move {
        let id = org_id.clone();
        // On the blocking pool, not `run_read`: that reads on the HTTP worker
        // it is called from, which a 100,000-member build would hold for a
        // third of a second. `whole_order::read` needs no transaction.
        let built = crate::db::run(&pool, move |conn| build(conn, &id, &owner_id)).await;
        let built = built.unwrap_or_else(|e: crate::error::AppError| {
            tracing::warn!(org = %org_id, error = %e, "the member order was not built");
            None
        });
        orders.end(&org_id, built);
    });
}

/// Most members an order is built for: more would not fit in [`KEPT_BYTES`]
/// (at 100 bytes a member; a build that reads fewer but longer ones and
/// does not fit is not kept either).
const MOST_MEMBERS: usize = KEPT_BYTES / 100;

fn build(
    conn: &mut crate::db::AnyConnection,
    org_id: &str,
    owner_id: &str,
) -> Result<Option<Order>, crate::error::AppError> {
    let mut order = Order::new(0, owner_id);
    let mut failed = None;
    let version = whole_order::read(conn, org_id, MOST_MEMBERS, |row| {
        if failed.is_none() {
            failed = order.push(&row).err();
        }
    })?;
    if let Some(e) = failed {
        return Err(crate::error::AppError::internal(e));
    }
    Ok(version.map(|v| {
        order.version = v;
        order
    }))
}

#[cfg(test)]
mod tests {
    use super::order::samples::*;
    use super::*;

    #[test]
    fn an_order_is_given_only_for_its_version_and_owner() {
        let orders = MemberOrders::default();
        assert!(orders.begin("org", Instant::now()));
        orders.end("org", Some(order(&rows())));
        assert!(orders.get("org", 7, &uid("b2")).is_some());
        assert!(orders.get("org", 8, &uid("b2")).is_none(), "another version");
        assert!(orders.get("org", 7, &uid("a1")).is_none(), "another owner");
        assert!(orders.get("other", 7, &uid("b2")).is_none());
    }

    #[test]
    fn one_build_at_a_time_and_not_again_soon() {
        let orders = MemberOrders::default();
        let now = Instant::now();
        assert!(orders.begin("org", now));
        assert!(!orders.begin("org", now), "one is being built");
        orders.end("org", None);
        assert!(!orders.begin("org", now + Duration::from_secs(1)), "built a second ago");
        assert!(orders.begin("org", now + REBUILD_AFTER));
        assert!(orders.begin("other", now), "another organization");
    }

    #[test]
    fn kept_orders_stay_within_their_bytes() {
        let orders = MemberOrders::default();
        let one = order(&rows()).bytes();
        let many = KEPT_BYTES / one + 5;
        for i in 0..many {
            orders.end(&format!("org{i}"), Some(order(&rows())));
        }
        let inner = orders.lock();
        assert!(inner.bytes <= KEPT_BYTES);
        assert_eq!(inner.bytes, inner.kept.values().map(|o| o.bytes()).sum::<usize>());
        assert!(inner.kept.contains_key(&format!("org{}", many - 1)), "the newest is kept");
    }
}
