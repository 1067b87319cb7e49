//! A value per organization (or project) kept in memory under the version it
//! was read at: the shape of the Members pages (members::kept_pages),
//! the Members page's side lists (web/members/waiting.rs), the Activity
//! page's filter choices (activity::kept_facets) and a project's first Team
//! page (projects::first_team).
//!
//! The version is made of columns that database triggers move with every
//! change the value shows, read in the request's own read transaction (with
//! the session, or with the project). A value kept under another version, older
//! or newer (a restored database), is read again: nothing shown is older than
//! the request's snapshot, on any instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many organizations' (or projects') values are kept (a few kB each).
const KEPT: usize = 256;

/// Values of `V` by organization or project id (or another key made from it).
pub struct Kept<V, Version = i64> {
    kept: Mutex<HashMap<String, (Version, Arc<V>)>>,
    capacity: usize,
}

impl<V, Version> Default for Kept<V, Version> {
    fn default() -> Self {
        Self::holding(KEPT)
    }
}

impl<V, Version> Kept<V, Version> {
    /// At most `capacity` values at once.
    pub fn holding(capacity: usize) -> Self {
        Self { kept: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }
}

impl<V, Version: PartialEq + Copy> Kept<V, Version> {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Version, Arc<V>)>> {
        // Entries are replaced whole: a panic elsewhere leaves none half-written.
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value kept for `id` at exactly `version`.
    pub fn get(&self, id: &str, version: Version) -> Option<Arc<V>> {
        self.lock().get(id).filter(|(at, _)| *at == version).map(|(_, value)| value.clone())
    }

    /// Keeps `value` as `id`'s at `version`, in place of any other; when
    /// full, some other organization's value makes room.
    pub fn keep(&self, id: &str, version: Version, value: Arc<V>) {
        let mut kept = self.lock();
        if kept.len() >= self.capacity && !kept.contains_key(id) {
            if let Some(any) = kept.keys().next().cloned() {
                kept.remove(&any);
            }
        }
        kept.insert(id.to_string(), (version, value));
    }

    /// The value kept at `version`, or `read`'s, which is then kept.
    pub fn get_or_read<E>(&self, id: &str, version: Version, read: impl FnOnce() -> Result<V, E>) -> Result<Arc<V>, E> {
        if let Some(value) = self.get(id, version) {
            return Ok(value);
        }
        let value = Arc::new(read()?);
        self.keep(id, version, value.clone());
        Ok(value)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_given_only_for_the_version_it_was_read_at() {
        let kept: Kept<&str, (i64, i64)> = Kept::default();
        kept.keep("a", (3, 50), Arc::new("three"));
        assert_eq!(kept.get("a", (3, 50)).as_deref(), Some(&"three"));
        assert!(kept.get("a", (4, 50)).is_none(), "a newer version");
        assert!(kept.get("a", (2, 50)).is_none(), "an older one (a restored database)");
        assert!(kept.get("a", (3, 20)).is_none(), "another part of the version");
        assert!(kept.get("b", (3, 50)).is_none(), "another organization");
        kept.keep("a", (4, 50), Arc::new("four"));
        assert!(kept.get("a", (3, 50)).is_none(), "replaced");
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn a_value_is_read_once_per_version() {
        let kept: Kept<i32> = Kept::default();
        let mut reads = 0;
        for version in [1, 1, 1, 2, 2] {
            kept.get_or_read("a", version, || {
                reads += 1;
                Ok::<_, ()>(version as i32)
            })
            .unwrap();
        }
        assert_eq!(reads, 2);
        assert!(kept.get_or_read("b", 1, || Err("down")).is_err(), "an error is passed on");
        assert!(kept.get("b", 1).is_none(), "and nothing is kept for it");
    }

    #[test]
    fn no_more_than_kept_organizations_are_held() {
        let kept: Kept<()> = Kept::default();
        for i in 0..KEPT + 10 {
            kept.keep(&format!("org{i}"), 1, Arc::new(()));
        }
        assert_eq!(kept.len(), KEPT);
        assert!(kept.get(&format!("org{}", KEPT + 9), 1).is_some(), "the newest is held");
        let few: Kept<()> = Kept::holding(3);
        for i in 0..5 {
            few.keep(&format!("page{i}"), 1, Arc::new(()));
        }
        assert_eq!(few.len(), 3);
        assert!(few.get("page4", 1).is_some());
    }
}
