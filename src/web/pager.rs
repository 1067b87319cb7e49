//! Keyset paging on list pages: the links under a list
//! (`templates/partials/pager.html`) and the extra row that says whether
//! there is a next page.
//!
//! Every list pages by a cursor (the last row's sort key and id), never by
//! OFFSET: OFFSET reads and throws away every earlier row, so page 200 of a
//! large organization costs 200 pages, and rows added meanwhile shift what
//! the next page shows. The store writes the cursor's condition as
//! `key >= x AND (key > x OR id > y)`, which SQLite turns into an index
//! range; the textbook `key > x OR (key = x AND id > y)` it cannot, and a
//! page 9,000 rows deep then walked the index from its first row.

pub struct Pager {
    /// The list's first page, once the reader is past it.
    pub first_href: Option<String>,
    pub next_href: Option<String>,
    /// "Next page" for lists in name order, "Older" for newest-first ones.
    pub next_label: &'static str,
}

impl Pager {
    /// `first` is the first page's address; it is linked only when `past_first`.
    pub fn new(first: String, past_first: bool, next_href: Option<String>, next_label: &'static str) -> Self {
        Self { first_href: past_first.then_some(first), next_href, next_label }
    }
}

/// `rows` were read with one more than `size`: drops that one and returns the
/// page's last row when it was there, i.e. when a next page starts after it.
pub fn cut_to_page<T>(rows: &mut Vec<T>, size: i64) -> Option<&T> {
    let size = usize::try_from(size).unwrap_or(0);
    if rows.len() <= size {
        return None;
    }
    rows.truncate(size);
    rows.last()
}
